"""Finding the vocabulary's phrases in a normalised description.

The phrase list (``data/terms.toml`` plus plugins' terms) and the concept lists the
families read (body regions, muscles, payers, complexity, group words, ...) are
compiled once into an index keyed by a phrase's first word. Matching a description
then costs one set test per word plus a look at the few phrases that may start there.

Rules of a match: words adjacent and in order within one clause; the longest phrase at
a position wins and phrases inside an earlier, longer match are dropped ("manual
traction" silences "traction"); a phrase right after a negation, or anywhere after a
refusal in its clause, does not fire; a later word of a multi-word phrase may carry one
typo ("hot pak").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ptcpt.classifier._text import BOUNDARY, NEGATION, NUMBER, REFUSAL, Normaliser
from ptcpt.classifier._values import Term, TermKind
from ptcpt.errors import DataError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

__all__ = ["ABSTAIN", "AGAINST", "CUE", "Concepts", "Found", "PhraseIndex", "one_edit"]

CUE, AGAINST, ABSTAIN, NEUTRAL = 0, 1, 2, 3
_KIND_NUMBER = {
    TermKind.CUE: CUE,
    TermKind.AGAINST: AGAINST,
    TermKind.ABSTAIN: ABSTAIN,
    TermKind.NEUTRAL: NEUTRAL,
}
_SPECIAL = frozenset({NUMBER, BOUNDARY, NEGATION, REFUSAL})
#: A phrase made only of these would fire on any number or negation: not allowed.
_BARE = frozenset({NUMBER, BOUNDARY, NEGATION})

#: Where a concept was seen: (start, end) token spans per concept name
#: ("regions:29530", "payers:medicare", "complexity:comorbidities", ...).
Concepts = dict[str, list[tuple[int, int]]]
#: A matched phrase: (start, end, the ids of the terms it fires).
Found = list[tuple[int, int, tuple[int, ...]]]

# A phrase entry: canonical tokens (as a list, for fast slice comparison), its length,
# the term ids it fires and the concept names it signals.
_Entry = tuple[list[str], int, tuple[int, ...], tuple[str, ...]]
# How a candidate phrase is confirmed against the text (see ``PhraseIndex._plan``).
_ACCEPT, _EXACT_OR_NEAR, _TAIL = 0, 1, 2
# A plan: the candidate phrases at one position, in the order they are tried, each as
# (check, canonical tokens, length, term ids, concept names).
_Plan = tuple[tuple[int, list[str], int, tuple[int, ...], tuple[str, ...]], ...]


class PhraseIndex:
    """The compiled phrase list and concept lists, and the matcher over them.

    ``facts[term id]`` is (kind number, code or "", weight, from a plugin), one list
    look-up per fired term. The index teaches ``norm`` its words, so typos are corrected
    towards them.
    """

    def __init__(
        self, norm: Normaliser, terms: Sequence[Term], concepts: Mapping[str, Sequence[str]]
    ) -> None:
        self._norm = norm
        self.facts = [
            (_KIND_NUMBER[t.kind], t.code or "", float(t.weight), t.source != "ptcpt") for t in terms
        ]
        phrase_terms: dict[tuple[str, ...], list[int]] = {}
        phrase_concepts: dict[tuple[str, ...], list[str]] = {}
        for tid, term in enumerate(terms):
            key = norm.phrase(term.phrase)
            if not key or all(token in _BARE for token in key):
                raise DataError(
                    f"phrase {term.phrase!r} has no words left after normalisation",
                    file="terms.toml" if term.source == "ptcpt" else term.source or "extra_terms",
                    row=f"term {tid}",
                    field="phrase",
                )
            same = phrase_terms.setdefault(key, [])
            # spellings that normalise alike ("massage", "massaged") are one phrase
            twin = next((t for t in same if (terms[t].code, terms[t].kind) == (term.code, term.kind)), None)
            if twin is None:
                same.append(tid)
            elif term.weight > terms[twin].weight:
                same[same.index(twin)] = tid
        for concept, phrases in concepts.items():
            for phrase in phrases:
                key = norm.phrase(phrase)
                if key and not all(token in _BARE for token in key):
                    phrase_concepts.setdefault(key, []).append(concept)
        singles: dict[str, _Entry] = {}
        pairs: dict[tuple[str, str], list[_Entry]] = {}
        firsts: dict[str, list[_Entry]] = {}
        for key in sorted(phrase_terms.keys() | phrase_concepts.keys()):
            entry: _Entry = (
                list(key),
                len(key),
                tuple(phrase_terms.get(key, ())),
                tuple(dict.fromkeys(phrase_concepts.get(key, ()))),
            )
            if len(key) == 1:
                singles[key[0]] = entry
            else:
                pairs.setdefault((key[0], key[1]), []).append(entry)
                firsts.setdefault(key[0], []).append(entry)
        for group in (*pairs.values(), *firsts.values()):
            group.sort(key=lambda e: (-e[1], e[0]))
        # first word -> (the one-word phrase, {second word: longer phrases}, longer phrases)
        self._index: dict[str, tuple[_Entry | None, dict[str, list[_Entry]], list[_Entry]]] = {}
        by_first: dict[str, dict[str, list[_Entry]]] = {}
        for (one, two), group in pairs.items():
            by_first.setdefault(one, {})[two] = group
        for first in singles.keys() | firsts.keys():
            self._index[first] = (singles.get(first), by_first.get(first, {}), firsts.get(first, []))
        #: What to check at a word that starts phrases (see :meth:`_plan`): ``_alone`` for
        #: words that start only a one-word phrase (the next word changes nothing), and
        #: ``_plans`` for the others: word -> next word -> plan, each a bounded cache
        #: (two string-keyed look-ups, no pair tuple built per word of the text).
        self._alone: dict[str, _Plan] = {
            first: ((_ACCEPT, *single),) if single is not None else ()
            for first, (single, _seconds, longer) in self._index.items()
            if not longer
        }
        self._plans: dict[str, dict[str, _Plan]] = {
            first: {} for first in self._index if first not in self._alone
        }
        norm.learn(word for key in phrase_terms.keys() | phrase_concepts.keys() for word in key)

    def match(self, canon: list[str]) -> tuple[Found, Concepts]:
        """The phrases found in ``canon`` (positions in order) and the concepts seen."""
        index = self._index
        alone = self._alone
        plans = self._plans
        found: Found = []
        concepts: Concepts = {}
        last = len(canon) - 1
        reach = -1  # end of the longest phrase found so far: phrases inside it are dropped
        # Only words that start a phrase need a closer look; picking them out in one
        # comprehension costs far less than walking every token in the loop below.
        starts = [i for i, token in enumerate(canon) if token in index]
        if starts and NEGATION in canon:  # a phrase right after "no" does not fire
            starts = [i for i in starts if not i or canon[i - 1] != NEGATION]
        if starts and REFUSAL in canon:
            starts = _unrefused(canon, starts)
        for i in starts:
            token = canon[i]
            plan = alone.get(token)
            if plan is None:
                following = canon[i + 1] if i < last else ""
                plan = plans[token].get(following)
                if plan is None:
                    plan = self._plan(token, following)
            # longest first at each position, positions in order: a phrase inside an
            # earlier, longer one ends at or before ``reach``
            for check, phrase, size, tids, names in plan:
                if check == _EXACT_OR_NEAR:
                    if canon[i : i + size] != phrase and not self._near(canon, i, phrase):
                        continue
                elif check == _TAIL and canon[i + 2 : i + size] != phrase[2:]:
                    continue
                end = i + size
                for name in names:
                    concepts.setdefault(name, []).append((i, end))
                if tids and end > reach:
                    found.append((i, end, tids))
                    reach = end
        return found, concepts

    def _plan(self, token: str, following: str) -> _Plan:
        """The phrases that may start at ``token`` when ``following`` comes next, longest
        first, each with the check that confirms it; the one-word phrase comes last.

        Longer phrases are found by their second word, or, when the next word is not a
        vocabulary word, by a second word one typo away from it ("hot pak"). This depends
        only on the two words, so it is worked out once per pair and cached.
        """
        single, seconds, longer = self._index[token]
        plan: list[tuple[int, list[str], int, tuple[int, ...], tuple[str, ...]]] = []
        if following and longer:
            entries = seconds.get(following)
            if entries is not None:
                plan.extend((_ACCEPT if e[1] == 2 else _EXACT_OR_NEAR, *e) for e in entries)
            elif (
                len(following) >= 3
                and following not in self._norm.vocabulary_set
                and following not in _SPECIAL
            ):
                plan.extend(
                    (_ACCEPT if e[1] == 2 else _TAIL, *e) for e in longer if one_edit(following, e[0][1])
                )
        if single is not None:
            plan.append((_ACCEPT, *single))
        cached = self._plans[token]
        if len(cached) >= 2_000:
            cached.clear()
        made = cached[following] = tuple(plan)
        return made

    def _near(self, canon: list[str], start: int, phrase: list[str]) -> bool:
        """A phrase whose later words match up to one word with one typo ("hot pak")."""
        segment = canon[start : start + len(phrase)]
        if len(segment) != len(phrase):
            return False
        miss = -1
        for index in range(1, len(phrase)):
            if segment[index] != phrase[index]:
                if miss >= 0:
                    return False
                miss = index
        if miss < 0:
            return True
        written, wanted = segment[miss], phrase[miss]
        if len(written) < 3 or len(wanted) < 3 or written in self._norm.vocabulary_set:
            return False
        return one_edit(written, wanted)


def _unrefused(canon: list[str], starts: list[int]) -> list[int]:
    """``starts`` less the positions a refusal turns off: from the word after "declined"
    (or another refusal) to the end of its clause, boundary included."""
    kept: list[int] = []
    refused = False
    wanted = set(starts)
    for i, token in enumerate(canon):
        if i in wanted and not refused:
            kept.append(i)
        if token == REFUSAL:
            refused = True
        elif token == BOUNDARY:
            refused = False
    return kept


def one_edit(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by one inserted, deleted or replaced letter."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    if len(a) > len(b):
        a, b = b, a
    return any(b[:i] + b[i + 1 :] == a for i in range(len(b)))
