"""Weighing the phrase list's evidence: what the matched phrases say per code.

Each code's strongest phrase counts fully and every further distinct phrase half;
``against`` phrases subtract; ``abstain`` phrases add up the same way on the "no PT
code" side. A phrase right after "before"/"prior to" counts half ("heat before
stretching" is a stretching session). A number of people makes a group ("three knee
patients"); minutes written after a named service decide which service is primary;
and a session's kind (a group, an evaluation, work conditioning, ...) outranks the
activities listed inside it (:data:`FRAMES`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ptcpt.classifier._match import ABSTAIN, AGAINST, CUE, Found
from ptcpt.classifier._text import BOUNDARY, NUMBER, Tokens

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["FRAMES", "Scores", "frames", "group", "minutes", "weigh"]

#: A phrase right after one of these is a lead-in to the main service ("heat before
#: stretching"): it counts half.
_SECONDARY = frozenset({"before", "prior", "prep", "preparation", "precede"})
#: Codes that name the kind of session rather than one activity in it ("frames"), in
#: priority order. When one of them is named by a strong phrase (weight 6 or more), the
#: activities listed with it (lifting in a work-conditioning program, walking in the
#: pool, exercises in a group class, what was examined at an evaluation) describe that
#: session and do not outrank it.
FRAMES = (
    "97150",
    "97552",
    "97164",
    "97161",
    "97546",
    "97545",
    "97755",
    "97750",
    "98960",
    "97550",
    "97113",
    "97763",
    "97761",
    "97760",
    "95992",
    "98975",
    "98977",
    "98980",
)
_FRAME_PEAK = 6.0
_FRAME_RANK = {code: rank for rank, code in enumerate(FRAMES)}
_GROUP_RAW_WORDS = frozenset(
    {
        "patients",
        "children",
        "kids",
        "people",
        "participants",
        "members",
        "adults",
        "students",
        "athletes",
        "residents",
        "clients",
        "seniors",
        "individuals",
        "persons",
    }
)


class Scores:
    """Mutable per-call scratch: evidence weight, strongest phrase and spans per code."""

    __slots__ = ("abstain", "against", "evidence", "leader", "peak", "plugin", "plugin_abstain", "raw")

    def __init__(self) -> None:
        self.raw: dict[str, float] = {}
        self.evidence: dict[str, list[tuple[float, int, int]]] = {}
        self.peak: dict[str, float] = {}
        self.against: dict[str, float] = {}
        self.abstain = 0.0
        #: cue and abstain weight from plugins' terms (they speak with more authority)
        self.plugin: dict[str, float] = {}
        self.plugin_abstain = 0.0
        #: the named service given the most minutes, when two or more have minutes
        self.leader = ""

    def move(self, source: str, target: str, factor: float = 1.0) -> None:
        """Give ``target`` the score and evidence of ``source`` (which loses them)."""
        value = self.raw.pop(source, 0.0)
        if value <= 0:
            return
        self.raw[target] = self.raw.get(target, 0.0) + value * factor
        self.evidence.setdefault(target, []).extend(self.evidence.pop(source, ()))

    def set_family(self, chosen: str, others: Iterable[str], total: float, spread: float = 0.55) -> None:
        """Put ``total`` on ``chosen`` and decreasing shares on the other family members."""
        self.raw[chosen] = total
        share = total * spread
        for other in others:
            if other != chosen:
                self.raw[other] = max(self.raw.get(other, 0.0), share)
                self.evidence.setdefault(other, list(self.evidence.get(chosen, ())))
                share *= 0.8


def weigh(found: Found, canon: list[str], facts: list[tuple[int, str, float, bool]]) -> Scores:
    """Add up the fired terms per code (see the module docstring)."""
    scores = Scores()
    best: dict[str, float] = {}
    total: dict[str, float] = {}
    seen: set[int] = set()
    against = scores.against
    evidence = scores.evidence
    abstain_best = 0.0
    abstain_total = 0.0
    lead_ins = not _SECONDARY.isdisjoint(canon)
    for start, end, tids in found:
        lead_in = lead_ins and start > 0 and canon[start - 1] in _SECONDARY
        for tid in tids:
            if tid in seen:
                continue
            seen.add(tid)
            kind, code, weight, plugin = facts[tid]
            if lead_in:
                weight *= 0.5
            if plugin:
                if kind == CUE:
                    scores.plugin[code] = scores.plugin.get(code, 0.0) + weight
                elif kind == ABSTAIN:
                    scores.plugin_abstain += weight
            if kind == CUE:
                # ``evidence`` is fresh: a code has spans there once it has a total
                spans_of = evidence.get(code)
                if spans_of is None:
                    evidence[code] = [(weight, start, end)]
                    total[code] = weight
                    best[code] = weight
                else:
                    spans_of.append((weight, start, end))
                    total[code] += weight
                    if weight > best[code]:
                        best[code] = weight
            elif kind == ABSTAIN:
                abstain_total += weight
                abstain_best = max(abstain_best, weight)
            elif kind == AGAINST:
                against[code] = against.get(code, 0.0) + weight
    for code, value in total.items():
        top = best[code]
        raw = top + 0.5 * (value - top) - against.get(code, 0.0)
        if raw > 0:
            scores.raw[code] = raw
            scores.peak[code] = top
    scores.abstain = abstain_best + 0.5 * (abstain_total - abstain_best)
    return scores


def group(scores: Scores, tokens: Tokens) -> None:
    """ "Three knee patients ... together": a number of people makes a group."""
    canon = tokens.canon
    if NUMBER not in canon or _GROUP_RAW_WORDS.isdisjoint(tokens.raw):
        return
    for i in [i for i, token in enumerate(canon) if token == NUMBER]:
        if (tokens.value(i) or 0) < 2:
            continue
        end = min(len(canon), i + 5)
        for j in range(i + 1, end):
            if canon[j] == BOUNDARY:
                break
            if tokens.raw[tokens.source[j]] in _GROUP_RAW_WORDS:
                if scores.against.get("97150", 0.0) > 0:
                    return  # "one-on-one" said outright outweighs the count
                scores.raw["97150"] = scores.raw.get("97150", 0.0) + 9.0
                scores.evidence.setdefault("97150", []).append((9.0, i, j + 1))
                scores.peak["97150"] = 9.0
                return


def minutes(scores: Scores, tokens: Tokens) -> None:
    """ "TE 25 min, NMR 8 min": the service given more time is the main one."""
    canon = tokens.canon
    size = len(canon)
    timed: dict[str, float] = {}
    for code, spans in scores.evidence.items():
        if code not in scores.raw:
            continue
        most = 0.0
        for _weight, _start, end in spans:
            at = end + 1 if end < size and canon[end] == "x" else end
            if at + 1 < size and canon[at] == NUMBER and canon[at + 1] == "min":
                value = tokens.value(at) or 0.0
                if value <= 120:
                    most = max(most, value)
        if most:
            # named services with their minutes: the minutes decide which is primary
            named = scores.peak.get(code, 0.0) >= 10
            factor = 1.0 if named else 1.0 / 15.0
            scores.raw[code] += min(most, 60.0) * factor
            if named:
                timed[code] = most
    if len(timed) >= 2:
        ranked = sorted(timed.values(), reverse=True)
        if ranked[0] > ranked[1]:
            scores.leader = max(timed, key=timed.__getitem__)


def frames(scores: Scores) -> None:
    """The session's kind outranks the activities listed in it (see :data:`FRAMES`)."""
    raw = scores.raw
    if _FRAME_RANK.keys().isdisjoint(raw):
        return
    present = [code for code in raw if code in _FRAME_RANK]
    present.sort(key=_FRAME_RANK.__getitem__)
    labelled = max(scores.peak.values(), default=0.0) >= 10
    for code in present:
        peak = scores.peak.get(code, 0.0)
        if raw[code] > 0 and peak >= _FRAME_PEAK:
            if labelled and peak < 9:
                continue  # the therapist named the service ("gait training"): it stands
            others = max((v for c, v in raw.items() if c != code), default=0.0)
            if raw[code] <= others:
                raw[code] = others + 1.0
            return
