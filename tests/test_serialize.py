from __future__ import annotations

import copy
import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ptcpt
from ptcpt._codes import CODE_PATTERN, Code
from ptcpt._visit import Line, Visit, YtdAllowed
from ptcpt.errors import InvalidVisit
from ptcpt.serialize import (
    code_from_dict,
    code_to_dict,
    from_json,
    structure,
    to_json,
    visit_from_dict,
    visit_from_json,
    visit_json_schema,
    visit_to_dict,
    visit_to_json,
)
from ptcpt.units import allocate

# Deferred so that collecting this file never needs the bundled catalog.
CODES = st.deferred(lambda: st.sampled_from(list(ptcpt.catalog())))


@given(CODES)
def test_code_dict_and_json_round_trip(code: Code) -> None:
    assert code_from_dict(code_to_dict(code)) == code
    assert from_json(to_json(code), Code) == code
    assert json.loads(to_json(code))["code"] == code.code


def test_dates_and_enums_are_plain_values() -> None:
    data = code_to_dict(ptcpt.catalog()["97762"])
    assert data["deleted"] == "2018-01-01"
    assert data["category"] == "orthotic-prosthetic"
    assert data["replaced_by"] == ["97763"]


# -- visits --------------------------------------------------------------------------------
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "visits"

#: a marker for doc()/line_doc(): remove this key.
DROP = object()

GOOD: dict[str, Any] = {
    "date": "2025-03-12",
    "payer": "medicare",
    "id": "v-17",
    "ytd_allowed": "1480.00",
    "lines": [
        {"code": "97110", "units": 2, "minutes": 23, "modifiers": ["GP"]},
        {"code": "97140", "minutes": 10, "modifiers": ["gp", "59"], "assistant_minutes": 4},
        {"code": "97150", "group_size": 3, "modifiers": ["GP"]},
        {"code": "97161", "description": "initial evaluation, left knee"},
    ],
}


def doc(**changes: Any) -> dict[str, Any]:
    """GOOD with top-level changes; a value of DROP removes the key."""
    data = copy.deepcopy(GOOD)
    for key, value in changes.items():
        if value is DROP:
            data.pop(key)
        else:
            data[key] = value
    return data


def line_doc(index: int, **changes: Any) -> dict[str, Any]:
    """GOOD with changes to one line; a value of DROP removes the key."""
    data = copy.deepcopy(GOOD)
    for key, value in changes.items():
        if value is DROP:
            data["lines"][index].pop(key)
        else:
            data["lines"][index][key] = value
    return data


def test_a_good_visit_is_built_with_normalised_modifiers() -> None:
    visit = visit_from_dict(GOOD)
    assert visit.date == dt.date(2025, 3, 12)
    assert visit.ytd_allowed == Decimal("1480.00")
    assert visit.lines[1] == Line(code="97140", minutes=10, modifiers=("GP", "59"), assistant_minutes=4)
    assert visit.lines[2].group_size == 3
    assert visit.lines[3].units == 1 and visit.lines[3].minutes is None


def test_only_date_and_lines_are_required() -> None:
    visit = visit_from_dict({"date": "2025-03-12", "lines": [{"code": "97110"}]})
    assert visit == Visit(date=dt.date(2025, 3, 12), lines=[Line(code="97110")])


def test_visit_to_dict_is_plain_json_data() -> None:
    data = visit_to_dict(visit_from_dict(GOOD))
    assert data["date"] == "2025-03-12"
    assert data["ytd_allowed"] == "1480.00"
    assert data["lines"][1]["modifiers"] == ["GP", "59"]
    assert list(data) == ["date", "payer", "id", "ytd_allowed", "lines"]
    assert json.loads(json.dumps(data)) == data


def test_input_is_never_mutated() -> None:
    data = copy.deepcopy(GOOD)
    visit_from_dict(data)
    assert data == GOOD


def test_json_numbers_for_money_are_exact() -> None:
    text = json.dumps(doc(ytd_allowed=0)).replace('"ytd_allowed": 0', '"ytd_allowed": 2330.10')
    assert visit_from_json(text).ytd_allowed == Decimal("2330.10")
    assert visit_from_dict(doc(ytd_allowed=2330)).ytd_allowed == Decimal(2330)


def test_generic_converter_uses_the_same_strict_visit_rules() -> None:
    visit = visit_from_dict(GOOD)
    assert from_json(to_json(visit), Visit) == visit
    assert json.loads(to_json(visit)) == visit_to_dict(visit)
    with pytest.raises(InvalidVisit, match=r"^lines\[0\]\.colour: unknown field"):
        structure(line_doc(0, colour="red"), Visit)


@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        (doc(colour="red"), "colour", "unknown field; the fields are date, lines, payer, id, ytd_allowed"),
        (line_doc(0, colour="red"), "lines[0].colour", "unknown field; the fields are code, units"),
        (line_doc(2, Minutes=5), "lines[2].Minutes", "unknown field"),
        (doc(patient_name="x"), "patient_name", "unknown field"),
        (line_doc(0, **{"k" * 50: 1}), "lines[0]." + "k" * 32 + "...", "unknown field"),
        (doc(date=DROP), "date", "required field is missing"),
        (doc(lines=DROP), "lines", "required field is missing"),
        (line_doc(1, code=DROP), "lines[1].code", "required field is missing"),
        (doc(lines=[]), "lines", "must hold at least one line"),
        (doc(lines={"code": "97110"}), "lines", "must be a JSON array of line objects, got a dict"),
        (doc(lines="97110"), "lines", "must be a JSON array of line objects, got '97110'"),
        (doc(lines=[["97110", 1]]), "lines[0]", "a line must be a JSON object, got a list"),
        (doc(lines=[None]), "lines[0]", "a line must be a JSON object, got None"),
        (line_doc(1, minutes=-5), "lines[1].minutes", "must be a whole number >= 0, got -5"),
        (line_doc(1, minutes=2000), "lines[1].minutes", r"must be at most 1440 \(24 hours\)"),
        (line_doc(1, minutes="10"), "lines[1].minutes", "must be a whole number >= 0, got '10'"),
        (line_doc(1, minutes=10.5), "lines[1].minutes", "must be a whole number >= 0, got 10.5"),
        (line_doc(1, minutes=True), "lines[1].minutes", "must be a whole number >= 0, got True"),
        (line_doc(0, units=0), "lines[0].units", "must be a whole number from 1 to 1000, got 0"),
        (line_doc(0, units=None), "lines[0].units", "must be a whole number from 1 to 1000, got None"),
        (line_doc(0, code="9711"), "lines[0].code", "must be a CPT/HCPCS code"),
        (line_doc(0, code="97110 "), "lines[0].code", "must be a CPT/HCPCS code"),
        (line_doc(0, code="g0283"), "lines[0].code", "must be a CPT/HCPCS code: 5 characters in upper case"),
        (line_doc(0, code=97110), "lines[0].code", "must be a CPT/HCPCS code"),
        (line_doc(0, modifiers="GP"), "lines[0].modifiers", "must be a list of 2-character modifiers"),
        (line_doc(0, modifiers=None), "lines[0].modifiers", "must be a list of 2-character modifiers"),
        (line_doc(0, modifiers=["GP", "X"]), "lines[0].modifiers[1]", "must be 2 letters or digits"),
        (line_doc(2, group_size=0), "lines[2].group_size", "must be a whole number >= 1"),
        (
            line_doc(1, assistant_minutes=11),
            "lines[1].assistant_minutes",
            "must not exceed the line's minutes",
        ),
        (line_doc(3, description=["x"]), "lines[3].description", "must be text or null, got a list"),
        (doc(date="2024-13-01"), "date", "must be an ISO date YYYY-MM-DD, got '2024-13-01'"),
        (doc(date="2024-02-30"), "date", "must be an ISO date YYYY-MM-DD, got '2024-02-30'"),
        (doc(date="2024-1-5"), "date", "must be an ISO date YYYY-MM-DD, got '2024-1-5'"),
        (doc(date="20240105"), "date", "must be an ISO date YYYY-MM-DD, got '20240105'"),
        (doc(date="2024-01-05T10:00"), "date", "must be an ISO date YYYY-MM-DD, got '2024-01-05T10:00'"),
        (doc(date=20240105), "date", "must be an ISO date YYYY-MM-DD, got 20240105"),
        (doc(date=None), "date", "must be an ISO date YYYY-MM-DD, got None"),
        (doc(ytd_allowed="1,480.00"), "ytd_allowed", "must be a decimal amount >= 0"),
        (doc(ytd_allowed="about 1500"), "ytd_allowed", "must be a decimal amount >= 0"),
        (doc(ytd_allowed=-1), "ytd_allowed", "must be a decimal amount >= 0.*got -1"),
        (doc(ytd_allowed=True), "ytd_allowed", "must be a decimal amount >= 0.*got True"),
        (doc(ytd_allowed={"amount": 1}), "ytd_allowed.amount", "not a KX bucket: use 'pt_slp'"),
        (doc(ytd_allowed={"ot": -5}), "ytd_allowed.ot", "must be a decimal amount >= 0.*got -5"),
        (doc(ytd_allowed={"pt_slp": "lots"}), "ytd_allowed.pt_slp", "must be a decimal amount >= 0"),
        (doc(ytd_allowed=["1500"]), "ytd_allowed", "must be a decimal amount >= 0.*got a list"),
        (doc(payer="Medicare"), "payer", "must be a payer profile id"),
        (doc(payer=None), "payer", "must be a payer profile id"),
        (doc(id="has space"), "id", "must be 1 to 64 characters with no whitespace"),
        (doc(id=17), "id", "must be 1 to 64 characters with no whitespace"),
    ],
)
def test_every_structural_error_names_its_path(data: Any, path: str, message: str) -> None:
    with pytest.raises(InvalidVisit, match=f"^{re.escape(path)}: (.*)?{message}") as info:
        visit_from_dict(data)
    assert info.value.path == path
    # The same document as JSON text fails the same way.
    with pytest.raises(InvalidVisit) as again:
        visit_from_json(json.dumps(data))
    assert again.value.path == path


@pytest.mark.parametrize("data", [[GOOD], "visit", None, 17])
def test_a_visit_must_be_an_object(data: Any) -> None:
    with pytest.raises(InvalidVisit, match=r"^a visit must be a JSON object") as info:
        visit_from_dict(data)
    assert info.value.path == ""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"date": "2025-03-12", "lines": [{"code": "97110", "description": "Jane Doe', "line 1 column"),
        ("", "Expecting value at line 1 column 1"),
        ('{"date": "2025-03-12",\n "lines": [}', "at line 2 column"),
        (b"\xff\xfe\x00garbage", "not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ],
)
def test_broken_json_is_invalid_visit_with_a_position_and_no_echo(text: str | bytes, message: str) -> None:
    with pytest.raises(InvalidVisit) as info:
        visit_from_json(text)
    assert info.value.path == ""
    assert message in str(info.value)
    assert str(info.value).startswith("not valid JSON")
    assert "Jane" not in str(info.value)


def test_json_nan_for_money_is_refused() -> None:
    text = json.dumps(doc(ytd_allowed=float("nan")))
    with pytest.raises(InvalidVisit, match=r"^ytd_allowed: must be a decimal amount >= 0"):
        visit_from_json(text)


def test_bytes_are_read_as_utf8_json() -> None:
    assert visit_from_json(json.dumps(GOOD).encode()) == visit_from_dict(GOOD)


def test_errors_never_echo_the_description() -> None:
    secret = "Jane Doe, MRN 12345, fell at home"
    with pytest.raises(InvalidVisit) as info:
        visit_from_dict(line_doc(3, description=secret, minutes=-1))
    assert "Jane" not in str(info.value)
    with pytest.raises(InvalidVisit) as info:
        visit_from_dict(line_doc(3, code=secret))
    assert "Jane" not in str(info.value)


# -- round trips ----------------------------------------------------------------------------------
code_strings = st.from_regex(r"\A(?:[0-9]{5}|[0-9]{4}[FTU]|[A-V][0-9]{4})\Z")
optional_minutes = st.none() | st.integers(0, 1440)


@st.composite
def lines(draw: st.DrawFn, day_left: int = 1440) -> Line:
    minutes = draw(st.none() | st.integers(0, day_left))
    cap = 1440 if minutes is None else minutes
    return Line(
        code=draw(code_strings),
        units=draw(st.integers(1, 1000)),
        minutes=minutes,
        modifiers=draw(st.lists(st.from_regex(r"\A[A-Za-z0-9]{2}\Z"), max_size=4)),
        group_size=draw(st.none() | st.integers(1, 50)),
        assistant_minutes=draw(st.none() | st.integers(0, cap)),
        description=draw(st.none() | st.text(max_size=40)),
    )


@st.composite
def days_lines(draw: st.DrawFn) -> list[Line]:
    """1-5 lines whose minutes fit in one day, as a visit's must."""
    result: list[Line] = []
    day_left = 1440
    for _ in range(draw(st.integers(1, 5))):
        line = draw(lines(day_left))
        day_left -= line.minutes or 0
        result.append(line)
    return result


visits = st.builds(
    Visit,
    date=st.dates(),
    lines=days_lines(),
    payer=st.from_regex(r"\A[a-z0-9][a-z0-9_.-]{0,20}\Z"),
    id=st.none() | st.from_regex(r"\A\S{1,64}\Z"),
    ytd_allowed=st.none()
    | st.decimals(min_value=0, max_value=10**9, allow_nan=False, allow_infinity=False, places=2)
    | st.decimals(min_value=0, max_value=10**30, allow_nan=False, allow_infinity=False)
    | st.builds(
        YtdAllowed,
        pt_slp=st.none() | st.decimals(min_value=0, max_value=10**9, places=2),
        ot=st.none() | st.decimals(min_value=0, max_value=10**9, places=2),
    ),
)


def test_ytd_allowed_as_kx_buckets_round_trips_and_a_number_is_the_pt_slp_bucket() -> None:
    buckets = visit_from_dict(doc(ytd_allowed={"pt_slp": "1200.00", "ot": 2400.5}))
    assert buckets.ytd_allowed == YtdAllowed(pt_slp=Decimal("1200.00"), ot=Decimal("2400.5"))
    assert (buckets.ytd_for("pt_slp"), buckets.ytd_for("ot")) == (Decimal("1200.00"), Decimal("2400.5"))
    assert visit_to_dict(buckets)["ytd_allowed"] == {"pt_slp": "1200.00", "ot": "2400.5"}
    assert visit_from_json(visit_to_json(buckets)) == buckets
    number = visit_from_dict(doc(ytd_allowed="1480.00"))
    assert (number.ytd_for("pt_slp"), number.ytd_for("ot")) == (Decimal("1480.00"), None)
    only_ot = visit_from_dict(doc(ytd_allowed={"ot": 10}))
    assert (only_ot.ytd_for("pt_slp"), only_ot.ytd_for("ot")) == (None, Decimal(10))
    jsonschema.validate(
        doc(ytd_allowed={"pt_slp": 1, "ot": "2"}), SCHEMA, cls=jsonschema.Draft202012Validator
    )


@given(visits)
def test_visit_dict_and_json_round_trip(visit: Visit) -> None:
    assert visit_from_dict(visit_to_dict(visit)) == visit
    assert visit_from_json(visit_to_json(visit)) == visit
    assert visit_from_json(visit_to_json(visit, indent=2)) == visit


@given(visits)
def test_every_visit_we_write_is_valid_under_the_schema(visit: Visit) -> None:
    jsonschema.validate(json.loads(visit_to_json(visit)), SCHEMA, cls=jsonschema.Draft202012Validator)


# -- the JSON Schema -------------------------------------------------------------------------------
SCHEMA = visit_json_schema()


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["$defs"]["line"]["properties"]["code"]["pattern"] == CODE_PATTERN.pattern


@pytest.mark.parametrize(
    "data",
    [
        GOOD,
        {"date": "2025-03-12", "lines": [{"code": "97110"}]},
        doc(ytd_allowed=1480.5, id=None),
        doc(ytd_allowed=None, payer="acme.ppo-2025"),
        json.loads((EXAMPLES / "knee_rehab.json").read_text()),
    ],
)
def test_schema_accepts_what_the_converter_accepts(data: dict[str, Any]) -> None:
    jsonschema.validate(data, SCHEMA, cls=jsonschema.Draft202012Validator)
    visit_from_dict(data)


@pytest.mark.parametrize(
    "data",
    [
        doc(colour="red"),
        line_doc(0, colour="red"),
        doc(date=DROP),
        doc(lines=[]),
        doc(lines=[None]),
        doc(date="2024-13-01"),
        doc(date="20240105"),
        line_doc(1, minutes=-5),
        line_doc(1, minutes=2000),
        line_doc(1, minutes="10"),
        line_doc(1, minutes=10.5),
        line_doc(0, units=0),
        line_doc(0, code="9711"),
        line_doc(0, code="g0283"),
        line_doc(0, modifiers="GP"),
        line_doc(0, modifiers=["GPX"]),
        line_doc(2, group_size=0),
        doc(ytd_allowed="1,480.00"),
        doc(ytd_allowed="-5"),
        doc(ytd_allowed=-1),
        doc(payer="Medicare"),
        doc(id="has space"),
        doc(id=""),
    ],
)
def test_schema_rejects_what_the_converter_rejects(data: dict[str, Any]) -> None:
    assert not jsonschema.Draft202012Validator(SCHEMA).is_valid(data)
    with pytest.raises(InvalidVisit):
        visit_from_dict(data)


def test_schema_limits_are_documented_gaps() -> None:
    # JSON Schema cannot compare two fields or know the calendar; the converter can.
    for data in (doc(date="2024-02-30"), line_doc(1, assistant_minutes=11)):
        assert jsonschema.Draft202012Validator(SCHEMA).is_valid(data)
        with pytest.raises(InvalidVisit):
            visit_from_dict(data)
    assert "assistant_minutes" in (visit_json_schema.__doc__ or "")


# -- the sample visits ----------------------------------------------------------------------
@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.json")), ids=lambda p: p.name)
def test_sample_visits_parse_and_bill_the_units_their_minutes_support(path: Path) -> None:
    visit = visit_from_json(path.read_text())
    assert visit_from_json(visit_to_json(visit)) == visit
    timed = {line.code: line.minutes for line in visit.lines if line.minutes is not None}
    plan = allocate(timed, method="cms" if visit.payer == "medicare" else "ama")
    assert plan.allows({line.code: line.units for line in visit.lines if line.code in timed})


def test_knee_rehab_sample_is_the_documented_visit() -> None:
    visit = visit_from_json((EXAMPLES / "knee_rehab.json").read_text())
    assert visit.date == dt.date(2025, 3, 12)
    assert visit.payer == "medicare"
    assert [(line.code, line.minutes, line.units) for line in visit.lines] == [
        ("97110", 23, 1),
        ("97140", 10, 1),
        ("97530", 15, 1),
    ]
    assert all(line.modifiers == ("GP",) for line in visit.lines)


_VISIT_FILES = sorted((Path(__file__).parent / "data" / "visits").glob("*.json"))


def test_report_to_json_is_the_compact_dump_of_report_to_dict() -> None:
    from ptcpt.serialize import report_to_json
    from ptcpt.testing import make_checker

    checker = make_checker()
    visits = [visit_from_dict(json.loads(path.read_text())["visit"]) for path in _VISIT_FILES]
    # Also the odd shapes: no minutes (no plan), an unpriced date (no estimate), escapes.
    visits.append(Visit(date=dt.date(2025, 3, 12), lines=(Line(code="97161"),), id='q"\\\u00e9'))
    visits.append(Visit(date=dt.date(1990, 1, 2), lines=(Line(code="97110", minutes=20),)))
    assert len(visits) > 50
    for visit in visits:
        report = checker.check(visit)
        assert report_to_json(report) == json.dumps(report.to_dict(), separators=(",", ":"))


# -- the fast path of visit_from_dict ------------------------------------------------------
def _ordinary(data: Any) -> Visit:
    """visit_from_dict with its fast path turned off: the converters alone."""
    import ptcpt.serialize as module

    fast = module.fast_visit
    module.fast_visit = lambda _data: None
    try:
        return visit_from_dict(data)
    finally:
        module.fast_visit = fast


def _outcome(read: Any, data: Any) -> Visit | str:
    try:
        return read(data)  # type: ignore[no-any-return]
    except InvalidVisit as exc:
        return f"InvalidVisit: {exc}"


# Values a JSON line could hold for each field: valid ones and near misses of every type.
_ANY_VALUE = (
    st.none()
    | st.booleans()
    | st.integers(-3, 1500)
    | st.integers()
    | st.decimals(allow_nan=True)
    | st.floats()
    | st.sampled_from(
        ["", "97110", "g0283", "G0283", "0552T", "9711x", "GP", "gp", "59", "2024-07-01", "1.5"]
    )
    | st.text(max_size=8)
)
_LINE_FIELDS = ("code", "units", "minutes", "modifiers", "group_size", "assistant_minutes", "description")


@st.composite
def _near_valid_lines(draw: st.DrawFn) -> dict[str, Any]:
    data: dict[str, Any] = {"code": draw(code_strings | _ANY_VALUE)}
    for name in _LINE_FIELDS[1:]:
        if draw(st.booleans()):
            if name == "modifiers":
                data[name] = draw(
                    st.lists(st.from_regex(r"\A[A-Za-z0-9]{2}\Z") | _ANY_VALUE, max_size=3) | _ANY_VALUE
                )
            else:
                data[name] = draw(optional_minutes | _ANY_VALUE)
    if draw(st.integers(0, 20)) == 0:
        data["colour"] = "red"
    if draw(st.integers(0, 20)) == 0:
        del data["code"]
    return data


@st.composite
def _near_valid_visits(draw: st.DrawFn) -> Any:
    data: dict[str, Any] = {
        "date": draw(st.sampled_from(["2024-07-01", "2024-02-30", "2024-7-1"]) | _ANY_VALUE),
        "lines": draw(st.lists(_near_valid_lines(), max_size=3) | _ANY_VALUE),
    }
    for name, values in (
        ("payer", st.sampled_from(["medicare", "Medicare", "a" * 65, "x.y-z_1"])),
        ("id", st.sampled_from(["v1", "has space", "x" * 65])),
        ("ytd_allowed", st.sampled_from(["1250.10", "-1", "1e3", "+0"])),
    ):
        if draw(st.booleans()):
            data[name] = draw(values | _ANY_VALUE)
    if draw(st.integers(0, 20)) == 0:
        data["colour"] = "red"
    return data


@given(_near_valid_visits())
def test_the_fast_path_agrees_with_the_converters(data: Any) -> None:
    assert _outcome(visit_from_dict, data) == _outcome(_ordinary, data)


@given(visits)
def test_the_fast_path_reads_back_every_visit(visit: Visit) -> None:
    data = json.loads(visit_to_json(visit))
    assert visit_from_dict(data) == _ordinary(data) == visit


def test_the_fast_path_takes_plainly_valid_visits_only() -> None:
    from ptcpt._visit import fast_visit as _fast_visit

    good = {
        "date": "2024-07-01",
        "lines": [{"code": "97110", "units": 2, "minutes": 30, "modifiers": ["GP", "GP"]}],
    }
    fast = _fast_visit(good)
    assert fast == _ordinary(good)
    assert fast is not None and fast.lines[0].modifiers == ("GP",)
    for changed in (
        {"modifiers": ["gp"]},
        {"units": True},
        {"minutes": Decimal(15)},
        {"assistant_minutes": 31},
    ):
        data = {**good, "lines": [{**good["lines"][0], **changed}]}
        assert _fast_visit(data) is None


def test_the_modifier_set_is_the_modifier_pattern() -> None:
    from ptcpt._visit import _MODIFIER, _MODIFIERS

    ascii_pairs = {a + b for a in map(chr, range(128)) for b in map(chr, range(128))}
    assert {pair for pair in ascii_pairs if _MODIFIER.fullmatch(pair)} == _MODIFIERS


# -- look-alike digits and the day's minutes (issue 12) ---------------------------------------------
def test_full_width_codes_and_arabic_indic_money_are_refused_from_json() -> None:
    line = {"code": "\uff19\uff17\uff11\uff11\uff10", "minutes": 15}
    with pytest.raises(InvalidVisit, match=r"^lines\[0\]\.code: must be written in ASCII"):
        visit_from_json(json.dumps({"date": "2025-03-12", "lines": [line]}))
    arabic = "\u0661\u0664\u0668\u0660.\u0660\u0660"
    data = {"date": "2025-03-12", "lines": [{"code": "97110"}], "ytd_allowed": arabic}
    with pytest.raises(InvalidVisit, match=r"^ytd_allowed: must be a decimal amount"):
        visit_from_json(json.dumps(data, ensure_ascii=False))
    with pytest.raises(InvalidVisit, match=r"^date: must be an ISO date"):
        visit_from_dict({"date": "\uff12\uff10\uff12\uff15-03-12", "lines": [{"code": "97110"}]})


@given(st.lists(st.integers(0, 1440), min_size=1, max_size=6))
def test_the_days_minutes_are_bounded_the_same_on_both_paths(minutes: list[int]) -> None:
    data = {"date": "2025-03-12", "lines": [{"code": "97110", "minutes": m} for m in minutes]}
    running = [sum(minutes[: i + 1]) for i in range(len(minutes))]
    over = next((i for i, total in enumerate(running) if total > 1440), None)
    if over is None:
        assert visit_from_dict(data) == _ordinary(data)
        return
    expected = f"lines[{over}].minutes: the minutes of lines[0] to lines[{over}] add up to {running[over]}"
    for read in (visit_from_dict, _ordinary):
        with pytest.raises(InvalidVisit) as info:
            read(data)
        assert str(info.value).startswith(expected)


# -- one converter, errors that name the file, row and field (issue 14) -------------------------
def test_structure_errors_name_the_file_row_and_every_field() -> None:
    from ptcpt.errors import DataError
    from ptcpt.serialize import structure

    data = code_to_dict(ptcpt.catalog()["97110"])
    data["unit_minutes"] = "x"
    data["colour"] = 1
    with pytest.raises(DataError) as info:
        structure(data, Code, file="codes.json", row=3)
    assert str(info.value).startswith("codes.json:3 unit_minutes: invalid value")
    assert "extra fields found (colour)" in str(info.value)
    assert (info.value.file, info.value.row, info.value.field) == ("codes.json", 3, "unit_minutes")
    missing = code_to_dict(ptcpt.catalog()["97110"])
    del missing["name"]
    with pytest.raises(DataError, match=r"^name: required field missing$"):
        code_from_dict(missing)


@given(visits)
def test_every_field_of_line_and_visit_round_trips_through_json(visit: Visit) -> None:
    # The keys are the attrs fields, whatever they are: a new field of Line needs no edit
    # in serialize.py to be written and read back.
    from ptcpt._visit import LINE_FIELDS, VISIT_FIELDS

    data = json.loads(visit_to_json(visit))
    assert set(data) == set(VISIT_FIELDS)
    assert all(set(line) == set(LINE_FIELDS) for line in data["lines"])
    back = visit_from_dict(data)
    for name in LINE_FIELDS:
        assert [getattr(line, name) for line in back.lines] == [getattr(line, name) for line in visit.lines]
    assert back == visit
