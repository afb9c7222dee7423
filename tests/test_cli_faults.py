"""`ptcpt check` under faults, caused for real: killed workers, hanging and exiting rules,
Ctrl-C and SIGTERM, a full disk, damaged and oddly encoded input. Each test runs the real
command in a subprocess and asserts on its output records, summary and exit status."""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from typing import Any

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
BATCH = ROOT / "examples" / "visits" / "batch.jsonl"
CLAIMS = ROOT / "examples" / "claims" / "pt_claims.837"

# A plugin that misbehaves on visits with a telling id, installed as a real entry point.
FAULTY = """
import os, pathlib, sys, time
import ptcpt

OUT = pathlib.Path(os.environ["FAULTY_DIR"])

@ptcpt.rule("faulty.misbehaves")
def misbehaves(visit, ctx):
    (OUT / f"pid-{os.getpid()}").touch()
    what = (visit.id or "").split("-")[0]
    if what == "kill":
        os.kill(os.getpid(), 9)
    if what == "sysexit":
        sys.exit(4)
    if what == "sleep":
        time.sleep(30)
    if what == "raise":
        raise ValueError("secret detail 123")
    if what == "slow":
        time.sleep(0.002)
    if what == "big":
        time.sleep(0.0005)
        yield ctx.info("x" * 20_000)  # a big report: workers spend their time sending results

@ptcpt.hookimpl
def ptcpt_register_rules(register):
    register(misbehaves)
"""


@pytest.fixture
def env(tmp_path: pathlib.Path) -> dict[str, str]:
    """The environment of a `ptcpt` subprocess with the faulty plugin installed."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "faulty_rules.py").write_text(textwrap.dedent(FAULTY), encoding="utf-8")
    info = site / "faulty_rules-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: faulty_rules\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[ptcpt]\nfaulty = faulty_rules\n")
    out = tmp_path / "out"
    out.mkdir()
    path = os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return {**os.environ, "PYTHONPATH": path, "PTCPT_LOAD_PLUGINS": "faulty", "FAULTY_DIR": str(out)}


def command(*args: str) -> list[str]:
    exe = shutil.which("ptcpt")
    return [exe, *args] if exe else [sys.executable, "-m", "ptcpt", *args]


def run(*args: str, env: dict[str, str], **options: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(*args), capture_output=True, text=True, timeout=90, env=env, check=False, **options
    )


def visits(tmp_path: pathlib.Path, ids: list[str], name: str = "visits.jsonl") -> pathlib.Path:
    path = tmp_path / name
    rows = [
        {
            "id": vid,
            "date": "2025-03-12",
            "lines": [{"code": "97110", "units": 1, "minutes": 15, "modifiers": ["GP"]}],
        }
        for vid in ids
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def claims(tmp_path: pathlib.Path, ids: list[str], name: str = "claims.837") -> pathlib.Path:
    """An 837P of one claim per id (its CLM01), each one line on one date: one visit a claim."""
    segments = [s.strip() for s in CLAIMS.read_text(encoding="utf-8").split("~") if s.strip()]
    head = segments[: segments.index("HL*2*1*22*0")]
    body: list[str] = []
    for hl, claim_id in enumerate(ids, 2):
        body += [
            f"HL*{hl}*1*22*0",
            "SBR*P*18*******MB",
            "NM1*PR*2*MEDICARE PART B TEST*****PI*00435",
            f"CLM*{claim_id}*40***11:B:1*Y*A*Y*Y",
            "HI*ABK:M25561",
            "LX*1",
            "SV1*HC:97110:GP*40*UN*1***1",
            "DTP*472*D8*20250312",
        ]
    st = next(i for i, segment in enumerate(head) if segment.startswith("ST*"))
    trailer = [f"SE*{len(head) - st + len(body) + 1}*0001", "GE*1*101", "IEA*1*000000101"]
    path = tmp_path / name
    path.write_text("~\n".join([*head, *body, *trailer]) + "~\n", encoding="utf-8")
    return path


CLAIM_SUMMARY = re.compile(
    r"^(\d+) claim\(s\) read: (\d+) checked, (\d+) rejected, (\d+) not checked; (\d+) visit\(s\) checked, "
    r"(\d+) with errors(?:; (\d+) visit\(s\) not checked)?(?:; \d+ service line\(s\) not checked)?"
    r"(?:; \d+ envelope fault\(s\))?$",
    re.M,
)


def claim_summary(stderr: str) -> tuple[int, int, int, int, int, int]:
    """(claims read, checked, rejected, not checked; visits checked, visits not checked) from
    the closing summary of an 837P, whose claims must add up."""
    found = CLAIM_SUMMARY.findall(stderr)
    assert len(found) == 1, stderr
    read, checked, rejected, unchecked, visits, _, visits_unchecked = (int(x or 0) for x in found[0])
    assert read == checked + rejected + unchecked
    return read, checked, rejected, unchecked, visits, visits_unchecked


SUMMARY = re.compile(
    r"^(\d+) visit\(s\) read, (\d+) checked, (\d+) rejected, (?:(\d+) not checked, )?(\d+) with errors$", re.M
)


def summary(stderr: str) -> tuple[int, int, int, int]:
    """(read, checked, rejected, not checked) from the closing summary, which must add up."""
    found = SUMMARY.findall(stderr)
    assert len(found) == 1, stderr
    read, checked, rejected, unchecked, _ = (int(x or 0) for x in found[0])
    assert read == checked + rejected + unchecked
    return read, checked, rejected, unchecked


# -- exit codes --------------------------------------------------------------------------------
@pytest.mark.parametrize("args", [("--help",), ("check", "--help")])
def test_help_lists_every_exit_status(args: tuple[str, ...], env: dict[str, str]) -> None:
    result = run(*args, env=env)
    assert result.returncode == 0
    for code in ("0", "1", "2", "74", "130"):
        assert re.search(rf"^\s+{code}\s+\S", result.stdout, re.M), (code, result.stdout)


def test_a_full_disk_is_an_output_failure_not_a_finding(env: dict[str, str]) -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    for args in (("check", str(BATCH), "--json"), ("check", str(CLAIMS)), ("codes",)):
        with open("/dev/full", "w") as full:
            result = subprocess.run(
                command(*args),
                stdout=full,
                stderr=subprocess.PIPE,
                text=True,
                timeout=60,
                env=env,
                check=False,
            )
        assert result.returncode == 74, result.stderr
        assert "ptcpt: error: cannot write the output: No space left on device" in result.stderr
        assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr


# -- workers that die, rules that exit or hang ---------------------------------------------------
def test_a_worker_killed_by_its_rule_is_replaced_and_its_visit_reported_not_checked(
    tmp_path: pathlib.Path, env: dict[str, str]
) -> None:
    ids = [f"v{i}" for i in range(600)]
    ids[300] = "kill-1"
    result = run("check", str(visits(tmp_path, ids)), "--jobs", "2", "--json", env=env)
    assert result.returncode == 74, result.stderr
    assert summary(result.stderr) == (600, 599, 0, 1)
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 600  # one record per input line, in input order
    assert [r.get("visit_id") for r in records[:3]] == ["v0", "v1", "v2"]
    assert records[300]["input"] == "line 301" and "worker process stopped" in records[300]["not_checked"]
    assert "ptcpt: visit at input line 301 not checked: its worker process stopped" in result.stderr
    assert "Traceback" not in result.stderr


def test_sys_exit_in_a_rule_is_a_finding_even_in_process(tmp_path: pathlib.Path, env: dict[str, str]) -> None:
    path = visits(tmp_path, ["v0", "sysexit-1", "v2"])
    for extra in (("--timeout", "0"), ()):  # in this process, then in a worker
        result = run("check", str(path), "--json", *extra, env=env)
        assert result.returncode == 1, result.stderr
        assert summary(result.stderr) == (3, 3, 0, 0)
        middle = json.loads(result.stdout.splitlines()[1])
        (failure,) = [f["message"] for f in middle["findings"] if f["rule"] == "plugin.error"]
        assert failure.startswith(
            "rule 'faulty.misbehaves' of plugin 'faulty' raised SystemExit; its results"
        )


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_rule_that_hangs_is_cut_off_by_timeout(
    tmp_path: pathlib.Path, env: dict[str, str], jobs: str
) -> None:
    ids = [f"v{i}" for i in range(20)]
    ids[7] = "sleep-1"
    start = time.monotonic()
    result = run("check", str(visits(tmp_path, ids)), "--jobs", jobs, "--timeout", "1", "--json", env=env)
    assert time.monotonic() - start < 20
    assert result.returncode == 74, result.stderr
    assert summary(result.stderr) == (20, 19, 0, 1)
    assert "ptcpt: visit at input line 8 not checked: its rules did not finish within 1 s" in result.stderr
    assert json.loads(result.stdout.splitlines()[7]) == {
        "input": "line 8",
        "not_checked": "its rules did not finish within 1 s; the worker checking it was stopped",
    }


def test_debug_logs_a_failing_rules_traceback_and_only_then(
    tmp_path: pathlib.Path, env: dict[str, str]
) -> None:
    path = visits(tmp_path, ["raise-1"])
    quiet = run("check", str(path), env=env)
    assert "raised ValueError" in quiet.stdout and "secret detail" not in quiet.stdout + quiet.stderr
    loud = run("check", str(path), "--debug", env=env)
    assert "Traceback" in loud.stderr and "ValueError: secret detail 123" in loud.stderr
    assert loud.stdout == quiet.stdout


def test_jobs_are_capped_at_the_cores_available(tmp_path: pathlib.Path, env: dict[str, str]) -> None:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    result = run("check", str(visits(tmp_path, [f"v{i}" for i in range(400)])), "--jobs", "1000", env=env)
    assert result.returncode == 0, result.stderr
    assert (
        f"ptcpt: note: --jobs 1000 is more than the {cores} core(s) this process may use; using {cores}"
        in (result.stderr)
    )
    workers = list(pathlib.Path(env["FAULTY_DIR"]).glob("pid-*"))
    assert 1 <= len(workers) <= cores


# -- Ctrl-C and SIGTERM --------------------------------------------------------------------------
def start_slow_run(tmp_path: pathlib.Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], pathlib.Path]:
    path = visits(tmp_path, [f"slow-{i}" for i in range(4000)])
    out = tmp_path / "out.jsonl"
    with open(out, "w") as stdout:
        process = subprocess.Popen(
            command("check", str(path), "--jobs", "2", "--json"),
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            start_new_session=True,  # its own process group, as a terminal's job is
        )
    deadline = time.monotonic() + 30
    while out.stat().st_size == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    return process, out


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_ctrl_c_stops_cleanly_with_a_summary_of_how_far_it_got(
    tmp_path: pathlib.Path, env: dict[str, str], signum: int, status: int
) -> None:
    process, out = start_slow_run(tmp_path, env)
    # Ctrl-C reaches the whole process group (main and workers); SIGTERM, the main process.
    if signum == signal.SIGINT:
        os.killpg(process.pid, signum)
    else:
        process.send_signal(signum)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == status, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    read, _, rejected, unchecked = summary(stderr)
    assert 0 < read < 4000 and rejected == unchecked == 0
    found = re.search(
        r"^ptcpt: interrupted; the output holds every visit up to input line (\d+)$", stderr, re.M
    )
    assert found is not None, stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == read == int(found[1])
    assert [r["visit_id"] for r in records] == [f"slow-{i}" for i in range(read)]
    workers = [int(p.name[4:]) for p in pathlib.Path(env["FAULTY_DIR"]).glob("pid-*")]
    assert workers
    time.sleep(0.2)
    for pid in workers:  # no worker outlives the run
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_ctrl_c_while_workers_send_their_results_does_not_hang(
    tmp_path: pathlib.Path, env: dict[str, str]
) -> None:
    # Big reports keep the workers busy writing results: a worker killed halfway through
    # one would leave the pool waiting for the rest of it for ever.
    path = visits(tmp_path, [f"big-{i}" for i in range(6000)])
    for attempt, pause in enumerate([0.05, 0.1, 0.2, 0.3, 0.4, 0.5]):
        out = tmp_path / f"out-{attempt}.jsonl"
        with open(out, "w") as stdout:
            process = subprocess.Popen(
                command("check", str(path), "--jobs", "2", "--json"),
                stdout=stdout,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
                start_new_session=True,
            )
        deadline = time.monotonic() + 30
        while out.stat().st_size == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(pause)
        os.killpg(process.pid, signal.SIGINT)
        try:
            _, stderr = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            pytest.fail(f"ptcpt check hung after Ctrl-C (attempt {attempt + 1})")
        assert process.returncode == 130, stderr
        read, _, _, _ = summary(stderr)
        assert len(out.read_text().splitlines()) == read


# -- input -----------------------------------------------------------------------------------------
def test_a_damaged_first_line_is_one_rejection_and_the_rest_are_checked(
    tmp_path: pathlib.Path, env: dict[str, str]
) -> None:
    path = visits(tmp_path, [f"v{i}" for i in range(3000)])
    text = path.read_bytes()
    path.write_bytes(text[:40] + text[text.index(b"\n") :])  # line 1 cut short
    result = run("check", str(path), "--jobs", "2", env=env)
    assert result.returncode == 2
    assert summary(result.stderr) == (3000, 2999, 1, 0)
    assert "ptcpt: rejected visit at input line 1: not valid JSON" in result.stderr


def test_a_bom_crlf_and_blank_lines_change_nothing(tmp_path: pathlib.Path, env: dict[str, str]) -> None:
    path = visits(tmp_path, [f"v{i}" for i in range(50)])
    lines = path.read_bytes().splitlines()
    path.write_bytes(b"\xef\xbb\xbf" + b"\r\n\r\n".join(lines) + b"\r\n")
    result = run("check", str(path), "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert summary(result.stderr) == (50, 50, 0, 0)
    assert [json.loads(line)["visit_id"] for line in result.stdout.splitlines()] == [
        f"v{i}" for i in range(50)
    ]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_utf16_input_is_refused_with_a_message_that_says_so(
    tmp_path: pathlib.Path, env: dict[str, str], encoding: str
) -> None:
    path = visits(tmp_path, ["v0", "v1"])
    path.write_bytes(path.read_text(encoding="utf-8").encode(encoding))
    result = run("check", str(path), "--json", env=env)
    assert result.returncode == 2 and result.stdout == ""
    name = encoding[:6].upper()
    assert f"the input is {name} text; ptcpt reads UTF-8 (convert it first" in result.stderr


def test_an_unknown_locality_is_one_usage_error(tmp_path: pathlib.Path, env: dict[str, str]) -> None:
    path = visits(tmp_path, [f"v{i}" for i in range(1000)])
    result = run("estimate", str(path), "--locality", "XX-99", env=env)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "ptcpt: error: --locality XX-99: not a Medicare locality the CMS tables know; use MAC-locality "
        "such as 10112-00 or state-locality such as AL-00"
    ]


def test_a_misspelt_no_plugin_name_is_a_usage_error_naming_the_known(env: dict[str, str]) -> None:
    result = run("check", str(BATCH), "--no-plugin", "faultyy", env=env)
    assert result.returncode == 2
    assert result.stderr.startswith(
        "ptcpt: error: --no-plugin: no plugin is named 'faultyy'; the plugins are "
    )
    assert "faulty, " in result.stderr and "ptcpt.units" in result.stderr


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_input_that_breaks_off_still_yields_every_visit_read_before(env: dict[str, str], jobs: str) -> None:
    # The 837P reader reads on past envelope damage: every visit before the cut is
    # written in file order, then the cut claim's rejection and the fault where it is.
    result = run(
        "check", str(ROOT / "tests" / "data" / "x12" / "truncated.837"), "--json", "--jobs", jobs, env=env
    )
    assert result.returncode == 2
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 7  # five visits, the cut claim's rejection, the envelope fault
    assert [(r["visit_id"], r["date"]) for r in records[:5]] == [
        ("PT2025A001", "2025-03-03"),
        ("PT2025A001", "2025-03-05"),
        ("PT2025A002", "2025-03-04"),
        ("PT2025A002", "2025-03-06"),
        ("PT2025A002", "2025-03-10"),
    ]
    assert records[5]["input"] == "claim 3" and records[5]["error"].startswith(
        "claim 3 (segment 85): the input"
    )
    assert records[6]["input"] == "segment 85"
    assert "ptcpt: error: segment 85: the input ends without its SE, GE and IEA trailers" in result.stderr
    assert "Traceback" not in result.stderr
    assert claim_summary(result.stderr) == (3, 2, 1, 0, 5, 0)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_claim_whose_rules_hang_is_cut_off_by_timeout(
    tmp_path: pathlib.Path, env: dict[str, str], jobs: str
) -> None:
    path = claims(tmp_path, ["v0", "sleep-1", "v2", "v3"])
    start = time.monotonic()
    result = run("check", str(path), "--jobs", jobs, "--timeout", "1", "--json", env=env)
    assert time.monotonic() - start < 20
    assert result.returncode == 74, result.stderr
    assert claim_summary(result.stderr) == (4, 3, 0, 1, 3, 1)
    assert "ptcpt: visit at input claim 2 not checked: its rules did not finish within 1 s" in result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r.get("visit_id") for r in records] == ["v0", None, "v2", "v3"]
    assert records[1] == {
        "input": "claim 2",
        "not_checked": "its rules did not finish within 1 s; the worker checking it was stopped",
    }
    assert all("claim_line" in f for r in records if "findings" in r for f in r["findings"])


def test_a_claim_file_stops_cleanly_on_ctrl_c(tmp_path: pathlib.Path, env: dict[str, str]) -> None:
    path = claims(tmp_path, [f"slow-{i}" for i in range(4000)])
    out = tmp_path / "out.jsonl"
    with open(out, "w") as stdout:
        process = subprocess.Popen(
            command("check", str(path), "--jobs", "2", "--json"),
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            start_new_session=True,
        )
    deadline = time.monotonic() + 30
    while out.stat().st_size == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    read, checked, _, _, visits, _ = claim_summary(stderr)
    assert 0 < read == checked == visits < 4000
    found = re.search(
        r"^ptcpt: interrupted; the output holds every claim up to input claim (\d+)$", stderr, re.M
    )
    assert found is not None, stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == read == int(found[1])
    assert [r["visit_id"] for r in records] == [f"slow-{i}" for i in range(read)]


def test_the_docs_list_every_exit_status_and_each_fault() -> None:
    from ptcpt.cli import EXIT_CODES

    text = (ROOT / "docs" / "scaling.md").read_text(encoding="utf-8")
    codes = text[text.index("## Exit codes") : text.index("## Failure behaviour")]
    assert {int(row) for row in re.findall(r"^\| (\d+) \|", codes, re.M)} == set(EXIT_CODES)
    failures = text[text.index("## Failure behaviour") :]
    for fault in ("worker process dies", "--timeout", "Ctrl-C", "output cannot be written", "X12 envelope"):
        assert fault in failures


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_each_visit_of_a_slow_stream_is_answered_before_the_next_is_sent(
    env: dict[str, str], jobs: str
) -> None:
    quiet = {key: value for key, value in env.items() if key != "PYTHONUNBUFFERED"}  # as in a real shell
    process = subprocess.Popen(
        command("check", "-", "--json", "--jobs", jobs),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=quiet,
    )
    assert process.stdin is not None and process.stdout is not None
    answers: list[str] = []
    try:
        for i in range(3):
            row = {
                "id": f"s{i}",
                "date": "2025-03-12",
                "lines": [{"code": "97110", "minutes": 15, "units": 1}],
            }
            process.stdin.write((json.dumps(row) + "\n").encode())
            process.stdin.flush()
            reader = threading.Thread(target=lambda: answers.append(process.stdout.readline().decode()))
            reader.start()
            reader.join(timeout=20)  # no answer means it waits for more input before answering
            assert not reader.is_alive(), f"visit {i} got no answer while the stream stayed open"
        process.stdin.close()
        process.wait(timeout=30)
    finally:
        process.kill()
    assert [json.loads(line)["visit_id"] for line in answers] == ["s0", "s1", "s2"]


def test_a_reader_that_stops_reading_ends_the_run_quietly_as_an_output_failure(
    tmp_path: pathlib.Path, env: dict[str, str]
) -> None:
    path = visits(tmp_path, [f"slow-{i}" for i in range(3000)])
    process = subprocess.Popen(
        command("check", str(path), "--json", "--jobs", "2"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert process.stdout is not None and process.stderr is not None
    assert json.loads(process.stdout.readline())["visit_id"] == "slow-0"
    process.stdout.close()  # `ptcpt check ... | head -1`
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 74
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr and "cannot write" not in stderr
    read, _, _, _ = summary(stderr)
    assert 0 < read < 3000


def test_options_out_of_range_are_usage_errors(env: dict[str, str]) -> None:
    for option in (("--jobs", "0"), ("--timeout", "-1"), ("--timeout", "nan")):
        result = run("check", str(BATCH), *option, env=env)
        assert result.returncode == 2 and result.stderr.startswith(f"ptcpt: error: {option[0]} must be")
