"""CMS's tables for PT codes: the record types and lookups, the bundled extracts, CMS's own files.

Where each part lives:

- :mod:`ptcpt.cms.records`: one row of each table (:class:`PtpEdit`, :class:`MueLimit`,
  :class:`Rvu`, :class:`Gpci`, ...), frozen and validated.
- :mod:`ptcpt.cms.releases`: which release a table is and the dates it was published for.
- :mod:`ptcpt.cms.tables`: :class:`CmsTables`, every table in one object, with the
  lookups (built once by :mod:`ptcpt.cms.index`) rules and fee estimates need.
- :mod:`ptcpt.cms.extracts`: the dated extract bundled in ``ptcpt/data``
  (:func:`bundled_tables`).
- :mod:`ptcpt.cms.ncci_files`, :mod:`ptcpt.cms.pfs_files`: readers for CMS's own quarterly
  files (PTP, MUE, PPRRVU, GPCI), and :mod:`ptcpt.cms.directory`, which finds them in a
  directory (``--cms-dir``, ``PTCPT_CMS_DIR``) and builds a :class:`CmsTables` from them.

The tables, records and bundled extracts are imported with this package; the readers of
CMS's files (and the csv, zip and path handling they need) on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ptcpt.cms.extracts import (
    EXTRACT_COLUMNS,
    bundled_tables,
    load_bundled_tables,
    read_conversion_factors,
    read_gpci_extract,
    read_kx_thresholds,
    read_modifiers,
    read_mue_extract,
    read_payment_factors,
    read_ptp_extract,
    read_rvu_extract,
    read_status_extract,
)
from ptcpt.cms.records import (
    GRADES,
    MODIFIER_GROUPS,
    MUE_START,
    ConversionFactor,
    Gpci,
    KxThreshold,
    ModifierInfo,
    MueLimit,
    PaymentFactor,
    PfsStatus,
    PtpEdit,
    Rvu,
    normalise_locality,
)
from ptcpt.cms.releases import Release, release_period
from ptcpt.cms.tables import CmsTables

if TYPE_CHECKING:
    from ptcpt.cms.directory import (
        ENV_VAR,
        CmsFiles,
        default_codes,
        find_cms_files,
        load_cms_tables,
        tables_from_dir,
        tables_from_env,
    )
    from ptcpt.cms.ncci_files import read_mue_file, read_ptp_file, read_ptp_files
    from ptcpt.cms.pfs_files import PprrvuData, read_gpci_file, read_pprrvu_file

#: Names of the readers of CMS's own files -> the module defining them (imported on first use).
_LAZY: dict[str, str] = {
    "ENV_VAR": "ptcpt.cms.directory",
    "CmsFiles": "ptcpt.cms.directory",
    "default_codes": "ptcpt.cms.directory",
    "find_cms_files": "ptcpt.cms.directory",
    "load_cms_tables": "ptcpt.cms.directory",
    "tables_from_dir": "ptcpt.cms.directory",
    "tables_from_env": "ptcpt.cms.directory",
    "read_mue_file": "ptcpt.cms.ncci_files",
    "read_ptp_file": "ptcpt.cms.ncci_files",
    "read_ptp_files": "ptcpt.cms.ncci_files",
    "PprrvuData": "ptcpt.cms.pfs_files",
    "read_gpci_file": "ptcpt.cms.pfs_files",
    "read_pprrvu_file": "ptcpt.cms.pfs_files",
}

__all__ = [
    "ENV_VAR",
    "EXTRACT_COLUMNS",
    "GRADES",
    "MODIFIER_GROUPS",
    "MUE_START",
    "CmsFiles",
    "CmsTables",
    "ConversionFactor",
    "Gpci",
    "KxThreshold",
    "ModifierInfo",
    "MueLimit",
    "PaymentFactor",
    "PfsStatus",
    "PprrvuData",
    "PtpEdit",
    "Release",
    "Rvu",
    "bundled_tables",
    "default_codes",
    "find_cms_files",
    "load_bundled_tables",
    "load_cms_tables",
    "normalise_locality",
    "read_conversion_factors",
    "read_gpci_extract",
    "read_gpci_file",
    "read_kx_thresholds",
    "read_modifiers",
    "read_mue_extract",
    "read_mue_file",
    "read_payment_factors",
    "read_pprrvu_file",
    "read_ptp_extract",
    "read_ptp_file",
    "read_ptp_files",
    "read_rvu_extract",
    "read_status_extract",
    "release_period",
    "tables_from_dir",
    "tables_from_env",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ptcpt.cms' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
