"""Train the classifier's linear model and write ``src/ptcpt/data/classifier_model.bin``.

Usage (from the project root, with the training extra installed:
``python -m pip install -e '.[train]'``)::

    python scripts/train_classifier.py                      # rebuild the bundled model
    python scripts/train_classifier.py --check              # cross-validated figures only
    python scripts/train_classifier.py --corpus training/corpus my_notes.jsonl \\
        --out my_model.bin                                  # a practice's own model

The corpus is JSON Lines, one labelled description per line:
``{"text": ..., "code": "97110" | "NONE", "also_ok": [...], "kind": ...}``. Files and
folders (every ``*.jsonl`` inside) are read in sorted order. The catalog's own names,
summaries and examples are added as training descriptions too.

What it does, step by step (docs/classifier.md tells the why):

1. Read and validate every row (a bad row stops the run naming file and line).
2. Normalise each text exactly as ``ptcpt.classify`` does, with typo correction aimed
   at the phrase list's words and the corpus's own frequent words (which the model
   file records, so run time corrects towards the same words).
3. Fit a multinomial logistic regression (scikit-learn) on word and word-pair features
   (:func:`ptcpt.classifier._learned.features`).
4. Predict every corpus row from a model that did not see it (stratified K-fold) and
   fit, on those held-back predictions, how the model and the phrase list are combined
   and when the classifier abstains.
5. Centre and prune the weights (weights that change no decision are dropped), and
   write them with the calibration and the corpus digest.

Training is deterministic: the same corpus gives byte-identical weights.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import pathlib
import sys
import time
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT / "training" / "corpus"
DEFAULT_CALIBRATION = ROOT / "training" / "calibration"
DEFAULT_OUT = ROOT / "src" / "ptcpt" / "data" / "classifier_model.bin"
KINDS = frozenset(
    {"note", "shorthand", "plain", "patient", "question", "billing_page", "misspelled", "catalog"}
)
SCALE = 1 / 4096  # weights are stored as 16-bit multiples of this


def corpus_files(paths: list[pathlib.Path]) -> list[pathlib.Path]:
    found: list[pathlib.Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(path.glob("*.jsonl")))
        elif path.is_file():
            found.append(path)
        else:
            sys.exit(f"{path}: no such file or folder")
    return found


def read_corpus(
    files: list[pathlib.Path], known: set[str], skip_unknown: bool = False
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    skipped: collections.Counter[str] = collections.Counter()
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            where = f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{number}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                sys.exit(f"{where}: not JSON: {exc.msg}")
            text, code = row.get("text"), row.get("code")
            if not isinstance(text, str) or not text.strip():
                sys.exit(f"{where}: text must be a non-empty string")
            if code != "NONE" and code not in known and skip_unknown:
                skipped[code] += 1
                continue
            if code != "NONE" and code not in known:
                sys.exit(f"{where}: code {code!r} is not a catalog code a PT bills, nor NONE")
            also = row.get("also_ok", [])
            if not isinstance(also, list) or any(
                c != "NONE" and c not in known and not skip_unknown for c in also
            ):
                sys.exit(f"{where}: also_ok must list catalog codes")
            kind = row.get("kind", row.get("style", "plain"))
            if kind == "negative":
                kind = "plain"
            if kind not in KINDS:
                sys.exit(f"{where}: kind {kind!r} is not one of {sorted(KINDS)}")
            also = [c for c in also if c == "NONE" or c in known]
            rows.append({"text": text, "code": code, "also_ok": also, "kind": kind, "file": path.name})
    if skipped:
        print(f"skipped rows for codes the catalog lacks: {dict(skipped)}", file=sys.stderr)
    return rows


def catalog_rows(catalog: Any, on: Any) -> list[dict[str, Any]]:
    """The catalog's own words (names, summaries, examples) as training descriptions."""
    rows = []
    for code in catalog:
        if "PT" not in code.disciplines or not code.is_active(on):
            continue
        for text in (code.name, code.summary, *code.examples):
            if text:
                rows.append(
                    {"text": text, "code": code.code, "also_ok": [], "kind": "catalog", "file": "catalog"}
                )
    return rows


#: The phrase list and shorthand shape the features and the combination: a model is
#: trained on them as much as on the corpus.
VOCABULARY = [
    ROOT / "src" / "ptcpt" / "data" / name for name in ("terms.toml", "shorthand.toml", "known_words.txt")
]


def digest(files: list[pathlib.Path]) -> str:
    sha = hashlib.sha256()
    for path in files:
        sha.update(path.name.encode())
        sha.update(b"\0")
        sha.update(path.read_bytes())
    return sha.hexdigest()


def learned_vocabulary(norm: Any, rows: list[dict[str, Any]]) -> list[str]:
    """The corpus's own words that typos may be corrected to: seen at least twice
    outside the deliberately misspelled rows, and not themselves one letter away from a
    much commoner word (a misspelling that happens to recur)."""
    from ptcpt.classifier._match import one_edit

    counts: collections.Counter[str] = collections.Counter()
    for row in rows:
        if row["kind"] != "misspelled":
            canon = norm.tokens(row["text"], correct=False).canon
            counts.update({t for t in canon if t.isalpha() and len(t) >= 4})
    known = norm.vocabulary_set
    words = {w for w, n in counts.items() if n >= 2 and w not in known}
    by_length: dict[int, list[str]] = collections.defaultdict(list)
    for word in sorted(known | words):
        by_length[len(word)].append(word)
    kept = []
    for word in sorted(words):
        rivals = (r for size in (len(word) - 1, len(word), len(word) + 1) for r in by_length[size])
        if not any(
            r != word and (r in known or counts[r] >= 3 * counts[word]) and one_edit(word, r) for r in rivals
        ):
            kept.append(word)
    return kept


def gold(row: dict[str, Any]) -> set[str]:
    return {row["code"], *row["also_ok"]}


def fit_calibration(rows: list[dict[str, Any]], held: list[Any]) -> Any:
    """The combination weights that best predict the held-back rows' labels: maximum
    likelihood of a softmax over each row's candidates and "no code" (a conditional
    logit over the features of ptcpt.classifier._combine, fitted on all rows at once)."""
    import numpy as np
    from scipy.optimize import minimize

    from ptcpt.classifier._combine import CODE_FEATURES, NONE_FEATURES, Calibration

    code_x: list[tuple[float, ...]] = []  # per candidate, CODE_FEATURES
    none_x: list[tuple[float, ...]] = []  # per case, NONE_FEATURES
    starts: list[int] = []
    good: list[float] = []  # per candidate: 1 when the code is right
    none_good: list[float] = []
    for row, found in zip(rows, held, strict=True):
        if found is None or row["kind"] == "catalog":
            continue
        ok = gold(row)
        right = [code in ok for code in found.codes]
        if row["code"] != "NONE" and not any(right):
            continue  # neither part proposed the code: no weights can fix that
        starts.append(len(code_x))
        code_x.extend(found.rows)
        good.extend(float(r) for r in right)
        none_x.append(found.none_row)
        none_good.append(float(row["code"] == "NONE"))
    cx = np.array(code_x).reshape(-1, len(CODE_FEATURES))
    nx = np.array(none_x).reshape(-1, len(NONE_FEATURES))
    g, ng = np.array(good), np.array(none_good)
    case_of = np.repeat(np.arange(len(starts)), np.diff([*starts, len(code_x)]))

    def loss(w: Any) -> float:
        cal = Calibration.from_vector(w)
        s = cx @ np.array(cal.code_weights())
        n = nx @ np.array(cal.none_weights()) + cal.none_bias
        peak = n.copy()
        np.maximum.at(peak, case_of, s)
        es, en = np.exp(s - peak[case_of]), np.exp(n - peak)
        z = en + np.bincount(case_of, weights=es, minlength=len(n))
        right = en * ng + np.bincount(case_of, weights=es * g, minlength=len(n))
        return float(-np.log(right / z + 1e-12).mean() + 1e-3 * np.dot(w, w))

    start = np.array(
        [1.0 if name in ("model", "lexicon", "abstain", "weak") else 0.0 for name in Calibration.FITTED]
    )
    found = minimize(loss, start, method="Powell", options={"maxiter": 20000, "xtol": 1e-4, "ftol": 1e-8})
    return Calibration.from_vector([round(float(x), 4) for x in found.x])


def report(rows: list[dict[str, Any]], held: list[Any], calibration: Any) -> None:
    """Held-back top-1 by kind of text, and NONE precision/recall."""
    by_kind: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    tp = fp = fn = 0
    for row, found in zip(rows, held, strict=True):
        if row["kind"] == "catalog":
            continue
        if found is None:
            answer = "NONE"
        else:
            pairs, none = found.scored(calibration)
            answer = "NONE" if not pairs or none >= pairs[0][1] else pairs[0][0]
        hit = answer in gold(row)
        by_kind[row["kind"]][0] += hit
        by_kind[row["kind"]][1] += 1
        tp += answer == "NONE" and row["code"] == "NONE"
        fp += answer == "NONE" and row["code"] != "NONE"
        fn += answer != "NONE" and row["code"] == "NONE"
    hits = sum(h for h, _ in by_kind.values())
    total = sum(t for _, t in by_kind.values())
    print(f"held-back top-1 {hits / total:.3f} over {total} corpus rows; {calibration}", file=sys.stderr)
    for kind, (h, t) in sorted(by_kind.items()):
        print(f"  {kind:13} {h / t:.3f}  ({t})", file=sys.stderr)
    if tp + fp and tp + fn:
        print(f"  NONE precision {tp / (tp + fp):.3f} recall {tp / (tp + fn):.3f}", file=sys.stderr)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", nargs="+", type=pathlib.Path, default=[DEFAULT_CORPUS])
    ap.add_argument(
        "--calibration",
        nargs="*",
        type=pathlib.Path,
        default=[DEFAULT_CALIBRATION],
        help="labelled sets written apart from the corpus, for fitting the combination",
    )
    ap.add_argument("--out", type=pathlib.Path, default=DEFAULT_OUT)
    ap.add_argument("--check", action="store_true", help="cross-validate and report; write nothing")
    ap.add_argument("--skip-unknown", action="store_true", help="skip rows for codes the catalog lacks")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--c", type=float, default=4.0, help="inverse regularisation strength")
    ap.add_argument("--prune", type=float, default=0.05, help="drop centred weights below this")
    ap.add_argument("--per-feature", type=int, default=12, help="keep at most this many weights per feature")
    ap.add_argument("--min-count", type=int, default=1, help="features seen fewer times are dropped")
    args = ap.parse_args()

    import datetime as dt

    import attrs
    import numpy as np
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    import ptcpt
    from ptcpt.classifier._learned import NONE, decode, encode, features

    started = time.perf_counter()
    catalog = ptcpt.catalog()
    today = dt.date(2026, 12, 1)
    known = {c.code for c in catalog if "PT" in c.disciplines and c.is_active(today)}
    files = corpus_files(args.corpus)
    rows = read_corpus(files, known, args.skip_unknown)
    # the corpus decides which codes are classes: the catalog's own words join only
    # codes it teaches (acupuncture, for one, is in the catalog but taught as "no code")
    taught = {row["code"] for row in rows}
    rows += [row for row in catalog_rows(catalog, today) if row["code"] in taught]
    print(f"{len(rows)} descriptions from {len(files)} file(s) and the catalog", file=sys.stderr)

    from ptcpt.classifier import Classifier

    norm = Classifier(model=None)._norm
    vocabulary = learned_vocabulary(norm, rows)
    norm.learn(vocabulary)
    docs = [features(norm.tokens(row["text"]).canon) for row in rows]

    labels = sorted({row["code"] for row in rows})
    if NONE not in labels:
        sys.exit("the corpus has no NONE rows: the model could never learn to abstain")
    y = np.array([labels.index(row["code"]) for row in rows])

    def fit(train_docs: list[list[str]], train_y: Any) -> tuple[Any, Any]:
        vec = CountVectorizer(analyzer=lambda d: d, binary=True, min_df=args.min_count)
        x = vec.fit_transform(train_docs)
        model = LogisticRegression(C=args.c, max_iter=3000, tol=1e-5)
        model.fit(x, train_y)
        return vec, model

    def export(vec: Any, model: Any, meta: dict[str, Any]) -> bytes:
        """The runtime file of a fitted model: weights centred per feature (softmax is
        unchanged by adding one constant to every class's weight for a feature, and the
        median leaves most weights near 0), small weights pruned, 16-bit weights."""
        coef = np.full((len(labels), model.coef_.shape[1]), 0.0)
        coef[model.classes_] = model.coef_
        intercept = np.full(len(labels), -30.0)  # a class a fold never saw: never chosen
        intercept[model.classes_] = model.intercept_
        centred = coef - np.median(coef, axis=0, keepdims=True)
        weights: dict[str, list[tuple[int, float]]] = {}
        for j, name in enumerate(vec.get_feature_names_out()):
            column = centred[:, j]
            strong = np.nonzero(np.abs(column) >= args.prune)[0]
            if len(strong) > args.per_feature:
                strong = strong[np.argsort(-np.abs(column[strong]), kind="stable")[: args.per_feature]]
            chosen = [(int(k), float(column[k])) for k in sorted(strong)]
            if chosen:
                weights[str(name)] = chosen
        bias = [float(b) for b in intercept - intercept[model.classes_].mean()]
        return encode(classes=labels, bias=bias, rows=weights, scale=SCALE, meta=meta)

    meta: dict[str, Any] = {
        "format": 1,
        "trained_on": digest([*files, *corpus_files(args.calibration), *VOCABULARY]),
        "corpus_rows": len(rows),
        "settings": {
            "c": args.c,
            "prune": args.prune,
            "per_feature": args.per_feature,
            "min_count": args.min_count,
            "folds": args.folds,
        },
        "vocabulary": vocabulary,
    }

    # held-back predictions: every row predicted by a model that did not see it, through
    # the same code ptcpt.classify runs (pruned weights, phrase list, dates)
    held: list[Any] = [None] * len(rows)
    folds = StratifiedKFold(n_splits=max(args.folds, 2), shuffle=True, random_state=20261204)
    for number, (train, test) in enumerate(folds.split(np.zeros(len(rows)), y) if args.folds > 1 else (), 1):
        vec, model = fit([docs[i] for i in train], y[train])
        runtime = Classifier(model=decode(export(vec, model, meta)))
        for i in test:
            held[i] = runtime._explain(rows[i]["text"], today)
        print(f"  fold {number}/{args.folds} done", file=sys.stderr)

    # the calibration sets, written apart from the corpus, read by the final model
    vec, model = fit(docs, y)
    runtime = Classifier(model=decode(export(vec, model, meta)))
    calibration_rows = read_corpus(corpus_files(args.calibration), known, args.skip_unknown)
    calibration_held = [runtime._explain(row["text"], today) for row in calibration_rows]
    calibration = fit_calibration(rows + calibration_rows, held + calibration_held)
    meta["combine"] = attrs.asdict(calibration)
    if args.folds > 1:
        print("corpus, each row predicted by a model that did not see it:", file=sys.stderr)
        report(rows, held, calibration)
    if calibration_rows:
        print("calibration sets (the combination was fitted on them):", file=sys.stderr)
        report(calibration_rows, calibration_held, calibration)
    if args.check:
        return 0

    data = export(vec, model, meta)
    args.out.write_bytes(data)
    final = decode(data)
    print(
        f"wrote {args.out} ({len(data) / 1024:.0f} KiB): {len(labels)} classes, {len(final)} features, "
        f"in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
