"""The learned model: its features, its file format and the bundled weights."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ptcpt.classifier import default_classifier
from ptcpt.classifier._learned import (
    MODEL_FILE,
    NONE,
    LinearModel,
    decode,
    encode,
    features,
    load_model,
    word_features,
)
from ptcpt.classifier._text import BOUNDARY, NEGATION, REFUSAL
from ptcpt.errors import DataError


def small_model(**meta: object) -> LinearModel:
    rows = {
        "gait": [(1, 2.0)],
        "hot pack": [(0, 1.5), (2, -0.5)],
        "!estim": [(2, -1.0)],
        "walker": [(1, 0.75)],
    }
    return decode(
        encode(classes=["97010", "97116", NONE], bias=[0.0, 0.1, -0.2], rows=rows, scale=1 / 4096, meta=meta)
    )


# -- features --------------------------------------------------------------------------------
def test_features_are_words_and_neighbouring_pairs_within_a_clause() -> None:
    assert features(["gait", "train", BOUNDARY, "fww"]) == ["gait", "train", "gait train", "fww"]


def test_a_negation_marks_only_the_next_word() -> None:
    assert features([NEGATION, "estim", "today"]) == [NEGATION, "!estim", "today", "!estim today"]


def test_a_refusal_marks_every_word_to_the_end_of_its_clause() -> None:
    found = features([REFUSAL, "estim", "exercise", BOUNDARY, "gait"])
    assert found == [REFUSAL, "!estim", "!exercise", "!estim !exercise", "gait"]


@given(st.lists(st.sampled_from(["gait", "pack", "#", BOUNDARY, NEGATION, REFUSAL, "x"]), max_size=30))
def test_word_features_are_the_one_word_features_with_their_place(canon: list[str]) -> None:
    found = word_features(canon)
    expected = [name for name in features(canon) if " " not in name and name not in (NEGATION, REFUSAL)]
    assert [name for name, _at in found] == expected
    for name, at in found:
        assert canon[at] == name.lstrip("!")


# -- the file format -------------------------------------------------------------------------
def test_round_trip_keeps_classes_biases_weights_and_meta() -> None:
    model = small_model(trained_on="abc", vocabulary=["walker"])
    assert model.classes == ("97010", "97116", NONE)
    assert model.bias == pytest.approx((0.0, 0.1, -0.2))
    assert model.row("gait") == ((1, 2.0),)
    assert model.row("hot pack") == ((0, 1.5), (2, -0.5))
    assert model.row("unseen") == ()
    assert model.meta == {"trained_on": "abc", "vocabulary": ["walker"]}
    assert len(model) == 4
    assert model.vocabulary == frozenset({"gait", "walker"})


def test_probabilities_are_a_softmax_over_every_class() -> None:
    model = small_model()
    found = model.probabilities(["gait", "walker", "gait"])  # a repeated feature counts once
    logits = [0.0, 0.1 + 2.0 + 0.75, -0.2]
    z = sum(math.exp(v) for v in logits)
    assert found == pytest.approx([math.exp(v) / z for v in logits])
    assert sum(found) == pytest.approx(1.0)


def test_contributions_name_the_features_that_raised_a_class() -> None:
    model = small_model()
    assert model.contributions(["gait", "walker", "hot pack"], "97116") == {"gait": 2.0, "walker": 0.75}
    assert model.contributions(["gait"], "99999") == {}


def test_encoding_is_deterministic() -> None:
    args = {"classes": ["A", NONE], "bias": [0.0, 0.0], "rows": {"b": [(0, 1.0)], "a": [(1, 0.5)]}}
    assert encode(**args, scale=0.001, meta={}) == encode(**args, scale=0.001, meta={})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda data: data[:10], "too short"),
        (lambda data: b"NOTAMODL" + data[8:], "wrong magic"),
        (lambda data: data + b"x", "damaged model file"),
        (lambda data: data[:-1], "damaged model file"),
    ],
)
def test_a_damaged_file_is_a_data_error(damage, message: str) -> None:  # type: ignore[no-untyped-def]
    data = encode(classes=["A", NONE], bias=[0.0, 0.0], rows={"a": [(0, 1.0)]}, scale=0.001, meta={})
    with pytest.raises(DataError, match=message):
        decode(damage(data))


def test_a_missing_model_file_names_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DataError, match="cannot read the model file"):
        load_model(str(tmp_path / "absent.bin"))


def test_a_model_written_to_disk_loads(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "mine.bin"
    path.write_bytes(encode(classes=["97110", NONE], bias=[0.0, 0.0], rows={}, scale=0.01, meta={}))
    assert load_model(str(path)).classes == ("97110", NONE)


# -- the bundled model -----------------------------------------------------------------------
def test_the_bundled_model_predicts_catalog_codes_and_none() -> None:
    model = load_model()
    assert NONE in model.classes
    classifier = default_classifier()
    assert all(code == NONE or code in classifier._codes for code in model.classes)
    assert MODEL_FILE.endswith(".bin")


def test_the_bundled_model_records_its_corpus_and_calibration() -> None:
    meta = load_model().meta
    assert isinstance(meta["trained_on"], str) and len(meta["trained_on"]) == 64
    assert isinstance(meta["combine"], dict)
    assert set(meta["combine"]) >= {"model", "lexicon", "top", "abstain", "weak", "refuses", "none_bias"}
    assert isinstance(meta["vocabulary"], list)


@given(
    st.lists(st.floats(min_value=-7.9, max_value=7.9), min_size=3, max_size=3),
    st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=8),
    st.floats(min_value=-1000, max_value=1000),
)
def test_probabilities_are_a_stable_softmax_whatever_the_scale(
    weights: list[float], names: list[str], shift: float
) -> None:
    rows = {name: [(k, w) for k, w in enumerate(weights)] for name in "abc"}
    model = decode(
        encode(classes=["X", "Y", NONE], bias=[shift, shift, shift], rows=rows, scale=1 / 4096, meta={})
    )
    logits = [shift + sum(w for name in set(names) for k, w in model.row(name) if k == j) for j in range(3)]
    peak = max(logits)
    expected = [math.exp(v - peak) for v in logits]
    found = model.probabilities(names)
    assert found == pytest.approx([e / sum(expected) for e in expected], rel=1e-9, abs=1e-12)
    assert all(math.isfinite(p) for p in found)
