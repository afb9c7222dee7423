"""Combining the phrase list and the model: candidates, the calibrated scores, abstention."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ptcpt.classifier._combine import FLOOR, Calibration, Candidates, candidates
from ptcpt.classifier._learned import NONE, decode, encode
from ptcpt.classifier._lexicon import Scores

MODEL = decode(
    encode(classes=["97014", "97110", "G0283", NONE], bias=[0.0] * 4, rows={}, scale=0.01, meta={})
)


def phrase_scores(raw: dict[str, float], abstain: float = 0.0) -> Scores:
    scores = Scores()
    scores.raw.update(raw)
    scores.abstain = abstain
    return scores


def gather(probabilities: list[float], scores: Scores, **options: object) -> Candidates:
    chances = [at for at, p in enumerate(probabilities) if p >= 0.01]
    return candidates(
        scores,
        probabilities,
        sum(probabilities),
        chances,
        MODEL,
        options.get("moves", {}),  # type: ignore[arg-type]
        options.get("decided", {}),  # type: ignore[arg-type]
    )


def test_calibration_is_read_from_the_model_meta() -> None:
    meta = {
        "combine": {"model": 1.5, "lexicon": 0.5, "top": 0.5, "abstain": 0.25, "weak": 1.0, "none_bias": -1.0}
    }
    assert Calibration.from_meta(meta) == Calibration(
        model=1.5, lexicon=0.5, top=0.5, abstain=0.25, weak=1.0, none_bias=-1.0
    )
    assert Calibration.from_meta({}) == Calibration()


def test_candidates_join_both_parts() -> None:
    found = gather([0.6, 0.3, 0.0, 0.1], phrase_scores({"97110": 4.0}))
    assert found.codes == ("97014", "97110")
    model, phrases, top, _cover, named = zip(*found.rows, strict=True)
    assert model == pytest.approx((math.log(0.6), math.log(0.3)))
    assert phrases == pytest.approx((0.0, math.log1p(4.0)))
    assert top == (0.0, 1.0)
    assert named == (0.0, 0.0)
    none_model, _abstain, weak, refuses = found.none_row
    assert none_model == pytest.approx(math.log(0.1))
    assert (weak, refuses) == (0.0, 0.0)


def test_a_code_only_the_phrase_list_names_gets_the_floor_from_the_model() -> None:
    found = gather([0.0, 0.0, 0.0, 1.0], phrase_scores({"97035": 3.0}))
    assert found.codes == ("97035",)
    assert found.rows[0][0] == pytest.approx(math.log(FLOOR))
    assert found.none_row[2] == 0.0


def test_a_family_decision_moves_the_model_belief_to_the_chosen_member() -> None:
    found = gather([0.5, 0.0, 0.4, 0.1], phrase_scores({}), decided={"G0283": "97014"})
    assert found.codes == ("97014",)
    assert found.rows[0][0] == pytest.approx(math.log(0.9))
    assert found.none_row[2:] == (1.0, 1.0)


def test_a_code_not_billable_that_day_moves_to_its_replacement() -> None:
    found = gather([0.0, 0.9, 0.0, 0.1], phrase_scores({}), moves={"97110": ("97530",)})
    assert found.codes == ("97530",)


def test_calibration_vector_round_trips_in_the_fitted_order() -> None:
    cal = Calibration.from_vector(range(len(Calibration.FITTED)))
    assert cal.code_weights() == (0.0, 1.0, 2.0, 3.0, 4.0)
    assert cal.none_weights() == (0.0, 5.0, 6.0, 7.0)
    assert cal.none_bias == 8.0


def test_a_code_named_by_number_and_the_minutes_leader() -> None:
    rows = [(math.log(0.6), 0.0, 0.0, 0.0, 0.0), (math.log(0.3), 0.0, 0.0, 0.0, 1.0)]
    found = Candidates(("97110", "97150"), rows, (math.log(0.1), 0.0, 0.0, 0.0))
    assert found.scored(Calibration(named=2.0))[0][0][0] == "97150"
    assert found.scored(Calibration(named=0.0))[0][0][0] == "97110"
    led = Candidates(("97110", "97112"), rows, (math.log(0.1), 0.0, 0.0, 0.0), leader="97112")
    assert led.scored(Calibration(named=0.0))[0][0][0] == "97112"


def test_no_code_wins_when_its_side_scores_highest() -> None:
    found = Candidates(("97110",), [(math.log(0.2), 0.0, 0.0, 0.0, 0.0)], (math.log(0.8), 0.0, 1.0, 1.0))
    pairs, none = found.scored(Calibration())
    assert none > pairs[0][1]


@given(
    st.lists(st.floats(min_value=-9, max_value=0), min_size=1, max_size=6),
    st.floats(min_value=0, max_value=3),
    st.floats(min_value=0.1, max_value=3),
)
def test_scores_rank_best_first_and_grow_with_phrase_evidence(
    model: list[float], extra: float, b: float
) -> None:
    codes = tuple(f"9{i:04d}" for i in range(len(model)))
    none = (-5.0, 0.0, 0.0, 0.0)
    found = Candidates(codes, [(m, 0.0, 0.0, 0.0, 0.0) for m in model], none)
    cal = Calibration(lexicon=b)
    pairs, _none = found.scored(cal)
    assert [value for _code, value in pairs] == sorted((value for _code, value in pairs), reverse=True)
    rows = [(m, extra if i == 0 else 0.0, 0.0, 0.0, 0.0) for i, m in enumerate(model)]
    more = Candidates(codes, rows, none)
    before = dict(pairs)[codes[0]]
    after = dict(more.scored(cal)[0])[codes[0]]
    assert after >= before
