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


# -- ptcpt units -------------------------------------------------------------------------
def test_units_prints_units_per_code_total_and_explanation() -> None:
    result = run("units", "97110=33", "97140=7")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["97110", "2", "units"]
    assert lines[1].split()[:3] == ["97140", "1", "unit"]
    assert lines[2].split()[:3] == ["total", "3", "units"]
    assert "CMS total-time method: 40 timed minutes make 3 units" in result.stdout
    assert 1 <= len(lines[3:]) <= 2


def test_units_ama_method_rounds_each_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["units", "97110=33", "97140=7", "--method", "ama"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1].split()[:2] == ["97140", "0"]
    assert "AMA per-code method" in out


def test_units_json_shows_ties_as_bounds(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["units", "97112=20", "97110=20", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["method"] == "cms"
    assert data["total"] == 3
    assert data["units"] == {"97110": 2, "97112": 1}
    assert data["minutes"] == {"97110": 20, "97112": 20}
    assert data["bounds"] == {"97110": [1, 2], "97112": [1, 2]}
    assert "tie" in data["explanation"]


def test_units_accepts_lower_case_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["units", "s8948=10", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["units"] == {"S8948": 1}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["units", "97110=abc"], "minutes must be a whole number >= 0"),
        (["units", "97110"], "write CODE=MINUTES"),
        (["units", "97L10=10"], "is not a CPT/HCPCS code"),
        (["units", "9711=10"], "is not a CPT/HCPCS code"),
        (["units", "97110=-5"], "minutes must be a whole number >= 0"),
        (["units", "97110=7.5"], "minutes must be a whole number >= 0"),
        (["units", "97110=1441"], "at most 1440"),
        (["units", "97110=10", "97110=5"], "97110 is given twice"),
        (["units", "97110=10", "--method", "medicare"], "invalid choice"),
        (["units"], "required"),
    ],
)
def test_units_bad_arguments_exit_2_with_a_message(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


# -- ptcpt schema ------------------------------------------------------------------------
def test_schema_visit_prints_the_json_schema() -> None:
    from ptcpt.serialize import visit_json_schema

    result = run("schema", "visit")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == visit_json_schema()


def test_schema_of_something_unknown_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "patient"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_the_quickstart_example_runs() -> None:
    import pathlib

    script = pathlib.Path(__file__).resolve().parent.parent / "examples" / "quickstart.py"
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "97762 was deleted on 2018-01-01; use 97763" in result.stdout
    assert "visit quickstart-1 on 2025-03-12 for medicare: OK" in result.stdout


@pytest.mark.parametrize("arg", ["97161=45", "97010=20", "97550=30", "97111=10"])
def test_units_refuses_codes_whose_minutes_are_not_timed_units(
    arg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["units", "97110=10", arg]) == 2
    err = capsys.readouterr().err
    assert "untimed" in err or "units" in err or "not in the catalog" in err


def test_units_moves_time_beyond_a_primarys_first_unit_to_its_add_on(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["units", "97129=40"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["97129", "1", "unit"]
    assert lines[1].split()[:3] == ["97130", "2", "units"]
    assert lines[2].split()[:3] == ["total", "3", "units"]
    assert main(["units", "97129=40", "--method", "ama", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["units"] == {"97129": 1, "97130": 2}
    assert data["bounds"] == {"97129": [1, 1], "97130": [2, 2]}
