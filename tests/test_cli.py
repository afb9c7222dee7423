"""The command line, driven through its real entry point."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from ptcpt.cli import main


def run(*args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("ptcpt")
    command = [exe, *args] if exe else [sys.executable, "-m", "ptcpt.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def test_code_shows_a_code_through_the_installed_command() -> None:
    result = run("code", "97530")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("97530")
    assert "timed, 15-minute units" in result.stdout


def test_deleted_code_shows_deletion_and_replacement(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["code", "97762"]) == 0
    out = capsys.readouterr().out
    assert "DELETED on 2018-01-01: use 97763" in out


def test_malformed_code_is_usage_error_without_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["code", "9711O"]) == 2
    err = capsys.readouterr().err
    assert "not a CPT/HCPCS code" in err
    assert "Traceback" not in err


def test_unknown_code_exits_1_and_suggests(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["code", "97111"]) == 1
    assert "did you mean 97110" in capsys.readouterr().err


def test_code_json_with_a_date(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["code", "97127", "--on", "2021-03-01", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["status_on"] == {"date": "2021-03-01", "status": "deleted"}
    assert set(data["current_replacements"]) == {"97129", "97130"}


def test_codes_filters_and_counts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["codes", "--category", "evaluation", "--on", "2026-01-01", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    codes = {row["code"] for row in data}
    assert {"97161", "97164"} <= codes
    assert "97001" not in codes
    assert main(["codes", "--timed"]) == 0
    assert "codes" in capsys.readouterr().out.splitlines()[-1]


@pytest.mark.parametrize(
    "argv",
    [["codes", "--category", "spa"], ["code", "97110", "--on", "yesterday"], ["frobnicate"], []],
)
def test_bad_arguments_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert "Traceback" not in capsys.readouterr().err
