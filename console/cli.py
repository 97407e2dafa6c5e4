"""`flask console …`: commands for the console."""

from __future__ import annotations

import click

from console.screenshots import screenshots_command


@click.group("console")
def console_cli():
    """The console for merchants, cashiers and finance clerks."""


console_cli.add_command(screenshots_command)
