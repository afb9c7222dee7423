"""The training script: the bundled model matches the corpus, and a retrain works end to end."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import pathlib
import subprocess
import sys

import pytest

from ptcpt.classifier import Classifier, load_model

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "train_classifier.py"


def script() -> object:
    spec = importlib.util.spec_from_file_location("train_classifier", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_bundled_model_was_trained_on_the_corpus_and_vocabulary_in_the_repository() -> None:
    train = script()
    files = train.corpus_files([train.DEFAULT_CORPUS, train.DEFAULT_CALIBRATION])  # type: ignore[attr-defined]
    files += train.VOCABULARY  # type: ignore[attr-defined]
    assert load_model().meta["trained_on"] == train.digest(files), (  # type: ignore[attr-defined]
        "the corpus or the phrase list changed since the model was trained: "
        "run python scripts/train_classifier.py"
    )


def test_the_corpus_is_large_and_covers_every_code_a_pt_bills() -> None:
    train = script()
    import ptcpt

    catalog = ptcpt.catalog()
    on = dt.date(2026, 12, 1)
    known = {c.code for c in catalog if "PT" in c.disciplines and c.is_active(on)}
    # acupuncture is in the catalog, but a PT's needling is dry needling (20560/20561):
    # the corpus teaches acupuncture as "no PT code" (facts.md 1f)
    taught_as_none = {"97810", "97811", "97813", "97814"}
    rows = train.read_corpus(train.corpus_files([train.DEFAULT_CORPUS]), known)  # type: ignore[attr-defined]
    assert len(rows) >= 6000
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["code"]] = counts.get(row["code"], 0) + 1
    thin = {code: counts.get(code, 0) for code in known - taught_as_none if counts.get(code, 0) < 60}
    assert not taught_as_none & counts.keys()
    assert not thin, f"codes with fewer than 60 training descriptions: {thin}"
    assert counts["NONE"] >= 300
    kinds = {row["kind"] for row in rows}
    assert {"note", "shorthand", "plain", "patient", "question", "billing_page", "misspelled"} <= kinds


def test_a_practice_can_train_its_own_model(tmp_path: pathlib.Path) -> None:
    pytest.importorskip("sklearn")
    corpus = tmp_path / "notes.jsonl"
    lines = []
    for n in range(8):
        lines.append(
            {"text": f"balance board drills round {n} with eyes closed", "code": "97112", "kind": "note"}
        )
        lines.append({"text": f"leg press and hamstring curls set {n}", "code": "97110", "kind": "note"})
        lines.append({"text": f"front desk sold a foam roller number {n}", "code": "NONE", "kind": "plain"})
    corpus.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    out = tmp_path / "mine.bin"
    done = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--corpus",
            str(corpus),
            "--calibration",
            "--folds",
            "2",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    model = load_model(str(out))
    assert {"97110", "97112", "NONE"} <= set(model.classes)
    mine = Classifier(model=model)
    found = mine.classify("wobble board with eyes closed", on=dt.date(2026, 6, 1))
    assert found and found[0].code.code == "97112"


def test_a_bad_corpus_row_stops_the_run_naming_the_line(tmp_path: pathlib.Path) -> None:
    corpus = tmp_path / "bad.jsonl"
    corpus.write_text('{"text": "gait", "code": "97116"}\n{"text": "x", "code": "12345"}\n', encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--corpus", str(corpus), "--check"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "bad.jsonl:2" in done.stderr and "12345" in done.stderr
