"""Combining the phrase list and the learned model into one ranked answer.

The two parts check each other. The phrase list is precise where its authors' words
reach and silent elsewhere; the model has read far more ways of saying things but can
be swayed by a word that merely often appears beside a code. Each candidate code gets

    score(code) = a * log P_model(code) + b * log(1 + phrase evidence for code)
                  + c * [the code is the phrase list's best]

and "no PT code" competes as a candidate of its own:

    score(NONE) = a * log P_model(NONE) + d * log(1 + phrase evidence for abstaining)
                  + e * [the phrase list found too little to name a code]
                  + f * [the phrase list on its own would abstain] + g

The weights a-g are fitted by ``scripts/train_classifier.py`` on predictions for corpus
descriptions the model did not see in training (so the abstention threshold is
calibrated on held-back data), and shipped with the model. The answer is empty when
"no PT code" scores highest; otherwise codes rank by score, and a softmax over the
candidates gives each suggestion's ``score``.
"""

from __future__ import annotations

import math
from operator import itemgetter
from typing import TYPE_CHECKING

import attrs

from ptcpt.classifier._learned import NONE
from ptcpt.classifier._rank import MIN_EVIDENCE

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ptcpt.classifier._learned import LinearModel
    from ptcpt.classifier._lexicon import Scores

__all__ = ["MODEL_CANDIDATE", "Calibration", "Candidates", "candidates", "likely"]

#: The model's probability never counts below this (its log would run away).
FLOOR = 1e-4
#: Codes the model gives less than this are candidates only with phrase evidence.
MODEL_CANDIDATE = 0.01
_PHRASE_CANDIDATE = 0.05


@attrs.frozen
class Calibration:
    """The combination weights (a-g in the module docstring), fitted at training time."""

    model: float = 1.0
    lexicon: float = 1.0
    top: float = 0.0
    abstain: float = 1.0
    weak: float = 1.0
    refuses: float = 0.0
    none_bias: float = 0.0
    #: the weight of plugins' terms: not fitted (the corpus has none), set so that a
    #: practice's own vocabulary outweighs the bundled model where they disagree
    plugin: float = 2.0

    @classmethod
    def from_meta(cls, meta: Mapping[str, object]) -> Calibration:
        """The calibration a model file records (defaults when it records none)."""
        found = meta.get("combine")
        if not isinstance(found, dict):
            return cls()
        return cls(
            **{field.name: float(found[field.name]) for field in attrs.fields(cls) if field.name in found}
        )


class Candidates:
    """The codes in play for one description and what each part says about them.

    ``codes[i]`` has the model's log-probability ``model[i]``, the phrase list's
    ``log(1 + evidence)`` ``phrases[i]`` and ``top[i]`` (1.0 for the phrase list's best
    code); the "no PT code" side has the model's log-probability ``none_model``,
    ``log(1 + abstain evidence)`` ``none_phrases``, ``weak`` (1.0 when the phrase list
    found too little to name a code) and ``refuses`` (1.0 when the phrase list on its
    own would abstain).
    """

    __slots__ = (
        "codes",
        "leader",
        "model",
        "none_model",
        "none_phrases",
        "none_plugin",
        "phrases",
        "plugin",
        "refuses",
        "top",
        "weak",
    )

    def __init__(
        self,
        codes: tuple[str, ...],
        model: tuple[float, ...],
        phrases: tuple[float, ...],
        top: tuple[float, ...],
        none_model: float,
        none_phrases: float,
        weak: float,
        refuses: float,
        *,
        plugin: tuple[float, ...] | None = None,
        none_plugin: float = 0.0,
        leader: str = "",
    ) -> None:
        self.codes = codes
        self.model = model
        self.phrases = phrases
        self.top = top
        self.none_model = none_model
        self.none_phrases = none_phrases
        self.weak = weak
        self.refuses = refuses
        #: log(1 + evidence from plugins' terms), per code and for "no code"
        self.plugin = plugin
        self.none_plugin = none_plugin
        #: the named service the text gives the most minutes (ranks first)
        self.leader = leader

    def scored(self, cal: Calibration) -> tuple[list[tuple[str, float]], float]:
        """(code, score) pairs, best first (ties by code), and the score of "no code"."""
        a, b, c = cal.model, cal.lexicon, cal.top
        pairs = [
            (code, a * m + b * p + c * t)
            for code, m, p, t in zip(self.codes, self.model, self.phrases, self.top, strict=True)
        ]
        none = (
            a * self.none_model
            + cal.abstain * self.none_phrases
            + cal.weak * self.weak
            + cal.refuses * self.refuses
            + cal.none_bias
        )
        if self.plugin is not None:
            pairs = [
                (code, value + cal.plugin * p) for (code, value), p in zip(pairs, self.plugin, strict=True)
            ]
            none += cal.plugin * self.none_plugin
        if len(pairs) > 1:
            pairs.sort(key=itemgetter(1), reverse=True)  # codes are sorted: ties stay by code
            leader = self.leader
            if leader and pairs[0][0] != leader:
                # "TE 25 min, NMR 8 min": the minutes name the primary service
                for place, (code, value) in enumerate(pairs):
                    if code == leader:
                        pairs.insert(0, (code, max(value, pairs[0][1] + 1e-6)))
                        del pairs[place + 1]
                        break
        return pairs, none


def candidates(
    scores: Scores,
    probabilities: list[float],
    chances: list[int],
    model: LinearModel,
    moves: Mapping[str, tuple[str, ...]],
    decided: Mapping[str, str],
) -> Candidates:
    """Gather the candidates of both parts.

    ``probabilities`` are the model's, in the order of its classes, and ``chances`` the
    classes :func:`likely` picked. ``decided`` gives a family's chosen member the
    model's belief in its siblings (see :mod:`._families`); ``moves`` sends the model's
    codes that are not billable on the date of service to the codes billable instead
    (as :class:`ptcpt.classifier._rank.Dates` does for the phrase list).
    """
    classes = model.classes
    chance: dict[str, float] = {}
    for at in chances:
        code = classes[at]
        if code == NONE:
            continue
        code = decided.get(code, code)
        p = probabilities[at]
        targets = moves.get(code)
        if targets is None:
            chance[code] = chance.get(code, 0.0) + p
        elif targets:
            first = targets[0]
            chance[first] = chance.get(first, 0.0) + p
            for place, target in enumerate(targets[1:], 1):
                chance[target] = max(chance.get(target, 0.0), p * 0.97**place)
    raw = {code: value for code, value in scores.raw.items() if value > _PHRASE_CANDIDATE}
    best = max(raw.values(), default=0.0)
    leader = min((code for code, value in raw.items() if value == best), default="")
    codes = tuple(sorted(chance.keys() | raw.keys())) if raw else tuple(sorted(chance))
    log = math.log
    number = model.class_number
    model_part = tuple(
        log(max(chance.get(code) or (probabilities[number[code]] if code in number else 0.0), FLOOR))
        for code in codes
    )
    log1p = math.log1p
    phrase_part = tuple(log1p(raw.get(code, 0.0)) for code in codes)
    top = tuple(1.0 if code == leader else 0.0 for code in codes)
    at_none = number.get(NONE)
    none = probabilities[at_none] if at_none is not None else 0.0
    weak = best < MIN_EVIDENCE
    plugin = scores.plugin
    return Candidates(
        codes,
        model_part,
        phrase_part,
        top,
        log(max(none, FLOOR)),
        log1p(scores.abstain),
        1.0 if weak else 0.0,
        1.0 if weak or scores.abstain >= best else 0.0,
        plugin=tuple(log1p(plugin.get(code, 0.0)) for code in codes)
        if plugin or scores.plugin_abstain
        else None,
        none_plugin=log1p(scores.plugin_abstain),
        leader=scores.leader if scores.leader in raw else "",
    )


def likely(probabilities: list[float]) -> list[int]:
    """The class numbers the model gives at least :data:`MODEL_CANDIDATE`."""
    return [at for at, p in enumerate(probabilities) if p >= MODEL_CANDIDATE]
