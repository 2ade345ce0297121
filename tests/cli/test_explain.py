"""`labelpulse report explain REPORT`: each figure with the dashboard's help text."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from labelpulse.cli import app
from labelpulse.metrics.glossary import help_for
from labelpulse.metrics.registry import SPECS


def _flat(text: str) -> str:
    """The table's text with its borders and line breaks gone: words separated by one space."""
    return re.sub(r"\s+", " ", re.sub(r"[│┃┏┓┗┛┡┩━─┼╇┳┻└┘├┤┌┐╭╮╰╯]", " ", text))


@pytest.mark.parametrize("name", ["member", "members", "work"])
def test_explain_lists_each_figure_with_its_help(name: str) -> None:
    result = CliRunner().invoke(app, ["report", "explain", name])
    assert result.exit_code == 0, result.output
    flat = _flat(result.stdout)
    spec = SPECS[name]
    for column in (*spec.columns, *spec.figures, *spec.daily):
        text = help_for(name, column.key)
        if text is None:
            continue
        # Rich wraps a long text over several lines of its cell: compare its first words.
        assert column.key in flat, column.key
        assert " ".join(text.split()[:5]) in flat, column.key


def test_explain_an_unknown_report_names_the_known_ones() -> None:
    result = CliRunner().invoke(app, ["report", "explain", "nope"])
    assert result.exit_code == 2
    assert "Unknown report 'nope'" in result.output and "members" in result.output
