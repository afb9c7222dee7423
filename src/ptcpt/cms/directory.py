"""Readers for CMS's own quarterly files, in the layouts CMS publishes them.

The bundled extract ages by the quarter; a production user downloads CMS's files (behind
an AMA licence click-through, so ptcpt cannot fetch them) and points ptcpt at them:

- NCCI practitioner PTP edits: ``ccipra-v{VVV}r{R}-f{N}.txt``, tab-delimited, CRLF, a
  preamble of about six lines (copyright, "Column1/Column2 Edits", a header wrapped over
  several lines), then Column 1, Column 2, ``*`` (in existence before 1996), Effective
  Date (YYYYMMDD), Deletion Date (YYYYMMDD, ``*`` = none), Modifier (0/1/9), PTP Edit
  Rationale. One release comes in several parts f1..fn of the same layout.
- Practitioner MUEs: ``MCR_MUE_PractitionerServices_Eff_MM-DD-YYYY.csv``, title line(s)
  then "HCPCS/CPT Code", "Practitioner Services MUE Values", "MUE Adjudication
  Indicator" (text such as "3 Date of Service Edit: Clinical"), "MUE Rationale".
- PFS relative values: ``PPRRVU*.csv``, title lines, a header wrapped over five lines,
  then one row per code and modifier. Only global rows (no modifier) are kept, and only
  the status, MULT PROC and RVU columns: the DESCRIPTION column (AMA text) is never read
  into memory beyond the csv module's row, never stored and never echoed.
- GPCIs: ``GPCI*.csv``, title lines then "Medicare Administrative Contractor (MAC)",
  "State", "Locality Number", "Locality Name", "YYYY PW GPCI (with 1.0 Floor)",
  "YYYY PE GPCI", "YYYY MP GPCI"; headers are matched by key words, not exact text.

Every reader takes ``codes``: the code set to keep (None keeps every row). Filtering
matters for the PTP table (millions of pairs, a few hundred of them PT). Errors are
:class:`~ptcpt.errors.DataError` naming the file, the line and the field.
"""

from __future__ import annotations

import csv
import datetime as dt
import fnmatch
import functools
import io
import os
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from ptcpt.cms.tables import CmsTables, Gpci, MueLimit, PfsStatus, PtpEdit, Rvu, bundled_tables
from ptcpt.codes import is_code_shaped
from ptcpt.errors import DataError

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

__all__ = [
    "ENV_VAR",
    "CmsFiles",
    "PprrvuData",
    "default_codes",
    "find_cms_files",
    "load_cms_tables",
    "read_gpci_file",
    "read_mue_file",
    "read_pprrvu_file",
    "read_ptp_file",
    "read_ptp_files",
    "tables_from_dir",
    "tables_from_env",
]

#: The environment variable naming a directory of CMS files (see :func:`tables_from_env`).
ENV_VAR = "PTCPT_CMS_DIR"

PathArg = str | os.PathLike[str]
#: At most this many non-data lines before the first PTP row (CMS uses six).
_MAX_PREAMBLE = 30
_QUARTERS = {"jan": 1, "apr": 2, "jul": 3, "oct": 4}


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


def _getter(cells: Sequence[str]) -> Callable[[int], str]:
    def get(index: int) -> str:
        return cells[index].strip() if index < len(cells) else ""

    return get


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


# -- putting files together ----------------------------------------------------------------


def _catalog_codes() -> frozenset[str]:
    from ptcpt.catalogs import catalog

    return frozenset(code.code for code in catalog())


def default_codes(base: CmsTables | None = None) -> frozenset[str]:
    """The codes kept from CMS's files by default: the catalog's, plus the bundled extract's."""
    tables = bundled_tables() if base is None else base
    extract = {e.column1 for e in tables.ptp} | {e.column2 for e in tables.ptp}
    extract |= {m.code for m in tables.mue_limits} | {r.code for r in tables.rvus}
    extract |= {s.code for s in tables.statuses}
    return _catalog_codes() | frozenset(extract)


def load_cms_tables(
    *,
    ptp: PathArg | Iterable[PathArg] | None = None,
    mue: PathArg | None = None,
    pprrvu: PathArg | Iterable[PathArg] | None = None,
    gpci: PathArg | Iterable[PathArg] | None = None,
    base: CmsTables | None = None,
    codes: Collection[str] | None = None,
) -> CmsTables:
    """``base`` (the bundled tables by default) with the parts the given CMS files replace.

    - ``ptp``: the parts f1..fn of one PTP release; they replace every bundled edit.
    - ``mue``: a practitioner MUE file; it replaces every bundled MUE.
    - ``pprrvu``: one or more PPRRVU files; each file's year replaces that year's RVUs
      (other years stay), and the status table comes from the latest year given.
      Several files of one year: the later one in the order given wins.
    - ``gpci``: one or more GPCI files; each replaces its year's localities.

    ``codes`` is the code set to keep; by default the catalog's codes plus every code of
    the bundled extract.
    """
    tables = bundled_tables() if base is None else base
    if ptp is None and mue is None and pprrvu is None and gpci is None:
        return tables
    keep = frozenset(codes) if codes is not None else default_codes(tables)
    changes: dict[str, Any] = {}
    if ptp is not None:
        changes["ptp"] = read_ptp_files(ptp, codes=keep)
    if mue is not None:
        changes["mue_limits"] = read_mue_file(mue, codes=keep)
    if pprrvu is not None:
        loaded = [read_pprrvu_file(p, codes=keep) for p in _paths(pprrvu)]
        by_year: dict[int, PprrvuData] = {}
        for data in loaded:
            by_year[data.year] = data
        if by_year:
            kept = [r for r in tables.rvus if r.year not in by_year]
            changes["rvus"] = tuple(kept) + tuple(r for d in by_year.values() for r in d.rvus)
            changes["statuses"] = by_year[max(by_year)].statuses
    if gpci is not None:
        fresh = [g for p in _paths(gpci) for g in read_gpci_file(p)]
        years = {g.year for g in fresh}
        by_id: dict[tuple[int, str], Gpci] = {}
        for row in fresh:
            by_id[(row.year, row.id)] = row
        changes["gpcis"] = tuple(g for g in tables.gpcis if g.year not in years) + tuple(by_id.values())
    return attrs.evolve(tables, **changes)


@attrs.frozen
class CmsFiles:
    """The CMS files found in a directory, chosen as :func:`find_cms_files` describes."""

    ptp: tuple[Path, ...] = ()
    mue: Path | None = None
    pprrvu: tuple[Path, ...] = ()
    gpci: tuple[Path, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.ptp or self.mue or self.pprrvu or self.gpci)


def _quarter(name: str) -> int:
    found = re.search(r"_(jan|apr|jul|oct)", name, re.IGNORECASE)
    return _QUARTERS[found.group(1).lower()] if found else 0


def _mue_date(name: str) -> tuple[int, int, int]:
    found = re.search(r"(\d{2})-(\d{2})-(\d{4})", name)
    if found is None:
        return (0, 0, 0)
    month, day, year = (int(g) for g in found.groups())
    return (year, month, day)


def find_cms_files(directory: PathArg) -> CmsFiles:
    """Find CMS files in ``directory`` itself (names case-insensitive).

    Only the folder named is read, never its subfolders: pointed at ``/`` by mistake,
    ptcpt lists one folder rather than walking the whole disk. Unzip CMS's archives
    into the folder.

    - PTP: ``ccipra-*.txt``; the newest release (highest ``vVVVrR``), every part in order.
    - MUE: ``*MUE*Practitioner*.csv``; the latest effective date in the name.
    - PPRRVU: ``PPRRVU*.csv``; per year the latest quarter (Jan < Apr < Jul < Oct),
      preferring the non-QPP file when CMS ships QPP and non-QPP variants.
    - GPCI: ``GPCI*.csv``; every year.
    """
    root = Path(directory)
    names = sorted(p for p in root.iterdir() if p.is_file())

    def matching(pattern: str) -> list[Path]:
        return [p for p in names if fnmatch.fnmatch(p.name.lower(), pattern)]

    ptp_files = matching("ccipra-*.txt")
    releases: dict[tuple[int, int], list[Path]] = {}
    for p in ptp_files:
        found = _PTP_RELEASE.search(p.name)
        key = (int(found.group(2)), int(found.group(3))) if found else (0, 0)
        releases.setdefault(key, []).append(p)
    ptp: tuple[Path, ...] = ()
    if releases:
        newest = releases[max(releases)]
        ptp = tuple(sorted(newest, key=lambda p: (_part(p.name), p.name)))
    mue_files = sorted(matching("*mue*practitioner*.csv"), key=lambda p: (_mue_date(p.name), p.name))
    best: dict[object, tuple[tuple[int, int, str], Path]] = {}
    for p in matching("pprrvu*.csv"):
        year = _pprrvu_name_year(p)
        lower = p.name.lower()
        rank = (_quarter(lower), 0 if "_qpp" in lower else 1, lower)
        slot: object = year if year is not None else p
        if slot not in best or rank > best[slot][0]:
            best[slot] = (rank, p)
    pprrvu = tuple(sorted((p for _, p in best.values()), key=lambda p: (_pprrvu_name_year(p) or 0, p.name)))
    return CmsFiles(
        ptp=ptp,
        mue=mue_files[-1] if mue_files else None,
        pprrvu=pprrvu,
        gpci=tuple(matching("gpci*.csv")),
    )


def _part(name: str) -> int:
    found = re.search(r"-f(\d+)", name, re.IGNORECASE)
    return int(found.group(1)) if found else 0


def tables_from_env(
    environ: Mapping[str, str] | None = None, *, codes: Collection[str] | None = None
) -> CmsTables:
    """The tables to use: CMS's files in ``$PTCPT_CMS_DIR`` over the bundled extract.

    Unset or empty: the bundled tables. Set: the directory must exist and hold at least
    one CMS file (see :func:`find_cms_files`); what it holds replaces the bundled parts
    (:func:`load_cms_tables`). Results are cached per set of files (path, size, mtime).
    """
    env = os.environ if environ is None else environ
    value = env.get(ENV_VAR, "").strip()
    if not value:
        return bundled_tables()
    return tables_from_dir(value, named_by=ENV_VAR, codes=codes)


def tables_from_dir(
    directory: PathArg, *, named_by: str = "cms_dir", codes: Collection[str] | None = None
) -> CmsTables:
    """The tables with CMS's files in ``directory`` over the bundled extract.

    The directory must exist and hold at least one CMS file in the folder itself (see
    :func:`find_cms_files`). ``named_by`` is how the caller named the folder
    (``"--cms-dir"``, ``"PTCPT_CMS_DIR"``): errors name it, so they point at what to fix.
    Results are cached per set of files (path, size, mtime).
    """
    value = os.fspath(directory)
    path = Path(value)
    if not path.is_dir():
        raise DataError(f"{value} is not a directory", field=named_by)
    try:
        found = find_cms_files(path)
    except OSError as exc:
        raise DataError(f"cannot list {value} ({exc.strerror or exc})", field=named_by) from None
    if not found:
        raise DataError(
            f"no CMS files in {value} itself (subfolders are not searched; expected "
            "ccipra-*.txt, *MUE*Practitioner*.csv, PPRRVU*.csv or GPCI*.csv)",
            field=named_by,
        )
    every = [*found.ptp, *([found.mue] if found.mue else []), *found.pprrvu, *found.gpci]
    signature = tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in every)
    return _cached_tables(found, signature, None if codes is None else frozenset(codes))


@functools.lru_cache(maxsize=8)
def _cached_tables(
    found: CmsFiles, signature: tuple[tuple[str, int, int], ...], codes: frozenset[str] | None
) -> CmsTables:
    return load_cms_tables(
        ptp=found.ptp or None,
        mue=found.mue,
        pprrvu=found.pprrvu or None,
        gpci=found.gpci or None,
        codes=codes,
    )
