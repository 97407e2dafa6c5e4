"""What the console contributes to the app: its blueprint (pages, templates, static files), languages and CLI."""

from __future__ import annotations

from flask import Flask


def init_console(app: Flask) -> None:
    from console import views  # noqa: F401 - registers every page on the blueprint
    from console.cli import console_cli
    from console.i18n import init_i18n
    from console.web import bp

    init_i18n(app)
    app.register_blueprint(bp)
    app.cli.add_command(console_cli)
