from __future__ import annotations

import datetime as dt
import io
import logging
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ptcpt
from ptcpt._visit import Visit
from ptcpt.errors import DataError, InvalidVisit
from ptcpt.x12 import (
    ClaimVisit,
    EnvelopeFault,
    RejectedClaim,
    RejectedLine,
    lacks_minutes,
    looks_like_x12,
    minutes_note,
    read_837p,
    rules_needing,
    visits_from_x12,
)

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "x12"
EXAMPLE = ROOT / "examples" / "claims" / "pt_claims.837"
#: Files that must pass pyx12's 837P validator; the rest of DATA is broken on purpose.
VALID = [
    "pt_claims.837",
    "phi_claims.837",
    "minutes.837",
    "two_transactions.837",
    "delimiters.837",
    "range_line.837",
]
BROKEN = ["missing_code.837", "bad_date.837", "se_count.837", "truncated.837", "institutional.837"]

#: The made-up identifiers in phi_claims.837 (scripts/make_x12_samples.py).
PHI = ("ZZPHILASTNAME", "ZZPHIFIRSTNAME", "ZZPHIMEMBER0042", "999 ZZPHI STREET", "ZZPHICITY", "19010203")


Claimed = ClaimVisit | RejectedClaim | RejectedLine


def read_all(source: Any, **options: Any) -> tuple[list[Claimed], list[str]]:
    """What the reader says about the claims, and the messages of its envelope faults."""
    items: list[Claimed] = []
    faults: list[str] = []
    for item in read_837p(source, **options):
        if isinstance(item, EnvelopeFault):
            assert isinstance(item.error, DataError)
            assert item.message.startswith(f"segment {item.segment}: ")
            faults.append(item.message)
        else:
            items.append(item)
    return items, faults


def segments(name: str = "pt_claims.837") -> list[str]:
    return [s.strip() for s in (DATA / name).read_text().split("~") if s.strip()]


def x12(segs: list[str]) -> io.StringIO:
    """The segments as an X12 stream, with every SE01 recounted after an edit."""
    out: list[str] = []
    start = 0
    for seg in segs:
        if seg.startswith("ST*"):
            start = len(out)
        if seg.startswith("SE*"):
            seg = f"SE*{len(out) - start + 1}*{seg.split('*')[2]}"
        out.append(seg)
    return io.StringIO("~\n".join(out) + "~\n")


def edited(old: str, new: str | list[str], name: str = "pt_claims.837") -> io.StringIO:
    """pt_claims.837 with one segment replaced by ``new`` (none, one or several)."""
    segs = segments(name)
    index = segs.index(old)
    segs[index : index + 1] = [new] if isinstance(new, str) else new
    return x12(segs)


def visits(items: list[Claimed]) -> list[Visit]:
    return [item.visit for item in items if isinstance(item, ClaimVisit)]


def rejected(items: list[Claimed]) -> list[RejectedClaim]:
    return [item for item in items if isinstance(item, RejectedClaim)]


# -- the example file ---------------------------------------------------------------------
def test_each_claim_becomes_one_visit_per_date_of_service() -> None:
    items, faults = read_all(EXAMPLE, payers={"ZZ001": "commercial"})
    assert faults == []
    assert [(i.claim, i.segment) for i in items] == [(1, 21), (1, 21), (2, 48), (2, 48), (2, 48), (3, 81)]
    found = visits(items)
    assert [(v.id, v.date.isoformat(), v.payer) for v in found] == [
        ("PT2025A001", "2025-03-03", "medicare"),
        ("PT2025A001", "2025-03-05", "medicare"),
        ("PT2025A002", "2025-03-04", "medicare"),
        ("PT2025A002", "2025-03-06", "medicare"),
        ("PT2025A002", "2025-03-10", "medicare"),
        ("PT2025A003", "2025-03-07", "commercial"),
    ]
    first = found[0]
    assert [(line.code, line.units, line.modifiers) for line in first.lines] == [
        ("97161", 1, ("GP",)),
        ("97110", 2, ("GP",)),
        ("97140", 1, ("GP", "59")),
    ]
    assert found[3].lines[1].modifiers == ("GP", "KX", "59")
    # 97001 (deleted 2017) is read as billed: the rule engine reports it, the reader does not judge.
    assert [line.code for line in found[5].lines] == ["97001", "97110"]
    assert all(line.minutes is None and line.description is None for v in found for line in v.lines)
    assert all(v.ytd_allowed is None for v in found)


def test_the_example_is_the_tested_sample() -> None:
    assert EXAMPLE.read_text() == (DATA / "pt_claims.837").read_text()


def test_segment_numbers_count_from_the_isa_header() -> None:
    # One segment per line in these files, so segment N is line N.
    lines = EXAMPLE.read_text().splitlines()
    for item in read_all(EXAMPLE)[0]:
        assert lines[item.segment - 1].startswith("CLM*")
    (bad,) = rejected(read_all(DATA / "missing_code.837")[0])
    assert (DATA / "missing_code.837").read_text().splitlines()[bad.segment - 1] == "SV1*HC::GP*40*UN*1***1~"


def test_other_delimiters_and_one_line_files_read_the_same() -> None:
    plain = visits(read_all(DATA / "pt_claims.837")[0])
    assert visits(read_all(DATA / "delimiters.837")[0]) == plain


def test_claim_numbers_run_on_across_transaction_sets() -> None:
    items, faults = read_all(DATA / "two_transactions.837", payers={"test commercial health": "commercial"})
    assert faults == []
    assert [(i.claim, i.visit.id, i.visit.payer) for i in items if isinstance(i, ClaimVisit)] == [
        (1, "TWOCLAIM1", "medicare"),
        (2, "TWOCLAIM2", "commercial"),
    ]


# -- units, minutes -------------------------------------------------------------------------
def test_minutes_lines_carry_minutes_and_the_units_they_earn_alone() -> None:
    visit = visits(read_all(DATA / "minutes.837")[0])[0]
    assert [(line.code, line.units, line.minutes) for line in visit.lines] == [
        ("97110", 2, 33),  # 33 minutes: 2 units under the CMS table
        ("97140", 1, 7),  # under 8 minutes earns none; the line still bills one
        ("97161", 1, None),  # billed in units: no minutes
    ]
    assert lacks_minutes(visit)
    assert not lacks_minutes(Visit(date=visit.date, lines=visit.lines[:2]))


def test_minutes_note_names_the_rules_that_need_minutes() -> None:
    needing = rules_needing("minutes")
    assert set(needing) == {"units.mismatch", "hint.units-available", "modifier.assistant-missing"}
    assert rules_needing("group_size") == ("group.size",)
    note = minutes_note()
    assert note is not None and all(rule in note for rule in needing)
    assert "units.minutes-missing" not in note  # it reports a missing minute; it needs none


def test_a_plugin_rule_that_needs_minutes_is_named_in_the_note() -> None:
    # Fails before #14: the note was a constant naming three built-in rule ids.
    @ptcpt.rule("acme.minutes-cap", needs={"minutes"})
    def cap(visit: Visit, ctx: Any) -> Any:
        return ()

    class Acme:
        @ptcpt.hookimpl
        def ptcpt_register_rules(self, register: Any) -> None:
            register(cap)

    checker = ptcpt.Checker(plugins=[Acme()], load_entrypoints=False)
    assert rules_needing("minutes", checker.rules)[-1] == "acme.minutes-cap"
    note = minutes_note(checker.rules)
    assert note is not None and "acme.minutes-cap" in note and "units.mismatch" in note
    blocked = ptcpt.Checker(blocked=["ptcpt.units", "ptcpt.hints", "ptcpt.modifiers"], load_entrypoints=False)
    assert minutes_note(blocked.rules) is None  # no rule needs minutes: nothing to say


def test_the_old_constants_are_deprecated_aliases_derived_from_the_rules() -> None:
    import ptcpt.x12 as x12

    with pytest.warns(DeprecationWarning, match=r"minutes_note\(checker.rules\)"):
        assert minutes_note() == x12.MINUTES_NOTE
    with pytest.warns(DeprecationWarning, match="rules_needing"):
        assert rules_needing("minutes") == x12.RULES_NEEDING_MINUTES
    with pytest.warns(DeprecationWarning, match="rules_needing"):
        assert x12.RULES_NEEDING_GROUP_SIZE == ("group.size",)
    with pytest.raises(AttributeError, match="NOPE"):
        x12.NOPE  # noqa: B018


@pytest.mark.parametrize(
    ("sv1", "message"),
    [
        ("SV1*HC:97112:GP*40*UN*1.5***1", "SV104: units must be a whole number from 1 to 1000, got '1.5'"),
        ("SV1*HC:97112:GP*40*UN*0***1", "got '0'"),
        ("SV1*HC:97112:GP*40*UN****1", "got nothing"),
        ("SV1*HC:97112:GP*40*MJ*1441***1", "minutes (SV103 MJ) must be a whole number from 1 to 1440"),
        ("SV1*HC:97112:GP*40*F2*1***1", "SV103: the unit basis must be UN (units) or MJ (minutes), got 'F2'"),
        ("SV1*ER:97112:GP*40*UN*1***1", "SV101-1: ptcpt reads procedure codes qualified HC"),
        ("SV1*HC:9711:GP*40*UN*1***1", "SV101-2: procedure code '9711' is not a CPT/HCPCS code"),
        ("SV1*HC:97112:G*40*UN*1***1", "SV101-3: a modifier is 2 letters or digits"),
        ("SV1*HC:97112:GP:KX:59:XS:GA*40*UN*1***1", None),  # a fifth modifier has no element to sit in
    ],
)
def test_a_bad_service_line_rejects_its_claim_naming_line_and_element(sv1: str, message: str | None) -> None:
    items, faults = read_all(edited("SV1*HC:97112:GP*40*UN*1***1", sv1))
    if message is None:  # SV101-7 is the description, not a modifier: read as usual
        assert not rejected(items)
        return
    assert faults == []
    (bad,) = rejected(items)
    assert (bad.claim, bad.segment) == (1, 36)
    assert bad.message.startswith("claim 1 (segment 36): service line 5")
    assert message in bad.message
    assert isinstance(bad.error, InvalidVisit)
    # The other claims are still read.
    assert [v.id for v in visits(items)] == ["PT2025A002"] * 3 + ["PT2025A003"]


def test_decimal_units_that_are_whole_are_accepted() -> None:
    items, _ = read_all(edited("SV1*HC:97112:GP*40*UN*1***1", "SV1*hc:97112:gp*40*UN*2.0***1"))
    assert not rejected(items)
    line = visits(items)[1].lines[1]
    assert (line.code, line.units, line.modifiers) == ("97112", 2, ("GP",))


def test_descriptions_are_dropped_unless_asked_for() -> None:
    source = "SV1*HC:97112:GP::::BALANCE TRAINING*40*UN*1***1"
    line = visits(read_all(edited("SV1*HC:97112:GP*40*UN*1***1", source))[0])[1].lines[1]
    assert line.description is None
    kept = read_all(edited("SV1*HC:97112:GP*40*UN*1***1", source), descriptions=True)[0]
    assert visits(kept)[1].lines[1].description == "BALANCE TRAINING"


# -- dates ----------------------------------------------------------------------------------
def test_a_bad_date_of_service_is_rejected_without_quoting_it() -> None:
    items, faults = read_all(DATA / "bad_date.837")
    assert faults == []
    (bad,) = rejected(items)
    assert bad.message == (
        "claim 2 (segment 67): service line 6: the date of service in DTP*472 is not a valid CCYYMMDD date"
    )
    assert "20251340" not in bad.message
    assert [v.id for v in visits(items)] == ["PT2025A001", "PT2025A001", "PT2025A003"]


@pytest.mark.parametrize(
    ("dtp", "outcome"),
    [
        ("DTP*472*RD8*20250310-20250310", dt.date(2025, 3, 10)),
        ("DTP*472*RD8*20250310-2025031", "not two valid CCYYMMDD dates"),
        ("DTP*472*RD8*20250312-20250310", "not two valid CCYYMMDD dates, the first not after the second"),
        ("DTP*472*DT*202503101200", "DTP02 must be D8 (one date) or RD8 (a range), got 'DT'"),
        ([], "service line 6 has no date of service (DTP*472)"),
        (["DTP*472*D8*20250310", "DTP*472*D8*20250311"], "service line 6 has two dates of service"),
    ],
)
def test_service_dates(dtp: str | list[str], outcome: dt.date | str) -> None:
    items, _ = read_all(edited("DTP*472*D8*20250310", dtp))
    if isinstance(outcome, dt.date):
        assert visits(items)[4].date == outcome
        return
    (bad,) = rejected(items)
    assert bad.claim == 2
    assert outcome in bad.message


def test_a_claim_level_date_serves_lines_without_one() -> None:
    segs = [s for s in segments() if s != "DTP*472*D8*20250307"]
    segs.insert(segs.index("HI*ABK:S83511A") + 1, "DTP*472*D8*20250308")
    items, faults = read_all(x12(segs))
    assert faults == []
    last = visits(items)[-1]
    assert (last.id, last.date, len(last.lines)) == ("PT2025A003", dt.date(2025, 3, 8), 2)


# -- claims ---------------------------------------------------------------------------------
def test_claim_ids_with_whitespace_are_rejected_without_quoting_them() -> None:
    items, _ = read_all(edited("CLM*PT2025A002*400***11:B:1*Y*A*Y*Y", "CLM*ACCT 555 01*400***11:B:1*Y*A*Y*Y"))
    (bad,) = rejected(items)
    assert bad.message == (
        "claim 2 (segment 48): CLM01, the claim id, must be 1 to 64 characters with no whitespace to "
        "serve as the visit id; it has 11 characters and whitespace; fix the id, or number the claims "
        "instead (--no-claim-ids on the command line, claim_ids=False in Python)"
    )
    assert "ACCT" not in repr(items)
    renumbered = read_all(
        edited("CLM*PT2025A002*400***11:B:1*Y*A*Y*Y", "CLM*ACCT 555 01*400***11:B:1*Y*A*Y*Y"), claim_ids=False
    )[0]
    assert [v.id for v in visits(renumbered)] == ["claim-1"] * 2 + ["claim-2"] * 3 + ["claim-3"]


def test_an_empty_claim_id_is_rejected() -> None:
    items, _ = read_all(edited("CLM*PT2025A003*80***11:B:1*Y*A*Y*Y", "CLM**80***11:B:1*Y*A*Y*Y"))
    assert rejected(items)[0].message.startswith("claim 3 (segment 81): CLM01, the claim id")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("LX*2", ["LX*2", "LX*3"], "claim 3 (segment 86): service line 2 has no SV1"),
        ("SV1*HC:97110:GP*40*UN*1***1", ["SV1*HC:97110:GP*40*UN*1***1"] * 2, "has two SV1 segments"),
        ("HI*ABK:S83511A", ["HI*ABK:S83511A", "SV1*HC:97110:GP*40*UN*1***1"], "before the claim's first LX"),
        ("HI*ABK:S83511A", ["HI*ABK:S83511A", "SE*1*0001", "ST*837*0002*005010X222A1"], "no service lines"),
    ],
)
def test_claims_whose_structure_is_broken_are_rejected(old: str, new: list[str], message: str) -> None:
    segs = segments()
    at = max(i for i, s in enumerate(segs) if s == old)  # in the last claim
    segs[at : at + 1] = new
    items, _ = read_all(x12(segs))
    bad = rejected(items)
    assert bad
    assert bad[0].claim == 3
    assert message in bad[0].message


def test_a_service_line_outside_any_claim_is_a_fault_and_reading_goes_on() -> None:
    items, faults = read_all(edited("HL*3*1*22*0", ["HL*3*1*22*0", "LX*1"]))
    assert faults == [
        "segment 42: a service line (LX) outside any claim: expected a CLM segment before it; "
        "the line is not read"
    ]
    assert [v.id for v in visits(items)] == ["PT2025A001"] * 2 + ["PT2025A002"] * 3 + ["PT2025A003"]


# -- payers ---------------------------------------------------------------------------------
def test_payers_map_by_payer_id_or_name_and_default_to_payer() -> None:
    by_id = visits(read_all(EXAMPLE, payer="commercial", payers={"00435": "medicare"})[0])
    assert [v.payer for v in by_id] == ["medicare"] * 5 + ["commercial"]
    by_name = visits(read_all(EXAMPLE, payers={" test  commercial health ": "acme-health"})[0])
    assert [v.payer for v in by_name] == ["medicare"] * 5 + ["acme-health"]
    everyone = visits(read_all(EXAMPLE, payer="medicaid")[0])
    assert {v.payer for v in everyone} == {"medicaid"}


def test_an_other_payer_after_the_claim_does_not_change_the_primary() -> None:
    # 2330B (other payer) carries NM1*PR after CLM; the primary payer stays the 2010BB one.
    items = read_all(
        edited("HI*ABK:S83511A", ["HI*ABK:S83511A", "NM1*PR*2*MEDICARE PART B TEST*****PI*00435"]),
        payers={"00435": "medicare", "ZZ001": "commercial"},
    )[0]
    assert visits(items)[-1].payer == "commercial"


@pytest.mark.parametrize(
    "options", [{"payer": "Medicare"}, {"payer": ""}, {"payers": {"00435": "Medicare Part B"}}]
)
def test_bad_payer_profiles_are_refused_before_reading(options: dict[str, Any]) -> None:
    with pytest.raises(InvalidVisit, match="must be a payer profile id"):
        read_837p(DATA / "no-such-file.837", **options)


# -- files that are not (whole) 837Ps -------------------------------------------------------------
def test_a_remittance_file_is_named_and_refused() -> None:
    items, faults = read_all(DATA / "remittance.835")
    assert items == []
    assert faults == [
        "segment 3: transaction set '835' is a claim payment/remittance advice, not an 837P "
        "professional claim; ptcpt checks 837P claim files"
    ]


def test_an_institutional_claim_file_is_refused_claim_by_claim() -> None:
    items, faults = read_all(DATA / "institutional.837")
    assert faults == [
        "segment 3: this is an 837I (institutional) claim; ptcpt reads 837P professional claims"
    ]
    assert [(bad.claim, bad.segment) for bad in rejected(items)] == [(1, 21), (2, 48), (3, 81)]
    assert len(items) == 3
    assert rejected(items)[0].message == (
        "claim 1 (segment 21): the claim is in an 837I (institutional) transaction set (segment 3), "
        "not an 837P"
    )


def test_a_truncated_file_rejects_the_cut_claim_then_reports_the_damage() -> None:
    items, faults = read_all(DATA / "truncated.837")
    assert [v.id for v in visits(items)] == ["PT2025A001"] * 2 + ["PT2025A002"] * 3
    (cut,) = rejected(items)
    assert cut.claim == 3
    assert "the file looks truncated" in cut.message
    assert faults == [
        "segment 85: the input ends without its SE, GE and IEA trailers: expected SE, GE and IEA after "
        "this segment; the file is damaged or truncated"
    ]


def test_a_wrong_segment_count_is_reported_after_the_claims() -> None:
    items, faults = read_all(DATA / "se_count.837")
    assert len(visits(items)) == 6
    assert faults == [
        "segment 89: SE01 counts '86' segments, but the transaction set from its ST header (segment 3) to "
        "this SE trailer has 87: expected 87 (or a segment was lost or added)"
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "the input is empty"),
        (" \n\ufeff", "the input is empty"),
        ("hello", "an interchange starts with an ISA header of 16 elements"),
        ('{"date": "2025-03-12"}', "an interchange starts with an ISA header of 16 elements"),
        ("ISA*00*short~", "the ISA header does not have its 16 elements (ISA01 to ISA16)"),
        ("ISA*00*" + "x" * 120, "the ISA header does not have its 16 elements (ISA01 to ISA16)"),
        ("ISA*00" + "*" * 15 + ":", "the input ends inside the ISA header"),
        ("ISA*00" + "*" * 15 + "A~GS*", "ISA16, the component separator, must be one punctuation character"),
        ("ISA*00" + "*" * 15 + ":A", "the ISA header must end with the segment terminator"),
        ("ISA 00 00", "'ISA' must be followed by the element separator, a punctuation character"),
        ("ISA1*00", "an interchange starts with an ISA header of 16 elements"),
        ("isa*00*          *00*", "the interchange header must be 'ISA' in upper case"),
        ("GS*HC*SENDER~", "it starts with a 'GS' segment, where an interchange starts with its ISA header"),
    ],
)
def test_text_that_is_not_x12_is_one_fault_at_segment_1(text: str, reason: str) -> None:
    items, faults = read_all(io.StringIO(text))
    assert items == []
    assert len(faults) == 1
    assert faults[0].startswith("segment 1: not an X12 file ptcpt can read: " + reason)


def test_x12_text_passed_as_a_path_is_refused_without_quoting_it() -> None:
    text = (DATA / "phi_claims.837").read_text()
    with pytest.raises(TypeError, match=r"wrap X12 text in io\.StringIO") as caught:
        read_837p(text)
    assert not any(marker in str(caught.value) for marker in PHI)


# -- streams and the CLI helpers --------------------------------------------------------------
def test_streams_with_leading_blanks_a_bom_and_a_prefix_read_the_same() -> None:
    plain = visits(read_all(EXAMPLE)[0])
    text = EXAMPLE.read_text()
    assert visits(read_all(io.StringIO("\ufeff \r\n\n" + text))[0]) == plain
    stream = io.StringIO("\n" + text)
    head = stream.read(50)
    assert looks_like_x12(head)
    assert visits(read_all(stream, prefix=head)[0]) == plain


@pytest.mark.parametrize(
    ("chunk", "expected"),
    [
        ("ISA*00*          *00", True),
        ("\ufeff\r\n  ISA|00|", True),
        ("ISA", True),
        ('{"date": "2025-03-12", "lines": []}', False),
        ("[", False),
        ("ISAAC", False),
        ("ISA 00", False),
        ("", False),
        ("   ", False),
    ],
)
def test_looks_like_x12(chunk: str, expected: bool) -> None:
    assert looks_like_x12(chunk) is expected


def test_visits_from_x12_pairs_claim_numbers_with_visits_or_errors() -> None:
    with (DATA / "missing_code.837").open() as stream:
        pairs = list(visits_from_x12(stream, payer="medicare"))
    assert [n for n, _ in pairs] == [1, 2, 2, 2, 3]
    assert isinstance(pairs[0][1], InvalidVisit)
    assert str(pairs[0][1]).startswith("claim 1 (segment 36)")
    assert all(isinstance(v, Visit) for _, v in pairs[1:])


def test_ptcpt_x12_is_reachable_from_the_package() -> None:
    assert ptcpt.x12.read_837p is read_837p
    assert "x12" in dir(ptcpt)
    assert issubclass(ptcpt.MissingExtra, ptcpt.PtcptError)


def test_import_ptcpt_and_ptcpt_x12_do_not_import_pyx12() -> None:
    probe = (
        "import sys, ptcpt; ptcpt.x12.looks_like_x12('ISA*'); "
        "print([m for m in sys.modules if m.split('.')[0] == 'pyx12'])"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_reading_needs_no_pyx12(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyx12", None)
    monkeypatch.setitem(sys.modules, "pyx12.x12file", None)
    assert len(visits(read_all(EXAMPLE)[0])) == 6


# -- PHI --------------------------------------------------------------------------------------------
def phi_variants() -> dict[str, io.StringIO]:
    """phi_claims.837 as it is, and broken in ways that put patient data near the errors."""
    base = segments("phi_claims.837")

    def variant(old: str, new: str | list[str]) -> io.StringIO:
        segs = list(base)
        at = segs.index(old)
        segs[at : at + 1] = [new] if isinstance(new, str) else new
        return x12(segs)

    text = (DATA / "phi_claims.837").read_text()
    return {
        "valid": io.StringIO(text),
        # Patient data in the fields an error quotes.
        "code": variant("SV1*HC:97530:GP*40*UN*1***1", "SV1*HC:ZZPHILASTNAME:GP*40*UN*1***1"),
        "modifier": variant("SV1*HC:97530:GP*40*UN*1***1", "SV1*HC:97530:ZZPHIFIRSTNAME*40*UN*1***1"),
        "units": variant("SV1*HC:97530:GP*40*UN*1***1", "SV1*HC:97530:GP*40*UN*ZZPHIMEMBER0042***1"),
        "basis": variant("SV1*HC:97530:GP*40*UN*1***1", "SV1*HC:97530:GP*40*ZZPHICITY*1***1"),
        "qualifier": variant("SV1*HC:97530:GP*40*UN*1***1", "SV1*ZZPHILASTNAME:97530*40*UN*1***1"),
        "date": variant("DTP*472*D8*20250304", "DTP*472*D8*19010203X"),
        "date form": variant("DTP*472*D8*20250304", "DTP*472*ZZPHICITY*20250304"),
        "claim id": variant("CLM*PHICLAIM2*40***11:B:1*Y*A*Y*Y", "CLM*999 ZZPHI STREET*40***11:B:1*Y*A*Y*Y"),
        "bad birth date": variant("DMG*D8*19010203*F", "DMG*D8*19011303*F"),
        "truncated": io.StringIO(text[: text.index("LX*1~\nSV1*HC:97530")]),
        "garbage segment": variant("DTP*472*D8*20250304", "ZZPHILASTNAME*ZZPHIFIRSTNAME"),
        "not 837": io.StringIO(text.replace("ST*837*", "ST*ZZPHICITY*")),
    }


def test_no_patient_data_reaches_visits_errors_logs_or_warnings(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for source in phi_variants().values():
            items, faults = read_all(source, payers={"00435": "medicare"})
            seen += [repr(item) for item in items]
            seen += [str(item.error) for item in items if not isinstance(item, ClaimVisit)]
            seen += [repr(item.visit.lines) for item in items if isinstance(item, ClaimVisit)]
            seen += faults
    seen += [record.getMessage() for record in caplog.records]
    seen += [str(w.message) for w in caught]
    everything = "\n".join(seen).upper()
    assert "CLAIM 2 (SEGMENT" in everything  # the variants did produce errors
    for marker in PHI:
        assert marker not in everything, marker
    assert "1901" not in everything  # the birth year in any form


def test_no_patient_data_when_claim_ids_are_numbered() -> None:
    items, _ = read_all(
        edited(
            "CLM*PHICLAIM1*120***11:B:1*Y*A*Y*Y", "CLM*ZZPHIMEMBER0042*120***11:B:1*Y*A*Y*Y", "phi_claims.837"
        ),
        claim_ids=False,
    )
    assert "ZZPHIMEMBER0042" not in repr(items)
    assert [v.id for v in visits(items)] == ["claim-1", "claim-2"]


# -- invariant ----------------------------------------------------------------------------------------
CODES = st.sampled_from(["97110", "97112", "97140", "97530", "97161", "G0283", "97001", "0552T"])
MODIFIERS = st.lists(st.sampled_from(["GP", "KX", "59", "CQ", "XS", "GA"]), max_size=4, unique=True)
SERVICE = st.tuples(CODES, MODIFIERS, st.integers(1, 12), st.integers(1, 5))  # code, mods, units, day


@given(st.lists(st.lists(SERVICE, min_size=1, max_size=8), min_size=1, max_size=5))
def test_every_service_line_lands_in_exactly_one_visit_on_its_date(claims: list[list[Any]]) -> None:
    segs = segments()[:20]  # the envelope, the provider and the first subscriber
    for number, services in enumerate(claims, 1):
        segs += [f"CLM*C{number}*1***11:B:1*Y*A*Y*Y", "HI*ABK:M25561"]
        for lx, (code, mods, units, day) in enumerate(services, 1):
            composite = ":".join(["HC", code, *mods])
            segs += [f"LX*{lx}", f"SV1*{composite}*1*UN*{units}***1", f"DTP*472*D8*202503{day:02d}"]
    segs += ["SE*0*0001", "GE*1*101", "IEA*1*000000101"]
    items, faults = read_all(x12(segs))
    assert faults == []
    assert not rejected(items)
    got = sorted(
        (item.visit.id, item.visit.date.day, line.code, line.modifiers, line.units)
        for item in items
        if isinstance(item, ClaimVisit)
        for line in item.visit.lines
    )
    wanted = sorted(
        (f"C{n}", day, code, tuple(mods), units)
        for n, services in enumerate(claims, 1)
        for code, mods, units, day in services
    )
    assert got == wanted
    keys = [(item.claim, item.visit.date) for item in items if isinstance(item, ClaimVisit)]
    assert len(keys) == len(set(keys))  # one visit per claim and date
    assert keys == sorted(keys)


# -- the samples against pyx12's validator -----------------------------------------------------------
def validate(path: Path) -> bool:
    import pyx12.params
    import pyx12.x12n_document

    result: bool = pyx12.x12n_document.x12n_document(pyx12.params.params(), str(path), None, None)
    return result


@pytest.mark.parametrize("name", VALID)
def test_good_samples_pass_the_pyx12_validator(name: str) -> None:
    started = time.perf_counter()
    assert validate(DATA / name)
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize("name", BROKEN)
def test_broken_samples_fail_the_pyx12_validator(name: str) -> None:
    assert not validate(DATA / name)


def test_each_interchange_of_the_two_interchange_sample_passes_the_pyx12_validator(tmp_path: Path) -> None:
    # pyx12 reads a file with the first interchange's delimiters only, so each is checked alone.
    text = (DATA / "interchanges.837").read_text()
    cut = text.index("ISA|")
    for number, part in enumerate((text[:cut], text[cut:])):
        path = tmp_path / f"interchange{number}.837"
        path.write_text(part)
        assert validate(path)
