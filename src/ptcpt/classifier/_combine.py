"""Combining the phrase list and the learned model into one ranked answer.

The two parts check each other. The phrase list is precise where its authors' words
reach and silent elsewhere; the model has read far more ways of saying things but can
be swayed by a word that merely often appears beside a code. Each candidate code gets

    score(code) = a * log P_model(code)
                + b * log(1 + the phrase list's evidence for the code)
                + c * [the code is the phrase list's best]
                + d * (share of the description's words the phrase list read as the code)
                + e * [the description names the code by number, "can I bill 97110 ...?"]
                + plugin * (weight of plugins' terms for the code)

and "no PT code" competes as a candidate of its own:

    score(NONE) = a * log P_model(NONE)
                + f * log(1 + the phrase list's evidence for abstaining)
                + g * [the phrase list found too little to name a code]
                + h * [the phrase list on its own would abstain]
                + i
                + plugin * (weight of plugins' abstain terms)

The weights a-i are fitted by ``scripts/train_classifier.py`` on predictions for corpus
descriptions the model did not see in training and on a calibration set written apart
from the corpus (so the abstention threshold is calibrated on held-back data), and
shipped with the model. ``plugin`` is not fitted: it is set so that a practice's own
vocabulary outweighs the bundled model where they disagree. The answer is empty when
"no PT code" scores highest; otherwise codes rank by score (the named service given the
most minutes first: "TE 25 min, NMR 8 min"), and a softmax over the candidates gives
each suggestion's ``score``.

The feature layout (:data:`CODE_FEATURES`, :data:`NONE_FEATURES`) and the weights'
order (:meth:`Calibration.code_weights`, :meth:`Calibration.none_weights`) are shared
with the training script, so what is fitted is exactly what runs.
"""

from __future__ import annotations

import math
from operator import itemgetter
from typing import TYPE_CHECKING

import attrs

from ptcpt.classifier._learned import NONE
from ptcpt.classifier._rank import MIN_EVIDENCE

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from ptcpt.classifier._learned import LinearModel
    from ptcpt.classifier._lexicon import Scores

__all__ = [
    "CODE_FEATURES",
    "MODEL_CANDIDATE",
    "NONE_FEATURES",
    "Calibration",
    "Candidates",
    "candidates",
    "likely",
]

#: The model's probability never counts below this (its log would run away).
FLOOR = 1e-4
#: Codes the model gives less than this are candidates only with phrase evidence.
MODEL_CANDIDATE = 0.01
_PHRASE_CANDIDATE = 0.05
#: What each candidate code is described by, in order (a-e in the module docstring).
CODE_FEATURES = ("model", "lexicon", "top", "cover", "named")
#: What "no PT code" is described by, in order (a, f-h; i is the bias).
NONE_FEATURES = ("model", "abstain", "weak", "refuses")


@attrs.frozen
class Calibration:
    """The combination weights (see the module docstring), fitted at training time."""

    model: float = 1.0
    lexicon: float = 1.0
    top: float = 0.0
    cover: float = 0.0
    named: float = 0.0
    abstain: float = 1.0
    weak: float = 1.0
    refuses: float = 0.0
    none_bias: float = 0.0
    #: what each unit of a plugin's term weight adds: not fitted (the corpus has none),
    #: set so that a practice's own vocabulary outweighs the bundled model where they
    #: disagree (a weight-5 term adds 7.5 to its code's score)
    plugin: float = 1.5

    #: The fitted weights, in the order :meth:`from_vector` reads them.
    FITTED = ("model", "lexicon", "top", "cover", "named", "abstain", "weak", "refuses", "none_bias")

    @classmethod
    def from_meta(cls, meta: Mapping[str, object]) -> Calibration:
        """The calibration a model file records (defaults when it records none)."""
        found = meta.get("combine")
        if not isinstance(found, dict):
            return cls()
        return cls(
            **{field.name: float(found[field.name]) for field in attrs.fields(cls) if field.name in found}
        )

    @classmethod
    def from_vector(cls, values: Sequence[float]) -> Calibration:
        """A calibration from the fitted weights in :data:`FITTED` order."""
        return cls(**dict(zip(cls.FITTED, (float(v) for v in values), strict=True)))

    def code_weights(self) -> tuple[float, ...]:
        """The weights of :data:`CODE_FEATURES`, in order."""
        return tuple(getattr(self, name) for name in CODE_FEATURES)

    def none_weights(self) -> tuple[float, ...]:
        """The weights of :data:`NONE_FEATURES`, in order (the bias is ``none_bias``)."""
        return tuple(getattr(self, name) for name in NONE_FEATURES)


class Candidates:
    """The codes in play for one description and what each part says about them.

    ``rows[i]`` describes ``codes[i]`` by :data:`CODE_FEATURES`; ``none_row`` describes
    "no PT code" by :data:`NONE_FEATURES`. ``plugin`` (per code) and ``none_plugin``
    hold the weight of plugins' terms; ``leader`` is the named service the text gives
    the most minutes ("" when there is none).
    """

    __slots__ = ("codes", "leader", "none_plugin", "none_row", "plugin", "rows")

    def __init__(
        self,
        codes: tuple[str, ...],
        rows: list[tuple[float, float, float, float, float]],
        none_row: tuple[float, float, float, float],
        *,
        plugin: tuple[float, ...] | None = None,
        none_plugin: float = 0.0,
        leader: str = "",
    ) -> None:
        self.codes = codes
        self.rows = rows
        self.none_row = none_row
        self.plugin = plugin
        self.none_plugin = none_plugin
        self.leader = leader

    def scored(self, cal: Calibration) -> tuple[list[tuple[str, float]], float]:
        """(code, score) pairs, best first (ties by code), and the score of "no code"."""
        a, b, c, d, e = cal.model, cal.lexicon, cal.top, cal.cover, cal.named
        pairs = [
            (code, a * m + b * p + c * t + d * v + e * n)
            for code, (m, p, t, v, n) in zip(self.codes, self.rows, strict=True)
        ]
        m, f, g, h = self.none_row
        none = a * m + cal.abstain * f + cal.weak * g + cal.refuses * h + cal.none_bias
        if self.plugin is not None:
            weight = cal.plugin
            pairs = [(code, value + weight * p) for (code, value), p in zip(pairs, self.plugin, strict=True)]
            none += weight * self.none_plugin
        if len(pairs) > 1:
            pairs.sort(key=itemgetter(1), reverse=True)  # codes are sorted: ties stay by code
            leader = self.leader
            if leader and pairs[0][0] != leader:
                # "TE 25 min, NMR 8 min": the minutes name the primary service
                for place, (code, value) in enumerate(pairs):
                    if code == leader:
                        del pairs[place]
                        pairs.insert(0, (code, max(value, pairs[0][1] + 1e-6)))
                        break
        return pairs, none


def candidates(
    scores: Scores,
    odds: list[float],
    total: float,
    chances: list[int],
    model: LinearModel,
    moves: Mapping[str, tuple[str, ...]],
    decided: Mapping[str, str],
    size: int = 0,
    named: frozenset[str] = frozenset(),
) -> Candidates:
    """Gather the candidates of both parts.

    ``odds`` are the model's unnormalised probabilities (in the order of its classes)
    and ``total`` their sum; ``chances`` are the classes :func:`likely` picked.
    ``decided`` gives a family's chosen member the model's belief in its siblings (see
    :mod:`._families`); ``moves`` sends the model's codes that are not billable on the
    date of service to the codes billable instead (as :class:`._rank.Dates` does for
    the phrase list). ``size`` is the number of words (canonical tokens) of the
    description, ``named`` the codes it names by number (those billable on the day).
    """
    classes = model.classes
    share = 1.0 / total
    if decided and moves and not moves.keys().isdisjoint((*decided, *decided.values())):
        # decisions name today's codes; on another date they name that day's instead
        decided = {
            (moves.get(member) or (member,))[0]: (moves.get(chosen) or (chosen,))[0]
            for member, chosen in decided.items()
        }
    chance: dict[str, float] = {}
    for at in chances:
        code = classes[at]
        if code == NONE:
            continue
        p = odds[at] * share
        targets = moves.get(code)
        if targets is None:
            code = decided.get(code, code)
            targets = moves.get(code)
        if targets is None:
            chance[code] = chance.get(code, 0.0) + p
        elif targets:
            first = targets[0]
            chance[first] = chance.get(first, 0.0) + p
            for place, target in enumerate(targets[1:], 1):
                chance[target] = max(chance.get(target, 0.0), p * 0.97**place)
    raw = {code: value for code, value in scores.raw.items() if value > _PHRASE_CANDIDATE}
    if decided and not decided.keys().isdisjoint(raw):
        # a settled family speaks with one voice: its chosen member takes the evidence,
        # the others keep half of theirs as alternatives
        for member in [code for code in raw if code in decided]:
            chosen = decided[member]
            raw[chosen] = max(raw.get(chosen, 0.0), raw[member])
            raw[member] *= 0.5
    best = max(raw.values()) if raw else 0.0
    leader = min([code for code, value in raw.items() if value == best]) if raw else ""
    codes = tuple(sorted(chance.keys() | raw.keys() | named)) if raw or named else tuple(sorted(chance))
    log = math.log
    log1p = math.log1p
    number = model.class_number
    evidence = scores.evidence
    rows = []
    for code in codes:
        belief = chance.get(code)
        if belief is None:
            found = number.get(code)
            belief = 0.0 if found is None else odds[found] * share
        phrase = raw.get(code)
        rows.append(
            (
                log(belief if belief > FLOOR else FLOOR),
                0.0 if phrase is None else log1p(phrase),
                1.0 if code == leader else 0.0,
                _cover(evidence.get(code), size) if phrase is not None and size else 0.0,
                1.0 if code in named else 0.0,
            )
        )
    at_none = number.get(NONE)
    none = odds[at_none] * share if at_none is not None else 0.0
    weak = best < MIN_EVIDENCE
    plugin = scores.plugin
    return Candidates(
        codes,
        rows,
        (
            log(none if none > FLOOR else FLOOR),
            log1p(scores.abstain),
            1.0 if weak else 0.0,
            1.0 if weak or scores.abstain >= best else 0.0,
        ),
        plugin=tuple([plugin.get(code, 0.0) for code in codes]) if plugin or scores.plugin_abstain else None,
        none_plugin=scores.plugin_abstain,
        leader=scores.leader if scores.leader in raw else "",
    )


def _cover(spans: list[tuple[float, int, int]] | None, size: int) -> float:
    """The share of ``size`` words inside ``spans``."""
    if not spans:
        return 0.0
    if len(spans) == 1:
        return min(1.0, (spans[0][2] - spans[0][1]) / size)
    covered: set[int] = set()
    for _weight, start, end in spans:
        covered.update(range(start, end))
    return min(1.0, len(covered) / size)


def likely(odds: list[float], total: float) -> list[int]:
    """The class numbers the model gives at least :data:`MODEL_CANDIDATE`."""
    limit = MODEL_CANDIDATE * total
    return [at for at, p in enumerate(odds) if p >= limit]
