"""Languages: Simplified Chinese first, English when the browser asks for it or the clerk picks it.

The pick is a cookie, so it holds on the sign-in page too. Catalogues live in console/translations and
are compiled by bin/setup (`pybabel compile`); the source strings are English.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, request
from flask_babel import Babel

# What the switch offers -> Babel's locale (whose name, with its script, is the catalogue's folder).
LANGUAGES = {"zh-CN": "zh_Hans_CN", "en": "en"}
DEFAULT = "zh-CN"
COOKIE = "fission_console_lang"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def current_language() -> str:
    """zh-CN or en: the clerk's pick, else the browser's preference among ours, else Chinese."""
    picked = request.cookies.get(COOKIE)
    if picked in LANGUAGES:
        return picked
    return request.accept_languages.best_match(list(LANGUAGES)) or DEFAULT


def _locale() -> str:
    return LANGUAGES[current_language()]


def init_i18n(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", LANGUAGES[DEFAULT])
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    Babel(app, locale_selector=_locale)
