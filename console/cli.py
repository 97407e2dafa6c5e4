"""`flask console …`: commands for the console."""

from __future__ import annotations

import click


@click.group("console")
def console_cli():
    """The console for merchants, cashiers and finance clerks."""
