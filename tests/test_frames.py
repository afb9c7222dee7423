"""ptcpt.frames with pandas: a frame of billed lines in, findings and estimates out."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

pd = pytest.importorskip("pandas")

import ptcpt  # noqa: E402
from ptcpt import frames  # noqa: E402
from ptcpt._engine import Checker  # noqa: E402
from ptcpt._visit import Line, Visit  # noqa: E402
from ptcpt.errors import DataError, InvalidVisit  # noqa: E402
from ptcpt.testing import make_checker, make_visit  # noqa: E402

CHECKER = make_checker()


def lines_frame(**overrides: list[Any]) -> Any:
    """Two visits: v1 (three timed lines, an NCCI pair with 59) and v2 (an evaluation)."""
    data: dict[str, list[Any]] = {
        "visit_id": ["v1", "v1", "v1", "v2", "v2"],
        "date": ["2025-03-12", "2025-03-12", None, "2025-03-13", "2025-03-13"],
        "code": ["97110", "97140", "97530", "97161", "97110"],
        "units": [2, 1, 1, 1, 1],
        "minutes": [30, 10, 15, None, 20],
        "modifiers": ["GP", ["GP", "59"], "gp", ("GP",), "GP"],
    }
    data.update(overrides)
    return pd.DataFrame(data)


V1 = make_visit(
    ("97110", 2, 30, ["GP"]),
    ("97140", 1, 10, ["GP", "59"]),
    ("97530", 1, 15, ["GP"]),
    date="2025-03-12",
    id="v1",
)
V2 = make_visit(("97161", 1, None, ["GP"]), ("97110", 1, 20, ["GP"]), date="2025-03-13", id="v2")


def clean(value: Any) -> Any:
    """A frame cell as plain Python: NA, NaN and NaT become None, numpy ints int."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, Decimal):
        return value.item()
    return value


def records(frame: Any) -> list[dict[str, Any]]:
    return [{k: clean(v) for k, v in row.items()} for row in frame.to_dict("records")]


def expected_rows(key: Any, report: ptcpt.Report) -> list[dict[str, Any]]:
    """What the findings frame must say for a report (money as Decimal)."""
    rows = [
        {
            "visit_id": key,
            "rule": f.rule,
            "severity": f.severity.value,
            "message": f.message,
            "line": f.line,
            "code": f.code,
            "fix": f.fix,
            "plugin": f.plugin,
            "kind": "finding",
            "amount": None,
        }
        for f in report.findings
    ]
    rows += [
        {
            "visit_id": key,
            "rule": h.rule,
            "severity": None,
            "message": h.message,
            "line": h.line,
            "code": h.code,
            "fix": None,
            "plugin": h.plugin,
            "kind": "hint",
            "amount": h.amount,
        }
        for h in report.hints
    ]
    return rows


# -- reading a frame ---------------------------------------------------------------------
def test_visits_from_frame_reads_every_column_form() -> None:
    pairs = list(frames.visits_from_frame(lines_frame()))
    assert pairs == [("v1", V1), ("v2", V2)]


def test_visit_id_may_be_the_index() -> None:
    frame = lines_frame().set_index("visit_id")
    assert [v for _, v in frames.visits_from_frame(frame)] == [V1, V2]


def test_whole_number_ids_keep_their_type_and_become_text_ids() -> None:
    frame = lines_frame(visit_id=[101, 101, 101, 102, 102])
    pairs = list(frames.visits_from_frame(frame))
    assert [(k, v.id) for k, v in pairs] == [(101, "101"), (102, "102")]
    result = frames.check_frame(frame, checker=CHECKER)
    assert result.visits.visit_id.dtype == frame.visit_id.dtype
    assert result.visits.visit_id.tolist() == [101, 102]


def test_float_columns_with_empty_cells_read_as_whole_numbers() -> None:
    frame = lines_frame(units=[2.0, 1.0, None, 1.0, 1.0])
    assert frame.units.dtype == "float64"
    visits = [v for _, v in frames.visits_from_frame(frame)]
    assert visits == [V1, V2]  # an empty units cell is the Line default, 1


def test_a_fractional_unit_names_the_line() -> None:
    frame = lines_frame(units=[2.0, 1.5, 1, 1, 1])
    (key, error), _ = list(frames.visits_from_frame(frame))
    assert key == "v1" and isinstance(error, InvalidVisit)
    assert error.path == "lines[1].units"


def test_codes_read_as_numbers_say_how_to_read_them() -> None:
    frame = lines_frame(code=[97110, 97140, 97530, 97161, 97110])
    (_, error), _ = list(frames.visits_from_frame(frame))
    assert isinstance(error, InvalidVisit)
    assert error.path == "lines[0].code" and "dtype={'code': str}" in str(error)


def test_a_missing_code_is_an_error_not_a_dropped_line() -> None:
    frame = lines_frame(code=["97110", None, "97530", "97161", "97110"])
    (_, error), (_, v2) = list(frames.visits_from_frame(frame))
    assert isinstance(error, InvalidVisit) and error.path == "lines[1].code"
    assert v2 == V2


@pytest.mark.parametrize("text", ["GP,59", "GP, 59", "GP 59", " gp ,59 "])
def test_modifier_text_forms(text: str) -> None:
    frame = lines_frame(modifiers=["GP", text, "GP", "GP", "GP"])
    (_, v1), _ = list(frames.visits_from_frame(frame))
    assert isinstance(v1, Visit) and v1.lines[1].modifiers == ("GP", "59")


def test_empty_modifier_cells_mean_none() -> None:
    frame = lines_frame(modifiers=["", None, math.nan, [], ()])
    visits = [v for _, v in frames.visits_from_frame(frame)]
    assert all(line.modifiers == () for v in visits if isinstance(v, Visit) for line in v.lines)


def test_a_list_written_as_text_gets_a_dask_hint() -> None:
    frame = lines_frame(modifiers=["['GP']", "GP", "GP", "GP", "GP"])
    (_, error), _ = list(frames.visits_from_frame(frame))
    assert isinstance(error, InvalidVisit) and "convert-string" in str(error)


def test_visit_level_values_may_be_on_one_row_or_all() -> None:
    frame = lines_frame(
        payer=[None, "commercial", None, "medicare", "medicare"],
        ytd_allowed=[None, None, "2410.50", 100, 100.0],
    )
    (_, v1), (_, v2) = list(frames.visits_from_frame(frame))
    assert isinstance(v1, Visit) and isinstance(v2, Visit)
    assert (v1.payer, v1.ytd_allowed) == ("commercial", Decimal("2410.50"))
    assert (v2.payer, v2.ytd_allowed) == ("medicare", Decimal(100))


@pytest.mark.parametrize(
    ("column", "values", "shown"),
    [
        ("payer", ["medicare", "commercial", None, "medicare", None], "'medicare' and 'commercial'"),
        ("ytd_allowed", [100, 200, None, None, None], "100.0 and 200.0"),  # a float column
        ("date", ["2025-03-12", "2025-03-14", None, "2025-03-13", None], "2025-03-12 and 2025-03-14"),
    ],
)
def test_conflicting_visit_values_name_the_visit_and_column(
    column: str, values: list[Any], shown: str
) -> None:
    frame = lines_frame(**{column: values})
    (key, error), (_, v2) = list(frames.visits_from_frame(frame))
    assert key == "v1" and isinstance(error, InvalidVisit) and error.path == column
    assert f"visit 'v1' has more than one value in column {column} ({shown})" in str(error)
    assert isinstance(v2, Visit)


def test_dates_as_dates_and_midnight_timestamps() -> None:
    frame = lines_frame(date=pd.to_datetime(["2025-03-12", None, None, "2025-03-13", None]))
    assert [v for _, v in frames.visits_from_frame(frame)] == [V1, V2]
    objects = lines_frame(date=[dt.date(2025, 3, 12), None, None, dt.date(2025, 3, 13), None])
    assert [v for _, v in frames.visits_from_frame(objects)] == [V1, V2]


def test_a_timestamp_with_a_time_of_day_is_refused() -> None:
    frame = lines_frame(date=pd.to_datetime(["2025-03-12 09:30", None, None, "2025-03-13 00:00", None]))
    (_, error), _ = list(frames.visits_from_frame(frame))
    assert isinstance(error, InvalidVisit) and "time of day" in str(error)


def test_a_visit_without_any_date_is_invalid() -> None:
    frame = lines_frame(date=[None, None, None, "2025-03-13", None])
    (_, error), _ = list(frames.visits_from_frame(frame))
    assert isinstance(error, InvalidVisit) and error.path == "date"
    assert "visit 'v1' has no date" in str(error)


def test_unknown_columns_are_named_unless_ignored() -> None:
    frame = lines_frame(colour=["red"] * 5, patient_note=["x"] * 5)
    with pytest.raises(DataError, match=r"columns: unknown column\(s\) 'colour', 'patient_note'"):
        list(frames.visits_from_frame(frame))
    with pytest.raises(DataError, match="colour"):
        frames.check_frame(frame, checker=CHECKER)
    assert [v for _, v in frames.visits_from_frame(frame, extra="ignore")] == [V1, V2]
    with pytest.raises(ValueError, match="extra"):
        list(frames.visits_from_frame(frame, extra="drop"))  # type: ignore[arg-type]


@pytest.mark.parametrize("missing", ["visit_id", "date", "code"])
def test_missing_required_columns_are_named(missing: str) -> None:
    frame = lines_frame().drop(columns=missing)
    with pytest.raises(DataError, match=f"missing required column\\(s\\) {missing}"):
        frames.check_frame(frame, checker=CHECKER)


def test_rows_without_a_visit_id_are_reported_not_dropped() -> None:
    frame = lines_frame(visit_id=["v1", "v1", None, "v2", "v2"])
    frame.index = [10, 11, 12, 13, 14]
    pairs = list(frames.visits_from_frame(frame))
    assert pairs[0][0] is None and isinstance(pairs[0][1], InvalidVisit)
    assert "index label 12" in str(pairs[0][1])
    result = frames.check_frame(frame, checker=CHECKER)
    invalid = result.findings[result.findings.rule == frames.INPUT_INVALID]
    assert len(invalid) == 1 and invalid.visit_id.isna().all()
    assert len(result.visits) == 3 and result.visits.valid.tolist() == [False, True, True]


def test_a_line_column_orders_lines_and_names_them_in_results() -> None:
    frame = lines_frame(line=[30, 10, 20, 2, 1])
    (_, v1), (_, v2) = list(frames.visits_from_frame(frame))
    assert isinstance(v1, Visit) and isinstance(v2, Visit)
    assert [line.code for line in v1.lines] == ["97140", "97530", "97110"]
    assert [line.code for line in v2.lines] == ["97110", "97161"]
    result = frames.check_frame(frame, checker=CHECKER)
    assert set(result.estimates.line) == {30, 10, 20, 2, 1}
    joined = frame.merge(result.estimates, on=["visit_id", "line"], suffixes=("", "_est"))
    assert (joined.code == joined.code_est).all() and len(joined) == 5


@pytest.mark.parametrize(
    ("numbers", "message"),
    [
        ([1, 2, 2, 1, 2], "visit 'v1' has line number 2 twice"),
        ([1, None, 3, 1, 2], "visit 'v1' has a row without a line number"),
        ([1, 2.5, 3, 1, 2], "line: must be a whole number, got 2.5"),
    ],
)
def test_bad_line_numbers_are_named(numbers: list[Any], message: str) -> None:
    (_, error), (_, v2) = list(frames.visits_from_frame(lines_frame(line=numbers)))
    assert isinstance(error, InvalidVisit) and message in str(error)
    assert isinstance(v2, Visit)


def test_line_errors_name_the_line_number() -> None:
    frame = lines_frame(line=[7, 8, 9, 1, 2], minutes=[30, -1, 15, None, 20])
    findings = frames.check_frame(frame, checker=CHECKER).findings
    invalid = findings[findings.rule == "input.invalid"]
    assert invalid.message.tolist() == ["line 8.minutes: must be a whole number >= 0, got -1"]
    assert invalid.line.tolist() == [8]


def test_non_frames_are_refused() -> None:
    with pytest.raises(TypeError, match="pandas DataFrame"):
        frames.check_frame([{"visit_id": "v1"}], checker=CHECKER)  # type: ignore[arg-type]


# -- checking a frame -----------------------------------------------------------------------
def test_check_frame_matches_checking_each_visit() -> None:
    result = frames.check_frame(lines_frame(), checker=CHECKER, money="decimal")
    wanted = expected_rows("v1", CHECKER.check(V1)) + expected_rows("v2", CHECKER.check(V2))
    assert wanted, "the sample visits should produce findings or hints"
    assert records(result.findings) == wanted
    assert tuple(result.findings.columns) == frames.FINDING_COLUMNS


def test_result_frames_have_documented_columns_and_dtypes() -> None:
    findings, estimates, visits = frames.check_frame(lines_frame(), checker=CHECKER)
    assert tuple(findings.columns) == frames.FINDING_COLUMNS
    assert tuple(estimates.columns) == frames.ESTIMATE_COLUMNS
    assert tuple(visits.columns) == frames.VISIT_COLUMNS
    assert str(findings.line.dtype) == "Int64" and findings.amount.dtype == "float64"
    assert estimates.payable.dtype == "float64" and visits.total.dtype == "float64"
    assert visits.date.tolist() == [pd.Timestamp("2025-03-12"), pd.Timestamp("2025-03-13")]


def test_estimates_match_the_report_and_sum_per_visit() -> None:
    result = frames.check_frame(lines_frame(), checker=CHECKER, money="decimal")
    estimate = CHECKER.check(V1).estimate
    assert estimate is not None
    v1 = result.estimates[result.estimates.visit_id == "v1"]
    assert v1.payable.tolist() == [line.payable for line in estimate.lines]
    assert v1.mppr_reduction.tolist() == [line.mppr_reduction for line in estimate.lines]
    assert v1.modifiers.tolist() == [("GP",), ("GP", "59"), ("GP",)]
    assert result.visits.set_index("visit_id").total["v1"] == estimate.total
    floats = frames.check_frame(lines_frame(), checker=CHECKER)
    by_visit = floats.estimates.groupby("visit_id").payable.sum()
    assert by_visit["v1"] == pytest.approx(float(estimate.total), abs=0.011)


def test_the_visits_frame_gives_each_verdict() -> None:
    frame = lines_frame(code=["97110", "97140", "97530", "97161", "9711O"])
    visits = frames.check_frame(frame, checker=CHECKER).visits
    assert visits.valid.tolist() == [True, False]
    assert visits.ok.tolist() == [CHECKER.check(V1).ok, False]
    assert visits.errors.tolist()[1] == 1 and visits.complete.isna().tolist() == [False, True]


def test_an_invalid_visit_becomes_one_input_invalid_error() -> None:
    frame = lines_frame(minutes=[30, 10, 15, None, -5])
    result = frames.check_frame(frame, checker=CHECKER)
    rows = records(result.findings[result.findings.visit_id == "v2"])
    assert rows == [
        {
            "visit_id": "v2",
            "rule": "input.invalid",
            "severity": "error",
            "message": "lines[1].minutes: must be a whole number >= 0, got -5",
            "line": 1,
            "code": None,
            "fix": "correct this visit's rows in the frame and check it again",
            "plugin": "ptcpt.frames",
            "kind": "finding",
            "amount": None,
        }
    ]
    assert result.estimates.visit_id.unique().tolist() == ["v1"]


def test_an_unknown_payer_is_an_invalid_visit() -> None:
    frame = lines_frame(payer=["medicare"] * 3 + ["nosuchpayer"] * 2)
    findings = frames.check_frame(frame, checker=CHECKER).findings
    invalid = findings[findings.rule == "input.invalid"]
    assert invalid.visit_id.tolist() == ["v2"]
    assert invalid.message.iloc[0].startswith("payer: unknown payer 'nosuchpayer'")


def test_an_empty_frame_gives_empty_frames_with_the_columns() -> None:
    findings, estimates, visits = frames.check_frame(lines_frame().iloc[:0], checker=CHECKER)
    assert (len(findings), len(estimates), len(visits)) == (0, 0, 0)
    assert tuple(findings.columns) == frames.FINDING_COLUMNS


def test_money_must_be_float_or_decimal() -> None:
    with pytest.raises(ValueError, match="money"):
        frames.check_frame(lines_frame(), checker=CHECKER, money="cents")  # type: ignore[arg-type]


def test_the_default_checker_is_used_without_one() -> None:
    result = frames.check_frame(lines_frame().iloc[:3])
    assert result.visits.visit_id.tolist() == ["v1"]


# -- ptcpt objects as frames ---------------------------------------------------------------
def test_report_to_frame() -> None:
    report = CHECKER.check(V1)
    frame = report.to_frame(money="decimal")
    assert records(frame) == expected_rows("v1", report)
    assert frame.amount.dtype == object
    assert report.to_frame().amount.dtype == "float64"


def test_estimate_to_frame() -> None:
    estimate = CHECKER.estimate(V1)
    assert estimate is not None
    frame = estimate.to_frame()
    assert tuple(frame.columns) == frames.ESTIMATE_COLUMNS[1:]
    assert frame.line.tolist() == [0, 1, 2]
    assert frame.payable.tolist() == [float(line.payable or 0) for line in estimate.lines]


def test_catalog_to_frame() -> None:
    catalog = ptcpt.catalog()
    frame = catalog.to_frame()
    assert len(frame) == len(catalog) and frame.code.tolist() == [c.code for c in catalog]
    row = frame.set_index("code").loc["97110"]
    code = catalog["97110"]
    assert (row["name"], row["category"], row["timing"]) == (code.name, "therapeutic-procedure", "timed")
    assert row["unit_minutes"] == 15 and row["therapy_list"] == "always"
    assert row["disciplines"] == code.disciplines
    deleted = frame.set_index("code").loc["97762"]
    assert deleted["deleted"] == pd.Timestamp(catalog["97762"].deleted)
    assert "97763" in deleted["replaced_by"]
    timed = frame[(frame.timing == "timed") & frame.deleted.isna()]
    assert "97110" in timed.code.tolist() and "97762" not in timed.code.tolist()


# -- properties ----------------------------------------------------------------------------
CODES = ("97110", "97140", "97530", "97112", "97116", "97161", "97010", "G0283", "97150", "97035", "99999")
MODIFIERS = ("GP", "59", "CQ", "KX", "XS", "GO")


@st.composite
def lines(draw: st.DrawFn) -> Line:
    minutes = draw(st.none() | st.integers(0, 90))
    assistant = None if minutes is None else draw(st.none() | st.integers(0, minutes))
    return Line(
        code=draw(st.sampled_from(CODES)),
        units=draw(st.integers(1, 5)),
        minutes=minutes,
        modifiers=tuple(draw(st.lists(st.sampled_from(MODIFIERS), max_size=3, unique=True))),
        group_size=draw(st.none() | st.integers(1, 6)),
        assistant_minutes=assistant,
    )


@st.composite
def visit_lists(draw: st.DrawFn) -> list[Visit]:
    count = draw(st.integers(1, 5))
    return [
        Visit(
            date=draw(st.dates(dt.date(2019, 1, 1), dt.date(2026, 12, 31))),
            lines=draw(st.lists(lines(), min_size=1, max_size=5)),
            payer=draw(st.sampled_from(("medicare", "medicaid", "commercial"))),
            id=f"visit-{i}",
            ytd_allowed=draw(
                st.none() | st.decimals(0, 5000, places=2, allow_nan=False, allow_infinity=False)
            ),
        )
        for i in range(count)
    ]


@given(visit_lists())
def test_frame_round_trip(visits: list[Visit]) -> None:
    frame = frames.visits_to_frame(visits)
    assert [v for _, v in frames.visits_from_frame(frame)] == visits


@given(visit_lists())
def test_check_frame_agrees_with_checking_the_visits(visits: list[Visit]) -> None:
    result = frames.check_frame(frames.visits_to_frame(visits), checker=CHECKER, money="decimal")
    wanted = [row for v in visits for row in expected_rows(v.id, CHECKER.check(v))]
    assert records(result.findings) == wanted
    totals = [None if (e := CHECKER.check(v).estimate) is None else e.total for v in visits]
    assert [clean(t) for t in result.visits.total] == totals


def test_checker_is_reused_not_rebuilt(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[int] = []
    original = Checker.__init__

    def counting(self: Checker, *args: Any, **kwargs: Any) -> None:
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(Checker, "__init__", counting)
    frames.check_frame(lines_frame(), checker=CHECKER)
    assert built == []


def test_kx_buckets_come_from_ytd_allowed_and_ytd_allowed_ot() -> None:
    frame = lines_frame(
        ytd_allowed=["1200.00", None, None, {"pt_slp": 10, "ot": 20}, None],
        ytd_allowed_ot=[2400, None, None, None, None],
    )
    (_, v1), (_, v2) = list(frames.visits_from_frame(frame))
    assert isinstance(v1, Visit) and isinstance(v2, Visit)
    assert (v1.ytd_for("pt_slp"), v1.ytd_for("ot")) == (Decimal("1200.00"), Decimal(2400))
    assert (v2.ytd_for("pt_slp"), v2.ytd_for("ot")) == (Decimal(10), Decimal(20))
    back = frames.visits_to_frame([v1, v2])
    assert [clean(v) for v in back["ytd_allowed_ot"]] == [Decimal(2400)] * 3 + [Decimal(20)] * 2
    assert [v for _, v in frames.visits_from_frame(back)] == [v1, v2]


def test_the_ot_bucket_in_two_places_is_an_invalid_visit() -> None:
    frame = lines_frame(
        ytd_allowed=[{"pt_slp": 10, "ot": 20}, None, None, None, None],
        ytd_allowed_ot=[30, None, None, None, None],
    )
    (_, error), (_, v2) = list(frames.visits_from_frame(frame))
    assert isinstance(error, InvalidVisit) and error.path == "ytd_allowed_ot"
    assert isinstance(v2, Visit)


def test_a_go_line_is_tested_against_the_ot_bucket_in_a_frame() -> None:
    frame = pd.DataFrame(
        {
            "visit_id": ["ot1"],
            "date": ["2025-06-02"],
            "code": ["97110"],
            "units": [2],
            "minutes": [30],
            "modifiers": ["GO"],
            "ytd_allowed": [100],
            "ytd_allowed_ot": [2400],
        }
    )
    result = frames.check_frame(frame, checker=CHECKER)
    assert "modifier.kx-missing" in set(result.findings["rule"])


# -- layout and layering -------------------------------------------------------------------


def test_the_input_columns_follow_the_line_and_visit_fields() -> None:
    """Adding a field to Line adds its column: the lists come from attrs.fields."""
    import attrs

    assert frames.COLUMNS == (
        "visit_id", "line", "date", "payer", "ytd_allowed", "ytd_allowed_ot",
        "code", "units", "minutes", "modifiers", "group_size", "assistant_minutes", "description",
    )  # fmt: skip
    assert frames.COLUMNS[-len(attrs.fields(Line)) :] == tuple(a.name for a in attrs.fields(Line))
    assert frames.VISIT_LEVEL_COLUMNS == ("date", "payer", "ytd_allowed", "ytd_allowed_ot")
    written = frames.visits_to_frame([V1])
    assert tuple(written.columns) == tuple(c for c in frames.COLUMNS if c != "line")


def _runtime_imports(module: str) -> set[str]:
    """The modules ``module`` imports when it runs (inside functions too; not TYPE_CHECKING)."""
    import ast
    import importlib.util

    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None
    with open(spec.origin, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            return
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def test_the_output_module_imports_only_values_and_pandas() -> None:
    """Values' to_frame methods import it lazily: it must not reach up to the engine or I/O."""
    imported = {m for m in _runtime_imports("ptcpt._frame_output") if m.startswith("ptcpt")}
    assert imported <= {"ptcpt._visit"}


def test_no_module_below_the_frames_imports_ptcpt_frames() -> None:
    """Report, Estimate and Catalog convert through ptcpt._frame_output, not ptcpt.frames."""
    import pkgutil

    importers = {
        info.name
        for info in pkgutil.walk_packages(ptcpt.__path__, "ptcpt.")
        if "ptcpt.frames" in _runtime_imports(info.name)
    }
    assert importers <= {"ptcpt.cli"}
    for value in (ptcpt.Report, ptcpt.Estimate, type(ptcpt.catalog())):
        assert "to_frame" in vars(value)
