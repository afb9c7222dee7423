"""The classifier proper: match phrases, weigh them, resolve code families, rank.

How a description becomes suggestions (docs/classifier.md has the long form):

1. Normalise the text into canonical tokens (:mod:`ptcpt.classifier._text`).
2. Find every vocabulary phrase in the tokens. A phrase inside a longer matched phrase
   is dropped ("manual traction" silences "traction"); a phrase right after a negation
   ("no", "declined", ...) is dropped.
3. Add up each code's cue weights (the strongest phrase counts fully, further distinct
   phrases count half), subtract ``against`` weights, add up ``abstain`` weights.
4. Resolve families the vocabulary names by one representative code: evaluation level
   from complexity words, unattended e-stim by payer, dry needling by muscle count,
   taping and compression by body region, negative pressure by wound area, education
   by group size, subsequent orthotic encounters, add-ons behind their primary.
5. Move scores of codes not billable on the date of service to their replacements (or,
   for codes not yet in force, to the codes they replaced); treat codes a physical
   therapist does not bill as evidence for abstaining.
6. Abstain when the best code is weak or the abstain evidence is at least as strong;
   otherwise rank and score.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from operator import itemgetter
from typing import TYPE_CHECKING

from ptcpt.classifier._model import Suggestion, Suggestions, Term, TermKind
from ptcpt.classifier._text import BOUNDARY, NEGATION, NUMBER, REFUSAL, Normaliser, Tokens
from ptcpt.classifier._vocab import Lexicon, load_lexicon
from ptcpt.errors import DataError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ptcpt.catalogs import Catalog

__all__ = ["CONFIDENT", "MIN_EVIDENCE", "Classifier"]

#: A suggestion scoring at least this much is one the classifier is confident about:
#: strong, specific evidence and little for any other code. A caller comparing a
#: billed code with the description (the rule engine's description-mismatch hint)
#: should only speak up when the top suggestion reaches it.
CONFIDENT = 0.6

#: The weakest evidence (summed weights) that may produce a suggestion at all: a single
#: hint-level word ("exercise", "heat") is not enough to name a code.
MIN_EVIDENCE = 2.4

_CUE, _AGAINST, _ABSTAIN, _NEUTRAL = 0, 1, 2, 3
_KIND_NUMBER = {
    TermKind.CUE: _CUE,
    TermKind.AGAINST: _AGAINST,
    TermKind.ABSTAIN: _ABSTAIN,
    TermKind.NEUTRAL: _NEUTRAL,
}
_MAX_EVIDENCE = 5
#: The empty answer, shared: a Suggestions is an immutable tuple, so one will do.
_NO_SUGGESTIONS = Suggestions()
_EVAL_FAMILY = ("97161", "97162", "97163")
_TAPING = ("29200", "29240", "29260", "29280", "29520", "29530", "29540", "29550")
_MEDICARE_PAYERS = frozenset({"medicare", "mcr", "medicare part b", "medicare-b", "medicare b"})
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
_RTM_CODES = ("98975", "98977", "98980")
#: The codes whose presence sets off a family step in ``Classifier._families``.
_FAMILY_CODES = frozenset(
    {
        "97763",
        "97550",
        *_RTM_CODES,
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
_SPECIAL = frozenset({NUMBER, BOUNDARY, NEGATION, REFUSAL})
#: A phrase made only of these would fire on any number or negation: not allowed.
_BARE = frozenset({NUMBER, BOUNDARY, NEGATION})

# A phrase entry: canonical tokens (as a list, for fast slice comparison), its length,
# the term ids it fires and the feature names it signals.
_Entry = tuple[list[str], int, tuple[int, ...], tuple[str, ...]]
_Span = tuple[int, int]
# How a candidate phrase is confirmed against the text (see ``Classifier._plan``).
_ACCEPT, _EXACT_OR_NEAR, _TAIL = 0, 1, 2
# A plan: the candidate phrases at one position, in the order they are tried, each as
# (check, canonical tokens, length, term ids, feature names).
_Plan = tuple[tuple[int, list[str], int, tuple[int, ...], tuple[str, ...]], ...]


class _Scores:
    """Mutable per-call scratch: raw score and evidence spans per code."""

    __slots__ = ("abstain", "against", "evidence", "peak", "raw")

    def __init__(self) -> None:
        self.raw: dict[str, float] = {}
        self.evidence: dict[str, list[tuple[float, int, int]]] = {}
        self.peak: dict[str, float] = {}
        self.against: dict[str, float] = {}
        self.abstain = 0.0

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


class Classifier:
    """A description-to-codes classifier over the bundled vocabulary plus ``extra_terms``.

    Build one when plugins add vocabulary (``ptcpt_register_terms``); otherwise use the
    module-level :func:`ptcpt.classify`, which shares a cached default instance. A
    Classifier is immutable after construction apart from internal caches, and safe to
    share between threads.
    """

    def __init__(
        self,
        extra_terms: Iterable[Term] = (),
        *,
        catalog: Catalog | None = None,
        lexicon: Lexicon | None = None,
    ) -> None:
        if catalog is None:
            from ptcpt.catalogs import catalog as bundled_catalog

            catalog = bundled_catalog()
        lex = lexicon if lexicon is not None else load_lexicon()
        self._catalog = catalog
        self._norm = Normaliser(
            shorthand=lex.shorthand,
            stopwords=lex.stopwords,
            negations=lex.negations,
            refusals=lex.refusals,
            known=lex.known,
        )
        terms = list(lex.terms)
        for index, term in enumerate(extra_terms):
            if not isinstance(term, Term):
                raise TypeError(f"extra_terms[{index}]: must be a ptcpt Term, got {type(term).__name__}")
            terms.append(term)
        for index, term in enumerate(terms):
            if term.code is not None and term.code not in catalog:
                origin = "terms.toml" if term.source == "ptcpt" else (term.source or "extra_terms")
                raise DataError(
                    f"code {term.code} is not in the catalog", file=origin, row=f"term {index}", field="code"
                )
        self.terms: tuple[Term, ...] = tuple(terms)
        #: per term id: (kind number, code or "", weight), one list look-up per fired term
        self._t_facts = [(_KIND_NUMBER[t.kind], t.code or "", float(t.weight)) for t in terms]

        phrase_terms: dict[tuple[str, ...], list[int]] = {}
        phrase_features: dict[tuple[str, ...], list[str]] = {}
        for tid, term in enumerate(terms):
            key = self._norm.phrase(term.phrase)
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
        for feature, phrases in lex.features.items():
            for phrase in phrases:
                key = self._norm.phrase(phrase)
                if key and not all(token in _BARE for token in key):
                    phrase_features.setdefault(key, []).append(feature)
        singles: dict[str, _Entry] = {}
        pairs: dict[tuple[str, str], list[_Entry]] = {}
        firsts: dict[str, list[_Entry]] = {}
        for key in sorted(phrase_terms.keys() | phrase_features.keys()):
            entry: _Entry = (
                list(key),
                len(key),
                tuple(phrase_terms.get(key, ())),
                tuple(dict.fromkeys(phrase_features.get(key, ()))),
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
        self._norm.learn(word for key in phrase_terms.keys() | phrase_features.keys() for word in key)
        self._dates: dict[dt.date, tuple[frozenset[str], dict[str, tuple[str, ...]]]] = {}
        predecessors: dict[str, list[str]] = {}
        for code in catalog:
            for successor in code.replaced_by:
                predecessors.setdefault(successor, []).append(code.code)
        self._predecessors = {k: tuple(v) for k, v in predecessors.items()}
        self._add_ons = {c.code: c.add_on_to[0] for c in catalog if c.add_on_to}
        #: code string -> Code, for ranking without the catalog's checked lookup
        self._codes = {c.code: c for c in catalog}

    # -- public ----------------------------------------------------------------------------
    def classify(
        self,
        text: str,
        *,
        top: int = 3,
        payer: str | None = None,
        on: dt.date | None = None,
    ) -> Suggestions:
        """Ranked codes for one description; empty when no PT code fits.

        ``payer`` is a payer profile id ("medicare", "medicaid", "commercial", ...);
        when None, a payer named in the text counts. ``on`` is the date of service
        (default today): a code not billable that day is never suggested.
        """
        if not isinstance(text, str):
            raise TypeError(f"classify needs the description as a str, got {type(text).__name__}")
        if on is None and payer is None and type(top) is int and top >= 1:
            return self._classify(text, top, None, _today())  # the usual call, checked at once
        top, payer, on = _check_options(top, payer, on)
        return self._classify(text, top, payer, on)

    def classify_many(
        self,
        texts: Iterable[str],
        *,
        top: int = 3,
        payer: str | None = None,
        on: dt.date | None = None,
    ) -> list[Suggestions]:
        """:meth:`classify` for each text, in order (the same answers as one at a time)."""
        if isinstance(texts, str):
            raise TypeError("classify_many needs an iterable of str, got one str; use classify")
        top, payer, on = _check_options(top, payer, on)
        results: list[Suggestions] = []
        for index, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"texts[{index}]: classify needs a str, got {type(text).__name__}")
            results.append(self._classify(text, top, payer, on))
        return results

    def normalise(self, text: str) -> tuple[str, ...]:
        """The canonical tokens the classifier reads for ``text`` (for tests and debugging)."""
        if not isinstance(text, str):
            raise TypeError(f"normalise needs a str, got {type(text).__name__}")
        return tuple(self._norm.tokens(text).canon)

    # -- the pipeline --------------------------------------------------------------------------
    def _classify(self, text: str, top: int, payer: str | None, on: dt.date) -> Suggestions:
        tokens = self._norm.tokens(text)
        canon = tokens.canon
        if not canon:
            return _NO_SUGGESTIONS
        spans, features = self._match(canon)
        scores = self._weigh(spans, canon)
        self._group(scores, tokens)
        if not scores.raw:
            return _NO_SUGGESTIONS
        self._resolve(scores, features, tokens, payer)
        self._date_and_discipline(scores, on)
        return self._rank(scores, tokens, top)

    def _match(
        self, canon: list[str]
    ) -> tuple[list[tuple[int, int, tuple[int, ...]]], dict[str, list[_Span]]]:
        index = self._index
        alone = self._alone
        plans = self._plans
        found: list[tuple[int, int, tuple[int, ...]]] = []
        features: dict[str, list[_Span]] = {}
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
            for check, phrase, size, tids, feats in plan:
                if check == _EXACT_OR_NEAR:
                    if canon[i : i + size] != phrase and not self._near(canon, i, phrase):
                        continue
                elif check == _TAIL and canon[i + 2 : i + size] != phrase[2:]:
                    continue
                end = i + size
                for feature in feats:
                    features.setdefault(feature, []).append((i, end))
                if tids and end > reach:
                    found.append((i, end, tids))
                    reach = end
        return found, features

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
                    (_ACCEPT if e[1] == 2 else _TAIL, *e) for e in longer if _one_edit(following, e[0][1])
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
        return _one_edit(written, wanted)

    def _weigh(self, spans: list[tuple[int, int, tuple[int, ...]]], spans_canon: list[str]) -> _Scores:
        scores = _Scores()
        facts = self._t_facts
        best: dict[str, float] = {}
        total: dict[str, float] = {}
        seen: set[int] = set()
        against = scores.against
        evidence = scores.evidence
        abstain_best = 0.0
        abstain_total = 0.0
        lead_ins = not _SECONDARY.isdisjoint(spans_canon)
        for start, end, tids in spans:
            lead_in = lead_ins and start > 0 and spans_canon[start - 1] in _SECONDARY
            for tid in tids:
                if tid in seen:
                    continue
                seen.add(tid)
                kind, code, weight = facts[tid]
                if lead_in:
                    weight *= 0.5
                if kind == _CUE:
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
                elif kind == _ABSTAIN:
                    abstain_total += weight
                    abstain_best = max(abstain_best, weight)
                elif kind == _AGAINST:
                    against[code] = against.get(code, 0.0) + weight
        for code, value in total.items():
            top = best[code]
            raw = top + 0.5 * (value - top) - against.get(code, 0.0)
            if raw > 0:
                scores.raw[code] = raw
                scores.peak[code] = top
        scores.abstain = abstain_best + 0.5 * (abstain_total - abstain_best)
        return scores

    # -- families ------------------------------------------------------------------------------
    def _resolve(
        self, scores: _Scores, features: dict[str, list[_Span]], tokens: Tokens, payer: str | None
    ) -> None:
        raw = scores.raw
        if len(raw) > 1 and "min" in tokens.canon:
            self._minutes(scores, tokens)
        # Every step below but the frames and the add-ons acts only when one of its
        # codes is in play, and none adds a code from nothing: most descriptions name
        # none of them, and one set test lets them skip the whole chain.
        if _FAMILY_CODES.isdisjoint(raw):
            self._frames(scores)
        else:
            self._families(scores, features, tokens, payer)
        add_ons = self._add_ons
        if add_ons.keys().isdisjoint(raw):
            return
        for code in [c for c in raw if c in add_ons]:
            if raw[code] > 0:
                primary = add_ons[code]
                raw[primary] = max(raw.get(primary, 0.0), raw[code] * 0.8)
                scores.evidence.setdefault(primary, []).extend(scores.evidence.get(code, ()))

    def _families(
        self, scores: _Scores, features: dict[str, list[_Span]], tokens: Tokens, payer: str | None
    ) -> None:
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
            context = (
                "98975" in raw or scores.peak.get("98980", 0.0) >= 6 or scores.peak.get("98977", 0.0) >= 6
            )
            if not context:
                raw.pop("98980", None)
                raw.pop("98977", None)
        self._frames(scores)
        if "97161" in raw:
            self._evaluation(scores, features, tokens)
        if "97014" in raw or "G0283" in raw or "G0281" in raw:
            self._estim(scores, features, payer)
        if "0552T" in raw:
            scores.set_family("0552T", ("0552T", "S8948"), raw["0552T"], spread=0.8)
        if any(code in raw for code in _RTM_CODES):
            self._remote_monitoring(scores, features, tokens)
        if "20560" in raw:
            self._dry_needling(scores, features, tokens)
        if "29530" in raw:
            self._taping(scores, features)
        if "29581" in raw and features.get("regions:arm"):
            scores.move("29581", "29584")
            raw.setdefault("29581", raw["29584"] * 0.5)
        if "97605" in raw or "97607" in raw:
            self._negative_pressure(scores, features, tokens)
        if "98960" in raw:
            self._education(scores, features, tokens)

    def _group(self, scores: _Scores, tokens: Tokens) -> None:
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

    def _minutes(self, scores: _Scores, tokens: Tokens) -> None:
        """ "TE 25 min, NMR 8 min": the service given more time is the main one."""
        canon = tokens.canon
        size = len(canon)
        for code, spans in scores.evidence.items():
            if code not in scores.raw:
                continue
            minutes = 0.0
            for _weight, _start, end in spans:
                at = end + 1 if end < size and canon[end] == "x" else end
                if at + 1 < size and canon[at] == NUMBER and canon[at + 1] == "min":
                    value = tokens.value(at) or 0.0
                    if value <= 120:
                        minutes = max(minutes, value)
            if minutes:
                # named services with their minutes: the minutes decide which is primary
                factor = 1.0 if scores.peak.get(code, 0.0) >= 10 else 1.0 / 15.0
                scores.raw[code] += min(minutes, 60.0) * factor

    def _frames(self, scores: _Scores) -> None:
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

    def _remote_monitoring(self, scores: _Scores, features: dict[str, list[_Span]], tokens: Tokens) -> None:
        raw = scores.raw
        specific = [c for c in ("98977", "98980") if c in raw and scores.peak.get(c, 0.0) >= 6]
        if specific and scores.peak.get("98975", 0.0) < 6:
            target = max(specific, key=lambda c: (raw[c], c))
            scores.move("98975", target)
        if "98980" in raw:
            minutes = [
                tokens.value(i) or 0.0
                for i in range(len(tokens.canon) - 1)
                if tokens.canon[i] == NUMBER and tokens.canon[i + 1] == "min"
            ]
            total = max(minutes, default=0.0)
            if 10 <= total < 20:
                scores.set_family("98979", ("98979", "98980"), raw.pop("98980"), spread=0.7)
                scores.evidence["98979"] = scores.evidence.get("98980", [])
            elif total >= 40:
                raw["98981"] = raw["98980"] * 0.6
        if "98977" in raw:
            days = [
                tokens.value(i) or 0.0
                for i in range(len(tokens.canon) - 1)
                if tokens.canon[i] == NUMBER and tokens.canon[i + 1] in ("day", "days")
            ]
            short = bool(days) and 2 <= max(days) <= 15
            if features.get("rtm:respiratory"):
                chosen = "98984" if short else "98976"
            elif features.get("rtm:cbt"):
                chosen = "98978"
            else:
                chosen = "98985" if short else "98977"
            if chosen != "98977":
                scores.move("98977", chosen)

    def _evaluation(self, scores: _Scores, features: dict[str, list[_Span]], tokens: Tokens) -> None:
        raw = scores.raw
        if raw.get("97164", 0.0) >= raw["97161"]:
            raw["97164"] += raw.pop("97161") * 0.5
            return
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
        if levels:
            level = min(levels)
        else:
            systems = {tuple(tokens.canon[s:e]) for s, e in features.get("complexity:systems", ())}
            level = 3 if len(systems) >= 4 else 2 if len(systems) == 3 else 1
        chosen = _EVAL_FAMILY[level - 1]
        total = raw.pop("97161")
        evidence = scores.evidence.pop("97161", [])
        scores.evidence[chosen] = evidence
        order = sorted(_EVAL_FAMILY, key=lambda c: abs(_EVAL_FAMILY.index(c) - (level - 1)))
        scores.set_family(chosen, order, total)

    def _estim(self, scores: _Scores, features: dict[str, list[_Span]], payer: str | None) -> None:
        raw = scores.raw
        if payer is not None:
            medicare: bool | None = payer in _MEDICARE_PAYERS or payer.startswith("medicare")
        elif features.get("payers:medicare"):
            medicare = True
        elif features.get("payers:other"):
            medicare = False
        else:
            medicare = None
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

    def _dry_needling(self, scores: _Scores, features: dict[str, list[_Span]], tokens: Tokens) -> None:
        count = len({tuple(tokens.canon[s:e]) for s, e in features.get("muscles:names", ())})
        if count and any(tokens.canon[i] == "bilateral" for i in range(len(tokens.canon))):
            count *= 2
        for start, _end in features.get("muscles:count_phrases", ()):
            value = tokens.value(start)
            if value is not None:
                count = max(count, int(value))
        if features.get("muscles:many_phrases"):
            count = max(count, 3)
        chosen = "20561" if count >= 3 else "20560"
        total = scores.raw.pop("20560")
        scores.evidence[chosen] = scores.evidence.pop("20560", [])
        scores.set_family(chosen, ("20560", "20561"), total, spread=0.7)

    def _taping(self, scores: _Scores, features: dict[str, list[_Span]]) -> None:
        anchors = [start for _w, start, _e in scores.evidence.get("29530", ())]
        distance: dict[str, int] = {}
        for code in _TAPING:
            for start, _end in features.get(f"regions:{code}", ()):
                gap = min((abs(start - a) for a in anchors), default=0)
                if gap < distance.get(code, 1 << 30):
                    distance[code] = gap
        ranked = sorted(distance, key=lambda c: (distance[c], c))
        order = [*ranked, *(c for c in ("29530", "29540", "29240") if c not in ranked)]
        total = scores.raw.pop("29530")
        scores.evidence[order[0]] = scores.evidence.pop("29530", [])
        scores.set_family(order[0], order, total)

    def _negative_pressure(self, scores: _Scores, features: dict[str, list[_Span]], tokens: Tokens) -> None:
        area: float | None = None
        for start, end in features.get("wounds:area_phrases", ()):
            numbers = [v for v in map(tokens.value, range(start, end)) if v is not None]
            if numbers:
                area = max(area or 0.0, math.prod(numbers))
        for small, large in (("97605", "97606"), ("97607", "97608")):
            if small in scores.raw:
                chosen = large if area is not None and area > 50 else small
                total = scores.raw.pop(small)
                scores.evidence[chosen] = scores.evidence.pop(small, [])
                scores.set_family(chosen, (chosen, large if chosen == small else small), total)

    def _education(self, scores: _Scores, features: dict[str, list[_Span]], tokens: Tokens) -> None:
        size = 1
        if features.get("groups:words"):
            size = 2
        for start, end in features.get("groups:size_phrases", ()):
            numbers = [v for v in map(tokens.value, range(start, end)) if v is not None]
            if numbers:
                size = max(size, int(numbers[0]))
        chosen = "98960" if size < 2 else "98961" if size <= 4 else "98962"
        total = scores.raw.pop("98960")
        scores.evidence[chosen] = scores.evidence.pop("98960", [])
        scores.raw.pop("97150", None)
        scores.set_family(chosen, (chosen, "98961", "98960"), total)

    # -- dates, disciplines, ranking -------------------------------------------------------------
    def _date_view(self, on: dt.date) -> tuple[frozenset[str], dict[str, tuple[str, ...]]]:
        view = self._dates.get(on)
        if view is None:
            active = frozenset(c.code for c in self._catalog if c.is_active(on) and "PT" in c.disciplines)
            moves: dict[str, tuple[str, ...]] = {}
            for code in self._catalog:
                if code.code in active:
                    continue
                if code.deleted is not None and on >= code.deleted:
                    targets = tuple(
                        c.code for c in self._catalog.replacements(code.code, on) if c.code in active
                    )
                else:
                    targets = tuple(c for c in self._predecessors.get(code.code, ()) if c in active)
                moves[code.code] = targets
            if len(self._dates) > 64:
                self._dates.clear()
            view = (active, moves)
            self._dates[on] = view
        return view

    def _date_and_discipline(self, scores: _Scores, on: dt.date) -> None:
        active, moves = self._date_view(on)
        raw = scores.raw
        for code in [c for c in raw if c not in active]:
            found = self._catalog.get(code)
            if found is not None and "PT" not in found.disciplines:
                scores.abstain += raw.pop(code)
                scores.evidence.pop(code, None)
                continue
            targets = moves.get(code, ())
            value = raw.pop(code)
            evidence = scores.evidence.pop(code, [])
            for rank, target in enumerate(targets):
                raw[target] = max(raw.get(target, 0.0), value * (0.97**rank))
                scores.evidence.setdefault(target, []).extend(evidence)

    def _rank(self, scores: _Scores, tokens: Tokens, top: int) -> Suggestions:
        raw = {code: value for code, value in scores.raw.items() if value > 0.05}
        if not raw:
            return _NO_SUGGESTIONS
        best = max(raw.values())
        if best < MIN_EVIDENCE or scores.abstain >= best:
            return _NO_SUGGESTIONS
        # by score, high first, ties by code: two stable sorts, no key tuples
        ranked = sorted(raw.items())
        if len(ranked) > 1:
            ranked.sort(key=itemgetter(1), reverse=True)
        total = sum(raw.values())
        damp = best / (best + scores.abstain)
        codes = self._codes
        evidence = scores.evidence
        suggestions: list[Suggestion] = []
        for code, value in ranked[:top]:
            confidence = 1.0 - math.exp(-value / 5.0)
            score = confidence * (0.4 + 0.6 * value / total) * damp
            suggestions.append(
                Suggestion._trusted(
                    codes[code],
                    min(1.0, max(score, 1e-6)),
                    self._evidence(evidence.get(code, ()), tokens),
                )
            )
        return tuple.__new__(Suggestions, suggestions)  # no copy: the list is ours

    @staticmethod
    def _evidence(spans: list[tuple[float, int, int]] | tuple[()], tokens: Tokens) -> tuple[str, ...]:
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


def _one_edit(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by one inserted, deleted or replaced letter."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    if len(a) > len(b):
        a, b = b, a
    return any(b[:i] + b[i + 1 :] == a for i in range(len(b)))


_today_read_at = -10.0
_today_value = dt.date.today()


def _today() -> dt.date:
    """Today's date, re-read at most once a second (it is asked for on every call)."""
    global _today_read_at, _today_value
    now = time.monotonic()
    if now - _today_read_at > 1.0:
        _today_read_at = now
        _today_value = dt.date.today()
    return _today_value


def _check_options(top: int, payer: str | None, on: dt.date | None) -> tuple[int, str | None, dt.date]:
    if isinstance(top, bool) or not isinstance(top, int):
        raise TypeError(f"top must be a whole number, got {type(top).__name__}")
    if top < 1:
        raise ValueError(f"top must be at least 1, got {top}")
    if payer is not None:
        if not isinstance(payer, str):
            raise TypeError(f"payer must be a payer id string such as 'medicare', got {type(payer).__name__}")
        payer = payer.strip().casefold() or None
    if on is None:
        on = _today()
    elif isinstance(on, dt.datetime) or not isinstance(on, dt.date):
        raise TypeError(f"on must be a datetime.date (the date of service), got {type(on).__name__}")
    return top, payer, on
