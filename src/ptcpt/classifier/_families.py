"""Code families and their decisions: which member of a family the description points to.

A :class:`Family` is codes that differ only by a fact the description states, and a
``decide`` function that reads it (evaluation level, e-stim by payer, dry needling by
muscles, taping by region, negative pressure by area, education by group size, remote
monitoring by device and minutes, orthotic and prosthetic encounters by initial or
follow-up). :data:`FAMILIES` is the built-in registry; plugins add their own through
:class:`ptcpt.classifier.Classifier`. :func:`decisions` applies the registry to the codes
in play. The phrase list's own family steps, and the readers the decisions share with
them, are in :mod:`._family_steps`; :func:`resolve` is re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import attrs

from ptcpt.classifier._family_steps import (
    EVAL_FAMILY,
    FAMILY_CODES,
    TAPING_CODES,
    documented_level,
    group_size,
    largest_before,
    muscle_count,
    payer_follows_medicare,
    resolve,
    rtm_supply,
    wound_area,
)
from ptcpt.classifier._match import Concepts
from ptcpt.classifier._text import Tokens

__all__ = ["FAMILIES", "FAMILY_CODES", "Family", "Reading", "by_member", "decisions", "resolve"]


class Reading:
    """What a family's decision reads: the concepts seen, the tokens, the payer (does it
    follow Medicare's coding? None: not known) and the phrase list's evidence per code
    after its own family steps."""

    __slots__ = ("concepts", "medicare", "phrases", "tokens")

    def __init__(
        self,
        concepts: Concepts,
        tokens: Tokens,
        medicare: bool | None,
        phrases: Mapping[str, float] | None = None,
    ) -> None:
        self.concepts = concepts
        self.tokens = tokens
        self.medicare = medicare
        self.phrases: Mapping[str, float] = {} if phrases is None else phrases


def _members(value: Iterable[str]) -> tuple[str, ...]:
    found = tuple(value)
    if len(found) < 2 or not all(isinstance(code, str) for code in found):
        raise ValueError(f"members: a family needs two or more code strings, got {found!r}")
    return found


@attrs.frozen
class Family:
    """Codes that differ only by a fact the description states, and how to read it.

    ``decide`` returns the member the description points to, or None when it does not
    say (then the evidence for each member decides). The classifier gives a decided
    member the model's belief in all its siblings. Plugins can pass their own families
    to :class:`ptcpt.classifier.Classifier` (``families=``).
    """

    name: str
    members: tuple[str, ...] = attrs.field(converter=_members)
    decide: Callable[[Reading], str | None]


def _decide_level(r: Reading) -> str | None:
    level = documented_level(r.concepts, r.tokens)
    return None if level is None else EVAL_FAMILY[level - 1]


def _decide_estim(r: Reading) -> str:
    """G0283 (G0281 beside a wound) for a payer that follows Medicare; 97014 for any
    other payer, and when the payer is not known (the code every payer recognises;
    G0283 stays close behind as the phrase list's second)."""
    medicare = payer_follows_medicare(r.concepts, r.medicare)
    wound = bool(r.concepts.get("wounds:words"))
    if medicare:
        return "G0281" if wound else "G0283"
    return "G0281" if wound and medicare is None else "97014"


def _decide_needling(r: Reading) -> str | None:
    count = muscle_count(r.concepts, r.tokens)
    return None if not count else "20561" if count >= 3 else "20560"


def _decide_area(small: str, large: str) -> Callable[[Reading], str | None]:
    def decide(r: Reading) -> str | None:
        area = wound_area(r.concepts, r.tokens)
        return None if area is None else large if area > 50 else small

    return decide


def _decide_education(r: Reading) -> str | None:
    size = group_size(r.concepts, r.tokens)
    return None if size is None else "98960" if size < 2 else "98961" if size <= 4 else "98962"


def _decide_taping(r: Reading) -> str | None:
    named = [code for code in TAPING_CODES if r.concepts.get(f"regions:{code}")]
    return named[0] if len(named) == 1 else None


def _decide_compression(r: Reading) -> str | None:
    if r.concepts.get("regions:arm"):
        return "29584"
    return (
        "29581" if any(r.concepts.get(f"regions:{c}") for c in ("29520", "29530", "29540", "29550")) else None
    )


#: Words that make a stated time the add-on's, not the whole service's.
_ADD_ON_WORDS = frozenset({"additional", "extra", "next", "beyond", "further", "remain", "another", "past"})


def _by_minutes(*bands: tuple[float, float, str]) -> Callable[[Reading], str | None]:
    """A decision by the largest number of minutes the text states: the code of the
    band ``(low, high, code)`` it falls in (low <= minutes < high); None when no
    minutes are stated or they fall in no band."""

    def decide(r: Reading) -> str | None:
        if not _ADD_ON_WORDS.isdisjoint(r.tokens.canon):
            return None  # "the additional 15 minutes": the add-on, however long
        minutes = largest_before(r.tokens, ("min",))
        if minutes:
            for low, high, code in bands:
                if low <= minutes < high:
                    return code
        return None

    return decide


_decide_management = _by_minutes((10, 20, "98979"), (20, 40, "98980"))


def _decide_encounter(r: Reading) -> str | None:
    """Initial or follow-up orthotic/prosthetic encounter, as the phrase list read it:
    follow-up words ("existing", "adjustment", "recheck") make it 97763, first-visit
    words ("new", "first fitting") take 97763 out of play."""
    raw = r.phrases
    follow_up = raw.get("97763", 0.0)
    initial = max(("97760", "97761"), key=lambda code: (raw.get(code, 0.0), code))
    if follow_up > 0 and follow_up >= raw.get(initial, 0.0):
        return "97763"
    return initial if raw.get(initial, 0.0) > 0 else None


#: The families the classifier knows without plugins.
FAMILIES: tuple[Family, ...] = (
    Family("evaluation level", EVAL_FAMILY, _decide_level),
    Family("unattended e-stim by payer", ("97014", "G0283", "G0281"), _decide_estim),
    Family("dry needling by muscles", ("20560", "20561"), _decide_needling),
    Family("orthotic or prosthetic encounter", ("97760", "97761", "97763"), _decide_encounter),
    Family("durable negative pressure by area", ("97605", "97606"), _decide_area("97605", "97606")),
    Family("disposable negative pressure by area", ("97607", "97608"), _decide_area("97607", "97608")),
    Family("self-management education by group size", ("98960", "98961", "98962"), _decide_education),
    Family("taping by region", TAPING_CODES, _decide_taping),
    Family("compression by limb", ("29581", "29584"), _decide_compression),
    Family(
        "RTM device supply", ("98977", "98985", "98976", "98984"), lambda r: rtm_supply(r.concepts, r.tokens)
    ),
    Family("RTM management by minutes", ("98979", "98980", "98981"), _decide_management),
    Family(
        "telephone assessment by minutes",
        ("98966", "98967", "98968"),
        _by_minutes((5, 11, "98966"), (11, 21, "98967"), (21, 240, "98968")),
    ),
    Family(
        "online digital assessment by minutes",
        ("98970", "98971", "98972"),
        _by_minutes((5, 11, "98970"), (11, 21, "98971"), (21, 600, "98972")),
    ),
    Family("cognitive intervention by minutes", ("97129", "97130"), _by_minutes((8, 23, "97129"))),
    Family("caregiver training by minutes", ("97550", "97551"), _by_minutes((16, 38, "97550"))),
)


def by_member(families: Iterable[Family]) -> dict[str, tuple[Family, ...]]:
    """Code -> the families it belongs to (looked up once per code in play)."""
    found: dict[str, list[Family]] = {}
    for family in families:
        for code in family.members:
            found.setdefault(code, []).append(family)
    return {code: tuple(found_for) for code, found_for in found.items()}


def decisions(
    index: Mapping[str, tuple[Family, ...]], in_play: Iterable[str], reading: Reading
) -> dict[str, str]:
    """Member -> the member its family's decision chose, for families with a member
    ``in_play`` whose decision the description settles (``index`` from :func:`by_member`)."""
    decided: dict[str, str] = {}
    asked: set[str] = set()
    for code in in_play:
        for family in index.get(code, ()):
            if family.name in asked:
                continue
            asked.add(family.name)
            chosen = family.decide(reading)
            if chosen is not None and chosen in family.members:
                for member in family.members:
                    if member != chosen:
                        decided[member] = chosen
    return decided
