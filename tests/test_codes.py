from __future__ import annotations

import datetime as dt

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ptcpt._codes import Category, Code, TherapyList, Timing, is_code_shaped


def make(**overrides: object) -> Code:
    fields: dict[str, object] = {
        "code": "97110",
        "name": "Therapeutic exercise",
        "summary": "Exercise aimed at one goal such as strength or range.",
        "category": "therapeutic-procedure",
        "timing": "timed",
        "unit_minutes": 15,
        "one_on_one": True,
        "therapy_list": "always",
        "disciplines": ("PT", "OT"),
    }
    fields.update(overrides)
    return Code(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["97110", "0552T", "G0283", "S8948", "0001F", "0001U"])
def test_code_shapes_accepted(value: str) -> None:
    assert is_code_shaped(value)


@pytest.mark.parametrize(
    "value", ["9711O", "9711", "971100", "g0283", "", " 97110", 97110, None, "Z0283", "0552X"]
)
def test_code_shapes_rejected(value: object) -> None:
    assert not is_code_shaped(value)


def test_str_is_the_code_and_enums_convert() -> None:
    code = make()
    assert str(code) == "97110"
    assert code.category is Category.THERAPEUTIC_PROCEDURE
    assert code.timing is Timing.TIMED
    assert code.therapy_list is TherapyList.ALWAYS
    assert code.is_timed
    assert not code.is_add_on


def test_malformed_code_is_rejected_with_the_field_named() -> None:
    with pytest.raises(ValueError, match=r"^code: must look like a CPT/HCPCS code"):
        make(code="9711O")


def test_timed_code_needs_unit_minutes_and_untimed_refuses_them() -> None:
    with pytest.raises(ValueError, match="unit_minutes"):
        make(unit_minutes=None)
    with pytest.raises(ValueError, match="unit_minutes"):
        make(timing="untimed", unit_minutes=15)
    assert make(timing="untimed", unit_minutes=None).unit_minutes is None


def test_deleted_must_follow_effective() -> None:
    with pytest.raises(ValueError, match="deleted"):
        make(effective=dt.date(2020, 1, 1), deleted=dt.date(2019, 1, 1))


def test_unknown_discipline_and_flag_are_rejected() -> None:
    with pytest.raises(ValueError, match="disciplines"):
        make(disciplines=("PT", "DC"))
    with pytest.raises(ValueError, match="unconfirmed"):
        make(unconfirmed=("colour",))


def test_codes_are_frozen_and_edited_by_evolve() -> None:
    code = make()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        code.name = "x"  # type: ignore[misc]
    changed = attrs.evolve(code, name="Exercise")
    assert changed.name == "Exercise"
    assert code.name == "Therapeutic exercise"


def test_status_for_a_date_of_service() -> None:
    code = make(effective=dt.date(2018, 1, 1), deleted=dt.date(2020, 1, 1))
    assert code.status(dt.date(2017, 12, 31)) == "not-yet-effective"
    assert code.status(dt.date(2018, 1, 1)) == "active"
    assert code.status(dt.date(2019, 12, 31)) == "active"
    assert code.status(dt.date(2020, 1, 1)) == "deleted"


@given(
    effective=st.none() | st.dates(),
    span=st.none() | st.integers(min_value=1, max_value=20000),
    day=st.dates(),
)
def test_is_active_means_effective_le_day_lt_deleted(
    effective: dt.date | None, span: int | None, day: dt.date
) -> None:
    deleted = None
    if span is not None and effective is not None:
        try:
            deleted = effective + dt.timedelta(days=span)
        except OverflowError:
            deleted = None
    code = make(effective=effective, deleted=deleted)
    expected = (effective is None or effective <= day) and (deleted is None or day < deleted)
    assert code.is_active(day) is expected
    assert (code.status(day) == "active") is expected


@given(st.text(max_size=40))
def test_equal_codes_hash_equal(name: str) -> None:
    if not name.strip():
        name = "x"
    a, b = make(name=name), make(name=name)
    assert a == b
    assert hash(a) == hash(b)


def test_html_is_escaped() -> None:
    html = make(summary="<script>alert(1)</script>")._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
