"""`ptcpt check`, `ptcpt plugins` and `ptcpt rules` through the real command."""

from __future__ import annotations

import json
import pathlib
import shutil
import subprocess
import sys

import pytest

from ptcpt.cli import main

ROOT = pathlib.Path(__file__).resolve().parent.parent
KNEE = ROOT / "examples" / "visits" / "knee_rehab.json"
BATCH = ROOT / "examples" / "visits" / "batch.jsonl"


@pytest.fixture(autouse=True)
def _no_installed_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTCPT_LOAD_PLUGINS", "")


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("ptcpt")
    command = [exe, *args] if exe else [sys.executable, "-m", "ptcpt", *args]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=60,
        check=False,
        env={**__import__("os").environ, "PTCPT_LOAD_PLUGINS": ""},
    )


def test_the_bundled_example_visit_checks_clean_through_the_command() -> None:
    result = run("check", str(KNEE))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("visit example-knee-rehab-1 on 2025-03-12 for medicare: OK")


def test_jsonl_batch_reports_each_visit_and_exits_1_on_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(BATCH), "--json"]) == 1
    out, err = capsys.readouterr()
    reports = [json.loads(line) for line in out.splitlines()]
    assert [r["visit_id"] for r in reports] == ["b1", "b2", "b3", "b4"]
    by_id = {r["visit_id"]: {f["rule"] for f in r["findings"]} for r in reports}
    assert "code.deleted" in by_id["b2"]
    assert "group.size" in by_id["b4"]
    assert "4 visit(s) read, 4 checked, 0 rejected, 2 with errors" in err


def test_stdin_and_malformed_lines_are_reported_not_dropped(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    good = json.dumps(
        {"date": "2025-03-12", "lines": [{"code": "97110", "units": 1, "minutes": 15, "modifiers": ["GP"]}]}
    )
    text = "\n".join([good, "{not json", good.replace("97110", "9711O"), good]) + "\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    assert main(["check", "-"]) == 2
    err = capsys.readouterr().err
    assert "rejected visit at input line 2: not valid JSON" in err
    assert "rejected visit at input line 3: lines[0].code" in err
    assert "4 visit(s) read, 2 checked, 2 rejected" in err


def test_unknown_payer_is_bad_input(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    visit = tmp_path / "v.json"
    visit.write_text(json.dumps({"date": "2025-03-12", "payer": "nobody", "lines": [{"code": "97110"}]}))
    assert main(["check", str(visit)]) == 2
    assert "unknown payer 'nobody'" in capsys.readouterr().err


def test_missing_file_and_empty_input_exit_2(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(tmp_path / "nope.json")]) == 2
    (tmp_path / "empty.jsonl").write_text("\n\n")
    assert main(["check", str(tmp_path / "empty.jsonl")]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_no_plugin_turns_a_builtin_off(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["check", str(BATCH), "--json", "--no-plugin", "ptcpt.codes", "--no-plugin", "ptcpt.sessions"])
        == 0
    )
    out = capsys.readouterr().out
    assert "code.deleted" not in out and "group.size" not in out


def test_plugins_and_rules_listings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plugins", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    names = {p["name"] for p in data["plugins"]}
    assert {"ptcpt.codes", "ptcpt.units", "ptcpt.payers"} <= names
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    assert "units.mismatch" in out and "ptcpt.units" in out


def test_estimate_prints_lines_and_totals(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["estimate", str(KNEE)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("visit example-knee-rehab-1 on 2025-03-12: $")
    assert "97530 x1: $34.61" in out  # CMS 2025 national RVUs x the 2025 conversion factor


def test_estimate_json_with_a_locality(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["estimate", str(KNEE), "--json", "--locality", "AL-00"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["visit_id"] == "example-knee-rehab-1" and data["locality"]
    assert float(data["total"]) > 0


def test_cms_dir_must_exist(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(KNEE), "--cms-dir", str(tmp_path / "nope")]) == 2
    assert "not a directory" in capsys.readouterr().err


def test_cms_dir_reads_the_named_folder_only_and_errors_name_the_flag(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PTCPT_CMS_DIR", raising=False)
    assert main(["check", str(KNEE), "--cms-dir", "/"]) == 2  # one folder listed, no walk of the disk
    err = capsys.readouterr().err
    assert err.startswith("ptcpt: error: --cms-dir: no CMS files in / itself")
    assert "PTCPT_CMS_DIR" not in err and "Traceback" not in err


def test_a_line_that_is_not_utf8_is_rejected_and_the_run_goes_on(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = json.dumps(
        {"date": "2025-03-12", "lines": [{"code": "97110", "units": 1, "minutes": 15, "modifiers": ["GP"]}]}
    ).encode()
    bad = good.replace(b'"GP"]', b'"GP"], "description": "caf\xe9"')
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join([good, bad, good]) + b"\n")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    at = bad.index(b"\xe9") + 1
    assert f"input line 2: the line is not UTF-8 text (at byte {at}; ptcpt reads UTF-8" in err
    assert "3 visit(s) read, 2 checked, 1 rejected" in err


def test_binary_input_is_bad_input_not_a_traceback(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "noise.bin"
    path.write_bytes(bytes(range(256)) * 4)
    assert main(["check", str(path)]) == 2
    assert main(["estimate", str(path)]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_an_unknown_payer_option_fails_once(capsys: pytest.CaptureFixture[str]) -> None:
    claims = ROOT / "examples" / "claims" / "pt_claims.837"
    assert main(["check", str(claims), "--payer", "zzz"]) == 2
    err = capsys.readouterr().err
    assert err.count("unknown payer 'zzz'") == 1 and "known payers" in err


def test_x12_claims_are_checked_with_the_minutes_note(capsys: pytest.CaptureFixture[str]) -> None:
    claims = ROOT / "examples" / "claims" / "pt_claims.837"
    assert main(["check", str(claims), "--json"]) == 1  # one claim bills deleted 97001
    out, err = capsys.readouterr()
    reports = [json.loads(line) for line in out.splitlines()]
    assert len(reports) == 6 and all(r["payer"] == "medicare" for r in reports)
    assert err.count("837P claims carry units, not minutes") == 1


def test_check_reads_kx_buckets_from_a_json_visit(tmp_path: pathlib.Path) -> None:
    # An OT line with $2,400 of OT spend so far: over the 2025 threshold for OT only.
    visit = {
        "id": "kx-ot",
        "date": "2025-06-02",
        "payer": "medicare",
        "ytd_allowed": {"pt_slp": "100.00", "ot": "2400.00"},
        "lines": [
            {"code": "97110", "units": 1, "minutes": 15, "modifiers": ["GP"]},
            {"code": "97535", "units": 1, "minutes": 15, "modifiers": ["GO"]},
        ],
    }
    path = tmp_path / "kx.json"
    path.write_text(json.dumps(visit), encoding="utf-8")
    result = run("check", str(path), "--json")
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads(result.stdout)
    kx = [f for f in report["findings"] if f["rule"] == "modifier.kx-missing"]
    assert [f["line"] for f in kx] == [1]
    assert "occupational therapy" in kx[0]["message"]
