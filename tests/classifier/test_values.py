"""The classifier's values: the fast constructor of Suggestion is its validated one."""

from __future__ import annotations

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

import ptcpt
from ptcpt.classifier import Suggestion, classify

CODES = st.deferred(lambda: st.sampled_from(list(ptcpt.catalog())))
SCORES = st.floats(min_value=0.0, max_value=1.0, exclude_min=True)
EVIDENCE = st.lists(st.text(min_size=1, max_size=12), max_size=4).map(tuple)


@given(CODES, SCORES, EVIDENCE)
def test_trusted_builds_the_suggestion_the_validators_build(
    code: ptcpt.Code, score: float, evidence: tuple[str, ...]
) -> None:
    fast = Suggestion._trusted(code, score, evidence)
    validated = Suggestion(code, score, evidence)
    assert fast == validated
    assert attrs.astuple(fast, recurse=False) == attrs.astuple(validated, recurse=False)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(
        [
            "therapeutic exercise for knee strength",
            "gait training on stairs",
            "manual therapy soft tissue mobilisation of the lumbar spine",
            "group exercise class 4 patients",
            "ultrasound to the shoulder",
            "mri of the knee",
        ]
    )
    | st.text(max_size=40)
)
def test_every_suggestion_the_classifier_makes_passes_the_validators(text: str) -> None:
    # The classifier builds its suggestions with the fast constructor: each must be one
    # the validators accept unchanged.
    for suggestion in classify(text):
        assert Suggestion(suggestion.code, suggestion.score, suggestion.evidence) == suggestion
