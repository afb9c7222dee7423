"""ptcpt._display: every notebook table is built here, and every value in it is escaped."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import attrs
from hypothesis import given
from hypothesis import strategies as st

from ptcpt import _display as display
from ptcpt.classifier import classify
from ptcpt.fees import Estimate, PricedLineInput, price_lines

DOS_2026 = dt.date(2026, 3, 2)
SRC = Path(display.__file__).resolve().parent


def _estimate() -> Estimate:
    lines = [PricedLineInput(code="97110", units=2, modifiers=("GP",)), PricedLineInput(code="97026")]
    return price_lines(lines, on=DOS_2026, locality="AL-00")


_ESTIMATE = _estimate()


def test_an_estimate_displays_through_display() -> None:
    estimate = _ESTIMATE
    page = display.estimate_html(estimate)
    assert estimate._repr_html_() == page
    assert page.startswith("<table><caption>Estimate for 2026-03-02, locality AL-00, CF ")
    assert "<td>total</td>" in page and "some lines have no estimate" in page
    assert "Unconfirmed inputs" in page and "<script" not in page


def test_an_estimate_money_is_dollars_with_cents() -> None:
    estimate = _ESTIMATE
    assert f"${estimate.total:,.2f}" in display.estimate_html(estimate)


@given(st.text(min_size=1, max_size=40))
def test_an_estimate_escapes_its_notes_and_unconfirmed_inputs(text: str) -> None:
    estimate = attrs.evolve(_ESTIMATE, notes=(f"<b>{text}</b>",), unconfirmed=(f"<i>{text}</i>",))
    page = display.estimate_html(estimate)
    assert "<b>" not in page and "<i>" not in page
    assert "&lt;b&gt;" in page and "&lt;i&gt;" in page


def test_suggestions_display_through_display() -> None:
    found = classify("gait training <b>x</b>")
    page = display.suggestions_html(found)
    assert found._repr_html_() == page
    assert "97116" in page and "<b>x</b>" not in page
    assert display.suggestions_html(classify("MRI")).startswith("<p>No physical-therapy code")


def test_value_modules_build_no_html() -> None:
    """Values know nothing of screens: no module but display imports ``html``."""
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "_display.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert all(a.name != "html" for a in node.names), path
            elif isinstance(node, ast.ImportFrom):
                assert node.module != "html", path
