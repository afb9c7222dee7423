"""Readers for CMS's NCCI files: practitioner PTP edits and practitioner MUEs.

- NCCI practitioner PTP edits: ``ccipra-v{VVV}r{R}-f{N}.txt``, tab-delimited, CRLF, a
  preamble of about six lines (copyright, "Column1/Column2 Edits", a header wrapped over
  several lines), then Column 1, Column 2, ``*`` (in existence before 1996), Effective
  Date (YYYYMMDD), Deletion Date (YYYYMMDD, ``*`` = none), Modifier (0/1/9), PTP Edit
  Rationale. One release comes in several parts f1..fn of the same layout.
- Practitioner MUEs: ``MCR_MUE_PractitionerServices_Eff_MM-DD-YYYY.csv``, title line(s)
  then "HCPCS/CPT Code", "Practitioner Services MUE Values", "MUE Adjudication
  Indicator" (text such as "3 Date of Service Edit: Clinical"), "MUE Rationale".

Every reader takes ``codes``: the code set to keep (None keeps every row). Filtering
matters for the PTP table (millions of pairs, a few hundred of them PT). Errors are
:class:`~ptcpt.errors.DataError` naming the file, the line and the field.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import TYPE_CHECKING

from ptcpt._codes import is_code_shaped
from ptcpt.cms._cells import (
    _MAX_PREAMBLE,
    PathArg,
    _find_columns,
    _getter,
    _paths,
    _read_text,
    _wanted,
    _yyyymmdd,
)
from ptcpt.cms.records import MueLimit, PtpEdit
from ptcpt.errors import DataError

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable

__all__ = [
    "read_mue_file",
    "read_ptp_file",
    "read_ptp_files",
]

# -- NCCI PTP ------------------------------------------------------------------------------

_PTP_RELEASE = re.compile(r"(ccipra|ccioph)-v(\d+)r(\d+)", re.IGNORECASE)


def _ptp_release(path: Path) -> str:
    found = _PTP_RELEASE.search(path.name)
    return found.group(0).lower() if found else path.stem


def read_ptp_file(
    path: PathArg, *, codes: Collection[str] | None = None, release: str | None = None
) -> tuple[PtpEdit, ...]:
    """The edits of one part of CMS's practitioner PTP table.

    Kept: rows whose two codes are both in ``codes`` (every row when None). The release
    defaults to the file name's ``ccipra-vVVVrR``. Malformed data rows raise DataError;
    the preamble, however many lines, is skipped.
    """
    file = Path(path)
    name = str(file)
    wanted = _wanted(codes)
    label = release or _ptp_release(file)
    edits: list[PtpEdit] = []
    started = False
    try:
        handle = file.open(encoding="utf-8-sig", errors="replace", newline="")
    except OSError as exc:
        raise DataError(f"cannot read the file ({exc.strerror or exc})", file=name) from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.rstrip("\r\n")
            if not line.strip():
                continue
            cells = line.split("\t")
            first = cells[0].strip()
            if not started:
                if len(cells) >= 6 and is_code_shaped(first) and is_code_shaped(cells[1].strip()):
                    started = True
                elif number > _MAX_PREAMBLE:
                    raise DataError(
                        f"no PTP edit rows in the first {_MAX_PREAMBLE} lines: expected CMS's "
                        "tab-delimited practitioner PTP .txt file (ccipra-...-fN.txt)",
                        file=name,
                    )
                else:
                    continue
            if len(cells) < 6:
                raise DataError(
                    "expected 7 tab-separated columns: Column 1, Column 2, *, Effective Date, "
                    "Deletion Date, Modifier, PTP Edit Rationale",
                    file=name,
                    row=number,
                )
            column1, column2 = first.upper(), cells[1].strip().upper()
            if wanted is not None and (column1 not in wanted or column2 not in wanted):
                continue
            for field, value in (("Column 1", column1), ("Column 2", column2)):
                if not is_code_shaped(value):
                    raise DataError("must be a CPT/HCPCS code", file=name, row=number, field=field)
            effective = _yyyymmdd(cells[3], file=name, line=number, field="Effective Date")
            deletion = cells[4].strip()
            deleted = (
                None
                if deletion in ("*", "")
                else _yyyymmdd(deletion, file=name, line=number, field="Deletion Date")
            )
            indicator = cells[5].strip()
            if indicator not in ("0", "1", "9"):
                raise DataError("must be 0, 1 or 9", file=name, row=number, field="Modifier")
            edits.append(
                PtpEdit(
                    column1=column1,
                    column2=column2,
                    modifier_indicator=int(indicator),
                    effective=effective,
                    deleted=deleted,
                    rationale=cells[6].strip() if len(cells) > 6 else "",
                    release=label,
                )
            )
    if not started:
        raise DataError("no PTP edit rows found: is this CMS's practitioner PTP .txt file?", file=name)
    return tuple(edits)


def read_ptp_files(
    paths: PathArg | Iterable[PathArg], *, codes: Collection[str] | None = None, release: str | None = None
) -> tuple[PtpEdit, ...]:
    """The edits of every part (f1..fn) of one PTP release, in part order."""
    edits: list[PtpEdit] = []
    for path in _paths(paths):
        edits.extend(read_ptp_file(path, codes=codes, release=release))
    return tuple(edits)


# -- MUE -----------------------------------------------------------------------------------

_MUE_COLUMNS: dict[str, Callable[[str, frozenset[str]], bool]] = {
    "code": lambda w, t: "HCPCS" in t or ("CPT" in t and "CODE" in t),
    "value": lambda w, t: "MUE" in t and ("VALUES" in t or "VALUE" in t),
    "mai": lambda w, t: "ADJUDICATION" in t or "MAI" in t,
    "rationale": lambda w, t: "RATIONALE" in t,
}


def read_mue_file(
    path: PathArg, *, codes: Collection[str] | None = None, release: str | None = None
) -> tuple[MueLimit, ...]:
    """The practitioner MUEs of CMS's quarterly CSV (the release defaults to the file name)."""
    file = Path(path)
    name = str(file)
    wanted = _wanted(codes)
    label = release or file.stem
    reader = csv.reader(io.StringIO(_read_text(file)))
    columns: dict[str, int] | None = None
    limits: list[MueLimit] = []
    for cells in reader:
        number = reader.line_num
        if columns is None:
            columns = _find_columns(cells, _MUE_COLUMNS)
            if columns is None and number > _MAX_PREAMBLE:
                break
            continue
        if not any(c.strip() for c in cells):
            continue
        get = _getter(cells)
        code = get(columns["code"]).upper()
        value = get(columns["value"])
        if not is_code_shaped(code):
            if not value:
                continue  # a footnote line
            raise DataError("must be a CPT/HCPCS code", file=name, row=number, field="HCPCS/CPT Code")
        if wanted is not None and code not in wanted:
            continue
        if not value.isdigit():
            raise DataError(
                "must be a whole number", file=name, row=number, field="Practitioner Services MUE Values"
            )
        mai_text = get(columns["mai"])
        if mai_text[:1] not in ("1", "2", "3"):
            raise DataError(
                "must start with 1, 2 or 3 (e.g. '3 Date of Service Edit: Clinical')",
                file=name,
                row=number,
                field="MUE Adjudication Indicator",
            )
        limits.append(
            MueLimit(
                code=code,
                mue=int(value),
                mai=int(mai_text[0]),
                rationale=get(columns["rationale"]),
                release=label,
            )
        )
    if columns is None:
        raise DataError(
            "no MUE header row (HCPCS/CPT Code, ... MUE Values, MUE Adjudication Indicator, MUE Rationale)",
            file=name,
        )
    return tuple(limits)
