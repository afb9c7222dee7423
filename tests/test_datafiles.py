"""The shared loader of bundled data rows: every error names the file, the row and the field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ptcpt._datafiles import (
    CsvRow,
    build_value,
    check_keys,
    check_top_level,
    csv_table,
    read_bundled_text,
    read_csv_rows,
    read_toml,
    table_rows,
)
from ptcpt.errors import DataError

REQUIRED = frozenset({"code", "name"})
OPTIONAL = frozenset({"notes"})


def message(call: Any) -> str:
    with pytest.raises(DataError) as info:
        call()
    return str(info.value)


# -- keys ----------------------------------------------------------------------------------


def test_check_keys_names_the_missing_field_first_then_an_unknown_one() -> None:
    row = {"code": "97110", "colour": "red"}
    assert message(
        lambda: check_keys(row, required=REQUIRED, optional=OPTIONAL, file="t.toml", where="codes[0]")
    ) == ("t.toml:codes[0] name: required field is missing")
    row = {"code": "97110", "name": "x", "colour": "red", "age": 1}
    assert message(
        lambda: check_keys(row, required=REQUIRED, optional=OPTIONAL, file="t.toml", where="codes[0]")
    ) == ("t.toml:codes[0] age: unknown field")


def test_check_keys_says_what_a_key_is() -> None:
    assert message(
        lambda: check_keys(
            {},
            required=frozenset({"known"}),
            optional=frozenset(),
            file="s.toml",
            where="[words]",
            noun="list",
        )
    ) == ("s.toml:[words] known: required list is missing")


@given(st.dictionaries(st.sampled_from(["code", "name", "notes"]), st.text(max_size=3)))
def test_rows_with_only_known_keys_and_every_required_one_pass(row: dict[str, str]) -> None:
    if row.keys() >= REQUIRED:
        check_keys(row, required=REQUIRED, optional=OPTIONAL, file="t", where=0)
    else:
        with pytest.raises(DataError, match="required field is missing"):
            check_keys(row, required=REQUIRED, optional=OPTIONAL, file="t", where=0)


def test_check_top_level() -> None:
    doc = {"codes": []}
    assert check_top_level(doc, frozenset({"codes"}), file="c.json", expected="a table") is doc
    assert message(
        lambda: check_top_level([], frozenset({"codes"}), file="c.json", expected="a table of [[codes]]")
    ) == ("c.json: expected a table of [[codes]]")
    assert message(
        lambda: check_top_level(
            {"codes": [], "b": 1, "a": 2}, frozenset({"codes"}), file="c.toml", expected="x"
        )
    ) == ("c.toml: unknown top-level keys ['a', 'b']")


# -- tables of rows ------------------------------------------------------------------------


def rows_of(document: dict[str, Any]) -> list[tuple[str, Any]]:
    return list(
        table_rows(document, "codes", file="t.toml", required=REQUIRED, optional=OPTIONAL, label="code")
    )


def test_table_rows_yields_where_with_the_label() -> None:
    rows = rows_of({"codes": [{"code": "97110", "name": "a"}, {"code": 5, "name": "b"}]})
    assert [where for where, _ in rows] == ["codes[0] (97110)", "codes[1]"]


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({}, "t.toml: expected one or more [[codes]] tables"),
        ({"codes": []}, "t.toml: expected one or more [[codes]] tables"),
        ({"codes": "97110"}, "t.toml: expected one or more [[codes]] tables"),
        ({"codes": ["97110"]}, "t.toml:codes[0]: each entry must be a table"),
        ({"codes": [{"code": "97110"}]}, "t.toml:codes[0] (97110) name: required field is missing"),
        (
            {"codes": [{"code": "97110", "name": "a"}, {"code": "97112", "name": "b", "x": 1}]},
            "t.toml:codes[1] (97112) x: unknown field",
        ),
    ],
)
def test_table_rows_errors(document: dict[str, Any], expected: str) -> None:
    assert message(lambda: rows_of(document)) == expected


# -- building values -----------------------------------------------------------------------


@attrs.frozen
class Thing:
    name: str = attrs.field()
    size: int = attrs.field()

    @size.validator
    def _size(self, attribute: attrs.Attribute[int], value: int) -> None:
        if value < 0:
            raise ValueError(f"size: must be >= 0, got {value}")


def test_build_value_names_a_known_field() -> None:
    assert build_value(Thing, {"name": "a", "size": 1}, file="f", where=1) == Thing("a", 1)
    assert message(
        lambda: build_value(Thing, {"name": "a", "size": -1}, file="f.toml", where="t[0]", known={"size"})
    ) == ("f.toml:t[0] size: must be >= 0, got -1")


def test_build_value_renames_the_field_as_the_file_calls_it() -> None:
    assert message(
        lambda: build_value(
            Thing,
            {"name": "a", "size": -1},
            file="f",
            where="t[0]",
            known={"size"},
            rename={"size": "sizes[2]"},
        )
    ) == ("f:t[0] sizes[2]: must be >= 0, got -1")


def test_build_value_keeps_the_whole_message_when_the_field_is_not_known() -> None:
    assert message(lambda: build_value(Thing, {"name": "a", "size": -1}, file="f", where=3)) == (
        "f:3: size: must be >= 0, got -1"
    )
    assert "unexpected keyword" in message(lambda: build_value(Thing, {"nope": 1}, file="f", where=3))


# -- CSV -----------------------------------------------------------------------------------

CSV = "# provenance\ncode,when,amount,n,flag\n97110,2024-07-01,0.45,2,true\n"


def test_csv_table_skips_comments_and_numbers_rows_as_in_the_file() -> None:
    (row,) = csv_table("x.csv", ("code", "when", "amount", "n", "flag"), CSV)
    assert row.line == 3
    assert row.code("code") == "97110"
    assert row.date("when") == dt.date(2024, 7, 1)
    assert row.decimal("amount") == Decimal("0.45")
    assert row.integer("n", choices=(1, 2)) == 2
    assert row.flag("flag") is True


def test_csv_table_checks_the_header() -> None:
    assert message(
        lambda: list(csv_table("x.csv", ("code", "when", "amount", "n", "flag", "more"), CSV))
    ) == ("x.csv:header more: required field is missing")
    assert message(lambda: list(csv_table("x.csv", ("code", "when", "amount", "n"), CSV))) == (
        "x.csv:header flag: unknown field"
    )


def test_csv_row_lengths() -> None:
    assert (
        message(lambda: list(read_csv_rows("x.csv", "a,b\n1,2,3\n")))
        == "x.csv:2: row has more cells than the header"
    )
    assert message(lambda: list(read_csv_rows("x.csv", "a,b\n1\n"))) == (
        "x.csv:2 b: row has fewer cells than the header"
    )


@pytest.mark.parametrize(
    ("value", "call", "expected"),
    [
        ("9711", lambda r: r.code("v"), "must be a CPT/HCPCS code such as 97110"),
        ("", lambda r: r.date("v"), "must be a date such as 2024-07-01"),
        ("2024-7-1", lambda r: r.date("v"), "must be an ISO date such as 2024-07-01"),
        ("2024-02-30", lambda r: r.date("v"), "must be an ISO date such as 2024-07-01"),
        ("", lambda r: r.decimal("v"), "must be a number"),
        ("abc", lambda r: r.decimal("v"), "must be a number such as 0.45"),
        ("-1", lambda r: r.decimal("v"), "must be a number >= 0"),
        ("1.5", lambda r: r.integer("v"), "must be a whole number"),
        ("3", lambda r: r.integer("v", choices=(1, 2)), "must be one of 1, 2"),
        ("yes", lambda r: r.flag("v"), "must be true or false"),
        (" ", lambda r: r.text("v", required=True), "must not be empty"),
    ],
)
def test_csv_row_getters_name_file_row_and_field(value: str, call: Any, expected: str) -> None:
    row = CsvRow("x.csv", 7, {"v": value})
    assert message(lambda: call(row)) == f"x.csv:7 v: {expected}"


def test_csv_row_build_names_the_row() -> None:
    row = CsvRow("x.csv", 4, {})
    assert message(lambda: row.build(Thing, name="a", size=-1)) == "x.csv:4: size: must be >= 0, got -1"


# -- files ---------------------------------------------------------------------------------


def test_read_toml_names_the_file() -> None:
    assert message(lambda: read_toml("t.toml", "a = ")).startswith("t.toml: not valid TOML")


def test_a_missing_bundled_file_is_named() -> None:
    assert (
        message(lambda: read_bundled_text("no_such_file.csv"))
        == "no_such_file.csv: bundled data file is missing"
    )


def test_the_three_layers_use_the_shared_loader() -> None:
    import inspect

    import ptcpt._catalogs
    import ptcpt.classifier._vocab
    import ptcpt.cms.extracts

    for module, name in (
        (ptcpt._catalogs, "table_rows"),
        (ptcpt.classifier._vocab, "table_rows"),
        (ptcpt.cms.extracts, "csv_table"),
    ):
        assert name in inspect.getsource(module), module.__name__
