"""Reading the files bundled in ``ptcpt/data`` and turning bad rows into DataError.

Every bundled file is read through here so errors always name the file, the row and
the field, and so the package works from a wheel, a zip or a source tree alike.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from ptcpt.errors import DataError

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

__all__ = ["check_keys", "read_bundled_bytes", "read_bundled_text", "read_csv_rows", "read_toml"]


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
) -> None:
    """Raise DataError for a missing required key or a key the format does not know."""
    for key in sorted(required - row.keys()):
        raise DataError("required field is missing", file=file, row=where, field=key)
    for key in sorted(row.keys() - required - optional):
        raise DataError("unknown field", file=file, row=where, field=key)
