from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ptcpt
from ptcpt._catalogs import Catalog, load_codes
from ptcpt._codes import Category, Timing
from ptcpt.errors import DataError, UnknownCode

TODAY = dt.date(2026, 11, 29)
CAT = ptcpt.catalog()


def test_catalog_is_cached_and_shared() -> None:
    assert ptcpt.catalog() is CAT
    assert isinstance(CAT, Catalog)


@pytest.mark.parametrize(
    ("code", "category", "timed"),
    [
        ("97750", Category.TEST_MEASUREMENT, True),
        ("97110", Category.THERAPEUTIC_PROCEDURE, True),
        ("97112", Category.THERAPEUTIC_PROCEDURE, True),
        ("97116", Category.THERAPEUTIC_PROCEDURE, True),
        ("97140", Category.THERAPEUTIC_PROCEDURE, True),
        ("97150", Category.THERAPEUTIC_PROCEDURE, False),
        ("97530", Category.THERAPEUTIC_PROCEDURE, True),
        ("97535", Category.THERAPEUTIC_PROCEDURE, True),
        ("97761", Category.ORTHOTIC_PROSTHETIC, True),
        ("97762", Category.ORTHOTIC_PROSTHETIC, True),
    ],
)
def test_the_ten_core_codes_are_present_and_right(code: str, category: Category, timed: bool) -> None:
    found = CAT[code]
    assert found.category is category
    assert found.is_timed is timed
    if timed:
        assert found.unit_minutes == 15


def test_97762_was_deleted_in_2018_and_points_to_97763() -> None:
    old = CAT["97762"]
    assert old.deleted == dt.date(2018, 1, 1)
    assert old.replaced_by == ("97763",)
    assert [c.code for c in CAT.replacements("97762")] == ["97763"]
    assert not old.is_active(dt.date(2018, 1, 1))
    assert old.is_active(dt.date(2017, 12, 31))


@pytest.mark.parametrize(
    ("code", "deleted", "replaced"),
    [
        ("97001", dt.date(2017, 1, 1), {"97161", "97162", "97163"}),
        ("97002", dt.date(2017, 1, 1), {"97164"}),
        ("97532", dt.date(2018, 1, 1), {"97127", "G0515"}),
        ("97127", dt.date(2020, 1, 1), {"97129", "97130"}),
        ("G0515", dt.date(2020, 1, 1), {"97129", "97130"}),
    ],
)
def test_deleted_codes_keep_their_dates_and_replacements(
    code: str, deleted: dt.date, replaced: set[str]
) -> None:
    assert CAT[code].deleted == deleted
    assert set(CAT[code].replaced_by) == replaced


def test_replacement_chains_are_followed_for_a_date() -> None:
    on_2019 = {c.code for c in CAT.replacements("97532", dt.date(2019, 6, 1))}
    on_2021 = {c.code for c in CAT.replacements("97532", dt.date(2021, 6, 1))}
    assert on_2019 == {"97127", "G0515"}
    assert on_2021 == {"97129", "97130"}


def test_unit_length_exceptions() -> None:
    assert CAT["97550"].unit_minutes == 30
    assert CAT["98960"].unit_minutes == 30
    assert CAT["98980"].unit_minutes == 20
    assert CAT["98981"].add_on_to == ("98980",)
    assert CAT["97130"].add_on_to == ("97129",)


def test_2026_rtm_codes_start_in_2026() -> None:
    for code in ("98979", "98984", "98985"):
        assert CAT[code].effective == dt.date(2026, 1, 1)
        assert code not in CAT.for_date(dt.date(2025, 12, 31))
        assert code in CAT.for_date(dt.date(2026, 1, 1))


def test_g0283_sits_beside_97014() -> None:
    assert CAT["G0283"].category is CAT["97014"].category is Category.SUPERVISED_MODALITY
    assert not CAT["G0283"].is_timed


# -- data integrity ----------------------------------------------------------------------
def test_every_replacement_exists_and_leads_to_a_code_active_today() -> None:
    for code in CAT:
        for target in code.replaced_by:
            assert target in CAT, f"{code.code} -> {target}"
        if code.deleted:
            current = CAT.replacements(code.code, TODAY)
            assert current, code.code
            assert all(c.is_active(TODAY) for c in current), code.code


def test_only_deleted_codes_have_replacements() -> None:
    for code in CAT:
        assert bool(code.replaced_by) <= bool(code.deleted), code.code


def test_add_on_primaries_exist() -> None:
    for code in CAT:
        for primary in code.add_on_to:
            assert primary in CAT, f"{code.code} add-on to unknown {primary}"


def test_no_active_code_lacks_a_summary_name_or_source() -> None:
    for code in CAT.for_date(TODAY):
        assert len(code.summary) > 20, code.code
        assert code.name.strip() and code.source.strip(), code.code


def test_active_treatment_codes_have_at_least_four_examples() -> None:
    treatment = {
        Category.THERAPEUTIC_PROCEDURE,
        Category.ATTENDED_MODALITY,
        Category.ORTHOTIC_PROSTHETIC,
        Category.TEST_MEASUREMENT,
    }
    for code in CAT.for_date(TODAY):
        if code.category in treatment and code.timing is Timing.TIMED:
            assert len(code.examples) >= 4, code.code


def test_dates_are_ordered() -> None:
    for code in CAT:
        if code.effective and code.deleted:
            assert code.effective < code.deleted, code.code


def test_every_category_is_used() -> None:
    used = {code.category for code in CAT}
    assert used == set(Category)


def test_unconfirmed_facts_are_flagged() -> None:
    flagged = [code for code in CAT if code.unconfirmed]
    assert flagged, "facts.md marks several facts UNCONFIRMED; the data must flag them"
    assert CAT["98970"].is_unconfirmed("effective")
    assert CAT["97037"].is_unconfirmed("timing")


# -- lookup ------------------------------------------------------------------------------
def test_lookup_of_an_unknown_code_suggests_close_ones() -> None:
    with pytest.raises(UnknownCode) as info:
        CAT["97111"]
    assert "97110" in info.value.suggestions
    assert CAT.get("97111") is None
    assert "97111" not in CAT
    assert "97110" in CAT
    assert 97110 not in CAT


def test_filter_by_category_timing_and_date() -> None:
    evals = CAT.filter(category="evaluation", active_on=TODAY)
    assert {"97161", "97162", "97163", "97164"} <= {c.code for c in evals}
    assert "97001" not in evals
    assert all(c.is_timed for c in CAT.filter(timing=Timing.TIMED))
    with pytest.raises(ValueError, match="category"):
        CAT.filter(category="massage")


def test_search_finds_by_word_and_by_code() -> None:
    assert CAT.search("97530")[0].code == "97530"
    assert "97763" in {c.code for c in CAT.search("orthotic")}
    assert CAT.search("") == ()
    with pytest.raises(TypeError):
        CAT.search(None)  # type: ignore[arg-type]


@given(st.text(max_size=200))
def test_search_never_raises_on_any_text(text: str) -> None:
    result = CAT.search(text)
    assert all(code in CAT for code in result)


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2035, 12, 31)))
def test_for_date_holds_exactly_the_codes_in_force(day: dt.date) -> None:
    view = CAT.for_date(day)
    expected = {
        c.code
        for c in CAT
        if (c.effective is None or c.effective <= day) and (c.deleted is None or day < c.deleted)
    }
    assert {c.code for c in view} == expected
    assert view.as_of == day


def test_catalog_html_is_escaped_and_complete() -> None:
    html = CAT._repr_html_()
    assert html.startswith("<table>")
    assert "97530" in html
    assert "<script" not in html


# -- loading -----------------------------------------------------------------------------
GOOD_ROW = """
[[codes]]
code = "97110"
name = "Exercise"
summary = "Exercise for one goal."
category = "therapeutic-procedure"
disciplines = ["PT"]
timing = "timed"
unit_minutes = 15
one_on_one = true
therapy_list = "always"
examples = ["leg press"]
source = "test"
"""


def test_load_codes_reads_a_valid_file() -> None:
    (code,) = load_codes(GOOD_ROW, file="t.toml")
    assert code.code == "97110"
    assert code.examples == ("leg press",)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ("unit_minutes = 15", "unit_minutes = 15\ncolour = 'red'"),
            "t.toml:codes[0] (97110) colour: unknown field",
        ),
        (('name = "Exercise"\n', ""), "t.toml:codes[0] (97110) name: required field is missing"),
        (('category = "therapeutic-procedure"', 'category = "spa"'), "category: 'spa' is not one of"),
        (('code = "97110"', 'code = "9711O"'), "code: must look like a CPT/HCPCS code"),
        (("unit_minutes = 15\n", ""), "unit_minutes: a timed code needs"),
        (('examples = ["leg press"]', 'examples = "leg press"'), "examples: must be a list of strings"),
        (('source = "test"', 'source = "test"\ndeleted = "2018"'), "deleted: must be a date"),
        (('therapy_list = "always"', 'therapy_list = "often"'), "therapy_list"),
    ],
)
def test_malformed_rows_raise_data_error_naming_file_row_and_field(
    edit: tuple[str, str], message: str
) -> None:
    text = GOOD_ROW.replace(*edit)
    with pytest.raises(DataError) as info:
        load_codes(text, file="t.toml")
    assert message in str(info.value)


def test_broken_toml_and_duplicates_raise_data_error() -> None:
    with pytest.raises(DataError, match="not valid TOML"):
        load_codes("[[codes]\n", file="t.toml")
    with pytest.raises(DataError, match="twice"):
        Catalog(load_codes(GOOD_ROW + GOOD_ROW, file="t.toml"))


def test_compiled_json_matches_codes_toml() -> None:
    """codes.json is codes.toml compiled; run scripts/build_catalog_json.py after edits."""
    import importlib.util
    import pathlib

    script = pathlib.Path(__file__).resolve().parent.parent / "scripts" / "build_catalog_json.py"
    spec = importlib.util.spec_from_file_location("build_catalog_json", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    bundled = (pathlib.Path(ptcpt.__file__).parent / "data" / "codes.json").read_text("utf-8")
    assert bundled == module.compiled()
    from_toml = load_codes((pathlib.Path(ptcpt.__file__).parent / "data" / "codes.toml").read_text("utf-8"))
    assert from_toml == load_codes()


# -- issue 13: codes PTs bill that the catalog lacked -------------------------------------
NEW_CODES = (
    "98966", "98967", "98968", "98970", "98971", "98972", "97037", "97610",
    "G2250", "G2251", "29105", "29125", "29126", "29505", "29515", "97003", "97004",
)  # fmt: skip


@pytest.mark.parametrize("code", NEW_CODES)
def test_the_codes_issue_13_adds_are_in_the_catalog_with_sources(code: str) -> None:
    found = CAT[code]
    assert found.source and found.summary and found.examples
    # facts neither facts.md nor a shipped CMS row gives are flagged
    assert found.unconfirmed, code


def test_codes_with_a_cms_mue_row_say_what_it_is() -> None:
    from ptcpt.cms import bundled_tables

    tables = bundled_tables()
    for code in ("98966", "98967", "98968", "98970", "98971", "98972", "97037", "29505", "29515"):
        limit = tables.mue(code)
        assert limit is not None and limit.mue == 1 and limit.mai == 2, code
        assert "MUE" in CAT[code].notes and "cms/mue_pt.csv" in CAT[code].source


def test_97003_and_97004_are_deleted_ot_evaluations_replaced_by_the_2017_family() -> None:
    on = dt.date(2017, 1, 1)
    assert CAT["97003"].status(on) == "deleted" and CAT["97004"].status(on) == "deleted"
    assert CAT["97003"].status(dt.date(2016, 12, 31)) == "active"
    assert [c.code for c in CAT.replacements("97003", on)] == ["97165", "97166", "97167"]
    assert [c.code for c in CAT.replacements("97004", on)] == ["97168"]
    assert CAT["97003"].disciplines == ("OT",)


def test_cbt_device_supply_is_not_a_pt_code_either_way() -> None:
    # 98978 (16+ days) and 98986 (2-15 days) are monitoring devices for cognitive
    # behavioural therapy, not physical therapy: both stay out, so a claim carrying one
    # is reported as an unknown code rather than checked as a PT service.
    assert "98978" not in CAT and "98986" not in CAT
    assert "98977" in CAT and "98985" in CAT  # the musculoskeletal device codes PTs bill


def test_the_low_complexity_evaluation_has_no_complicating_factors() -> None:
    summary = CAT["97161"].summary
    assert "no personal factors" in summary
    assert "few" not in summary
