"""Settings: every registered section as its own form, each stale-checked against the stored section."""

from __future__ import annotations

from flask import abort, g

from console import settings_form, stale, versions
from console.forms import FormReader
from console.web import bp, done, page, render, submitted
from core.db import unit_of_work
from tenants.settings import service as settings
from tenants.settings.registry import sections


@bp.route("/settings", endpoint="settings")
@page("settings")
def settings_page():
    return _page()


def _page(errors=None, refusal=None, status=200, failed=None):
    with unit_of_work() as session:
        shown = settings.get_all(session)
        forms = [{"name": name, "title": str(settings_form.TITLES.get(name, name.replace("_", " ").capitalize())),
                  "version": versions.settings_section(session, name=name),
                  "fields": settings_form.describe(name, registered.schema, shown[name], currency=g.console.currency)}
                 for name, registered in sorted(sections().items())]
    return render("console/settings.html", status, forms=forms, errors=errors or {}, refusal=refusal, failed=failed)


@bp.route("/settings/<section>", methods=["POST"])
@page("settings")
def save_settings(section):
    registered = sections().get(section)
    if registered is None:
        abort(404)

    def write() -> str:
        form = FormReader(currency=g.console.currency)
        with unit_of_work() as session:
            stale.check(versions.settings_section(session, name=section, lock=True))
            fields = settings_form.describe(section, registered.schema, settings.get_all(session)[section],
                                            currency=g.console.currency)
            document = settings_form.read(fields, form)
            form.load(registered.schema(), document, prefix=section)  # every field's error at once
            settings.update(session, patch={section: document})
        return done("console.settings", "saved") + f"#section-{section}"

    return submitted(write, again=lambda **kw: _page(failed=section, **kw))
