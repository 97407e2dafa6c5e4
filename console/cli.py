"""`flask console …`: commands for the console."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from console import screenshots

console_cli = AppGroup("console", help="The console for merchants, cashiers and finance clerks.")


@console_cli.command("screenshots")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--language", type=click.Choice(["zh-CN", "en"]), default="zh-CN", show_default=True)
def screenshots_command(directory: Path, language: str):
    """Write a PNG of every console page at 1440 and 820 pixels wide, against the demo tenant."""
    for path in screenshots.take(directory, language=language):
        click.echo(str(path))
