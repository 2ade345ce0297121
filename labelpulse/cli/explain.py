"""`labelpulse report explain REPORT`: each figure of a report with its help text, the same words
the dashboard's "?" tips show (labelpulse/metrics/glossary.py)."""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.table import Table

from labelpulse.metrics.glossary import help_for
from labelpulse.metrics.registry import SPECS


def explain_report(name: str) -> None:
    spec = SPECS.get(name)
    if spec is None:
        typer.echo(f"Unknown report {name!r}: one of {', '.join(SPECS)}.", err=True)
        raise typer.Exit(2)
    table = Table(title=f"{name}: {spec.help}", title_justify="left", show_lines=True)
    table.add_column("figure", no_wrap=True)
    table.add_column("column", no_wrap=True)
    table.add_column("what it means")
    for column in (*spec.columns, *spec.figures, *spec.daily):
        text = help_for(name, column.key)
        if text is not None:
            table.add_row(column.label, column.key, text)
    Console(width=None if sys.stdout.isatty() else 120).print(table)
