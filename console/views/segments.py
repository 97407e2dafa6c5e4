"""Segments: the list with member counts, and a rule builder (rows of field, operator and value; no JSON typed)
to create or edit one, with a preview count of who matches before saving."""

from __future__ import annotations

from flask import g, request

from console import rule_builder, stale, versions
from console.forms import FormErrors, FormReader
from console.web import bp, done, page, render, submitted
from core.db import unit_of_work
from core.errors import InvalidRequest
from loyalty.segments import service as segments
from loyalty.segments.schemas import SegmentCreateSchema

LISTED = 50
NEW_ROWS = 2  # blank condition rows offered on a new segment (one more on an existing one)


@bp.route("/segments", endpoint="segments")
@page("segments")
def segments_list():
    with unit_of_work() as session:
        listed = segments.list_segments(session, limit=LISTED, starting_after=request.args.get("starting_after"))
        counts = {segment.id: segments.preview(session, segment_id=segment.id)["count"] for segment in listed.data}
    return render("console/segments/list.html", segments=listed, counts=counts)


@bp.route("/segments/new", methods=["GET", "POST"])
@page("segments")
def new_segment():
    if request.method == "GET":
        return _builder_page(None)
    return _builder_post(None)


@bp.route("/segments/<segment_id>", methods=["GET", "POST"])
@page("segments")
def segment(segment_id):
    if request.method == "GET":
        return _builder_page(segment_id)
    return _builder_post(segment_id)


def _builder_post(segment_id: str | None):
    """The builder's buttons: add or remove a row and preview re-show the form; save creates or updates."""
    action = request.form.get("do", "save")
    if action == "add-rule":
        return _builder_page(segment_id, add=1)
    if action.startswith("remove-rule-") and action.rsplit("-", 1)[1].isdigit():
        return _builder_page(segment_id, remove=int(action.rsplit("-", 1)[1]))
    if action == "preview":
        return _preview(segment_id)
    return submitted(lambda: _save(segment_id), again=lambda **kw: _builder_page(segment_id, **kw))


def _preview(segment_id: str | None):
    """How many customers the rule as typed matches now; changes nothing (422 with the rule's errors)."""
    form = FormReader(currency=g.console.currency)
    rule, origins = rule_builder.read(form)
    try:
        form.raise_if_any()
        with unit_of_work() as session:
            counted = segments.preview_rule(session, rule=rule)
    except FormErrors as error:
        return _builder_page(segment_id, errors=error.fields, refusal=error, status=error.status)
    except InvalidRequest as invalid:
        error = FormErrors(rule_builder.field_errors(invalid.errors or {}, origins))
        return _builder_page(segment_id, errors=error.fields, refusal=error, status=error.status)
    return _builder_page(segment_id, counted=counted)


def _save(segment_id: str | None) -> str:
    form = FormReader(currency=g.console.currency)
    rule, origins = rule_builder.read(form)
    terms = form.load(SegmentCreateSchema(), {"name": form.text("name", blank_as_none=False), "rule": rule})
    with unit_of_work() as session:
        try:
            if segment_id is None:
                segment_id = segments.create_segment(session, **terms).id
                notice = "created"
            else:
                stale.check(versions.segment(session, segment_id=segment_id, lock=True))
                segments.update_segment(session, segment_id=segment_id, **terms)
                notice = "saved"
        except InvalidRequest as invalid:
            raise FormErrors(rule_builder.field_errors(invalid.errors or {}, origins)) from None
    return done("console.segment", notice, segment_id=segment_id)


def _builder_page(segment_id: str | None, errors=None, refusal=None, status=200, add: int = 0,
                  remove: int | None = None, counted: dict | None = None):
    currency = g.console.currency
    with unit_of_work() as session:
        found = segments.get_segment(session, segment_id=segment_id) if segment_id else None
        version = versions.segment(session, segment_id=segment_id) if segment_id else None
        tags = segments.list_tags(session, limit=100, starting_after=None).data
        stored_count = segments.preview(session, segment_id=segment_id)["count"] if segment_id else None
    match, rows, nested = rule_builder.rows_of(found.rule if found else None, currency=currency)
    if request.method == "POST" and g.get("keep_submitted", True):
        rows = rule_builder.submitted_rows(FormReader(currency=currency), add=add, remove=remove)
    else:
        rows += [rule_builder.Row(len(rows) + offset) for offset in range(1 if found else NEW_ROWS)]
    return render("console/segments/builder.html", status, segment=found, version=version, match=match, rows=rows,
                  nested=nested, tags=tags, stored_count=stored_count, counted=counted, errors=errors or {},
                  refusal=refusal, fields=rule_builder.field_choices(), ops=rule_builder.op_choices(),
                  matches=rule_builder.match_choices(), suggestions=rule_builder.value_suggestions(tags),
                  kinds=rule_builder.field_kinds())
