"""ptcpt.cmsfiles is a deprecated alias of ptcpt.cms: it warns and hands out the same objects."""

from __future__ import annotations

import importlib
import sys

import pytest

import ptcpt.cms

#: The public names ptcpt 0.1's cmsfiles had (its __all__).
OLD_NAMES = frozenset(
    {
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
    }
)


def _fresh_import() -> object:
    sys.modules.pop("ptcpt.cmsfiles", None)
    with pytest.warns(DeprecationWarning, match=r"ptcpt\.cmsfiles is deprecated.*ptcpt\.cms"):
        return importlib.import_module("ptcpt.cmsfiles")


def test_importing_cmsfiles_warns_and_names_the_new_home() -> None:
    _fresh_import()


def test_every_old_name_is_the_same_object_as_in_cms() -> None:
    module = _fresh_import()
    for name in OLD_NAMES:
        assert getattr(module, name) is getattr(ptcpt.cms, name), name
    assert set(module.__all__) == OLD_NAMES  # type: ignore[attr-defined]


def test_the_environment_variable_keeps_its_name() -> None:
    module = _fresh_import()
    assert module.ENV_VAR == "PTCPT_CMS_DIR"  # type: ignore[attr-defined]
