"""Every field of Line reaches every shape ptcpt writes (issue 14: one shape, one place).

Adding a field to Line should be one edit plus its tests: these tests name no field, so a
new one that a reader or writer forgets fails here.
"""

from __future__ import annotations

import datetime as dt
import json

import attrs
import pytest

from ptcpt._visit import LINE_FIELDS, Line, Visit
from ptcpt.serialize import visit_from_json, visit_to_json

LINE = Line(
    code="97110",
    units=2,
    minutes=30,
    modifiers=("GP", "KX"),
    group_size=2,
    assistant_minutes=10,
    description="squats",
)
VISIT = Visit(date=dt.date(2025, 3, 12), lines=(LINE,), payer="medicare", id="v1")


def test_the_sample_line_sets_every_field_it_can_away_from_its_default() -> None:
    unset = [a.name for a in attrs.fields(Line) if getattr(LINE, a.name) == a.default]
    assert not unset, f"give the sample line a value for {unset}"


def test_every_line_field_round_trips_through_json() -> None:
    data = json.loads(visit_to_json(VISIT))
    assert tuple(data["lines"][0]) == LINE_FIELDS
    assert visit_from_json(visit_to_json(VISIT)) == VISIT


def test_every_line_field_is_a_frame_column_and_round_trips() -> None:
    pytest.importorskip("pandas")
    from ptcpt.frames import visits_from_frame, visits_to_frame

    frame = visits_to_frame([VISIT])
    assert set(LINE_FIELDS) <= set(frame.columns)
    assert [visit for _, visit in visits_from_frame(frame)] == [VISIT]


def test_a_priced_line_reads_fields_a_line_has() -> None:
    # Pricing reads only the fields it needs, by the names Line gives them; a Line is
    # priced as it is, so a new field of Line needs no edit in fees.py.
    from ptcpt.fees import PricedLineInput

    assert {a.name for a in attrs.fields(PricedLineInput)} <= set(LINE_FIELDS)
