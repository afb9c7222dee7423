"""Reading cells of CMS's release files: paths, text, dates, numbers, and headers found by key words.

Shared by the NCCI readers (:mod:`ptcpt.cms.ncci_files`) and the fee-schedule readers
(:mod:`ptcpt.cms.pfs_files`); every failure is a DataError naming the file, line and field.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

from ptcpt.errors import DataError

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

__all__: list[str] = []

PathArg = str | os.PathLike[str]
#: At most this many non-data lines before the first PTP row (CMS uses six).
_MAX_PREAMBLE = 30


def _paths(value: PathArg | Iterable[PathArg]) -> tuple[Path, ...]:
    if isinstance(value, str | os.PathLike):
        return (Path(value),)
    return tuple(Path(v) for v in value)


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read the file ({exc.strerror or exc})", file=str(path)) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _yyyymmdd(text: str, *, file: str, line: int, field: str) -> dt.date:
    text = text.strip()
    if len(text) != 8 or not text.isdigit():
        raise DataError("must be a date as YYYYMMDD", file=file, row=line, field=field)
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise DataError("is not a real calendar date", file=file, row=line, field=field) from None


def _decimal(text: str, *, file: str, line: int, field: str) -> Decimal:
    text = text.strip()
    try:
        value = Decimal(text) if text else Decimal(0)
    except InvalidOperation:
        raise DataError("must be a number", file=file, row=line, field=field) from None
    if not value.is_finite() or value < 0:
        raise DataError("must be a number >= 0", file=file, row=line, field=field)
    return value


def _wanted(codes: Collection[str] | None) -> frozenset[str] | None:
    return None if codes is None else frozenset(c.strip().upper() for c in codes)


# -- header matching for the CSV files -----------------------------------------------------


def _words(cell: str) -> str:
    return " ".join(cell.upper().replace("\n", " ").split())


def _tokens(cell: str) -> frozenset[str]:
    return frozenset(re.split(r"[^A-Z0-9]+", cell.upper())) - {""}


def _find_columns(
    header: Sequence[str], rules: Mapping[str, Callable[[str, frozenset[str]], bool]]
) -> dict[str, int] | None:
    found: dict[str, int] = {}
    for key, rule in rules.items():
        for index, cell in enumerate(header):
            if index in found.values():
                continue
            words = _words(cell)
            if words and rule(words, _tokens(words)):
                found[key] = index
                break
        else:
            return None
    return found


def _getter(cells: Sequence[str]) -> Callable[[int], str]:
    def get(index: int) -> str:
        return cells[index].strip() if index < len(cells) else ""

    return get
