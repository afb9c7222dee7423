"""CMS's own quarterly files, found in a directory and put together as one CmsTables.

The bundled extract ages by the quarter; a production user downloads CMS's files (behind
an AMA licence click-through, so ptcpt cannot fetch them) and points
ptcpt at them, as a directory (``--cms-dir``, ``PTCPT_CMS_DIR``) or as files.
This module finds the files in a directory, reads them through :mod:`ptcpt.cms.ncci_files`
and :mod:`ptcpt.cms.pfs_files`, and puts them together over the bundled tables.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from ptcpt.cms._cells import (
    PathArg,
    _paths,
)
from ptcpt.cms.extracts import bundled_tables
from ptcpt.cms.ncci_files import _PTP_RELEASE, read_mue_file, read_ptp_files
from ptcpt.cms.pfs_files import PprrvuData, _pprrvu_name_year, read_gpci_file, read_pprrvu_file
from ptcpt.cms.records import Gpci
from ptcpt.cms.tables import CmsTables
from ptcpt.errors import DataError

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Mapping

__all__ = [
    "ENV_VAR",
    "CmsFiles",
    "default_codes",
    "find_cms_files",
    "load_cms_tables",
    "tables_from_dir",
    "tables_from_env",
]

#: The environment variable naming a directory of CMS files (see :func:`tables_from_env`).
ENV_VAR = "PTCPT_CMS_DIR"

_QUARTERS = {"jan": 1, "apr": 2, "jul": 3, "oct": 4}

# -- putting files together ----------------------------------------------------------------


def _catalog_codes() -> frozenset[str]:
    from ptcpt._catalogs import catalog

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
