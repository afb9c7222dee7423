"""The last steps: dates and disciplines, abstention, ranking and the evidence shown.

A code not billable on the date of service passes its score to its replacement (97762
to 97763 from 2018) or, before it existed, to the code it replaced (97161 to 97001 in
2016); a code no physical therapist bills counts as evidence for abstaining. Then the
classifier abstains when the best evidence is weak or the evidence for "no PT code"
is at least as strong, and otherwise ranks by evidence (ties by code).
"""

from __future__ import annotations

import math
from operator import itemgetter
from typing import TYPE_CHECKING

from ptcpt.classifier._values import Suggestion, Suggestions

if TYPE_CHECKING:
    import datetime as dt

    from ptcpt._catalogs import Catalog
    from ptcpt._codes import Code
    from ptcpt.classifier._lexicon import Scores
    from ptcpt.classifier._text import Tokens

__all__ = ["CONFIDENT", "MIN_EVIDENCE", "NO_SUGGESTIONS", "Dates", "evidence_words", "rank"]

#: A suggestion scoring at least this much is one the classifier is confident about:
#: strong, specific evidence and little for any other code. A caller comparing a
#: billed code with the description (the rule engine's description-mismatch hint)
#: should only speak up when the top suggestion reaches it.
CONFIDENT = 0.6

#: The weakest evidence (summed weights) that may produce a suggestion at all: a single
#: hint-level word ("exercise", "heat") is not enough to name a code.
MIN_EVIDENCE = 2.4

#: The empty answer, shared: a Suggestions is an immutable tuple, so one will do.
NO_SUGGESTIONS = Suggestions()
_MAX_EVIDENCE = 5


class Dates:
    """Which codes a physical therapist may bill on a date, and where the others' scores go."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        predecessors: dict[str, list[str]] = {}
        for code in catalog:
            for successor in code.replaced_by:
                predecessors.setdefault(successor, []).append(code.code)
        self._predecessors = {k: tuple(v) for k, v in predecessors.items()}
        self._views: dict[dt.date, tuple[frozenset[str], dict[str, tuple[str, ...]]]] = {}

    def view(self, on: dt.date) -> tuple[frozenset[str], dict[str, tuple[str, ...]]]:
        """The codes billable by a PT ``on`` that day, and for every other code the
        billable codes its score moves to (best first)."""
        view = self._views.get(on)
        if view is None:
            catalog = self._catalog
            active = frozenset(c.code for c in catalog if c.is_active(on) and "PT" in c.disciplines)
            moves: dict[str, tuple[str, ...]] = {}
            for code in catalog:
                if code.code in active:
                    continue
                if code.deleted is not None and on >= code.deleted:
                    targets = tuple(c.code for c in catalog.replacements(code.code, on) if c.code in active)
                else:
                    targets = tuple(c for c in self._predecessors.get(code.code, ()) if c in active)
                moves[code.code] = targets
            if len(self._views) > 64:
                self._views.clear()
            view = (active, moves)
            self._views[on] = view
        return view

    def apply(self, scores: Scores, on: dt.date) -> dict[str, float]:
        """Move scores off codes not billable ``on``; codes no PT bills feed abstention.

        Returns the evidence per code as it was before anything moved (the same dict
        when nothing did)."""
        active, moves = self.view(on)
        raw = scores.raw
        leaving = [c for c in raw if c not in active]
        if not leaving:
            return raw
        before = dict(raw)
        for code in leaving:
            found = self._catalog.get(code)
            if found is not None and "PT" not in found.disciplines:
                scores.abstain += raw.pop(code)
                scores.evidence.pop(code, None)
                continue
            targets = moves.get(code, ())
            value = raw.pop(code)
            evidence = scores.evidence.pop(code, [])
            for place, target in enumerate(targets):
                raw[target] = max(raw.get(target, 0.0), value * (0.97**place))
                scores.evidence.setdefault(target, []).extend(evidence)
        return before


def rank(scores: Scores, tokens: Tokens, top: int, codes: dict[str, Code]) -> Suggestions:
    """Abstain or rank (see the module docstring)."""
    raw = {code: value for code, value in scores.raw.items() if value > 0.05}
    if not raw:
        return NO_SUGGESTIONS
    best = max(raw.values())
    if best < MIN_EVIDENCE or scores.abstain >= best:
        return NO_SUGGESTIONS
    # by score, high first, ties by code: two stable sorts, no key tuples
    ranked = sorted(raw.items())
    if len(ranked) > 1:
        ranked.sort(key=itemgetter(1), reverse=True)
    total = sum(raw.values())
    damp = best / (best + scores.abstain)
    evidence = scores.evidence
    suggestions: list[Suggestion] = []
    for code, value in ranked[:top]:
        confidence = 1.0 - math.exp(-value / 5.0)
        score = confidence * (0.4 + 0.6 * value / total) * damp
        suggestions.append(
            Suggestion._trusted(
                codes[code],
                min(1.0, max(score, 1e-6)),
                evidence_words(evidence.get(code, ()), tokens),
            )
        )
    return tuple.__new__(Suggestions, suggestions)  # no copy: the list is ours


def evidence_words(spans: list[tuple[float, int, int]] | tuple[()], tokens: Tokens) -> tuple[str, ...]:
    """The text's own words behind ``spans``, strongest first, at most five."""
    if len(spans) == 1:
        text = tokens.words(spans[0][1], spans[0][2])
        return (text,) if text else ()
    words: dict[str, None] = {}
    # strongest first, ties by position: two stable sorts, no key function calls
    ordered = sorted(spans, key=itemgetter(1))
    ordered.sort(key=itemgetter(0), reverse=True)
    for _weight, start, end in ordered:
        text = tokens.words(start, end)
        if text:
            words[text] = None
            if len(words) >= _MAX_EVIDENCE:
                break
    return tuple(words)
