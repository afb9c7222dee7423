"""837P files from the real world: damaged or unusual, every claim accounted for, no traceback.

Each section reproduces one problem of issue 15 on the project's own sample files
(``scripts/make_x12_samples.py``), edited here the way real files were found to be.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest

import ptcpt
from ptcpt.x12 import ClaimVisit, EnvelopeFault, Item, RejectedClaim, RejectedLine, read_837p, visits_from_x12

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "x12"
EXAMPLE = ROOT / "examples" / "claims" / "pt_claims.837"
#: The example's claims, one visit per claim and date: (claim, visit id, date).
EXAMPLE_VISITS = [
    (1, "PT2025A001", "2025-03-03"),
    (1, "PT2025A001", "2025-03-05"),
    (2, "PT2025A002", "2025-03-04"),
    (2, "PT2025A002", "2025-03-06"),
    (2, "PT2025A002", "2025-03-10"),
    (3, "PT2025A003", "2025-03-07"),
]


def read(source: Any, **options: Any) -> list[Item]:
    items = list(read_837p(source, **options))
    assert_accounted(items)
    return items


def assert_accounted(items: list[Item]) -> None:
    """Claims are numbered 1, 2, ... in file order, and each ends as visits and lines not
    checked, or as one rejection: never as nothing, never as both."""
    seen: dict[int, set[type]] = {}
    for item in items:
        if not isinstance(item, EnvelopeFault):
            seen.setdefault(item.claim, set()).add(type(item))
    assert list(seen) == list(range(1, len(seen) + 1))
    for kinds in seen.values():
        assert kinds in ({ClaimVisit}, {ClaimVisit, RejectedLine}, {RejectedLine}, {RejectedClaim})


def visits(items: list[Item]) -> list[tuple[int, str | None, str]]:
    return [(i.claim, i.visit.id, i.visit.date.isoformat()) for i in items if isinstance(i, ClaimVisit)]


def faults(items: list[Item]) -> list[str]:
    return [item.message for item in items if isinstance(item, EnvelopeFault)]


def problems(items: list[Item]) -> list[str]:
    return [item.message for item in items if isinstance(item, RejectedClaim | RejectedLine)]


def lines(name: str = "pt_claims.837") -> list[str]:
    """The sample's segments, one per line as the script writes them (terminator included)."""
    return (DATA / name).read_text().splitlines()


def stream(segments: list[str], *, recount: bool = True) -> io.StringIO:
    """Lines back into a file; SE01 recounted (as a sender would) unless ``recount`` is False."""
    out: list[str] = []
    start = 0
    for line in segments:
        if line.startswith("ST*"):
            start = len(out)
        if recount and line.startswith("SE*"):
            line = f"SE*{len(out) - start + 1}*{line.split('*')[2]}"
        out.append(line)
    return io.StringIO("\n".join(out) + "\n")


def replaced(old: str, new: list[str], segments: list[str] | None = None, *, last: bool = False) -> list[str]:
    segments = list(segments if segments is not None else lines())
    at = max(i for i, s in enumerate(segments) if s == old) if last else segments.index(old)
    segments[at : at + 1] = new
    return segments


# -- 1. tracebacks: duplicated trailers, missing headers, blank segments ---------------------------
@pytest.mark.parametrize(
    ("trailer", "fault"),
    [
        (
            "IEA*1*000000101~",
            "segment 92: an IEA trailer, but no interchange is open: expected an ISA header or the end of "
            "the input",
        ),
        (
            "GE*1*101~",
            "segment 91: a GE trailer, but no functional group is open: expected a GS header, or the IEA "
            "trailer",
        ),
        (
            "SE*87*0001~",
            "segment 90: an SE trailer, but no transaction set is open: expected an ST header, or the GE "
            "trailer",
        ),
    ],
)
def test_a_duplicated_trailer_is_one_fault_and_every_claim_is_read(trailer: str, fault: str) -> None:
    # (cat pt_claims.837; tail -1 pt_claims.837) > dup.837, and the same for GE and SE.
    items = read(stream(replaced(trailer, [trailer, trailer]), recount=False))
    assert visits(items) == EXAMPLE_VISITS
    assert faults(items) == [fault]


def test_a_missing_st_header_is_a_fault_and_the_group_is_read_as_it_announces() -> None:
    items = read(stream([s for s in lines() if not s.startswith("ST*")], recount=False))
    assert faults(items) == [
        "segment 3: a 'BHT' segment outside a transaction set: expected an ST header before it"
    ]
    assert visits(items) == EXAMPLE_VISITS


def test_a_missing_gs_header_is_a_fault_and_the_transaction_set_is_read() -> None:
    items = read(stream([s for s in lines() if not s.startswith("GS*")], recount=False))
    assert faults(items) == [
        "segment 2: an ST header outside any functional group: expected a GS header before it"
    ]
    assert visits(items) == EXAMPLE_VISITS


def test_without_its_headers_a_claim_cannot_be_told_837p_and_is_rejected() -> None:
    segments = [s for s in lines() if not s.startswith(("ST*", "GS*", "GE*", "SE*"))]
    items = read(stream(segments, recount=False))
    assert faults(items) == [
        "segment 2: a 'BHT' segment, outside any functional group: expected a GS header or the IEA trailer",
        "segment 87: IEA01 counts '1' functional groups, but the interchange that starts at segment 1 has 0: "
        "expected 0",
    ]
    assert [(i.claim, i.segment) for i in items if isinstance(i, RejectedClaim)] == [
        (1, 19),
        (2, 46),
        (3, 79),
    ]
    assert problems(items)[0] == (
        "claim 1 (segment 19): the claim is outside any transaction set (see segment 2), so ptcpt cannot "
        "tell it is an 837P claim"
    )


def test_a_segment_of_spaces_in_a_claim_rejects_it_and_elsewhere_is_a_fault() -> None:
    in_claim = read(stream(replaced("HI*ABK:M5416~", ["HI*ABK:M5416~", "   ~"])))
    assert visits(in_claim) == [v for v in EXAMPLE_VISITS if v[0] != 2]
    assert problems(in_claim) == [
        "claim 2 (segment 50): an empty segment (nothing between two segment terminators); the claim "
        "cannot be read safely around it"
    ]
    outside = read(
        stream(
            replaced(
                "BHT*0019*00*PTBATCH01*20250401*0900*CH~", ["BHT*0019*00*PTBATCH01*20250401*0900*CH~", " ~"]
            )
        )
    )
    assert visits(outside) == EXAMPLE_VISITS
    assert faults(outside) == [
        "segment 5: an empty segment (nothing between two segment terminators); expected an 837P segment"
    ]


def test_terminators_back_to_back_are_an_empty_segment_not_the_end_of_the_input() -> None:
    text = EXAMPLE.read_text().replace("HI*ABK:M5416~", "HI*ABK:M5416~~")
    items = read(io.StringIO(text))
    assert len(visits(items)) == 3  # claims 1 and 3; pyx12's reader stopped reading here
    assert problems(items)[0].startswith("claim 2 (segment 50): an empty segment")


# -- 2. claims that vanished: other delimiters, lower case, unknown segments ------------------------
def test_two_interchanges_with_their_own_delimiters_are_each_read_with_their_own() -> None:
    items = read(DATA / "interchanges.837")
    assert faults(items) == []
    second = [
        (claim + 3, vid.replace("A", "B", 1) if vid else vid, day) for claim, vid, day in EXAMPLE_VISITS
    ]
    assert visits(items) == EXAMPLE_VISITS + second
    # Segment numbers run on across interchanges: the second ISA is segment 92.
    assert [i.segment for i in items if isinstance(i, ClaimVisit)][-1] == 92 + 80


@pytest.mark.parametrize(
    ("element", "component", "terminator"), [("|", ">", "~"), ("*", ":", "'"), ("!", "^", "\n")]
)
def test_an_interchange_after_another_may_change_any_delimiter(
    element: str, component: str, terminator: str
) -> None:
    first = EXAMPLE.read_text()
    body = [s.rstrip("~") for s in first.splitlines()]
    isa = body[0].replace("*", element)[:-1] + component
    isa = isa.replace("000000101", "000000102")
    rest = [s.replace("*", element).replace(":", component) for s in body[1:-1]] + [
        f"IEA{element}1{element}000000102"
    ]
    items = read(io.StringIO(first + terminator.join([isa, *rest]) + terminator))
    assert faults(items) == []
    assert len(visits(items)) == 12


def test_a_lower_case_service_line_rejects_its_claim_loudly() -> None:
    items = read(stream(replaced("SV1*HC:97112:GP*40*UN*1***1~", ["sv1*hc:97112:gp*40*un*1***1~"])))
    assert problems(items) == [
        "claim 1 (segment 36): not a segment: 'sv1' is not a segment identifier (2 or 3 upper-case letters "
        "or digits); the claim cannot be read safely around it"
    ]
    assert visits(items) == [v for v in EXAMPLE_VISITS if v[0] != 1]


@pytest.mark.parametrize(
    ("segment", "reason"),
    [
        ("ZZZ*1~", "'ZZZ' is not a segment of an 837P claim file"),
        ("SV2*0420*HC:97110*40*UN*1~", "'SV2' is not a segment of an 837P claim file"),
        (
            "SV1|HC:97112:GP|40|UN|1|||1~",
            "not a segment: an identifier of 27 characters is not a segment identifier (2 or 3 upper-case "
            "letters or digits); it holds '|', but the ISA header makes '*' the element separator",
        ),
        (
            "PAT*19~",
            "a PAT segment, which has no place in a claim: the segment that ends the claim (an HL) may be "
            "missing",
        ),
    ],
)
def test_an_unknown_or_misplaced_segment_in_a_claim_rejects_it(segment: str, reason: str) -> None:
    items = read(stream(replaced("DTP*472*D8*20250306~", ["DTP*472*D8*20250306~", segment])))
    assert problems(items) == [
        f"claim 2 (segment 62): {reason}"
        + "; the claim cannot be read safely around it" * ("PAT" not in segment)
    ]
    assert visits(items) == [v for v in EXAMPLE_VISITS if v[0] != 2]


def test_an_unknown_segment_outside_the_claims_is_a_fault_where_it_is() -> None:
    # A claim runs to the next HL: a segment after the HL is in the next subscriber's loop.
    items = read(stream(replaced("HL*3*1*22*0~", ["HL*3*1*22*0~", "ZZZ*1~"])))
    assert faults(items) == [
        "segment 42: 'ZZZ' is not a segment of an 837P claim file; expected an 837P segment"
    ]
    assert visits(items) == EXAMPLE_VISITS
    assert [type(i).__name__ for i in items].index("EnvelopeFault") == 2  # after claim 1, before claim 2
    assert "the claims before this point were read" not in faults(items)[0]


def test_a_missing_hl_is_a_fault() -> None:
    items = read(stream([s for s in lines() if s != "HL*3*1*22*0~"]))
    assert faults(items)[0] == (
        "segment 67: HL01 is '4', but the HL segments of a transaction set are numbered 1, 2, 3, ...: "
        "expected 3 (an HL segment before it may be missing or repeated)"
    )


def test_a_missing_service_line_is_found_by_the_lx_numbers() -> None:
    segments = lines()
    at = segments.index("LX*2~")
    del segments[at : at + 3]  # LX, SV1 and DTP of the claim's second line
    items = read(stream(segments))
    assert problems(items) == [
        "claim 1 (segment 26): LX01 is '3', but the service lines of a claim are numbered 1, 2, 3, ...: "
        "expected 2 (a service line before it may be missing or repeated)"
    ]


# -- 3. units and minutes ---------------------------------------------------------------------------
def test_minutes_are_minutes_for_timed_codes_and_one_service_for_untimed_ones() -> None:
    items = read(DATA / "minutes.837")
    got = [
        [(line.code, line.units, line.minutes) for line in item.visit.lines]
        for item in items
        if isinstance(item, ClaimVisit)
    ]
    assert got == [
        [("97110", 2, 33), ("97140", 1, 7), ("97161", 1, None)],
        [("97161", 1, None), ("97110", 3, 38)],  # a 45-minute evaluation is one evaluation
        [("97545", 1, 130)],  # two-hour units: 130 minutes are one unit
    ]


def test_a_45_minute_evaluation_in_minutes_is_billed_once() -> None:
    items = read(DATA / "minutes.837")
    evaluation = next(i for i in items if isinstance(i, ClaimVisit) and i.visit.id == "MJCLAIM02")
    report = ptcpt.check(evaluation.visit)
    assert {"units.untimed-multiple", "mue.exceeded", "units.mismatch"}.isdisjoint(report.rules_fired())
    assert report.units is not None and dict(report.units) == {"97110": 3}


@pytest.mark.parametrize(
    ("minutes", "units"), [(1, 1), (7, 1), (8, 1), (22, 1), (23, 2), (37, 2), (38, 3), (1440, 96)]
)
def test_minutes_of_a_timed_line_earn_units_by_the_8_minute_table(minutes: int, units: int) -> None:
    items = read(
        stream(replaced("SV1*HC:97110:GP*40*UN*1***1~", [f"SV1*HC:97110:GP*40*MJ*{minutes}***1~"], last=True))
    )
    line = [i for i in items if isinstance(i, ClaimVisit)][-1].visit.lines[1]
    assert (line.code, line.units, line.minutes) == ("97110", units, minutes)


@pytest.mark.parametrize(
    ("code", "minutes", "units"), [("97545", 60, 1), ("97545", 181, 2), ("97546", 30, 1), ("97546", 91, 2)]
)
def test_codes_with_longer_units_count_past_the_midpoint(code: str, minutes: int, units: int) -> None:
    items = read(
        stream(
            replaced("SV1*HC:97110:GP*40*UN*1***1~", [f"SV1*HC:{code}:GP*40*MJ*{minutes}***1~"], last=True)
        )
    )
    line = [i for i in items if isinstance(i, ClaimVisit)][-1].visit.lines[1]
    assert (line.units, line.minutes) == (units, minutes)


@pytest.mark.parametrize("basis", ["F2", "DA", "", "mj2"])
def test_other_unit_bases_are_reported(basis: str) -> None:
    items = read(stream(replaced("SV1*HC:97112:GP*40*UN*1***1~", [f"SV1*HC:97112:GP*40*{basis}*1***1~"])))
    (problem,) = problems(items)
    assert problem.startswith(
        "claim 1 (segment 36): service line 5, SV103: the unit basis must be UN (units) or MJ"
    )


# -- 4. a range of dates on one line ------------------------------------------------------------------
def test_a_date_range_on_one_line_is_reported_alone_and_the_other_lines_are_checked() -> None:
    items = read(DATA / "range_line.837")
    (visit,) = [i for i in items if isinstance(i, ClaimVisit)]
    assert [line.code for line in visit.visit.lines] == ["97110", "97530"]
    assert visit.claim_lines == (1, 3)
    (line,) = [i for i in items if isinstance(i, RejectedLine)]
    assert (line.claim, line.segment, line.line) == (1, 28, 2)
    assert line.message == (
        "claim 1 (segment 28): service line 2: DTP*472 is a date range (RD8) of several days, and ptcpt "
        "checks one date of service per visit: the line is not checked, but the claim's other lines are "
        "read; bill each date on its own service line"
    )
    assert items.index(line) > items.index(visit)


def test_a_claim_level_range_leaves_only_lines_with_their_own_dates() -> None:
    segments = replaced("HI*ABK:S83511A~", ["HI*ABK:S83511A~", "DTP*472*RD8*20250301-20250307~"])
    segments = replaced("DTP*472*D8*20250307~", [], segments, last=True)  # line 2 keeps no date of its own
    items = read(stream(segments))
    last = [i for i in items if isinstance(i, ClaimVisit)][-1]
    assert (last.claim, last.claim_lines, last.visit.date) == (3, (1,), dt.date(2025, 3, 7))
    (line,) = [i for i in items if isinstance(i, RejectedLine)]
    assert (line.claim, line.line) == (3, 2)
    assert "the claim's (DTP*472 at segment 83) is a range of several days" in line.message


def test_a_claim_of_range_lines_only_yields_its_lines() -> None:
    items = read(
        stream([s.replace("DTP*472*D8*20250307~", "DTP*472*RD8*20250307-20250308~") for s in lines()])
    )
    assert [(i.claim, i.line) for i in items if isinstance(i, RejectedLine)] == [(3, 1), (3, 2)]
    assert [v for v in visits(items) if v[0] == 3] == []


def test_visits_from_x12_gives_each_range_line_as_its_error() -> None:
    with (DATA / "range_line.837").open() as source:
        pairs = list(visits_from_x12(source))
    assert [n for n, _ in pairs] == [1, 1]
    assert isinstance(pairs[1][1], ptcpt.InvalidVisit)
    assert "service line 2: DTP*472 is a date range" in str(pairs[1][1])


# -- 7. messages that said the wrong thing ------------------------------------------------------------------
def test_an_iea_without_a_final_terminator_is_read() -> None:
    items = read(io.StringIO(EXAMPLE.read_text().rstrip("~\n")))
    assert faults(items) == []
    assert visits(items) == EXAMPLE_VISITS


def test_a_component_separator_other_than_isa16_is_named() -> None:
    items = read(stream(replaced("SV1*HC:97112:GP*40*UN*1***1~", ["SV1*HC>97112>GP*40*UN*1***1~"])))
    assert problems(items) == [
        "claim 1 (segment 36): service line 5, SV101: the procedure is one value of 11 characters: its "
        "parts are separated by '>', but the ISA header (ISA16) makes ':' the component separator; fix "
        "ISA16 or the separators"
    ]


# -- more damage ------------------------------------------------------------------------------------------
def test_a_new_interchange_before_the_iea_cuts_the_open_claim_off() -> None:
    first = EXAMPLE.read_text()
    cut = first[: first.index("LX*2~\nSV1*HC:97110:GP*40*UN*1")]
    items = read(io.StringIO(cut + first.replace("000000101", "000000102")))
    assert problems(items) == [
        "claim 3 (segment 86): a new interchange (ISA header) before the claim's transaction set is closed "
        "by its SE trailer, so the claim may be missing lines"
    ]
    assert faults(items) == [
        "segment 86: a new interchange (ISA header), but the transaction set that starts at segment 3 is "
        "still open: expected SE, GE and IEA before it"
    ]
    assert len(visits(items)) == 5 + 6


def test_an_interchange_sent_twice_is_a_fault() -> None:
    items = read(io.StringIO(EXAMPLE.read_text() * 2))
    assert len(visits(items)) == 12
    assert faults(items) == [
        "segment 92: ISA13, the interchange control number, repeats an earlier interchange's: expected a "
        "number of its own (is the interchange sent twice?)"
    ]


def test_a_broken_second_isa_header_is_a_fault_and_its_claims_are_read_with_the_first_delimiters() -> None:
    text = EXAMPLE.read_text()
    header, rest = text.split("\n", 1)
    broken = header.replace("000000101", "000000102")[:-2] + "A~\n" + rest  # ISA16 a letter
    items = read(io.StringIO(text + broken))
    assert faults(items) == [
        "segment 92: the ISA header cannot be read (ISA16, the component separator, must be one punctuation "
        "character other than the element separator '*'); the segments after it are read with the "
        "delimiters of the interchange before it"
    ]
    assert len(visits(items)) == 12


def test_input_that_cannot_be_split_any_further_stops_with_a_fault(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ptcpt.x12.reader._LONGEST_SEGMENT", 50_000)
    text = EXAMPLE.read_text()
    cut = text.index("CLM*PT2025A003")
    items = read(io.StringIO(text[:cut] + "NTE*ADD*" + "X" * 60_000 + text[cut:]))
    assert faults(items)[0].startswith("segment 81: no segment terminator '~' in the next 50,000 characters")
    assert faults(items)[-1] == "segment 81: reading stops here, before the SE, GE and IEA trailers"
    assert len(visits(items)) == 5


def test_control_numbers_and_counts_that_do_not_match() -> None:
    segments = lines()
    segments[-1] = "IEA*2*000000999~"
    segments[-2] = "GE*3*102~"
    segments[-3] = "SE*87*0002~"
    assert faults(read(stream(segments, recount=False))) == [
        "segment 89: SE02 does not match ST02, the control number of the transaction set's header (segment "
        "3): expected the same control number",
        "segment 90: GE01 counts '3' transaction sets, but the group that starts at segment 2 has 1: "
        "expected 1",
        "segment 90: GE02 does not match GS06, the control number of the group's header (segment 2): "
        "expected the same control number",
        "segment 91: IEA01 counts '2' functional groups, but the interchange that starts at segment 1 has 1: "
        "expected 1",
        "segment 91: IEA02 does not match ISA13, the control number of the interchange's header (segment 1): "
        "expected the same control number",
    ]


def test_other_transaction_sets_in_an_837p_file_are_named_and_their_claims_rejected() -> None:
    text = EXAMPLE.read_text()
    institutional = text.replace("000000101", "000000102").replace("005010X222A1", "005010X223A2")
    items = read(io.StringIO(text + institutional))
    assert visits(items) == EXAMPLE_VISITS
    assert faults(items) == [
        "segment 94: this is an 837I (institutional) claim; ptcpt reads 837P professional claims"
    ]
    assert [i.claim for i in items if isinstance(i, RejectedClaim)] == [4, 5, 6]
