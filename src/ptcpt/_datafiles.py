"""Reading the files bundled in ``ptcpt/data`` and turning bad rows into DataError.

The one loader of ptcpt's data rows: the code catalog (``catalogs``), the CMS extracts
(``cms.extracts``) and the classifier's vocabulary (``classifier._vocab``) all read their
files, check their top-level keys and each row's keys, and build their values through
here, so a bad row always raises :class:`~ptcpt.errors.DataError` naming the file, the
row and the field, in the same words, and the package works from a wheel, a zip or a
source tree alike.

- TOML/JSON tables of rows: :func:`read_toml`, :func:`check_top_level`,
  :func:`table_rows` (each ``[[key]]`` entry checked with :func:`check_keys`).
- CSV files with a header: :func:`read_csv_rows`, or :func:`csv_table` for rows with typed
  getters (:class:`CsvRow`).
- Building a value from a row: :func:`build_value` turns the value's own ValueError
  (``"field: reason"``) into a DataError naming the field.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from typing import TYPE_CHECKING, Any, TypeVar

from ptcpt._codes import is_code_shaped
from ptcpt.errors import DataError

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterator, Mapping
    from decimal import Decimal

__all__ = [
    "CsvRow",
    "build_value",
    "check_keys",
    "check_top_level",
    "csv_table",
    "read_bundled_bytes",
    "read_bundled_text",
    "read_csv_rows",
    "read_toml",
    "table_rows",
]

T = TypeVar("T")


_DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


def read_bundled_text(name: str) -> str:
    """The text of ``ptcpt/data/<name>``.

    An installed package on disk is read directly; importlib.resources (which costs
    ~15 ms to import) is the fallback for zip or other non-file installs.
    """
    try:
        direct = os.path.join(_DATA_DIR, name)
        if os.path.isfile(direct):
            with open(direct, encoding="utf-8") as handle:
                return handle.read()
        from importlib.resources import files

        return files("ptcpt").joinpath("data", name).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError("bundled data file is missing", file=name) from None


def read_bundled_bytes(name: str) -> bytes:
    """The bytes of ``ptcpt/data/<name>`` (for binary files such as the model weights)."""
    try:
        direct = os.path.join(_DATA_DIR, name)
        if os.path.isfile(direct):
            with open(direct, "rb") as handle:
                return handle.read()
        from importlib.resources import files

        return files("ptcpt").joinpath("data", name).read_bytes()
    except FileNotFoundError:
        raise DataError("bundled data file is missing", file=name) from None


def read_toml(name: str, text: str | None = None) -> dict[str, Any]:
    """Parse a TOML data file, naming the file and line when it does not parse."""
    import tomllib

    source = read_bundled_text(name) if text is None else text
    try:
        return tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"not valid TOML: {exc}", file=name) from None


def read_csv_rows(name: str, text: str | None = None) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line_number, row)`` for each data row of a CSV file with a header.

    Lines starting with ``#`` before the header are comments (the file's provenance).
    """
    import csv
    import io

    source = read_bundled_text(name) if text is None else text
    lines = [line for line in source.splitlines() if not line.startswith("#")]
    skipped = len(source.splitlines()) - len(lines)
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    for index, row in enumerate(reader):
        if None in row:
            raise DataError("row has more cells than the header", file=name, row=index + 2 + skipped)
        missing = [key for key, value in row.items() if value is None]
        if missing:
            raise DataError(
                "row has fewer cells than the header",
                file=name,
                row=index + 2 + skipped,
                field=missing[0],
            )
        yield index + 2 + skipped, row


def check_keys(
    row: Mapping[str, Any],
    *,
    required: frozenset[str],
    optional: frozenset[str],
    file: str,
    where: int | str,
    noun: str = "field",
) -> None:
    """Raise DataError for a missing required key or a key the format does not know.

    Missing keys are reported before unknown ones, each set in sorted order, so the
    message is the same whatever order the file lists them in. ``noun`` names what a key
    is in the message (``"required list is missing"`` for a table of lists).
    """
    for key in sorted(required - row.keys()):
        raise DataError(f"required {noun} is missing", file=file, row=where, field=key)
    for key in sorted(row.keys() - required - optional):
        raise DataError(f"unknown {noun}", file=file, row=where, field=key)


def check_top_level(
    document: object, allowed: frozenset[str], *, file: str, expected: str
) -> Mapping[str, Any]:
    """``document`` as a mapping whose keys are all in ``allowed``.

    ``expected`` says what the file should hold (``"a table of [[codes]]"``) for the
    DataError raised when it is not a table at all.
    """
    if not isinstance(document, dict):
        raise DataError(f"expected {expected}", file=file)
    unknown = set(document) - allowed
    if unknown:
        raise DataError(f"unknown top-level keys {sorted(unknown)}", file=file)
    return document


def table_rows(
    document: Mapping[str, Any],
    key: str,
    *,
    file: str,
    required: frozenset[str],
    optional: frozenset[str],
    label: str | None = None,
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Yield ``(where, row)`` for each ``[[key]]`` entry of a TOML (or JSON) document.

    Each entry must be a table whose keys pass :func:`check_keys`; ``where`` is
    ``"key[i]"``, with the entry's ``label`` field added when it is a string
    (``"codes[3] (97110)"``) so a message finds the row in a long file.
    """
    rows = document.get(key)
    if not isinstance(rows, list) or not rows:
        raise DataError(f"expected one or more [[{key}]] tables", file=file)
    for index, row in enumerate(rows):
        where = f"{key}[{index}]"
        if not isinstance(row, dict):
            raise DataError("each entry must be a table", file=file, row=where)
        if label is not None and isinstance(row.get(label), str):
            where = f"{where} ({row[label]})"
        check_keys(row, required=required, optional=optional, file=file, where=where)
        yield where, row


def build_value(
    factory: Callable[..., T],
    fields: Mapping[str, Any],
    *,
    file: str,
    where: int | str,
    known: Collection[str] = (),
    rename: Mapping[str, str] | None = None,
) -> T:
    """``factory(**fields)``, its ValueError or TypeError raised as DataError.

    ptcpt's validators say ``"field: reason"``; when ``field`` is one of ``known`` the
    DataError names it (through ``rename`` when the file calls it something else),
    otherwise the whole message is the reason and no field is named.
    """
    try:
        return factory(**fields)
    except (ValueError, TypeError) as exc:
        field: str | None
        field, _, reason = str(exc).partition(": ")
        if field not in known:
            field, reason = None, str(exc)
        elif rename is not None:
            field = rename.get(field, field)
        raise DataError(reason, file=file, row=where, field=field) from None


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class CsvRow:
    """One CSV row with typed getters that raise DataError naming file, row and field."""

    __slots__ = ("file", "line", "row")

    def __init__(self, file: str, line: int | str, row: Mapping[str, str]) -> None:
        self.file = file
        self.line = line
        self.row = row

    def fail(self, field: str | None, message: str) -> DataError:
        return DataError(message, file=self.file, row=self.line, field=field)

    def build(self, factory: Callable[..., T], **fields: Any) -> T:
        """``factory(**fields)``; a value that refuses them raises DataError naming this row."""
        return build_value(factory, fields, file=self.file, where=self.line)

    def text(self, field: str, *, required: bool = False) -> str:
        value = (self.row.get(field) or "").strip()
        if required and not value:
            raise self.fail(field, "must not be empty")
        return value

    def code(self, field: str) -> str:
        value = self.text(field).upper()
        if not is_code_shaped(value):
            raise self.fail(field, "must be a CPT/HCPCS code such as 97110")
        return value

    def date(self, field: str) -> dt.date:
        value = self.optional_date(field)
        if value is None:
            raise self.fail(field, "must be a date such as 2024-07-01")
        return value

    def optional_date(self, field: str) -> dt.date | None:
        value = self.text(field)
        if not value:
            return None
        if _ISO_DATE.fullmatch(value) is None:
            raise self.fail(field, "must be an ISO date such as 2024-07-01")
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise self.fail(field, "must be an ISO date such as 2024-07-01") from None

    def decimal(self, field: str) -> Decimal:
        value = self.optional_decimal(field)
        if value is None:
            raise self.fail(field, "must be a number")
        return value

    def optional_decimal(self, field: str) -> Decimal | None:
        from decimal import Decimal, InvalidOperation  # not on the catalog's import path

        value = self.text(field)
        if not value:
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise self.fail(field, "must be a number such as 0.45") from None
        if not number.is_finite() or number < 0:
            raise self.fail(field, "must be a number >= 0")
        return number

    def integer(self, field: str, choices: Collection[int] | None = None) -> int:
        value = self.text(field)
        if not value.isdigit():
            raise self.fail(field, "must be a whole number")
        number = int(value)
        if choices is not None and number not in choices:
            raise self.fail(field, f"must be one of {', '.join(str(c) for c in sorted(choices))}")
        return number

    def flag(self, field: str) -> bool:
        value = self.text(field).lower()
        if value not in ("true", "false"):
            raise self.fail(field, "must be true or false")
        return value == "true"


def csv_table(name: str, columns: tuple[str, ...], text: str | None = None) -> Iterator[CsvRow]:
    """Each data row of a CSV file whose header is exactly ``columns`` (in any order)."""
    required = frozenset(columns)
    checked = False
    for line, row in read_csv_rows(name, text):
        if not checked:
            check_keys(row, required=required, optional=frozenset(), file=name, where="header")
            checked = True
        yield CsvRow(name, line, row)
