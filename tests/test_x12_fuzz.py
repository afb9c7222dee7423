"""Fuzzing the 837P reader with mutants of the project's own sample files.

A seeded mutator edits, inserts and deletes characters, truncates, duplicates, drops
and swaps segments, copies stretches of text and puts patient data (made-up markers)
into any element, one to three changes per mutant. For
every mutant the reader must finish without an exception, account for every claim it
numbered, name the segment of every fault and quote no patient data; for mutants that
only move whole segments around, it must number exactly the CLM segments the file has.

The suite runs a few hundred mutants (a few seconds). For a long campaign:

    PTCPT_FUZZ_MUTANTS=20000 PTCPT_FUZZ_COMMANDS=500 python -m pytest tests/test_x12_fuzz.py -q
"""

from __future__ import annotations

import io
import os
import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from ptcpt.cli import main
from ptcpt.x12 import ClaimVisit, EnvelopeFault, Item, RejectedClaim, RejectedLine, read_837p

DATA = Path(__file__).resolve().parent / "data" / "x12"
SAMPLES = [
    "pt_claims.837",
    "phi_claims.837",
    "minutes.837",
    "range_line.837",
    "two_transactions.837",
    "delimiters.837",
    "interchanges.837",
    "bad_date.837",
    "truncated.837",
]
MUTANTS = int(os.environ.get("PTCPT_FUZZ_MUTANTS", "600"))
SEED = int(os.environ.get("PTCPT_FUZZ_SEED", "15"))
COMMANDS = int(os.environ.get("PTCPT_FUZZ_COMMANDS", "12"))
#: The made-up identifiers in phi_claims.837 (scripts/make_x12_samples.py).
PHI = ("ZZPHILASTNAME", "ZZPHIFIRSTNAME", "ZZPHIMEMBER0042", "999 ZZPHI STREET", "ZZPHICITY", "19010203")
#: Characters a mutation writes: delimiters, blanks, letters, digits, and worse.
ALPHABET = "~*:^|>'!\\\n\r \t" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ" + "abcisa" + "0123456789" + "\x00\ufeff\u00e9-."


def _terminator(text: str) -> str:
    return "~" if "~" in text else "'"


def _segments_op(op: Callable[[list[str], random.Random], None]) -> Callable[[str, random.Random], str]:
    def mutate(text: str, rng: random.Random) -> str:
        terminator = _terminator(text)
        parts = text.split(terminator)
        if len(parts) > 2:
            op(parts, rng)
        return terminator.join(parts)

    return mutate


def _duplicate(parts: list[str], rng: random.Random) -> None:
    at = rng.randrange(len(parts) - 1)
    parts.insert(at, parts[at])


def _drop(parts: list[str], rng: random.Random) -> None:
    del parts[rng.randrange(len(parts) - 1)]


def _swap(parts: list[str], rng: random.Random) -> None:
    a, b = rng.randrange(len(parts) - 1), rng.randrange(len(parts) - 1)
    parts[a], parts[b] = parts[b], parts[a]


def _edit(text: str, rng: random.Random) -> str:
    at = rng.randrange(len(text))
    return text[:at] + rng.choice(ALPHABET) + text[at + 1 :]


def _insert(text: str, rng: random.Random) -> str:
    at = rng.randrange(len(text) + 1)
    return text[:at] + "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 3))) + text[at:]


def _delete(text: str, rng: random.Random) -> str:
    at = rng.randrange(len(text))
    return text[:at] + text[at + rng.randint(1, 5) :]


def _truncate(text: str, rng: random.Random) -> str:
    return text[: rng.randrange(len(text))]


def _copy_stretch(text: str, rng: random.Random) -> str:
    a = rng.randrange(len(text))
    b = min(len(text), a + rng.randint(1, 200))
    at = rng.randrange(len(text) + 1)
    return text[:at] + text[a:b] + text[at:]


def _transplant(text: str, rng: random.Random) -> str:
    """Patient data (the markers of phi_claims.837) in an element or component of any segment."""
    terminator = _terminator(text)
    parts = text.split(terminator)
    at = rng.randrange(len(parts))
    separator = "*" if "*" in parts[at] else "|"
    elements = parts[at].split(separator)
    if len(elements) > 1:
        index = rng.randrange(1, len(elements))
        components = elements[index].split(":" if separator == "*" else ">")
        components[rng.randrange(len(components))] = rng.choice(PHI)
        elements[index] = (":" if separator == "*" else ">").join(components)
        parts[at] = separator.join(elements)
    return terminator.join(parts)


SEGMENT_MUTATIONS = [_segments_op(_duplicate), _segments_op(_drop), _segments_op(_swap)]
CHARACTER_MUTATIONS = [_edit, _insert, _delete, _truncate, _copy_stretch, _transplant, _transplant]


def mutants(count: int, seed: int) -> list[tuple[str, str, bool]]:
    """``(name, text, whole segments only)`` for ``count`` mutants, the same for the same seed."""
    rng = random.Random(seed)
    texts = {name: (DATA / name).read_text() for name in SAMPLES}
    out = []
    for _ in range(count):
        name = rng.choice(SAMPLES)
        text = texts[name]
        segments_only = rng.random() < 0.4
        mutations = SEGMENT_MUTATIONS if segments_only else SEGMENT_MUTATIONS + CHARACTER_MUTATIONS
        for _ in range(rng.randint(1, 3)):
            if text:
                text = rng.choice(mutations)(text, rng)
        out.append((name, text, segments_only))
    return out


def claim_segments(text: str) -> int:
    """CLM segments in a file of one interchange whose delimiters are ``*`` and ``~``."""
    return sum(1 for part in text.split("~") if re.fullmatch(r"\s*CLM\*.*", part, re.DOTALL))


def check_mutant(name: str, text: str, segments_only: bool, *, claim_ids: bool) -> None:
    # No exception, whatever the input.
    items: list[Item] = list(read_837p(io.StringIO(text), claim_ids=claim_ids))
    outcome: dict[int, set[type]] = {}
    order: list[int] = []
    for item in items:
        if isinstance(item, EnvelopeFault):
            assert item.message.startswith(f"segment {item.segment}: "), item.message
            continue
        if not order or order[-1] != item.claim:
            assert item.claim not in outcome, f"claim {item.claim} is not in one piece"
            order.append(item.claim)
        outcome.setdefault(item.claim, set()).add(type(item))
        if isinstance(item, ClaimVisit):
            assert len(item.claim_lines) == len(item.visit.lines)
            assert list(item.claim_lines) == sorted(set(item.claim_lines)) and item.claim_lines[0] >= 1
        else:
            assert item.message.startswith(f"claim {item.claim} (segment {item.segment}): "), item.message
    assert order == list(range(1, len(order) + 1)), "claims numbered 1, 2, ... in file order"
    for kinds in outcome.values():
        assert kinds in ({ClaimVisit}, {ClaimVisit, RejectedLine}, {RejectedLine}, {RejectedClaim})
    if segments_only and name not in ("interchanges.837", "delimiters.837") and text.startswith("ISA*"):
        # Still an interchange from its first character (a file that does not start with its
        # ISA header is not read at all: one fault says so).
        assert len(order) == claim_segments(text), "every CLM segment is a claim"
    # The claim id (CLM01) is the visit id unless claim_ids=False: by design, not by accident.
    said = " ".join(item.message for item in items if not isinstance(item, ClaimVisit)).upper()
    said += " ".join(
        repr(item.visit if not claim_ids else (item.visit.date, item.visit.lines, item.visit.payer))
        for item in items
        if isinstance(item, ClaimVisit)
    ).upper()
    for marker in PHI:
        assert marker not in said


def test_the_mutator_is_seeded_and_mutates() -> None:
    first, again = mutants(50, 7), mutants(50, 7)
    assert first == again
    originals = {(DATA / name).read_text() for name in SAMPLES}
    assert sum(text not in originals for _, text, _ in first) >= 45
    assert any(only for _, _, only in first) and not all(only for _, _, only in first)


def test_every_mutant_reads_to_the_end_with_every_claim_accounted_for() -> None:
    failures = []
    for number, (name, text, segments_only) in enumerate(mutants(MUTANTS, SEED)):
        try:
            check_mutant(name, text, segments_only, claim_ids=number % 2 == 0)
        except Exception as exc:  # collect them all, then show the first few in full
            failures.append(f"mutant {number} of {name} (seed {SEED}): {type(exc).__name__}: {exc}")
    assert not failures, f"{len(failures)} of {MUTANTS} mutants failed:\n" + "\n".join(failures[:5])


@pytest.mark.parametrize("number", range(COMMANDS))
def test_the_command_never_raises_and_its_summary_adds_up(
    number: int, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTCPT_LOAD_PLUGINS", "")
    name, text, _ = mutants(COMMANDS, SEED + 1)[number]
    path = tmp_path / "mutant.837"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    status = main(["check", str(path), "--json"])
    err = capsys.readouterr().err
    assert status in (0, 1, 2), name
    counts = re.search(r"(\d+) claim\(s\) read: (\d+) checked, (\d+) rejected, (\d+) not checked", err)
    if counts is None:  # not recognised as X12 (the mutation hit its first characters): read as JSON
        assert status == 2
        assert "not valid JSON" in err or "visit(s) read" in err
        return
    read, checked, rejected, unchecked = map(int, counts.groups())
    assert read == checked + rejected + unchecked
