"""Line and Visit: structural validation where the values are born."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from decimal import Decimal
from typing import Any

import attrs
import pytest

import ptcpt
from ptcpt._visit import Line, Visit
from ptcpt.errors import InvalidVisit, PtcptError

DAY = dt.date(2025, 3, 12)


class FakeNumpyInt:
    """Stands in for numpy.int64: an integer-like value that is not an int."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __index__(self) -> int:
        return self.value


def visit(**changes: Any) -> Visit:
    fields: dict[str, Any] = {"date": DAY, "lines": (Line(code="97110", minutes=23, units=2),)}
    fields.update(changes)
    return Visit(**fields)


def raises_at(path: str, match: str) -> Any:
    """pytest.raises for an InvalidVisit at exactly ``path``; returns the context manager."""
    return pytest.raises(InvalidVisit, match=f"^{re.escape(path)}: (.*)?{match}")


# -- Line: the good cases ----------------------------------------------------------------
def test_line_defaults_are_one_unit_and_nothing_else() -> None:
    line = Line(code="97161")
    assert (line.units, line.minutes, line.modifiers) == (1, None, ())
    assert (line.group_size, line.assistant_minutes, line.description) == (None, None, None)


def test_line_is_keyword_only_frozen_and_slotted() -> None:
    line = Line(code="97110", minutes=23, units=2)
    with pytest.raises(TypeError):
        Line("97110")  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        line.units = 3  # type: ignore[misc]
    assert not hasattr(line, "__dict__")
    assert attrs.evolve(line, units=1).units == 1
    assert hash(line) == hash(Line(code="97110", minutes=23, units=2))


def test_modifiers_are_upper_cased_deduplicated_and_keep_their_order() -> None:
    line = Line(code="97140", modifiers=["gp", "59", "GP", "kx", "59"])
    assert line.modifiers == ("GP", "59", "KX")


def test_integer_like_values_become_plain_ints() -> None:
    line = Line(code="97110", minutes=FakeNumpyInt(23), units=FakeNumpyInt(2))
    assert line.minutes == 23 and type(line.minutes) is int
    assert line.units == 2 and type(line.units) is int


def test_assistant_minutes_may_equal_minutes_or_stand_alone() -> None:
    assert Line(code="97110", minutes=20, assistant_minutes=20).assistant_minutes == 20
    assert Line(code="97110", assistant_minutes=5).assistant_minutes == 5


def test_well_shaped_unknown_and_deleted_codes_are_not_structural_errors() -> None:
    # 97762 was deleted in 2018 and 99999 is not a PT code: the rule engine reports them.
    assert Line(code="97762").code == "97762"
    assert Line(code="99999").code == "99999"
    assert Line(code="G0283").code == "G0283"
    assert Line(code="0552T").code == "0552T"


# -- Line: every structural error ---------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "path", "message"),
    [
        ({"minutes": -5}, "minutes", "must be a whole number >= 0, got -5"),
        ({"minutes": 1441}, "minutes", r"must be at most 1440 \(24 hours\)"),
        ({"minutes": 12.5}, "minutes", "must be a whole number >= 0, got 12.5"),
        ({"minutes": 15.0}, "minutes", "must be a whole number >= 0, got 15.0"),
        ({"minutes": "15"}, "minutes", "must be a whole number >= 0, got '15'"),
        ({"minutes": True}, "minutes", "must be a whole number >= 0, got True"),
        ({"minutes": Decimal("15")}, "minutes", "must be a whole number >= 0, got 15"),
        ({"units": 0}, "units", "must be a whole number from 1 to 1000, got 0"),
        ({"units": -1}, "units", "must be a whole number from 1 to 1000, got -1"),
        ({"units": 1001}, "units", "must be a whole number from 1 to 1000, got 1001"),
        ({"units": None}, "units", "must be a whole number from 1 to 1000, got None"),
        ({"units": False}, "units", "must be a whole number from 1 to 1000, got False"),
        ({"code": "9711"}, "code", "must be a CPT/HCPCS code"),
        ({"code": "971100"}, "code", "must be a CPT/HCPCS code"),
        ({"code": "97L10"}, "code", "must be a CPT/HCPCS code"),
        ({"code": "g0283"}, "code", "must be a CPT/HCPCS code: 5 characters in upper case"),
        ({"code": " 97110"}, "code", "must be a CPT/HCPCS code"),
        ({"code": 97110}, "code", "must be a CPT/HCPCS code.*got 97110"),
        ({"code": None}, "code", "must be a CPT/HCPCS code.*got None"),
        ({"modifiers": "GP"}, "modifiers", "must be a list of 2-character modifiers"),
        ({"modifiers": {"GP"}}, "modifiers", "must be a list of 2-character modifiers.*, got a set$"),
        ({"modifiers": ["GP", "G"]}, "modifiers[1]", "must be 2 letters or digits"),
        ({"modifiers": ["GPX"]}, "modifiers[0]", "must be 2 letters or digits"),
        ({"modifiers": ["G-"]}, "modifiers[0]", "must be 2 letters or digits"),
        ({"modifiers": [59]}, "modifiers[0]", "must be 2 letters or digits.*got 59"),
        ({"group_size": 0}, "group_size", "must be a whole number >= 1"),
        ({"group_size": 2.0}, "group_size", "must be a whole number >= 1"),
        ({"assistant_minutes": -1}, "assistant_minutes", "must be a whole number >= 0, got -1"),
        ({"assistant_minutes": 2000}, "assistant_minutes", "must be at most 1440"),
        (
            {"assistant_minutes": 25},
            "assistant_minutes",
            r"must not exceed the line's minutes \(20\), got 25",
        ),
        ({"description": 5}, "description", "must be text or null, got 5"),
    ],
)
def test_line_structural_errors_name_the_field(changes: dict[str, Any], path: str, message: str) -> None:
    fields: dict[str, Any] = {"code": "97110", "minutes": 20}
    fields.update(changes)
    with raises_at(path, message) as info:
        Line(**fields)
    assert info.value.path == path
    assert isinstance(info.value, PtcptError) and isinstance(info.value, ValueError)


def test_long_text_is_never_echoed() -> None:
    secret = "Jane Q. Patient, DOB 1950-01-01, knee"
    for fields in (
        {"code": secret},
        {"code": "97110", "modifiers": [secret]},
        {"code": "97110", "units": secret},
    ):
        with pytest.raises(InvalidVisit) as info:
            Line(**fields)
        assert "Jane" not in str(info.value)
        assert "-character string" in str(info.value)


# -- Visit --------------------------------------------------------------------------------
def test_visit_defaults_and_list_to_tuple() -> None:
    v = Visit(date=DAY, lines=[Line(code="97110", minutes=23, units=2)])
    assert isinstance(v.lines, tuple)
    assert (v.payer, v.id, v.ytd_allowed) == ("medicare", None, None)
    with pytest.raises(TypeError):
        Visit(DAY, [Line(code="97110")])  # type: ignore[misc]


def test_visit_carries_no_patient_fields() -> None:
    assert [f.name for f in attrs.fields(Visit)] == ["date", "lines", "payer", "id", "ytd_allowed"]
    assert [f.name for f in attrs.fields(Line)] == [
        "code",
        "units",
        "minutes",
        "modifiers",
        "group_size",
        "assistant_minutes",
        "description",
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1250.10"), Decimal("1250.10")),
        (1250, Decimal(1250)),
        ("1250.10", Decimal("1250.10")),
        ("+0", Decimal(0)),
        (0.1, Decimal("0.1")),
        (Decimal("-0.00"), Decimal("0.00")),
        (None, None),
    ],
)
def test_ytd_allowed_becomes_an_exact_decimal(value: Any, expected: Decimal | None) -> None:
    amount = visit(ytd_allowed=value).ytd_allowed
    assert amount == expected
    assert amount is None or (isinstance(amount, Decimal) and not amount.is_signed())


@pytest.mark.parametrize(
    ("changes", "path", "message"),
    [
        ({"lines": []}, "lines", "must hold at least one line"),
        ({"lines": ()}, "lines", "must hold at least one line"),
        ({"lines": None}, "lines", "must be a list or tuple of ptcpt.Line, got None"),
        ({"lines": "97110"}, "lines", "must be a list or tuple of ptcpt.Line"),
        ({"lines": [Line(code="97110"), {"code": "97140"}]}, "lines[1]", "must be a ptcpt.Line, got a dict"),
        ({"date": "2025-03-12"}, "date", "must be a datetime.date .*got '2025-03-12'"),
        ({"date": dt.datetime(2025, 3, 12, 9, 30)}, "date", r"got a datetime \(pass its .date\(\)\)"),
        ({"date": None}, "date", "must be a datetime.date"),
        ({"payer": "Medicare"}, "payer", "must be a payer profile id.*got 'Medicare'"),
        ({"payer": ""}, "payer", "must be a payer profile id"),
        ({"payer": "-acme"}, "payer", "must be a payer profile id"),
        ({"payer": "acme plan"}, "payer", "must be a payer profile id"),
        ({"payer": "a" * 65}, "payer", "at most 64 characters, got a 65-character string"),
        ({"payer": None}, "payer", "must be a payer profile id.*got None"),
        ({"id": ""}, "id", "must be 1 to 64 characters with no whitespace, got a 0-character string"),
        ({"id": "claim 17"}, "id", "must be 1 to 64 characters with no whitespace, got a 8-character"),
        ({"id": "x" * 65}, "id", "got a 65-character string"),
        ({"id": 17}, "id", "got 17"),
        ({"ytd_allowed": -1}, "ytd_allowed", "must be a decimal amount >= 0 such as '1250.00', got -1"),
        ({"ytd_allowed": "-5.00"}, "ytd_allowed", "must be a decimal amount >= 0.*got '-5.00'"),
        ({"ytd_allowed": "1,250.00"}, "ytd_allowed", "must be a decimal amount >= 0"),
        ({"ytd_allowed": "1e3"}, "ytd_allowed", "must be a decimal amount >= 0"),
        ({"ytd_allowed": "NaN"}, "ytd_allowed", "must be a decimal amount >= 0"),
        ({"ytd_allowed": "twelve"}, "ytd_allowed", "must be a decimal amount >= 0.*, got 'twelve'$"),
        ({"ytd_allowed": float("nan")}, "ytd_allowed", "got nan"),
        ({"ytd_allowed": float("inf")}, "ytd_allowed", "got inf"),
        ({"ytd_allowed": Decimal("NaN")}, "ytd_allowed", "must be a decimal amount >= 0"),
        ({"ytd_allowed": Decimal("Infinity")}, "ytd_allowed", "must be a decimal amount >= 0"),
        ({"ytd_allowed": True}, "ytd_allowed", "got True"),
        ({"ytd_allowed": [1]}, "ytd_allowed", "got a list"),
    ],
)
def test_visit_structural_errors_name_the_field(changes: dict[str, Any], path: str, message: str) -> None:
    with raises_at(path, message) as info:
        visit(**changes)
    assert info.value.path == path


def test_payer_ids_of_plugin_profiles_are_accepted() -> None:
    for payer in ("medicaid", "commercial", "acme.ppo-2025", "bcbs_ne", "9health"):
        assert visit(payer=payer).payer == payer


def test_visit_id_is_opaque() -> None:
    assert visit(id="EMR:2025/03/12#17").id == "EMR:2025/03/12#17"


def test_equal_visits_are_equal_and_hashable() -> None:
    assert visit(ytd_allowed="10.5") == visit(ytd_allowed=Decimal("10.50"))
    assert len({visit(), visit()}) == 1


# -- the package surface ----------------------------------------------------------------
def test_models_are_exported_from_the_package() -> None:
    assert ptcpt.Line is Line
    assert ptcpt.Visit is Visit
    assert {"Line", "Visit", "UnitPlan"} <= set(ptcpt.__all__)
    assert ptcpt.units.total_units(23) == 2
    assert callable(ptcpt.serialize.visit_from_json)
    assert {"units", "serialize"} <= set(dir(ptcpt))


def test_import_ptcpt_does_not_load_the_visit_modules() -> None:
    probe = (
        "import sys, ptcpt; "
        "print(sorted(m for m in ('ptcpt._visit', 'ptcpt.units', 'ptcpt.serialize', 'attrs') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- look-alike digits and the day's minutes (issue 12) ---------------------------------
FULL_WIDTH = "\uff19\uff17\uff11\uff11\uff10"  # 97110 in full-width digits
ARABIC_INDIC = "\u0669\u0667\u0661\u0661\u0660"  # 97110 in Arabic-Indic digits


@pytest.mark.parametrize("code", [FULL_WIDTH, ARABIC_INDIC, "9711\uff10", "G\u0660283"])
def test_codes_in_non_ascii_digits_are_refused_naming_the_field(code: str) -> None:
    with raises_at("code", "ASCII letters and digits"):
        Line(code=code)


@pytest.mark.parametrize("units", ["\uff13", "\u0663", "3"])
def test_units_are_whole_numbers_not_text_in_any_script(units: str) -> None:
    with raises_at("units", "must be a whole number"):
        Line(code="97110", units=units)


@pytest.mark.parametrize(
    "amount", ["\u0661\u0664\u0668\u0660.\u0660\u0660", "\uff11\uff14\uff18\uff10", "1480.\u0660"]
)
def test_money_in_non_ascii_digits_is_refused_not_read_as_a_number(amount: str) -> None:
    with raises_at("ytd_allowed", "must be a decimal amount"):
        visit(ytd_allowed=amount)
    assert visit(ytd_allowed="1480.00").ytd_allowed == Decimal("1480.00")


@pytest.mark.parametrize("codes", [("97110", "97110"), ("97110", "97140")])
def test_a_days_minutes_are_bounded_across_all_lines(codes: tuple[str, str]) -> None:
    lines = [Line(code=code, minutes=800, units=53) for code in codes]
    with raises_at("lines[1].minutes", "add up to 1600, more than the 1440 minutes in a day"):
        Visit(date=DAY, lines=lines)


def test_a_full_day_of_minutes_over_several_lines_is_accepted() -> None:
    lines = [Line(code="97110", minutes=720), Line(code="97140"), Line(code="97530", minutes=720)]
    assert sum(line.minutes or 0 for line in Visit(date=DAY, lines=lines).lines) == 1440
    with raises_at("lines[3].minutes", "add up to 1441"):
        Visit(date=DAY, lines=[*lines, Line(code="97112", minutes=1)])


# -- the fast constructors (issue 14, bug 3): the same object as the validated path ----------
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ptcpt._visit import (  # noqa: E402
    LINE_FIELDS,
    MAX_UNITS,
    VISIT_FIELDS,
    fast_line,
    fast_visit,
    line_with_units,
)

# JSON values a line field could hold: valid ones and near misses of every JSON type.
_JSON_VALUE = (
    st.none()
    | st.booleans()
    | st.integers(-3, 1500)
    | st.sampled_from(["97110", "g0283", "G0283", "0552T", "9711x", "GP", "gp", "59", "", "x y"])
    | st.text(max_size=6)
    | st.lists(st.sampled_from(["GP", "gp", "KX", "59", "G", 5, None]), max_size=3)
)
_CODES = st.from_regex(r"\A(?:[0-9]{5}|[0-9]{4}[FTU]|[A-V][0-9]{4})\Z")


@st.composite
def _json_lines(draw: st.DrawFn) -> dict[str, Any]:
    """A line object as parsed JSON: every field of Line, each present or not."""
    data: dict[str, Any] = {}
    for name in LINE_FIELDS:
        if name == "code" or draw(st.booleans()):
            data[name] = draw((_CODES if name == "code" else st.integers(0, 60)) | _JSON_VALUE)
    return data


def _validated(build: Any, data: Any) -> Any:
    try:
        return build(data)
    except InvalidVisit as exc:
        return f"InvalidVisit: {exc}"


@given(_json_lines())
def test_fast_line_builds_the_line_the_validators_build(data: dict[str, Any]) -> None:
    validated = _validated(lambda d: Line(**d), data)
    fast = fast_line(data)
    if fast is not None:  # it never accepts what the validators refuse or change
        assert fast == validated
        assert type(fast) is Line
        assert attrs.astuple(fast, recurse=False) == attrs.astuple(validated, recurse=False)


@given(st.builds(Line, code=_CODES, units=st.integers(1, 9), minutes=st.none() | st.integers(0, 90)))
def test_fast_line_takes_every_plain_line(line: Line) -> None:
    data = {name: getattr(line, name) for name in LINE_FIELDS}
    data["modifiers"] = list(line.modifiers)
    assert fast_line(data) == line


@given(st.lists(_json_lines(), min_size=1, max_size=3), st.sampled_from(["2025-03-12", "2025-02-30", 5]))
def test_fast_visit_builds_the_visit_the_validators_build(lines: list[dict[str, Any]], day: Any) -> None:
    data = {"date": day, "lines": lines}
    fast = fast_visit(data)
    if fast is not None:
        validated = Visit(date=dt.date.fromisoformat(day), lines=[Line(**line) for line in lines])
        assert fast == validated


@given(st.builds(Line, code=_CODES, minutes=st.none() | st.integers(0, 90)), st.integers(-2, MAX_UNITS + 2))
def test_line_with_units_is_evolve(line: Line, units: int) -> None:
    assert _validated(lambda n: line_with_units(line, n), units) == _validated(
        lambda n: attrs.evolve(line, units=n), units
    )


def test_every_default_passes_its_converter_unchanged() -> None:
    # The fast constructors give an absent field its default without the converter.
    for cls in (Line, Visit):
        for field in attrs.fields(cls):
            if field.default is attrs.NOTHING:
                continue
            assert not isinstance(field.default, attrs.Factory), field.name  # type: ignore[arg-type]
            assert field.converter is not None
            assert field.converter(field.default) == field.default, field.name  # type: ignore[operator]


def test_the_field_lists_are_the_attrs_fields() -> None:
    assert tuple(a.name for a in attrs.fields(Line)) == LINE_FIELDS
    assert tuple(a.name for a in attrs.fields(Visit)) == VISIT_FIELDS
