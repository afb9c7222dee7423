"""Readers for CMS's physician fee schedule files: PPRRVU (status and RVUs) and GPCIs.

- PFS relative values: ``PPRRVU*.csv``, title lines, a header wrapped over five lines,
  then one row per code and modifier. Only global rows (no modifier) are kept, and only
  the status, MULT PROC and RVU columns: the DESCRIPTION column (AMA text) is never read
  into memory beyond the csv module's row, never stored and never echoed.
- GPCIs: ``GPCI*.csv``, title lines then "Medicare Administrative Contractor (MAC)",
  "State", "Locality Number", "Locality Name", "YYYY PW GPCI (with 1.0 Floor)",
  "YYYY PE GPCI", "YYYY MP GPCI"; headers are matched by key words, not exact text.

The PPRRVU reader takes ``codes``: the code set to keep (None keeps every row). Errors
are :class:`~ptcpt.errors.DataError` naming the file, the line and the field.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from ptcpt._codes import is_code_shaped
from ptcpt.cms._cells import (
    _MAX_PREAMBLE,
    PathArg,
    _decimal,
    _find_columns,
    _getter,
    _read_text,
    _wanted,
)
from ptcpt.cms.records import Gpci, PfsStatus, Rvu
from ptcpt.errors import DataError

if TYPE_CHECKING:
    from collections.abc import Callable, Collection

__all__ = [
    "PprrvuData",
    "read_gpci_file",
    "read_pprrvu_file",
]

# -- PPRRVU --------------------------------------------------------------------------------


@attrs.frozen
class PprrvuData:
    """What ptcpt keeps of one PPRRVU file: the year's RVUs and the status table."""

    year: int
    release: str
    rvus: tuple[Rvu, ...]
    statuses: tuple[PfsStatus, ...]


def _non_fac(w: str) -> bool:
    return "NON-FAC" in w or "NONFAC" in w or "NON FAC" in w


_PPRRVU_COLUMNS: dict[str, Callable[[str, frozenset[str]], bool]] = {
    "hcpcs": lambda w, t: w == "HCPCS",
    "mod": lambda w, t: w == "MOD",
    "status": lambda w, t: "STATUS" in t,
    "work": lambda w, t: "WORK" in t and "RVU" in t,
    "pe_nonfacility": lambda w, t: "PE" in t and "RVU" in t and _non_fac(w) and "OPPS" not in t,
    "pe_facility": lambda w, t: "PE" in t and "RVU" in t and "FACILITY" in t and not _non_fac(w),
    "mp": lambda w, t: "MP" in t and "RVU" in t and "OPPS" not in t,
    "total": lambda w, t: "TOTAL" in t and _non_fac(w),
    "mult_proc": lambda w, t: "MULT" in t,
}
_PPRRVU_NAME = re.compile(r"PPRRVU(\d{4}|\d{2})(?:_([A-Za-z]{3}))?", re.IGNORECASE)
_TITLE_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")


def _pprrvu_name_year(path: Path) -> int | None:
    found = _PPRRVU_NAME.search(path.name)
    if found is None:
        return None
    digits = found.group(1)
    return int(digits) if len(digits) == 4 else 2000 + int(digits)


def read_pprrvu_file(
    path: PathArg,
    *,
    codes: Collection[str] | None = None,
    year: int | None = None,
    release: str | None = None,
) -> PprrvuData:
    """RVUs, status codes and MULT PROC indicators from a PFS ``PPRRVU*.csv`` file.

    The year comes from ``year``, else the title line ("2022 National Physician Fee
    Schedule Relative Value File ..."), else the file name. The header is the five
    lines ending in the row that starts with HCPCS; each column's name is its lines
    joined ("STATUS CODE", "NON-FAC PE RVU", "MULT PROC").
    """
    file = Path(path)
    name = str(file)
    wanted = _wanted(codes)
    label = release or file.stem
    rows = csv.reader(io.StringIO(_read_text(file)))
    above: list[list[str]] = []
    columns: dict[str, int] | None = None
    title_year: int | None = None
    chosen = year
    rvus: list[Rvu] = []
    statuses: list[PfsStatus] = []
    for cells in rows:
        number = rows.line_num
        if columns is None:
            if cells and cells[0].strip().upper() == "HCPCS":
                header = [
                    " ".join(
                        part[i].strip() for part in [*above[-4:], cells] if i < len(part) and part[i].strip()
                    )
                    for i in range(len(cells))
                ]
                columns = _find_columns(header, _PPRRVU_COLUMNS)
                chosen = chosen or title_year or _pprrvu_name_year(file)
                if chosen is None:
                    raise DataError("cannot tell the fee-schedule year: pass year=...", file=name)
                if columns is None:
                    raise DataError(
                        "header lacks one of HCPCS, MOD, STATUS CODE, WORK RVU, NON-FAC PE RVU, "
                        "FACILITY PE RVU, MP RVU, NON-FACILITY TOTAL, MULT PROC",
                        file=name,
                        row=number,
                    )
                continue
            if title_year is None:
                for cell in cells:
                    if "RELATIVE VALUE" in cell.upper():
                        found = _TITLE_YEAR.search(cell)
                        title_year = int(found.group(1)) if found else None
            # keep only layout rows, never the text of title or copyright cells beyond this loop
            above.append(
                [c if i >= 3 or c.strip().upper() in ("HCPCS", "MOD") else "" for i, c in enumerate(cells)]
            )
            if number > _MAX_PREAMBLE:
                break
            continue
        get = _getter(cells)
        code = get(columns["hcpcs"]).upper()
        if not code:
            continue
        if get(columns["mod"]):
            continue  # professional/technical component rows: ptcpt prices global services
        if not is_code_shaped(code):
            raise DataError("must be a CPT/HCPCS code", file=name, row=number, field="HCPCS")
        if wanted is not None and code not in wanted:
            continue
        numbers = {
            key: _decimal(get(columns[key]), file=name, line=number, field=key.upper())
            for key in ("work", "pe_nonfacility", "pe_facility", "mp", "total")
        }
        status = get(columns["status"]).upper()
        mult = get(columns["mult_proc"]) or "0"
        try:
            statuses.append(PfsStatus(code=code, status=status, mult_proc=mult, release=label))
        except ValueError as exc:
            raise DataError(str(exc), file=name, row=number) from None
        assert chosen is not None
        try:
            rvus.append(
                Rvu(
                    year=chosen,
                    code=code,
                    work=numbers["work"],
                    pe_nonfacility=numbers["pe_nonfacility"],
                    pe_facility=numbers["pe_facility"],
                    mp=numbers["mp"],
                    total=numbers["total"],
                    release=label,
                    source=f"CMS {label}",
                )
            )
        except ValueError as exc:
            raise DataError(str(exc), file=name, row=number) from None
    if columns is None or chosen is None:
        raise DataError("no header row starting with HCPCS: is this a PPRRVU .csv file?", file=name)
    return PprrvuData(year=chosen, release=label, rvus=tuple(rvus), statuses=tuple(statuses))


# -- GPCI ----------------------------------------------------------------------------------

_GPCI_COLUMNS: dict[str, Callable[[str, frozenset[str]], bool]] = {
    "mac": lambda w, t: "CONTRACTOR" in t or "MAC" in t,
    "state": lambda w, t: "STATE" in t,
    "locality": lambda w, t: "LOCALITY" in t and "NAME" not in t,
    "locality_name": lambda w, t: "LOCALITY" in t and "NAME" in t,
    "work": lambda w, t: "GPCI" in t and ("PW" in t or "WORK" in t),
    "pe": lambda w, t: "GPCI" in t and "PE" in t,
    "mp": lambda w, t: "GPCI" in t and ("MP" in t or "MALPRACTICE" in t),
}
_GPCI_NAME = re.compile(r"GPCI(\d{4})", re.IGNORECASE)


def read_gpci_file(path: PathArg, *, year: int | None = None, release: str | None = None) -> tuple[Gpci, ...]:
    """The GPCIs of every locality in a CMS ``GPCI{YYYY}.csv`` file.

    The year comes from ``year``, else the GPCI column headers ("2025 PW GPCI ..."),
    else the file name. MAC and locality numbers are zero-padded as CMS prints them
    (spreadsheets often drop the zeros). Footnote lines after the table are skipped.
    """
    file = Path(path)
    name = str(file)
    label = release or file.stem
    reader = csv.reader(io.StringIO(_read_text(file)))
    columns: dict[str, int] | None = None
    chosen = year
    rows: list[Gpci] = []
    for cells in reader:
        number = reader.line_num
        if columns is None:
            columns = _find_columns(cells, _GPCI_COLUMNS)
            if columns is not None:
                if chosen is None:
                    found = _TITLE_YEAR.search(cells[columns["work"]])
                    named = _GPCI_NAME.search(file.name)
                    chosen = int(found.group(1)) if found else int(named.group(1)) if named else None
                if chosen is None:
                    raise DataError("cannot tell the GPCI year: pass year=...", file=name, row=number)
            elif number > _MAX_PREAMBLE:
                break
            continue
        get = _getter(cells)
        mac = get(columns["mac"])
        indices = [get(columns[k]) for k in ("work", "pe", "mp")]
        if not mac.isdigit():
            if not any(indices):
                continue  # a title, blank or footnote line
            raise DataError("must be the MAC's number", file=name, row=number, field="MAC")
        values = [
            _decimal(v, file=name, line=number, field=k)
            for v, k in zip(indices, ("work", "pe", "mp"), strict=True)
        ]
        locality = get(columns["locality"])
        if not locality.isdigit():
            raise DataError("must be a locality number", file=name, row=number, field="Locality Number")
        assert chosen is not None
        try:
            rows.append(
                Gpci(
                    year=chosen,
                    mac=mac.zfill(5),
                    state=get(columns["state"]).upper(),
                    locality=locality.zfill(2),
                    locality_name=get(columns["locality_name"]),
                    work=values[0],
                    pe=values[1],
                    mp=values[2],
                    release=label,
                )
            )
        except ValueError as exc:
            raise DataError(str(exc), file=name, row=number) from None
    if columns is None:
        raise DataError(
            "no GPCI header row (MAC, State, Locality Number, Locality Name, PW/PE/MP GPCI)", file=name
        )
    return tuple(rows)
