from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from importlib.resources import files

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ptcpt.cms import (
    CmsTables,
    ConversionFactor,
    Gpci,
    MueLimit,
    PtpEdit,
    Rvu,
    bundled_tables,
    load_bundled_tables,
    normalise_locality,
    read_conversion_factors,
    read_mue_extract,
    read_ptp_extract,
    read_rvu_extract,
)
from ptcpt.errors import DataError

T = bundled_tables()
DOS = dt.date(2024, 7, 1)
DATA = files("ptcpt").joinpath("data")
CSV_FILES = sorted(p.name for p in DATA.iterdir() if p.name.endswith(".csv"))


# -- loading and shape ---------------------------------------------------------------------


def test_bundled_tables_are_cached_and_sized() -> None:
    assert bundled_tables() is T
    assert len(T.ptp) == 998
    assert len(T.mue_limits) == 114
    assert {r.year for r in T.rvus} == set(range(2019, 2027))
    assert repr(T).startswith("<CmsTables ptp=998 mue=114")


def test_tables_compare_by_identity_and_evolve_rebuilds_the_indexes() -> None:
    fresh = load_bundled_tables()
    assert fresh is not T and fresh != T
    assert fresh.ptp == T.ptp
    emptied = attrs.evolve(T, mue_limits=())
    assert emptied.mue("97110") is None
    assert T.mue("97110") is not None


@pytest.mark.parametrize("name", CSV_FILES)
def test_every_bundled_csv_states_source_and_release_and_carries_no_descriptor(name: str) -> None:
    text = DATA.joinpath(name).read_text(encoding="utf-8")
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert text.startswith("# ")
    assert any("Source" in line for line in comments)
    header = text.splitlines()[len(comments)].lower()
    assert "description" not in header and "descriptor" not in header


def test_sources_md_describes_every_bundled_file() -> None:
    sources = DATA.joinpath("SOURCES.md").read_text(encoding="utf-8")
    for name in [*CSV_FILES, "codes.toml"]:
        assert f"`{name}`" in sources, name


# -- facts.md section 11: NCCI -------------------------------------------------------------


def test_97140_97530_has_no_active_edit_after_2019() -> None:
    last = T.ptp_in_force("97140", "97530", dt.date(2019, 12, 31))
    assert last is not None and last.modifier_indicator == 1 and last.column1 == "97140"
    for day in (dt.date(2020, 1, 1), DOS, dt.date(2026, 3, 2)):
        assert T.ptp_in_force("97140", "97530", day) is None
        assert T.ptp_in_force("97530", "97140", day) is None


def test_deletion_dates_are_the_last_day_in_force() -> None:
    assert T.ptp_in_force("97530", "97535", dt.date(2021, 12, 31)) is not None
    assert T.ptp_in_force("97530", "97535", dt.date(2022, 1, 1)) is None
    assert T.ptp_in_force("97530", "97116", dt.date(2020, 1, 1)) is None


def test_97140_97124_is_active_with_indicator_0() -> None:
    edit = T.ptp_in_force("97124", "97140", DOS)
    assert edit is not None
    assert (edit.column1, edit.column2, edit.modifier_indicator) == ("97140", "97124", 0)
    assert not edit.modifier_allowed


@pytest.mark.parametrize(
    "column2",
    ["97110", "97112", "97113", "97116", "97124", "97140", "97530", "97533", "97535", "97537", "97542",
     "97760", "97761", "97763"],
)  # fmt: skip
def test_97150_edits_are_active_with_indicator_1(column2: str) -> None:
    edit = T.ptp_in_force("97150", column2, DOS)
    assert edit is not None and edit.column1 == "97150" and edit.modifier_indicator == 1


@pytest.mark.parametrize(
    ("column1", "column2"),
    [("97012", "97140"), ("95992", "97110"), ("95992", "97112"), ("95992", "97140"), ("95992", "97530"),
     ("G0283", "97032"), ("97140", "97750")],
)  # fmt: skip
def test_other_indicator_1_edits_are_active(column1: str, column2: str) -> None:
    edit = T.ptp_in_force(column2, column1, DOS)
    assert edit is not None and edit.pair == (column1, column2) and edit.modifier_indicator == 1


@pytest.mark.parametrize(
    ("column1", "column2"),
    [(ev, c2) for ev in ("97161", "97162", "97163") for c2 in ("97164", "97750", "97755", "97763")]
    + [("97162", "97161"), ("97163", "97161"), ("97163", "97162")]
    + [("97164", c2) for c2 in ("97750", "97755", "97763")]
    + [("20561", "20560")],
)
def test_indicator_0_edits_are_active(column1: str, column2: str) -> None:
    edit = T.ptp_in_force(column1, column2, DOS)
    assert edit is not None and edit.pair == (column1, column2) and edit.modifier_indicator == 0


def test_ptp_edits_keeps_every_window_and_withdrawn_windows_never_apply() -> None:
    windows = T.ptp_edits("97530", "97116")
    assert len(windows) == 3
    assert {w.modifier_indicator for w in windows} == {1, 9}
    withdrawn = [e for e in T.ptp if e.modifier_indicator == 9]
    assert withdrawn and not any(e.in_force(d) for e in withdrawn for d in (dt.date(1990, 1, 1), DOS))
    # 97110/97140: vendor sites claim an edit; CMS's table has only a withdrawn window.
    assert {e.modifier_indicator for e in T.ptp_edits("97110", "97140")} == {9}
    assert T.ptp_in_force("97110", "97140", dt.date(1998, 1, 1)) is None
    # 97110/97530: no CMS edit known (facts.md 3a); only a window withdrawn in 1996.
    assert T.ptp_edits("97110", "97530") == ()
    assert {e.modifier_indicator for e in T.ptp_edits("97530", "97110")} == {9}


def test_ptp_among_finds_every_pair_of_a_visit() -> None:
    edits = T.ptp_among(["97150", "97110", "97140", "97124", "97110"], DOS)
    pairs = [e.pair for e in edits]
    assert pairs == sorted(set(pairs))
    assert ("97140", "97124") in pairs and ("97150", "97110") in pairs and ("97150", "97140") in pairs
    assert ("97110", "97140") not in pairs and ("97140", "97110") not in pairs


PAIRS = sorted({e.pair for e in T.ptp})


@given(st.sampled_from(PAIRS), st.dates(dt.date(1995, 1, 1), dt.date(2030, 12, 31)))
def test_ptp_in_force_is_symmetric_and_returns_only_applicable_edits(
    pair: tuple[str, str], day: dt.date
) -> None:
    a, b = pair
    found = T.ptp_in_force(a, b, day)
    assert found == T.ptp_in_force(b, a, day)
    if found is not None:
        assert found.in_force(day) and found.modifier_indicator in (0, 1)
    else:
        assert not any(e.in_force(day) for e in T.ptp_edits(a, b) + T.ptp_edits(b, a))


def test_edits_in_both_directions_are_all_reported_by_ptp_among() -> None:
    day = dt.date(2000, 1, 1)  # 97761/97755 ran until 2006-09-30, 97755/97761 still runs
    both = T.ptp_among(["97755", "97761"], day)
    assert {e.pair for e in both} == {("97755", "97761"), ("97761", "97755")}
    chosen = T.ptp_in_force("97761", "97755", day)
    assert chosen is not None and chosen in both and chosen == T.ptp_in_force("97755", "97761", day)
    assert [e.pair for e in T.ptp_among(["97755", "97761"], DOS)] == [("97755", "97761")]


CODES = sorted({c for pair in PAIRS for c in pair})


@given(
    st.lists(st.sampled_from(CODES), min_size=2, max_size=5),
    st.lists(st.dates(dt.date(1995, 1, 1), dt.date(2030, 12, 31)), min_size=1, max_size=4),
)
def test_ptp_among_remembered_answers_are_the_edits_in_force_that_day(
    codes: list[str], days: list[dt.date]
) -> None:
    # ptp_among remembers its answer per run of days no window starts or ends in: asked
    # for any day, in any order, it must give what the edits' own windows say.
    for day in days:
        wanted = sorted(
            {
                min(
                    (e for e in T.ptp_edits(a, b) if e.in_force(day)),
                    key=lambda e: e.modifier_indicator,
                ).pair
                for a in set(codes)
                for b in set(codes)
                if a != b and any(e.in_force(day) for e in T.ptp_edits(a, b))
            }
        )
        found = T.ptp_among(codes, day)
        assert [e.pair for e in found] == wanted
        assert all(e.in_force(day) for e in found)


def test_ptp_edit_window_semantics() -> None:
    edit = PtpEdit("97140", "97530", 1, effective=dt.date(2020, 1, 1), deleted=dt.date(2020, 3, 31))
    assert not edit.in_force(dt.date(2019, 12, 31))
    assert edit.in_force(dt.date(2020, 1, 1)) and edit.in_force(dt.date(2020, 3, 31))
    assert not edit.in_force(dt.date(2020, 4, 1))
    with pytest.raises(ValueError, match="column1"):
        PtpEdit("9714", "97530", 1)
    with pytest.raises(ValueError, match="modifier_indicator"):
        PtpEdit("97140", "97530", 2)


# -- facts.md section 11: MUE and status ---------------------------------------------------


@pytest.mark.parametrize(
    ("code", "value"),
    [("97110", 6), ("97112", 4), ("97010", 0), ("97014", 0), ("97116", 4), ("97140", 6), ("97530", 6),
     ("97535", 8), ("97542", 8), ("97750", 8), ("97032", 4), ("97033", 4), ("97035", 2), ("97113", 6),
     ("97124", 4), ("97760", 6), ("97761", 6), ("97763", 6), ("97130", 7), ("97150", 1), ("20560", 1),
     ("20561", 1), ("95992", 1), ("G0283", 1)],
)  # fmt: skip
def test_mue_values_match_the_cms_table(code: str, value: int) -> None:
    limit = T.mue(code)
    assert limit is not None and limit.mue == value


def test_evaluations_have_a_per_day_policy_mue_of_one() -> None:
    for code in ("97161", "97162", "97163", "97164"):
        limit = T.mue(code)
        assert limit == MueLimit(code, 1, 2, limit.rationale, limit.release)
        assert limit.per_day
    assert T.mue("99999") is None


@pytest.mark.parametrize(
    ("code", "status"),
    [("20560", "A"), ("20561", "A"), ("98960", "B"), ("98961", "B"), ("98962", "B"), ("97010", "B"),
     ("97026", "R"), ("97545", "R"), ("97546", "R"), ("97039", "C"), ("97139", "C"), ("97799", "C"),
     ("0552T", "C"), ("97014", "I"), ("97110", "A")],
)  # fmt: skip
def test_pfs_status_from_the_2022_file(code: str, status: str) -> None:
    assert T.status(code) == status
    found = T.pfs_status(code)
    assert found is not None and found.release == "PPRRVU22_JAN"


def test_mppr_applies_to_mult_proc_5_codes_only() -> None:
    for code in ("97110", "97140", "97530", "97161", "97164", "G0281", "G0283", "97012"):
        assert T.mppr_applies(code), code
    for code in ("95992", "20560", "97129", "29200", "97597", "98975", "97010", "99999"):
        assert not T.mppr_applies(code), code


# -- RVUs ----------------------------------------------------------------------------------


def test_2025_totals_match_the_cross_checked_figures() -> None:
    for code, total in (("97530", "1.07"), ("97110", "0.89"), ("97140", "0.84")):
        row = T.rvu(code, dt.date(2025, 6, 1))
        assert row is not None and row.year == 2025 and row.total == Decimal(total)
        assert not row.unconfirmed


def test_2026_rows_are_flagged_unconfirmed_and_partial_rows_fall_back() -> None:
    row = T.rvu("97530", dt.date(2026, 1, 1))
    assert row is not None and row.unconfirmed and row.complete
    assert (row.work, row.pe_nonfacility, row.mp) == (Decimal("0.44"), Decimal("0.60"), Decimal("0.01"))
    partial = T.rvu("97140", dt.date(2026, 1, 1))
    assert partial is not None and not partial.complete and partial.total == Decimal("0.83")
    assert partial.work == Decimal("0.43") and partial.pe_nonfacility is None
    fallback = T.rvu("97140", dt.date(2026, 1, 1), complete=True)
    assert fallback is not None and fallback.year == 2025


def test_rvu_carries_the_latest_year_forward_only_past_the_data() -> None:
    carried = T.rvu("97116", dt.date(2026, 5, 1))
    assert carried is not None and carried.year == 2025
    assert T.rvu("97116", dt.date(2018, 12, 31)) is None
    # G0515 was in the 2019 file and absent from later full releases: never carried.
    assert T.rvu("G0515", dt.date(2019, 3, 1)) is not None
    assert T.rvu("G0515", dt.date(2022, 3, 1)) is None
    assert T.rvu("99999", dt.date(2022, 3, 1)) is None


@given(st.sampled_from(sorted({r.code for r in T.rvus})), st.dates(dt.date(2015, 1, 1), dt.date(2032, 1, 1)))
def test_rvu_never_comes_from_a_later_year(code: str, day: dt.date) -> None:
    row = T.rvu(code, day)
    assert row is None or (row.code == code and row.year <= day.year)


# -- GPCI ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [("10112-00", "10112-00"), ("10112/0", "10112-00"), ("1112 5", "01112-05"), ("al-0", "AL-00"),
     (" CA-18 ", "CA-18"), ("10112", None), ("ALABAMA", None), ("", None), (None, None)],
)  # fmt: skip
def test_normalise_locality(text: object, key: str | None) -> None:
    assert normalise_locality(text) == key


def test_gpci_lookup_by_mac_or_state_locality() -> None:
    by_mac = T.gpci("10112-00", 2025)
    assert by_mac is not None and by_mac is T.gpci("AL-00", 2025)
    assert (by_mac.work, by_mac.pe, by_mac.mp) == (Decimal("1.000"), Decimal("0.869"), Decimal("0.575"))
    alaska = T.gpci("AK-01", 2025)
    assert alaska is not None and alaska.work == Decimal("1.500")


def test_gpci_zero_padding_and_inferred_states() -> None:
    row = T.gpci("1112-55", 2023)  # the 2023 source had dropped the zeros
    assert row is not None and (row.mac, row.locality) == ("01112", "55")
    inferred = T.gpci("CA-55", 2020)
    assert inferred is not None and inferred.state_inferred and inferred.state == "CA"


def test_gpci_carries_the_latest_year_forward_but_not_back() -> None:
    later = T.gpci("AL-00", 2026)
    assert later is not None and later.year == 2025
    assert T.gpci("AL-00", 2018) is None
    assert T.gpci("ZZ-99", 2025) is None
    assert len(T.localities(2025)) == 109
    assert T.localities(2018) == ()


def test_a_state_id_naming_two_localities_is_not_guessed() -> None:
    base = T.gpci("AL-00", 2025)
    assert base is not None
    twin = attrs.evolve(base, mac="10999")
    tables = attrs.evolve(T, gpcis=(base, twin))
    assert tables.gpci("AL-00", 2025) is None
    assert tables.gpci("10999-00", 2025) is twin


def test_gpci_record_validation() -> None:
    with pytest.raises(ValueError, match="mac"):
        Gpci(2025, "1011", "AL", "00", "ALABAMA", Decimal(1), Decimal(1), Decimal(1))
    with pytest.raises(ValueError, match="pe"):
        Gpci(2025, "10112", "AL", "00", "ALABAMA", Decimal(1), Decimal(0), Decimal(1))


# -- money ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "apm", "cf"),
    [(dt.date(2018, 6, 1), False, "35.9996"), (dt.date(2022, 6, 1), False, "34.6062"),
     (dt.date(2024, 3, 8), False, "32.7442"), (dt.date(2024, 3, 9), False, "33.2875"),
     (dt.date(2025, 12, 31), True, "32.3465"), (dt.date(2026, 1, 1), False, "33.4009"),
     (dt.date(2026, 1, 1), True, "33.5675")],
)  # fmt: skip
def test_conversion_factor_by_date_of_service(day: dt.date, apm: bool, cf: str) -> None:
    assert T.conversion_factor(day, apm).cf == Decimal(cf)
    assert T.has_conversion_factor(day, apm)


def test_conversion_factor_grades() -> None:
    assert T.conversion_factor(dt.date(2024, 5, 1)).unconfirmed
    assert T.conversion_factor(dt.date(2022, 5, 1)).grade == "P"
    assert not T.conversion_factor(dt.date(2026, 5, 1)).unconfirmed


def test_conversion_factor_outside_the_data_raises_naming_the_file() -> None:
    assert not T.has_conversion_factor(dt.date(2027, 1, 1))
    with pytest.raises(DataError, match=r"conversion_factors\.csv.*2027-01-01"):
        T.conversion_factor(dt.date(2027, 1, 1))


def test_overlapping_conversion_factors_are_rejected() -> None:
    cf = ConversionFactor(dt.date(2025, 1, 1), dt.date(2025, 12, 31), Decimal("32.3465"))
    other = attrs.evolve(cf, start=dt.date(2025, 6, 1), apm="no")
    with pytest.raises(DataError, match="overlap"):
        attrs.evolve(T, conversion_factors=(cf, other))


def test_kx_thresholds_with_grades() -> None:
    kx = T.kx_threshold(2024)
    assert kx is not None and kx.amount == Decimal("2330") and kx.grade == "P" and not kx.unconfirmed
    later = T.kx_threshold(2026)
    assert later is not None and later.amount == Decimal("2480") and later.unconfirmed
    assert T.kx_threshold(2017) is None


def test_dated_payment_factors() -> None:
    assert T.mppr_rate(dt.date(2013, 3, 31)) is None
    assert T.mppr_rate(dt.date(2013, 4, 1)) == Decimal("0.50")
    assert T.cq_factor(dt.date(2021, 12, 31)) == 1
    assert T.cq_factor(dt.date(2022, 1, 1)) == Decimal("0.85")
    assert T.de_minimis_share(dt.date(2019, 12, 31)) is None
    assert T.de_minimis_share(dt.date(2020, 1, 1)) == Decimal("0.10")
    review = T.factor("medical_review_threshold", dt.date(2025, 1, 1))
    assert review is not None and review.value == Decimal("3000.00")
    assert T.factor("medical_review_threshold", dt.date(2028, 1, 1)) is None


@pytest.mark.parametrize("year", range(2018, 2028))
def test_the_medical_review_threshold_is_3000_for_every_year_the_law_set_it(year: int) -> None:
    # Bipartisan Budget Act of 2018 section 50202: $3,000 for 2018 through 2027 (facts.md 5).
    for day in (dt.date(year, 1, 1), dt.date(year, 12, 31)):
        review = T.factor("medical_review_threshold", day)
        assert review is not None and review.value == Decimal("3000.00"), day
    assert T.factor("medical_review_threshold", dt.date(2017, 12, 31)) is None


def test_modifiers_and_when_cq_is_required() -> None:
    gp = T.modifier("gp")
    assert gp is not None and gp.group == "therapy-discipline"
    assert {m.modifier for m in T.modifiers if m.group == "ncci"} == {"59", "XE", "XS", "XP", "XU"}
    assert not T.modifier_required("CQ", dt.date(2019, 12, 31))
    assert T.modifier_required("CQ", dt.date(2020, 1, 1))
    xs = T.modifier("XS")
    assert xs is not None and xs.unconfirmed
    assert T.modifier("ZZ") is None


def test_releases_name_each_part() -> None:
    releases = T.releases()
    assert releases["ptp"] == ("ccipra-v302r0 2024Q3",)
    assert releases["pfs_status"] == ("PPRRVU22_JAN",)
    assert "GPCI2025" in releases["gpci"]


# -- validation names file, row and field --------------------------------------------------

PTP_HEADER = "column1,column2,effective,deleted,modifier_indicator,rationale,release\n"


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("97140,97530,,2019-12-31,7,x,r", "modifier_indicator"),
        ("97140,97530,,20191231,1,x,r", "deleted"),
        ("9714,97530,,,1,x,r", "column1"),
        ("97140,97530,,,1,x,", "release"),
    ],
)
def test_bad_ptp_rows_name_file_row_and_field(row: str, field: str) -> None:
    with pytest.raises(DataError) as info:
        read_ptp_extract("# a comment\n" + PTP_HEADER + "97140,97124,,,0,x,r\n" + row + "\n")
    assert (info.value.file, info.value.row, info.value.field) == ("ncci_ptp.csv", 4, field)
    assert re.match(r"ncci_ptp\.csv:4 ", str(info.value))


def test_a_missing_column_is_named() -> None:
    with pytest.raises(DataError) as info:
        read_mue_extract("code,mue,mai,rationale\n97110,6,3,x\n")
    assert info.value.field == "release"


def test_rvu_total_must_match_its_parts() -> None:
    header = "year,code,work,pe_nonfacility,pe_facility,mp,total,release,unconfirmed,source\n"
    good = "2025,97110,0.45,0.43,0.43,0.01,0.89,r,false,s\n"
    assert len(read_rvu_extract(header + good)) == 1
    with pytest.raises(DataError) as info:
        read_rvu_extract(header + "2025,97110,0.45,0.43,0.43,0.01,0.90,r,false,s\n")
    assert info.value.field == "total"
    with pytest.raises(DataError, match="unconfirmed"):
        read_rvu_extract(header + "2025,97110,0.45,0.43,0.43,0.01,0.89,r,maybe,s\n")


def test_record_errors_become_data_errors_with_the_row() -> None:
    header = "start,end,cf,apm,grade,unconfirmed,source\n"
    with pytest.raises(DataError) as info:
        read_conversion_factors(header + "2025-01-01,2024-12-31,32.3,any,P,false,s\n")
    assert info.value.row == 2 and "end" in str(info.value)
    with pytest.raises(DataError, match="grade"):
        read_conversion_factors(header + "2025-01-01,2025-12-31,32.3,any,X,false,s\n")


def test_duplicate_keys_are_rejected() -> None:
    limit = MueLimit("97110", 6, 3)
    with pytest.raises(DataError, match="97110"):
        attrs.evolve(T, mue_limits=(limit, limit))
    row = Rvu(2025, "97110", Decimal("0.45"), Decimal("0.43"), Decimal("0.43"), Decimal("0.01"))
    with pytest.raises(DataError, match="rvu"):
        CmsTables(
            ptp=(),
            mue_limits=(),
            rvus=(row, row),
            statuses=(),
            gpcis=(),
            conversion_factors=(),
            kx_thresholds=(),
            payment_factors=(),
            modifiers=(),
        )


def test_memo_is_made_with_the_tables_and_kept_per_owner() -> None:
    tables = load_bundled_tables()
    memo = tables.memo("tests.owner")
    assert memo == {}
    memo["k"] = 1
    assert tables.memo("tests.owner") == {"k": 1}
    assert tables.memo("tests.other") == {}
    assert attrs.evolve(tables).memo("tests.owner") == {}
