from __future__ import annotations

import pytest

import ptcpt
from ptcpt.errors import DataError, InvalidVisit, MissingExtra, PluginError, PtcptError, UnknownCode


@pytest.mark.parametrize("cls", [UnknownCode, DataError, InvalidVisit, PluginError, MissingExtra])
def test_every_error_is_a_ptcpt_error_and_exported(cls: type[Exception]) -> None:
    assert issubclass(cls, PtcptError)
    assert getattr(ptcpt, cls.__name__) is cls


def test_unknown_code_is_a_key_error_that_suggests() -> None:
    err = UnknownCode("97111", ("97110", "97112"))
    assert isinstance(err, KeyError)
    assert str(err) == "97111 is not in the ptcpt catalog; did you mean 97110, 97112?"


def test_data_error_names_file_row_and_field() -> None:
    err = DataError("must be a date", file="codes.toml", row="codes[3]", field="deleted")
    assert str(err) == "codes.toml:codes[3] deleted: must be a date"
    assert (err.file, err.row, err.field) == ("codes.toml", "codes[3]", "deleted")


def test_invalid_visit_names_the_path() -> None:
    err = InvalidVisit("lines[1].minutes", "must be a whole number >= 0, got -5")
    assert str(err) == "lines[1].minutes: must be a whole number >= 0, got -5"
    assert err.path == "lines[1].minutes"


def test_missing_extra_is_an_import_error_that_gives_the_install_command() -> None:
    err = MissingExtra("reading X12 837P claims", "x12", "pyx12")
    assert isinstance(err, ImportError)
    assert err.name == "pyx12"
    assert err.extra == "x12"
    assert str(err) == "reading X12 837P claims needs the pyx12 package: python -m pip install 'ptcpt[x12]'"
