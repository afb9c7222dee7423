"""Deprecated: the readers of CMS's own files now live in :mod:`ptcpt.cms`; import from there.

Kept so code written against ptcpt 0.1 keeps working: importing it warns once
(DeprecationWarning) and every public name is the same object as in :mod:`ptcpt.cms`.
"""

from __future__ import annotations

import warnings

from ptcpt.cms import (
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

warnings.warn(
    "ptcpt.cmsfiles is deprecated: import the same names from ptcpt.cms",
    DeprecationWarning,
    stacklevel=2,
)
