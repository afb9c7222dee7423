"""The phrase list's family steps: settle a code family from what the description says.

Some codes differ only by a fact the description states: the evaluation level by the
history, exam and presentation described; unattended e-stim by the payer (G0283 for
Medicare-like payers, 97014 otherwise); dry needling by the number of muscles; taping
by body region; negative pressure by wound area; self-management education by group
size; remote monitoring by device, days and minutes. The phrase list names a family by
one representative code; :func:`resolve` picks the member and gives the others
decreasing shares. The readers of those facts (:func:`documented_level`,
:func:`muscle_count`, ...) are shared with the registry of decisions in
:mod:`._families`, which the learned model's candidates go through.
"""

from __future__ import annotations

import math

from ptcpt.classifier._lexicon import Scores, frames, minutes
from ptcpt.classifier._match import Concepts
from ptcpt.classifier._text import NUMBER, Tokens

__all__ = [
    "EVAL_FAMILY",
    "FAMILY_CODES",
    "RTM_CODES",
    "TAPING_CODES",
    "documented_level",
    "group_size",
    "largest_before",
    "muscle_count",
    "payer_follows_medicare",
    "resolve",
    "resolve_families",
    "rtm_supply",
    "wound_area",
]

#: The evaluation levels, low to high (a documented level n picks ``EVAL_FAMILY[n - 1]``).
EVAL_FAMILY = ("97161", "97162", "97163")
#: Strapping and taping codes, one per body region.
TAPING_CODES = ("29200", "29240", "29260", "29280", "29520", "29530", "29540", "29550")
#: Remote therapeutic monitoring: set-up, device supply, management.
RTM_CODES = ("98975", "98977", "98980")
#: The codes whose presence sets off a family step in :func:`resolve_families`.
FAMILY_CODES = frozenset(
    {
        "97763",
        "97550",
        *RTM_CODES,
        "97161",
        "97014",
        "G0283",
        "G0281",
        "0552T",
        "20560",
        "29530",
        "29581",
        "97605",
        "97607",
        "98960",
    }
)


def resolve(
    scores: Scores, features: Concepts, tokens: Tokens, medicare: bool | None, add_ons: dict[str, str]
) -> None:
    """Minutes, frames, families, then add-ons behind their primary code.

    ``medicare`` says whether the payer follows Medicare's coding (None: not known).
    """
    raw = scores.raw
    if len(raw) > 1 and "min" in tokens.canon:
        minutes(scores, tokens)
    # Every step below but the frames and the add-ons acts only when one of its
    # codes is in play, and none adds a code from nothing: most descriptions name
    # none of them, and one set test lets them skip the whole chain.
    if FAMILY_CODES.isdisjoint(raw):
        frames(scores)
    else:
        resolve_families(scores, features, tokens, medicare)
    if add_ons.keys().isdisjoint(raw):
        return
    for code in [c for c in raw if c in add_ons]:
        if raw[code] > 0:
            primary = add_ons[code]
            raw[primary] = max(raw.get(primary, 0.0), raw[code] * 0.8)
            scores.evidence.setdefault(primary, []).extend(scores.evidence.get(code, ()))


def resolve_families(scores: Scores, features: Concepts, tokens: Tokens, medicare: bool | None) -> None:
    """Resolve the code families the vocabulary names by one representative code."""
    raw = scores.raw
    if "97763" in raw:
        initial = max(raw.get("97760", 0.0), raw.get("97761", 0.0))
        if initial > 0:
            raw["97763"] += initial
            scores.peak["97763"] = max(scores.peak.get("97760", 0.0), scores.peak.get("97761", 0.0))
        else:
            del raw["97763"]
    if "97550" in raw:
        if not features.get("caregiver:absent"):
            raw["97550"] *= 0.4
            scores.peak["97550"] = 0.0
        else:  # training a caregiver while the patient is away is the service
            scores.peak["97550"] = max(scores.peak.get("97550", 0.0), 6.0)
    if ("98980" in raw or "98977" in raw or "98975" in raw) and features.get("rtm:setup"):
        rtm = sum(raw.pop(c, 0.0) for c in ("98977", "98980")) + raw.get("98975", 0.0)
        if rtm > 0 and ("98975" in raw or rtm >= 6):
            raw["98975"] = rtm + 1.0
            scores.peak["98975"] = 6.0
    if "98980" in raw or "98977" in raw:
        context = "98975" in raw or scores.peak.get("98980", 0.0) >= 6 or scores.peak.get("98977", 0.0) >= 6
        if not context:
            raw.pop("98980", None)
            raw.pop("98977", None)
    frames(scores)
    if "97161" in raw:
        _evaluation(scores, features, tokens)
    if "97014" in raw or "G0283" in raw or "G0281" in raw:
        _estim(scores, features, medicare)
    if "0552T" in raw:
        scores.set_family("0552T", ("0552T", "S8948"), raw["0552T"], spread=0.8)
    if any(code in raw for code in RTM_CODES):
        _remote_monitoring(scores, features, tokens)
    if "20560" in raw:
        _dry_needling(scores, features, tokens)
    if "29530" in raw:
        _taping(scores, features)
    if "29581" in raw and features.get("regions:arm"):
        scores.move("29581", "29584")
        raw.setdefault("29581", raw["29584"] * 0.5)
    if "97605" in raw or "97607" in raw:
        _negative_pressure(scores, features, tokens)
    if "98960" in raw:
        _education(scores, features, tokens)


def _remote_monitoring(scores: Scores, features: Concepts, tokens: Tokens) -> None:
    raw = scores.raw
    specific = [c for c in ("98977", "98980") if c in raw and scores.peak.get(c, 0.0) >= 6]
    if specific and scores.peak.get("98975", 0.0) < 6:
        target = max(specific, key=lambda c: (raw[c], c))
        scores.move("98975", target)
    if "98980" in raw:
        total = largest_before(tokens, ("min",))
        if 10 <= total < 20:
            scores.set_family("98979", ("98979", "98980"), raw.pop("98980"), spread=0.7)
            scores.evidence["98979"] = scores.evidence.get("98980", [])
        elif total >= 40:
            raw["98981"] = raw["98980"] * 0.6
    if "98977" in raw:
        chosen = rtm_supply(features, tokens) or "98977"
        if chosen != "98977":
            scores.move("98977", chosen)


def largest_before(tokens: Tokens, units: tuple[str, ...]) -> float:
    """The largest number written right before one of ``units`` (0: none)."""
    canon = tokens.canon
    return max(
        (
            tokens.value(i) or 0.0
            for i in range(len(canon) - 1)
            if canon[i] == NUMBER and canon[i + 1] in units
        ),
        default=0.0,
    )


def rtm_supply(features: Concepts, tokens: Tokens) -> str | None:
    """The device-supply code by device kind and days of data (None: not said)."""
    days = largest_before(tokens, ("day", "days"))
    short = 2 <= days <= 15
    if features.get("rtm:respiratory"):
        return "98984" if short else "98976"
    if features.get("rtm:cbt"):
        return None  # the CBT device supply (98978) is not a physical-therapy service
    if days:
        return "98985" if short else "98977"
    return None


def documented_level(features: Concepts, tokens: Tokens) -> int | None:
    """The evaluation level (1 low, 2 moderate, 3 high) the described components
    support, or None when the text describes none. Every component must support the
    level billed, so the lowest documented one wins."""
    levels: list[int] = []
    presentation = [
        level
        for level, name in (
            (1, "complexity:stable"),
            (2, "complexity:evolving"),
            (3, "complexity:unstable"),
        )
        if features.get(name)
    ]
    if presentation:
        levels.append(max(presentation))
    history: int | None = None
    if features.get("complexity:many_phrases"):
        history = 3
    elif features.get("complexity:few_phrases"):
        history = 2
        for start, _end in features["complexity:few_phrases"]:
            value = tokens.value(start)
            if value is not None and value >= 3:
                history = 3
            elif value is not None and value < 1:
                history = 1
    comorbid = {tuple(tokens.canon[s:e]) for s, e in features.get("complexity:comorbidities", ())}
    if comorbid:
        history = max(history or 0, 3 if len(comorbid) >= 3 else 2)
    elif history is None and features.get("complexity:none_phrases"):
        history = 1
    if history is not None:
        levels.append(history)
    counted = [tokens.value(s) or 0.0 for s, _e in features.get("complexity:systems_count", ())]
    if counted:
        levels.append(3 if max(counted) >= 4 else 2 if max(counted) >= 3 else 1)
    return min(levels) if levels else None


def _evaluation(scores: Scores, features: Concepts, tokens: Tokens) -> None:
    raw = scores.raw
    if raw.get("97164", 0.0) >= raw["97161"]:
        raw["97164"] += raw.pop("97161") * 0.5
        return
    level = documented_level(features, tokens)
    if level is None:
        systems = {tuple(tokens.canon[s:e]) for s, e in features.get("complexity:systems", ())}
        level = 3 if len(systems) >= 4 else 2 if len(systems) == 3 else 1
    chosen = EVAL_FAMILY[level - 1]
    total = raw.pop("97161")
    evidence = scores.evidence.pop("97161", [])
    scores.evidence[chosen] = evidence
    order = sorted(EVAL_FAMILY, key=lambda c: abs(EVAL_FAMILY.index(c) - (level - 1)))
    scores.set_family(chosen, order, total)


def payer_follows_medicare(features: Concepts, medicare: bool | None) -> bool | None:
    """The payer argument's answer, else a payer named in the text, else None."""
    if medicare is not None:
        return medicare
    if features.get("payers:medicare"):
        return True
    if features.get("payers:other"):
        return False
    return None


def _estim(scores: Scores, features: Concepts, medicare: bool | None) -> None:
    raw = scores.raw
    medicare = payer_follows_medicare(features, medicare)
    wound = bool(features.get("wounds:words")) or "G0281" in raw
    scores.move("G0283", "97014")
    scores.move("G0281", "97014")
    total = raw.get("97014", 0.0)
    if total <= 0:
        return
    attended = len(features.get("estim:attended", ())) > len(features.get("estim:unattended", ()))
    if attended and not wound:
        scores.move("97014", "97032")
        raw.setdefault("G0283" if medicare else "97014", raw["97032"] * 0.6)
        return
    if wound and medicare is not False:
        order: tuple[str, ...] = ("G0281", "97014", "G0283")
    elif medicare:
        order = ("G0283", "97014")
    else:
        order = ("97014", "G0283")
    scores.evidence[order[0]] = scores.evidence.pop("97014", [])
    del raw["97014"]
    scores.set_family(order[0], order, total, spread=0.7 if medicare is not None else 0.9)


def muscle_count(features: Concepts, tokens: Tokens) -> int:
    """How many muscles the text says were needled (0: it does not say)."""
    count = len({tuple(tokens.canon[s:e]) for s, e in features.get("muscles:names", ())})
    if count and any(tokens.canon[i] == "bilateral" for i in range(len(tokens.canon))):
        count *= 2
    for start, _end in features.get("muscles:count_phrases", ()):
        value = tokens.value(start)
        if value is not None:
            count = max(count, int(value))
    if features.get("muscles:many_phrases"):
        count = max(count, 3)
    return count


def _dry_needling(scores: Scores, features: Concepts, tokens: Tokens) -> None:
    chosen = "20561" if muscle_count(features, tokens) >= 3 else "20560"
    total = scores.raw.pop("20560")
    scores.evidence[chosen] = scores.evidence.pop("20560", [])
    scores.set_family(chosen, ("20560", "20561"), total, spread=0.7)


def _taping(scores: Scores, features: Concepts) -> None:
    anchors = [start for _w, start, _e in scores.evidence.get("29530", ())]
    distance: dict[str, int] = {}
    for code in TAPING_CODES:
        for start, _end in features.get(f"regions:{code}", ()):
            gap = min((abs(start - a) for a in anchors), default=0)
            if gap < distance.get(code, 1 << 30):
                distance[code] = gap
    ranked = sorted(distance, key=lambda c: (distance[c], c))
    order = [*ranked, *(c for c in ("29530", "29540", "29240") if c not in ranked)]
    total = scores.raw.pop("29530")
    scores.evidence[order[0]] = scores.evidence.pop("29530", [])
    scores.set_family(order[0], order, total)


def wound_area(features: Concepts, tokens: Tokens) -> float | None:
    """The largest wound area the text states, in square centimetres (None: none)."""
    area: float | None = None
    for start, end in features.get("wounds:area_phrases", ()):
        numbers = [v for v in map(tokens.value, range(start, end)) if v is not None]
        if numbers:
            area = max(area or 0.0, math.prod(numbers))
    return area


def _negative_pressure(scores: Scores, features: Concepts, tokens: Tokens) -> None:
    area = wound_area(features, tokens)
    for small, large in (("97605", "97606"), ("97607", "97608")):
        if small in scores.raw:
            chosen = large if area is not None and area > 50 else small
            total = scores.raw.pop(small)
            scores.evidence[chosen] = scores.evidence.pop(small, [])
            scores.set_family(chosen, (chosen, large if chosen == small else small), total)


def group_size(features: Concepts, tokens: Tokens) -> int | None:
    """How many patients the text says were taught together (None: it does not say)."""
    size: int | None = None
    if features.get("groups:words"):
        size = 2
    for start, end in features.get("groups:size_phrases", ()):
        numbers = [v for v in map(tokens.value, range(start, end)) if v is not None]
        if numbers:
            size = max(size or 0, int(numbers[0]))
    return size


def _education(scores: Scores, features: Concepts, tokens: Tokens) -> None:
    size = group_size(features, tokens) or 1
    chosen = "98960" if size < 2 else "98961" if size <= 4 else "98962"
    total = scores.raw.pop("98960")
    scores.evidence[chosen] = scores.evidence.pop("98960", [])
    scores.raw.pop("97150", None)
    scores.set_family(chosen, (chosen, "98961", "98960"), total)
