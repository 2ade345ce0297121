"""`labelpulse pay ...`: contractor pay. A minimal group made by RATES for `pay rates`; PAY's
cli/pay.py (the report, closing periods) replaces it and attaches `rates` with one line."""

from __future__ import annotations

import typer

from labelpulse.cli import rates

app = typer.Typer(
    help="Contractor pay: rates, the pay report, closing periods.", no_args_is_help=True
)
app.add_typer(rates.app, name="rates")  # RATES
