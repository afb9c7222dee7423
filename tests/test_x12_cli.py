"""``ptcpt check`` and ``ptcpt estimate`` on X12 837P files: claims counted, lines named, no traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ptcpt.cli import main

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "x12"
EXAMPLE = ROOT / "examples" / "claims" / "pt_claims.837"
#: The made-up identifiers in phi_claims.837 (scripts/make_x12_samples.py).
PHI = ("ZZPHILASTNAME", "ZZPHIFIRSTNAME", "ZZPHIMEMBER0042", "999 ZZPHI STREET", "ZZPHICITY", "19010203")


@pytest.fixture(autouse=True)
def _no_installed_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTCPT_LOAD_PLUGINS", "")


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The real command in a process of its own: what a user sees, traceback or not."""
    exe = shutil.which("ptcpt")
    command = [exe, *args] if exe else [sys.executable, "-m", "ptcpt", *args]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=60,
        check=False,
        env={**os.environ, "PTCPT_LOAD_PLUGINS": ""},
    )


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["check", *args])
    out, err = capsys.readouterr()
    return status, out, err


def summary(err: str) -> str:
    (line,) = [line for line in err.splitlines() if "claim(s) read" in line]
    return line


# -- item 1: no traceback, envelope faults exit 2 --------------------------------------------------
def test_a_duplicated_iea_is_a_fault_exit_2_not_a_traceback(tmp_path: Path) -> None:
    text = EXAMPLE.read_text()
    dup = tmp_path / "dup.837"
    dup.write_text(text + text.splitlines()[-1] + "\n")  # (cat x; tail -1 x) > dup.837
    result = run("check", str(dup))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert (
        "ptcpt: error: segment 92: an IEA trailer, but no interchange is open: expected an ISA header or "
        "the end of the input"
    ) in result.stderr
    assert summary(result.stderr) == (
        "3 claim(s) read: 3 checked, 0 rejected, 0 not checked; 6 visit(s) checked, 1 with errors; "
        "1 envelope fault(s)"
    )
    assert result.stdout.count("\nvisit ") + result.stdout.startswith("visit ") == 6


def test_faults_are_in_the_json_output_too(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    text = EXAMPLE.read_text()
    dup = tmp_path / "dup.837"
    dup.write_text(text + text.splitlines()[-1] + "\n")
    status, out, _ = check(capsys, str(dup), "--json")
    assert status == 2
    records = [json.loads(line) for line in out.splitlines()]
    assert records[-1] == {
        "input": "segment 92",
        "error": "segment 92: an IEA trailer, but no interchange is open: expected an ISA header or the end "
        "of the input",
    }
    assert sum("visit_id" in r for r in records) == 6


# -- the summary adds up: claims read = checked + rejected + not checked ---------------------------
def test_rejected_claims_are_claims_not_visits(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = check(capsys, str(DATA / "missing_code.837"))
    assert status == 2
    assert (
        "ptcpt: rejected claim 1 (segment 36): service line 5, SV101-2: the procedure code is missing" in err
    )
    assert (
        summary(err)
        == "3 claim(s) read: 2 checked, 1 rejected, 0 not checked; 4 visit(s) checked, 1 with errors"
    )
    assert "visit(s) read" not in err


def test_a_range_line_is_reported_by_itself_and_its_claim_checked(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = check(capsys, str(DATA / "range_line.837"), "--json")
    assert status == 2
    report, line = (json.loads(text) for text in out.splitlines())
    assert report["visit_id"] == "RANGECLM1"
    assert line["input"] == "claim 1" and line["claim_line"] == 2
    assert line["error"].startswith("claim 1 (segment 28): service line 2: DTP*472 is a date range (RD8)")
    assert "ptcpt: not checked: claim 1 (segment 28): service line 2: DTP*472 is a date range" in err
    assert summary(err) == (
        "1 claim(s) read: 1 checked, 0 rejected, 0 not checked; 1 visit(s) checked, 0 with errors; "
        "1 service line(s) not checked"
    )


def test_a_claim_with_only_range_lines_is_not_checked(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "ranges.837"
    path.write_text(EXAMPLE.read_text().replace("DTP*472*D8*20250307~", "DTP*472*RD8*20250307-20250308~"))
    status, _, err = check(capsys, str(path))
    assert status == 2
    assert summary(err) == (
        "3 claim(s) read: 2 checked, 0 rejected, 1 not checked; 5 visit(s) checked, 0 with errors; "
        "2 service line(s) not checked"
    )


def test_a_clean_claim_file_exits_0_and_findings_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = check(capsys, str(DATA / "phi_claims.837"))
    assert status == 0, err
    assert (
        summary(err)
        == "2 claim(s) read: 2 checked, 0 rejected, 0 not checked; 2 visit(s) checked, 0 with errors"
    )
    assert check(capsys, str(EXAMPLE))[0] == 1  # 97001 was deleted in 2017


def test_a_file_without_claims_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = check(capsys, str(DATA / "remittance.835"))
    assert status == 2
    assert out == ""
    assert "ptcpt: error: segment 3: transaction set '835' is a claim payment/remittance advice" in err
    assert summary(err).startswith("0 claim(s) read")


# -- item 5: --no-claim-ids ------------------------------------------------------------------------
def test_no_claim_ids_numbers_the_visits(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = check(capsys, str(EXAMPLE), "--json", "--no-claim-ids")
    assert status == 1
    ids = [json.loads(line)["visit_id"] for line in out.splitlines()]
    assert ids == ["claim-1", "claim-1", "claim-2", "claim-2", "claim-2", "claim-3"]
    assert "PT2025A" not in out


def test_the_claim_id_message_names_the_command_line_flag(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "spaced.837"
    path.write_text(EXAMPLE.read_text().replace("CLM*PT2025A002*", "CLM*ACCT 555 01*"))
    status, _, err = check(capsys, str(path))
    assert status == 2
    assert "fix the id, or number the claims instead (--no-claim-ids on the command line" in err
    assert "ACCT" not in err
    assert check(capsys, str(path), "--no-claim-ids")[0] == 1  # read now; 97001 still an error


# -- item 6: findings name the claim's line --------------------------------------------------------
def test_findings_carry_the_claims_lx_number_in_json_and_text(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = check(capsys, str(EXAMPLE), "--json")
    reports = [json.loads(line) for line in out.splitlines()]
    second = reports[1]  # claim 1's second date: its lines are LX 4, 5 and 6
    assert second["date"] == "2025-03-05"
    assert {(f["line"], f["claim_line"]) for f in second["findings"] if f["line"] is not None} == {
        (0, 4),
        (1, 5),
        (2, 6),
    }
    assert all("claim_line" in f for r in reports for f in r["findings"])
    _, text, _ = check(capsys, str(EXAMPLE))
    assert "WARNING units.minutes-missing claim line 4 97110:" in text
    assert " line 0 " not in text


# -- item 7: what the messages say -----------------------------------------------------------------
def test_x12_in_lower_case_is_named_as_such_not_as_bad_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "lower.837"
    path.write_text(EXAMPLE.read_text().replace("ISA*", "isa*", 1))
    status, _, err = check(capsys, str(path))
    assert status == 2
    assert "not valid JSON" not in err
    assert (
        "segment 1: not an X12 file ptcpt can read: the interchange header must be 'ISA' in upper case" in err
    )


def test_x12_without_its_isa_header_is_named_as_such(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "headless.837"
    path.write_text("\n".join(EXAMPLE.read_text().splitlines()[1:]))
    _, _, err = check(capsys, str(path))
    assert "it starts with a 'GS' segment, where an interchange starts with its ISA header" in err


def test_an_iea_without_its_final_terminator_is_not_missing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "unterminated.837"
    path.write_text(EXAMPLE.read_text().rstrip("~\n"))
    status, _, err = check(capsys, str(path))
    assert status == 1
    assert "error:" not in err and "IEA" not in err
    assert summary(err).endswith("1 with errors")  # no fault


# -- input from a pipe -----------------------------------------------------------------------------
def test_x12_and_json_from_a_pipe() -> None:
    claims = run("check", "-", "--json", "--no-claim-ids", stdin=EXAMPLE.read_text())
    assert claims.returncode == 1, claims.stderr
    assert len(claims.stdout.splitlines()) == 6
    jsonl = (ROOT / "examples" / "visits" / "batch.jsonl").read_text()
    piped = run("check", "-", "--json", stdin="\n\n" + jsonl)
    assert piped.returncode == 1, piped.stderr
    assert [json.loads(line)["visit_id"] for line in piped.stdout.splitlines()] == ["b1", "b2", "b3", "b4"]
    assert "4 visit(s) read, 4 checked, 0 rejected, 2 with errors" in piped.stderr
    single = run("check", "-", stdin=(ROOT / "examples" / "visits" / "knee_rehab.json").read_text())
    assert single.returncode == 0, single.stderr
    big = json.dumps(
        [json.loads(line) for line in jsonl.splitlines()] * 100, indent=1
    )  # past the sniffed chunk
    assert len(big) > 16_000
    listed = run("check", "-", "--json", stdin=big)
    assert listed.returncode == 1, listed.stderr
    assert "400 visit(s) read, 400 checked" in listed.stderr


# -- estimate --------------------------------------------------------------------------------------
def test_estimate_reads_claims_the_same_way(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["estimate", str(DATA / "range_line.837"), "--no-claim-ids"])
    out, err = capsys.readouterr()
    assert status == 2
    assert out.startswith("visit claim-1 on 2025-03-03: $")
    assert "ptcpt: not checked: claim 1 (segment 28): service line 2: DTP*472 is a date range" in err
    assert main(["estimate", str(EXAMPLE)]) == 0
    capsys.readouterr()


# -- no patient data -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "edit",
    [
        ("", ""),
        ("SV1*HC:97530:GP*40*UN*1***1~", "SV1*HC:ZZPHILASTNAME:GP*40*UN*1***1~"),
        ("DTP*472*D8*20250304~", "ZZPHILASTNAME*ZZPHIFIRSTNAME~"),
        ("CLM*PHICLAIM2*", "CLM*999 ZZPHI STREET*"),
        ("HL*2*1*22*0~", "HL*9*1*22*0~"),
        ("ST*837*", "ST*ZZPHICITY*"),
    ],
)
def test_no_patient_data_in_any_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, edit: tuple[str, str]
) -> None:
    path = tmp_path / "phi.837"
    path.write_text((DATA / "phi_claims.837").read_text().replace(*edit))
    outputs = []
    for options in ([], ["--json"], ["--no-claim-ids", "--json"]):
        outputs.append("".join(check(capsys, str(path), *options)[1:]))
    everything = "\n".join(outputs).upper()
    for marker in PHI:
        assert marker not in everything, marker
    assert "1901" not in everything
