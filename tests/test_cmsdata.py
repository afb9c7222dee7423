"""ptcpt.cmsdata is a deprecated alias of ptcpt.cms: it warns and hands out the same objects."""

from __future__ import annotations

import importlib
import sys

import pytest

import ptcpt
import ptcpt.cms

#: The public names ptcpt 0.1's cmsdata had (its __all__ and EXTRACT_COLUMNS).
OLD_NAMES = frozenset(
    {
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
    }
)


def _fresh_import() -> object:
    sys.modules.pop("ptcpt.cmsdata", None)
    with pytest.warns(DeprecationWarning, match=r"ptcpt\.cmsdata is deprecated.*ptcpt\.cms"):
        return importlib.import_module("ptcpt.cmsdata")


def test_importing_cmsdata_warns_and_names_the_new_home() -> None:
    _fresh_import()


def test_every_old_name_is_the_same_object_as_in_cms() -> None:
    module = _fresh_import()
    for name in OLD_NAMES:
        assert getattr(module, name) is getattr(ptcpt.cms, name), name
    assert set(module.__all__) == OLD_NAMES  # type: ignore[attr-defined]


def test_old_style_code_still_prices_from_the_shared_tables() -> None:
    module = _fresh_import()
    assert module.bundled_tables() is ptcpt.cms.bundled_tables()  # type: ignore[attr-defined]


def test_attribute_access_from_ptcpt_still_reaches_it() -> None:
    sys.modules.pop("ptcpt.cmsdata", None)
    vars(ptcpt).pop("cmsdata", None)
    with pytest.warns(DeprecationWarning, match="cmsdata"):
        assert ptcpt.cmsdata.CmsTables is ptcpt.cms.CmsTables
