"""Deprecated: the CMS tables now live in :mod:`ptcpt.cms`; import from there.

Kept so code written against ptcpt 0.1 keeps working: importing it warns once
(DeprecationWarning) and every public name is the same object as in :mod:`ptcpt.cms`.
"""

from __future__ import annotations

import warnings

from ptcpt.cms import (
    EXTRACT_COLUMNS,
    GRADES,
    MODIFIER_GROUPS,
    MUE_START,
    CmsTables,
    ConversionFactor,
    Gpci,
    KxThreshold,
    ModifierInfo,
    MueLimit,
    PaymentFactor,
    PfsStatus,
    PtpEdit,
    Release,
    Rvu,
    bundled_tables,
    load_bundled_tables,
    normalise_locality,
    read_conversion_factors,
    read_gpci_extract,
    read_kx_thresholds,
    read_modifiers,
    read_mue_extract,
    read_payment_factors,
    read_ptp_extract,
    read_rvu_extract,
    read_status_extract,
    release_period,
)

__all__ = [
    "EXTRACT_COLUMNS",
    "GRADES",
    "MODIFIER_GROUPS",
    "MUE_START",
    "CmsTables",
    "ConversionFactor",
    "Gpci",
    "KxThreshold",
    "ModifierInfo",
    "MueLimit",
    "PaymentFactor",
    "PfsStatus",
    "PtpEdit",
    "Release",
    "Rvu",
    "bundled_tables",
    "load_bundled_tables",
    "normalise_locality",
    "read_conversion_factors",
    "read_gpci_extract",
    "read_kx_thresholds",
    "read_modifiers",
    "read_mue_extract",
    "read_payment_factors",
    "read_ptp_extract",
    "read_rvu_extract",
    "read_status_extract",
    "release_period",
]

warnings.warn(
    "ptcpt.cmsdata is deprecated: import the same names from ptcpt.cms",
    DeprecationWarning,
    stacklevel=2,
)
