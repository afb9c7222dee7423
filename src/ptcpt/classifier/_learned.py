"""The classifier's learned part: a sparse linear model over the normalised words.

A phrase list knows only the phrasings its authors thought of. The model reads every
word and word pair of a description (after the same normalisation the phrase list
uses: shorthand, stems, typos) and weighs it for each code, so a description written
in words nobody listed still lands near the codes whose training descriptions used
them. It is trained offline by ``scripts/train_classifier.py`` on the labelled corpus
in ``training/corpus/`` and shipped as compact weights (``data/classifier_model.bin``):
no training library is needed at run time.

Features are deliberately simple, so a reader can see why a code scored:

- each canonical word of a clause (``gait``, ``fww``, ``#``), and each pair of
  neighbouring words in one clause (``hot pack``, ``# patient``);
- a word after a negation, or anywhere after a refusal in its clause, is marked with
  ``!`` (``!estim`` in "no e-stim today"), so "declined e-stim" is not e-stim;
- ``~no`` and ``~refuse`` themselves, once each.

The score of a code is the sum of its weights over the features present plus its
bias; a softmax turns the scores into probabilities over the codes and ``NONE``.
"""

from __future__ import annotations

import math
import struct
import sys
from array import array
from typing import TYPE_CHECKING

from ptcpt.classifier._text import BOUNDARY, NEGATION, REFUSAL
from ptcpt.errors import DataError

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = ["MODEL_FILE", "NONE", "LinearModel", "features", "load_model", "word_features"]

#: The bundled weights (see :func:`load_model`).
MODEL_FILE = "classifier_model.bin"
#: The label of descriptions that fit no physical-therapy code.
NONE = "NONE"
#: The marker a negated word carries in its feature name.
NEGATED = "!"

_MAGIC = b"PTCPTLM1"
_HEADER = struct.Struct("<8sIIIIdI")  # magic, classes, features, pairs, meta bytes, scale, blob bytes
_ROW_CACHE_LIMIT = 20_000


def features(canon: Sequence[str]) -> list[str]:
    """The feature names of one normalised description (its canonical tokens).

    Shared by training and run time, so both read a description the same way.
    """
    found: list[str] = []
    previous = ""
    negated = refused = False
    for token in canon:
        if token == BOUNDARY:
            previous = ""
            negated = refused = False
            continue
        if token == NEGATION:
            negated = True
            found.append(NEGATION)
            continue
        if token == REFUSAL:
            refused = True
            found.append(REFUSAL)
            continue
        if negated or refused:
            token = NEGATED + token
            negated = False
        found.append(token)
        if previous:
            found.append(previous + " " + token)
        previous = token
    return found


def word_features(canon: Sequence[str]) -> list[tuple[str, int]]:
    """The one-word features of :func:`features` with the token each came from (for
    showing evidence: neighbouring words are joined again when both weigh)."""
    found: list[tuple[str, int]] = []
    negated = refused = False
    for at, token in enumerate(canon):
        if token == BOUNDARY:
            negated = refused = False
        elif token == NEGATION:
            negated = True
        elif token == REFUSAL:
            refused = True
        else:
            if negated or refused:
                token = NEGATED + token
                negated = False
            found.append((token, at))
    return found


class LinearModel:
    """Sparse per-feature class weights and per-class biases, read-only after loading.

    ``classes`` are code strings plus :data:`NONE`. ``meta`` holds what the training
    script recorded: the corpus digest, the settings, and the calibration the
    classifier uses to combine the model with the phrase list.
    """

    __slots__ = (
        "_index",
        "_maps",
        "_offsets",
        "_pairs_class",
        "_pairs_weight",
        "_rows",
        "bias",
        "class_number",
        "classes",
        "meta",
        "scale",
        "vocabulary",
    )

    def __init__(
        self,
        *,
        classes: Sequence[str],
        bias: Sequence[float],
        names: Sequence[str],
        offsets: array[int],
        pair_classes: array[int],
        pair_weights: array[int],
        scale: float,
        meta: dict[str, object],
    ) -> None:
        if len(bias) != len(classes):
            raise DataError("bias and classes differ in length", file=MODEL_FILE)
        if len(offsets) != len(names) + 1 or len(pair_classes) != len(pair_weights):
            raise DataError("feature tables differ in length", file=MODEL_FILE)
        self.classes: tuple[str, ...] = tuple(classes)
        self.bias: tuple[float, ...] = tuple(float(b) for b in bias)
        #: class label -> its number (its place in :attr:`classes`)
        self.class_number = {label: number for number, label in enumerate(self.classes)}
        self._index = {name: number for number, name in enumerate(names)}
        self._offsets = offsets
        self._pairs_class = pair_classes
        self._pairs_weight = pair_weights
        self.scale = scale
        self.meta = meta
        self._rows: dict[str, tuple[tuple[int, float], ...]] = {}
        self._maps: dict[str, dict[int, float]] = {}
        #: the plain words the model knows (typo correction may aim at them)
        self.vocabulary: frozenset[str] = frozenset(
            name for name in names if " " not in name and name.isalpha()
        )

    def __len__(self) -> int:
        return len(self._index)

    def row(self, name: str) -> tuple[tuple[int, float], ...]:
        """(class number, weight) pairs of feature ``name``; empty when the model lacks it."""
        cached = self._rows.get(name)
        if cached is not None:
            return cached
        number = self._index.get(name)
        if number is None:
            made: tuple[tuple[int, float], ...] = ()
        else:
            start, end = self._offsets[number], self._offsets[number + 1]
            scale = self.scale
            made = tuple(
                (c, w * scale)
                for c, w in zip(self._pairs_class[start:end], self._pairs_weight[start:end], strict=True)
            )
        if len(self._rows) >= _ROW_CACHE_LIMIT:
            self._rows.clear()
        self._rows[name] = made
        return made

    def odds(self, names: Iterable[str]) -> tuple[list[float], float]:
        """Each class's unnormalised probability (in the order of :attr:`classes`) for a
        description with features ``names``, and their sum; each distinct feature counts
        once. The classifier divides only the few it needs."""
        total = list(self.bias)
        cached = self._rows.get
        row = self.row
        for name in set(names):
            pairs = cached(name)
            if pairs is None:
                pairs = row(name)
            for number, weight in pairs:
                total[number] += weight
        peak = max(total)
        if -700.0 < peak < 700.0:  # exp stays finite and the sum above 0: no shift needed
            scored = list(map(math.exp, total))
        else:
            exp = math.exp
            scored = [exp(value - peak) for value in total]
        return scored, sum(scored)

    def probabilities(self, names: Iterable[str]) -> list[float]:
        """The probability of each class (in the order of :attr:`classes`)."""
        scored, total = self.odds(names)
        return [value / total for value in scored]

    def weights(self, name: str) -> dict[int, float]:
        """:meth:`row` as a mapping, class number -> weight (for reading single weights)."""
        cached = self._maps.get(name)
        if cached is None:
            if len(self._maps) >= _ROW_CACHE_LIMIT:
                self._maps.clear()
            cached = self._maps[name] = dict(self.row(name))
        return cached

    def contributions(self, names: Iterable[str], label: str) -> dict[str, float]:
        """Feature -> weight for the features among ``names`` that raised ``label``'s
        score: the words behind the model's part of a suggestion."""
        target = self.class_number.get(label)
        found: dict[str, float] = {}
        if target is None:
            return found
        row = self.row
        for name in names:
            for number, weight in row(name):
                if number == target and weight > 0:
                    found[name] = weight
        return found


def encode(
    *,
    classes: Sequence[str],
    bias: Sequence[float],
    rows: dict[str, list[tuple[int, float]]],
    scale: float,
    meta: dict[str, object],
) -> bytes:
    """The bytes of a model file (used by the training script; see :func:`decode`)."""
    import json

    names = sorted(rows)
    offsets = array("I", [0])
    pair_classes = array("B")
    pair_weights = array("h")
    for name in names:
        for number, weight in sorted(rows[name]):
            quantised = round(weight / scale)
            if quantised == 0:
                continue
            if not -32768 <= quantised <= 32767:
                raise ValueError(f"weight {weight} of {name!r} does not fit the scale {scale}")
            pair_classes.append(number)
            pair_weights.append(quantised)
        offsets.append(len(pair_classes))
    if len(classes) > 255:
        raise ValueError("at most 255 classes fit the file format")
    blob = "\n".join(names).encode("utf-8")
    info = json.dumps({**meta, "classes": list(classes), "bias": [round(b, 6) for b in bias]}).encode()
    for table in (offsets, pair_weights):
        if sys.byteorder != "little":
            table.byteswap()
    header = _HEADER.pack(_MAGIC, len(classes), len(names), len(pair_classes), len(info), scale, len(blob))
    return b"".join((header, info, blob, offsets.tobytes(), pair_classes.tobytes(), pair_weights.tobytes()))


def decode(data: bytes, *, file: str = MODEL_FILE) -> LinearModel:
    """A :class:`LinearModel` from the bytes :func:`encode` wrote; DataError when damaged."""
    import json

    if len(data) < _HEADER.size:
        raise DataError("too short to be a ptcpt model file", file=file)
    magic, n_classes, n_names, n_pairs, n_info, scale, n_blob = _HEADER.unpack_from(data)
    if magic != _MAGIC:
        raise DataError("not a ptcpt model file (wrong magic bytes)", file=file)
    at = _HEADER.size
    need = at + n_info + n_blob + 4 * (n_names + 1) + n_pairs + 2 * n_pairs
    if len(data) != need:
        raise DataError(f"damaged model file: {len(data)} bytes where {need} were expected", file=file)
    try:
        info = json.loads(data[at : at + n_info])
        at += n_info
        names = data[at : at + n_blob].decode("utf-8").split("\n") if n_names else []
    except (ValueError, UnicodeDecodeError) as exc:
        raise DataError(f"damaged model file: {exc}", file=file) from None
    at += n_blob
    offsets = array("I")
    offsets.frombytes(data[at : at + 4 * (n_names + 1)])
    at += 4 * (n_names + 1)
    pair_classes = array("B")
    pair_classes.frombytes(data[at : at + n_pairs])
    at += n_pairs
    pair_weights = array("h")
    pair_weights.frombytes(data[at : at + 2 * n_pairs])
    if sys.byteorder != "little":
        offsets.byteswap()
        pair_weights.byteswap()
    classes = info.pop("classes", None)
    bias = info.pop("bias", None)
    if not isinstance(classes, list) or len(classes) != n_classes or not isinstance(bias, list):
        raise DataError("damaged model file: classes or biases missing", file=file)
    if len(names) != n_names or offsets[-1] != n_pairs or any(c >= n_classes for c in pair_classes):
        raise DataError("damaged model file: feature tables do not agree", file=file)
    return LinearModel(
        classes=classes,
        bias=bias,
        names=names,
        offsets=offsets,
        pair_classes=pair_classes,
        pair_weights=pair_weights,
        scale=scale,
        meta=info,
    )


def load_model(path: str | None = None) -> LinearModel:
    """The bundled model, or the one a training run wrote to ``path``."""
    if path is None:
        from ptcpt._datafiles import read_bundled_bytes

        return decode(read_bundled_bytes(MODEL_FILE))
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise DataError(f"cannot read the model file: {exc.strerror}", file=str(path)) from None
    return decode(data, file=str(path))
