from __future__ import annotations

import datetime as dt
import os
import shutil
from decimal import Decimal
from importlib.resources import files
from pathlib import Path

import pytest

from ptcpt._engine import Checker
from ptcpt.cms import (
    ENV_VAR,
    bundled_tables,
    default_codes,
    directory,
    find_cms_files,
    load_cms_tables,
    read_gpci_file,
    read_mue_file,
    read_pprrvu_file,
    read_ptp_file,
    read_ptp_files,
    tables_from_dir,
    tables_from_env,
)
from ptcpt.errors import DataError
from ptcpt.fees import PricedLineInput, price_lines

FIXTURES = Path(__file__).parent.parent / "data" / "cms"
PTP = [FIXTURES / "ccipra-v999r0-f1.txt", FIXTURES / "ccipra-v999r0-f2.txt"]
MUE = FIXTURES / "MCR_MUE_PractitionerServices_Eff_01-01-2099.csv"
PPRRVU = FIXTURES / "PPRRVU2026_JAN_TEST.csv"
GPCI = FIXTURES / "GPCI2026_TEST.csv"
PT_CODES = frozenset({r.code for r in bundled_tables().rvus} | {"97150", "97124"})
DOS = dt.date(2026, 3, 2)


def _ptp_preamble() -> list[str]:
    return PTP[0].read_bytes().decode().split("\r\n")[:6]


# -- PTP -----------------------------------------------------------------------------------


def test_the_ptp_fixture_is_in_cms_layout() -> None:
    raw = PTP[0].read_bytes()
    assert b"\r\n" in raw and b"\t" in raw
    assert raw.startswith(b"CPT only copyright")


def test_read_ptp_file_parses_every_row_of_a_part() -> None:
    edits = read_ptp_file(PTP[0])
    assert len(edits) == 8
    first = edits[0]
    assert first.pair == ("97140", "97124")
    assert (first.modifier_indicator, first.effective, first.deleted) == (0, dt.date(2020, 1, 1), None)
    assert first.rationale == "Standards of medical/surgical practice"
    assert first.release == "ccipra-v999r0"
    old = edits[1]
    assert old.deleted == dt.date(2019, 12, 31) and old.in_force(dt.date(2019, 12, 31))
    assert not old.in_force(dt.date(2020, 1, 1))


def test_read_ptp_files_chains_parts_and_filters_codes() -> None:
    everything = read_ptp_files(PTP)
    assert len(everything) == 13
    kept = read_ptp_files(PTP, codes=PT_CODES)
    assert "99213" not in {e.column1 for e in kept}
    assert len(kept) == 12
    assert read_ptp_files(PTP, codes={"97140", "97124", "97530"}) == everything[:2]
    assert {e.release for e in read_ptp_files(PTP, release="mine")} == {"mine"}


def test_ptp_preamble_length_does_not_matter(tmp_path: Path) -> None:
    path = tmp_path / "ccipra-v1r0-f1.txt"
    rows = ["97140\t97124\t\t20200101\t*\t0\tStandards of medical/surgical practice"]
    path.write_text(
        "\n".join(["", "an extra title line", *_ptp_preamble(), "", *rows]) + "\n", encoding="utf-8"
    )
    (edit,) = read_ptp_file(path)
    assert edit.pair == ("97140", "97124") and edit.release == "ccipra-v1r0"


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("97140\t97124\t\t2020-01-01\t*\t0\tx", "Effective Date"),
        ("97140\t97124\t\t20200101\t2020\t0\tx", "Deletion Date"),
        ("97140\t97124\t\t20200230\t*\t0\tx", "Effective Date"),
        ("97140\t97124\t\t20200101\t*\t2\tx", "Modifier"),
        ("97140\t9712\t\t20200101\t*\t0\tx", "Column 2"),
    ],
)
def test_bad_ptp_rows_name_file_line_and_field(tmp_path: Path, row: str, field: str) -> None:
    path = tmp_path / "ccipra-v1r0-f1.txt"
    good = "97012\t97140\t\t20000101\t*\t1\tMutually exclusive procedures"
    path.write_text("\r\n".join([*_ptp_preamble(), good, row]) + "\r\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_ptp_file(path)
    assert (info.value.row, info.value.field) == (8, field)
    assert str(path) in str(info.value)


def test_a_short_ptp_row_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "ccipra-v1r0-f1.txt"
    path.write_text("\n".join([*_ptp_preamble(), "97012\t97140\t\t20000101\t*\t1\tx", "97012\t97140"]) + "\n")
    with pytest.raises(DataError, match="7 tab-separated columns") as info:
        read_ptp_file(path)
    assert info.value.row == 8


def test_a_file_that_is_not_a_ptp_file_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no PTP edit rows"):
        read_ptp_file(MUE)
    empty = tmp_path / "ccipra-v1r0-f1.txt"
    empty.write_text("\n".join(_ptp_preamble()) + "\n")
    with pytest.raises(DataError, match="no PTP edit rows"):
        read_ptp_file(empty)
    with pytest.raises(DataError, match="cannot read"):
        read_ptp_file(tmp_path / "missing.txt")


# -- MUE -----------------------------------------------------------------------------------


def test_read_mue_file_reads_value_and_indicator_text() -> None:
    limits = {m.code: m for m in read_mue_file(MUE)}
    assert limits["97110"].mue == 6 and limits["97110"].mai == 3
    assert limits["97161"].mai == 2 and limits["97799"].mai == 1 and limits["97010"].mue == 0
    assert limits["97140"].release == "MCR_MUE_PractitionerServices_Eff_01-01-2099"
    assert "99213" not in {m.code for m in read_mue_file(MUE, codes=PT_CODES)}


def test_mue_header_is_found_below_a_multiline_notice_and_by_key_words(tmp_path: Path) -> None:
    path = tmp_path / "mue.csv"
    path.write_text(
        '"CPT codes and descriptions only are copyright\nAmerican Medical Association.",,,\n'
        '"MUE Rationale","MUE Adjudication Indicator","HCPCS/\nCPT Code","Practitioner Services MUE Values"\n'
        '"CMS Policy","2 Date of Service Edit: Policy","97161","1"\n'
        '"* footnote: some values are confidential",,,\n',
        encoding="cp1252",
    )
    (limit,) = read_mue_file(path, release="2099Q1")
    assert (limit.code, limit.mue, limit.mai, limit.rationale, limit.release) == (
        "97161",
        1,
        2,
        "CMS Policy",
        "2099Q1",
    )


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ('"97110","six","3 Date of Service Edit: Clinical","x"', "Practitioner Services MUE Values"),
        ('"97110","6","Date of Service Edit","x"', "MUE Adjudication Indicator"),
        ('"9711","6","3 Date of Service Edit: Clinical","x"', "HCPCS/CPT Code"),
    ],
)
def test_bad_mue_rows_name_line_and_field(tmp_path: Path, row: str, field: str) -> None:
    path = tmp_path / "mue.csv"
    lines = [*MUE.read_text().splitlines()[:3], row]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError) as info:
        read_mue_file(path)
    assert (info.value.row, info.value.field) == (4, field)


def test_a_csv_without_the_mue_header_is_rejected() -> None:
    with pytest.raises(DataError, match="no MUE header"):
        read_mue_file(GPCI)


# -- PPRRVU --------------------------------------------------------------------------------


def test_read_pprrvu_file_keeps_rvus_status_and_mult_proc() -> None:
    data = read_pprrvu_file(PPRRVU)
    assert (data.year, data.release) == (2026, "PPRRVU2026_JAN_TEST")
    rvus = {r.code: r for r in data.rvus}
    assert rvus["97530"].pe_nonfacility == Decimal("0.60") and rvus["97530"].total == Decimal("1.05")
    assert rvus["20560"].pe_facility == Decimal("0.10") and rvus["20560"].pe_nonfacility == Decimal("0.44")
    assert not rvus["97530"].unconfirmed and rvus["97530"].year == 2026
    statuses = {s.code: s for s in data.statuses}
    assert statuses["97010"].status == "B" and statuses["97014"].status == "I"
    assert statuses["97110"].mppr_applies and not statuses["20560"].mppr_applies
    assert len(data.rvus) == 10  # the 97110-26 row is not a global row


def test_pprrvu_never_keeps_the_description_column() -> None:
    data = read_pprrvu_file(PPRRVU)
    assert "DESCRIPTION" not in repr(data).upper()
    assert "REMOVED" not in repr(data).upper()


def test_pprrvu_reads_the_shipped_layout_with_lf_endings_and_filters(tmp_path: Path) -> None:
    path = tmp_path / "PPRRVU26_JAN.csv"
    path.write_text(PPRRVU.read_bytes().decode().replace("\r\n", "\n"))
    data = read_pprrvu_file(path, codes=PT_CODES)
    assert "99213" not in {r.code for r in data.rvus}
    assert {r.code for r in data.rvus} == {r.code for r in read_pprrvu_file(PPRRVU).rvus} - {"99213"}


def test_pprrvu_year_comes_from_argument_title_or_name(tmp_path: Path) -> None:
    assert read_pprrvu_file(PPRRVU, year=2027).year == 2027
    untitled = PPRRVU.read_text().replace("2026 National", "National")
    named = tmp_path / "PPRRVU25_OCT.csv"
    named.write_text(untitled)
    assert read_pprrvu_file(named).year == 2025
    anonymous = tmp_path / "rvus.csv"
    anonymous.write_text(untitled)
    with pytest.raises(DataError, match="year"):
        read_pprrvu_file(anonymous)


def test_pprrvu_bad_numbers_and_layouts_are_named(tmp_path: Path) -> None:
    lines = PPRRVU.read_bytes().decode().split("\r\n")
    bad = tmp_path / "PPRRVU2026_JAN.csv"
    bad.write_text("\n".join([*lines[:10], lines[14].replace("0.45", "x.45", 1)]))
    with pytest.raises(DataError) as info:
        read_pprrvu_file(bad)
    assert (info.value.row, info.value.field) == (11, "WORK")
    with pytest.raises(DataError, match="HCPCS"):
        read_pprrvu_file(MUE)


# -- GPCI ----------------------------------------------------------------------------------


def test_read_gpci_file_pads_numbers_and_skips_footnotes() -> None:
    rows = read_gpci_file(GPCI)
    assert [g.id for g in rows] == ["10112-00", "02102-01", "01182-18"]
    assert {g.year for g in rows} == {2026}
    alaska = rows[1]
    assert (alaska.state, alaska.work, alaska.pe, alaska.mp) == (
        "AK",
        Decimal("1.500"),
        Decimal("1.080"),
        Decimal("0.590"),
    )


def test_gpci_headers_are_matched_by_key_words(tmp_path: Path) -> None:
    path = tmp_path / "GPCI2031.csv"
    path.write_text(
        "Contractor,State,Locality,Locality Name,Work GPCI,PE GPCI,Malpractice GPCI\n"
        "10112,AL,0,ALABAMA,1.0,0.869,0.575\n"
    )
    (row,) = read_gpci_file(path)
    assert (row.year, row.id, row.mp) == (2031, "10112-00", Decimal("0.575"))
    with pytest.raises(DataError, match="GPCI year"):
        read_gpci_file(path.rename(tmp_path / "localities.csv"))


def test_bad_gpci_rows_are_named(tmp_path: Path) -> None:
    path = tmp_path / "GPCI2026.csv"
    lines = GPCI.read_bytes().decode().split("\r\n")
    path.write_text("\n".join([*lines[:3], '"10112","AL","00","ALABAMA","one","0.870","0.580"']))
    with pytest.raises(DataError) as info:
        read_gpci_file(path)
    assert (info.value.row, info.value.field) == (4, "work")
    with pytest.raises(DataError, match="no GPCI header"):
        read_gpci_file(MUE)


# -- assembling tables ---------------------------------------------------------------------


def test_load_cms_tables_replaces_the_parts_given() -> None:
    base = bundled_tables()
    tables = load_cms_tables(ptp=PTP, mue=MUE, pprrvu=PPRRVU, gpci=GPCI, codes=PT_CODES)
    assert tables is not base
    assert tables.releases()["ptp"] == ("ccipra-v999r0",)
    assert len(tables.ptp) == 12
    limit = tables.mue("97140")
    assert limit is not None and limit.mue == 5
    assert tables.status("97026") == "R" and tables.releases()["pfs_status"] == ("PPRRVU2026_JAN_TEST",)
    # 2026 RVUs come from the file now; 2025 stays bundled.
    row = tables.rvu("97140", DOS)
    assert row is not None and row.year == 2026 and row.complete and not row.unconfirmed
    assert tables.rvu("97116", DOS) is None  # a full 2026 release without 97116: not carried
    kept = tables.rvu("97116", dt.date(2025, 5, 1))
    assert kept is not None and kept.year == 2025
    al = tables.gpci("AL-00", 2026)
    assert al is not None and al.year == 2026 and al.pe == Decimal("0.870")
    assert tables.gpci("AL-00", 2025) == base.gpci("AL-00", 2025)
    assert tables.conversion_factors == base.conversion_factors


def test_load_cms_tables_without_files_is_the_base() -> None:
    assert load_cms_tables() is bundled_tables()
    base = load_cms_tables(mue=MUE, codes={"97110"})
    assert load_cms_tables(base=base) is base
    assert [m.code for m in base.mue_limits] == ["97110"]


def test_cms_files_price_the_golden_visit_without_unconfirmed_inputs() -> None:
    tables = load_cms_tables(pprrvu=PPRRVU, codes=PT_CODES)
    lines = [PricedLineInput("97530"), PricedLineInput("97112"), PricedLineInput("97110")]
    estimate = price_lines(lines, on=DOS, tables=tables)
    assert (estimate.full_total, estimate.total) == (Decimal("96.86"), Decimal("82.17"))
    assert estimate.unconfirmed == ()


def test_default_codes_are_the_catalog_and_the_extract(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(directory, "_catalog_codes", lambda: frozenset({"G0515"}))
    codes = default_codes()
    assert {"G0515", "97110", "97150", "20560", "G0283"} <= codes
    assert "99213" not in codes
    tables = load_cms_tables(ptp=PTP)
    assert "99213" not in {e.column1 for e in tables.ptp}


@pytest.mark.skipif(
    not files("ptcpt").joinpath("data", "codes.toml").is_file(),
    reason="the catalog data is not on this branch",
)
def test_default_codes_include_the_bundled_catalog() -> None:
    from ptcpt._catalogs import catalog

    assert {c.code for c in catalog()} <= default_codes()


# -- finding files and the environment variable --------------------------------------------


def test_find_cms_files_picks_the_newest_release_of_each(tmp_path: Path) -> None:
    for part in ("f1", "f2"):
        shutil.copy(FIXTURES / f"ccipra-v999r0-{part}.txt", tmp_path / f"CCIPRA-V999R0-{part.upper()}.TXT")
    shutil.copy(PTP[0], tmp_path / "ccipra-v998r0-f1.txt")
    shutil.copy(MUE, tmp_path / "MCR_MUE_PractitionerServices_Eff_01-01-2099.csv")
    shutil.copy(MUE, tmp_path / "MCR_MUE_PractitionerServices_Eff_10-01-2098.csv")
    for name in (
        "PPRRVU2026_Jan_QPP.csv",
        "PPRRVU2026_Jan_nonQPP.csv",
        "PPRRVU25_OCT.csv",
        "PPRRVU25_APR.csv",
    ):
        shutil.copy(PPRRVU, tmp_path / name)
    shutil.copy(GPCI, tmp_path / "GPCI2026.csv")
    found = find_cms_files(tmp_path)
    assert [p.name for p in found.ptp] == ["CCIPRA-V999R0-F1.TXT", "CCIPRA-V999R0-F2.TXT"]
    assert found.mue is not None and found.mue.name.endswith("01-01-2099.csv")
    assert [p.name for p in found.pprrvu] == ["PPRRVU25_OCT.csv", "PPRRVU2026_Jan_nonQPP.csv"]
    assert [p.name for p in found.gpci] == ["GPCI2026.csv"]
    (tmp_path / "nothing").mkdir()
    assert found and not find_cms_files(tmp_path / "nothing")


def test_only_the_named_folder_is_read_never_its_subfolders(tmp_path: Path) -> None:
    nested = tmp_path / "2099q1" / "ptp"
    nested.mkdir(parents=True)
    shutil.copy(MUE, tmp_path / "2099q1" / "MCR_MUE_PractitionerServices_Eff_01-01-2099.csv")
    shutil.copy(PTP[0], nested / "ccipra-v999r0-f1.txt")
    assert not find_cms_files(tmp_path)
    found = find_cms_files(tmp_path / "2099q1")
    assert found.mue is not None and found.ptp == ()
    with pytest.raises(
        DataError, match=r"^--cms-dir: no CMS files in .* itself \(subfolders are not searched"
    ):
        tables_from_dir(tmp_path, named_by="--cms-dir")


def test_errors_name_the_setting_the_caller_used(tmp_path: Path) -> None:
    for named_by in ("--cms-dir", "cms_dir", ENV_VAR):
        with pytest.raises(DataError) as info:
            tables_from_dir(tmp_path / "nowhere", named_by=named_by)
        assert info.value.field == named_by and str(info.value).startswith(f"{named_by}: ")
    with pytest.raises(DataError, match=r"^cms_dir: .* is not a directory"):
        Checker(load_entrypoints=False, env={}, cms_dir=tmp_path / "nowhere")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_a_folder_that_cannot_be_listed_is_a_data_error(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o000)
    try:
        with pytest.raises(DataError, match=r"^--cms-dir: cannot list .*locked \(Permission denied\)"):
            tables_from_dir(locked, named_by="--cms-dir")
    finally:
        locked.chmod(0o700)


def test_tables_from_env_uses_the_bundled_tables_when_unset() -> None:
    assert tables_from_env({}) is bundled_tables()
    assert tables_from_env({ENV_VAR: "  "}) is bundled_tables()


def test_tables_from_env_loads_and_caches_a_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(FIXTURES))
    first = tables_from_env(codes=PT_CODES)
    assert first.releases()["ptp"] == ("ccipra-v999r0",)
    assert tables_from_env(codes=PT_CODES) is first
    gpci = first.gpci("10112-00", 2026)
    assert gpci is not None and gpci.year == 2026


def test_tables_from_env_rejects_a_bad_directory(tmp_path: Path) -> None:
    with pytest.raises(DataError) as info:
        tables_from_env({ENV_VAR: str(tmp_path / "nowhere")})
    assert info.value.field == ENV_VAR
    with pytest.raises(DataError, match="no CMS files"):
        tables_from_env({ENV_VAR: str(tmp_path)})
