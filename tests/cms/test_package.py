"""ptcpt.cms: every public name resolves, and the readers of CMS's files load on first use."""

from __future__ import annotations

import subprocess
import sys

import pytest

import ptcpt.cms


def test_every_public_name_resolves() -> None:
    for name in ptcpt.cms.__all__:
        assert getattr(ptcpt.cms, name) is not None, name
    assert set(ptcpt.cms.__all__) <= set(dir(ptcpt.cms))


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        ptcpt.cms.no_such_name  # noqa: B018


def test_the_tables_do_not_import_the_file_readers() -> None:
    probe = (
        "import sys, ptcpt.cms; ptcpt.cms.bundled_tables(); "
        "print(any(m in sys.modules for m in "
        "('ptcpt.cms.directory', 'ptcpt.cms.ncci_files', 'ptcpt.cms.pfs_files')))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
