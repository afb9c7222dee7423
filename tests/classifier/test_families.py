"""Code families: what each decision reads from a description, and plugin families."""

from __future__ import annotations

import datetime as dt

import pytest

from ptcpt.classifier import Classifier, Family, default_classifier
from ptcpt.classifier._families import FAMILIES, Reading, by_member, decisions
from ptcpt.errors import DataError

ON = dt.date(2026, 6, 1)


def reading(text: str, medicare: bool | None = None) -> Reading:
    classifier = default_classifier()
    tokens = classifier._norm.tokens(text)
    _found, concepts = classifier._phrases.match(tokens.canon)
    return Reading(concepts, tokens, medicare)


def decide(name: str, text: str, medicare: bool | None = None) -> str | None:
    family = next(f for f in FAMILIES if f.name == name)
    return family.decide(reading(text, medicare))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dry needling to the upper trapezius", "20560"),
        ("dry needling: upper trap, levator scapulae and rhomboids", "20561"),
        ("dry needling of 4 muscles", "20561"),
        ("dry needling today", None),
    ],
)
def test_dry_needling_is_decided_by_the_muscles_counted(text: str, expected: str | None) -> None:
    assert decide("dry needling by muscles", text) == expected


@pytest.mark.parametrize(
    ("medicare", "text", "expected"),
    [
        (True, "unattended e-stim with a hot pack", "G0283"),
        (False, "unattended e-stim with a hot pack", "97014"),
        (None, "unattended e-stim with a hot pack", "97014"),
        (None, "Medicare patient, IFC to low back", "G0283"),
        (True, "e-stim to the venous ulcer on the left leg", "G0281"),
    ],
)
def test_unattended_estim_follows_the_payer(medicare: bool | None, text: str, expected: str | None) -> None:
    assert decide("unattended e-stim by payer", text, medicare) == expected


def test_evaluation_level_needs_a_documented_component() -> None:
    assert decide("evaluation level", "PT evaluation, stable presentation, no comorbidities") == "97161"
    assert decide("evaluation level", "initial evaluation of the knee") is None


def test_negative_pressure_by_wound_area() -> None:
    assert decide("durable negative pressure by area", "wound vac to a 10 x 8 cm wound") == "97606"
    assert decide("durable negative pressure by area", "wound vac to a 3 x 4 cm wound") == "97605"
    assert decide("durable negative pressure by area", "wound vac dressing change") is None


def test_decisions_map_every_other_member_to_the_chosen_one() -> None:
    index = by_member(FAMILIES)
    found = decisions(index, ["20560"], reading("dry needling of 5 muscles"))
    assert found == {"20560": "20561"}
    assert decisions(index, ["97110"], reading("dry needling of 5 muscles")) == {}


def test_a_plugin_family_is_used_and_checked() -> None:
    mine = Family("laser by payer", ("0552T", "S8948"), lambda r: "S8948" if r.medicare is False else None)
    classifier = Classifier(families=[mine])
    found = classifier.classify("low level laser to the achilles", payer="commercial", on=ON)
    assert found and found[0].code.code == "S8948"
    with pytest.raises(DataError, match="99999"):
        Classifier(families=[Family("bad", ("97110", "99999"), lambda r: None)])
    with pytest.raises(TypeError, match="Family"):
        Classifier(families=["not a family"])  # type: ignore[list-item]


def test_a_family_needs_two_members() -> None:
    with pytest.raises(ValueError, match="two or more"):
        Family("lonely", ("97110",), lambda r: None)
