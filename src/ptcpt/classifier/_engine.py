"""The classifier proper: the steps of ``classify`` wired together.

How a description becomes suggestions (docs/classifier.md has the long form); each
step is one module a reader can hold in mind:

1. :mod:`._text` normalises the text into canonical tokens (shorthand, stems, typos).
2. :mod:`._match` finds the vocabulary's phrases and the concepts the families read.
3. :mod:`._lexicon` weighs the phrases per code (group counts, minutes, frames).
4. :mod:`._families` picks the member of a code family the description points to.
5. :mod:`._rank` moves scores by date of service and discipline, abstains or ranks.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import time
from typing import TYPE_CHECKING, Literal

from ptcpt.classifier import _families, _lexicon
from ptcpt.classifier._combine import Calibration, Candidates, candidates, likely
from ptcpt.classifier._learned import NONE, LinearModel, features, load_model, word_features
from ptcpt.classifier._match import Concepts, PhraseIndex
from ptcpt.classifier._rank import NO_SUGGESTIONS, Dates, evidence_words, rank
from ptcpt.classifier._text import BOUNDARY, MAX_CHARS, Normaliser, Tokens
from ptcpt.classifier._values import Suggestion, Suggestions, Term
from ptcpt.classifier._vocab import Lexicon, load_lexicon
from ptcpt.errors import DataError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from ptcpt._catalogs import Catalog
    from ptcpt.payers import PayerProfile

__all__ = ["Classifier"]

_MAX_EVIDENCE = 5
#: A code named by number: five digits, or four digits and a letter either side
#: ("97110", "G0283", "0552T"), standing alone.
_CODE_MENTION = re.compile(r"(?<![\w.])(\d{5}|\d{4}[a-zA-Z]|[a-zA-Z]\d{4})(?![\w.])")
_HAS_DIGIT = re.compile(r"\d{4}")
#: A word the model weighs at least this much for a code is shown as evidence for it.
_EVIDENCE_WEIGHT = 0.5


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
        model: LinearModel | Literal["bundled"] | None = "bundled",
        payers: Mapping[str, PayerProfile] | None = None,
        families: Iterable[_families.Family] = (),
    ) -> None:
        if catalog is None:
            from ptcpt._catalogs import catalog as bundled_catalog

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
        self._phrases = PhraseIndex(self._norm, terms, lex.features)
        if model == "bundled":
            model = load_model()
        if model is not None:
            unknown = sorted(c for c in model.classes if c != NONE and c not in catalog)
            if unknown:
                raise DataError(
                    f"the model predicts codes the catalog does not hold: {', '.join(unknown)}; "
                    "retrain it with scripts/train_classifier.py",
                    file="model",
                )
        self._model = model
        self._calibration = Calibration() if model is None else Calibration.from_meta(model.meta)
        if model is not None:
            vocabulary = model.meta.get("vocabulary", ())
            if isinstance(vocabulary, list):
                self._norm.learn(str(word) for word in vocabulary)
        #: payer id -> profile, for ``payer`` given as an id (None: the built-in profiles)
        self._payers = payers
        self._families = (*_families.FAMILIES, *families)
        for family in self._families:
            if not isinstance(family, _families.Family):
                raise TypeError(f"families: must be ptcpt Family objects, got {type(family).__name__}")
            for code in family.members:
                if code not in catalog:
                    raise DataError(f"code {code} is not in the catalog", file="families", row=family.name)
        self._family_index = _families.by_member(self._families)
        self._dates = Dates(catalog)
        self._add_ons = {c.code: c.add_on_to[0] for c in catalog if c.add_on_to}
        #: code string -> Code, for ranking without the catalog's checked lookup
        self._codes = {c.code: c for c in catalog}

    # -- public ----------------------------------------------------------------------------
    def classify(
        self,
        text: str,
        *,
        top: int = 3,
        payer: PayerProfile | str | None = None,
        on: dt.date | None = None,
    ) -> Suggestions:
        """Ranked codes for one description; empty when no PT code fits.

        ``payer`` is the claim's payer: a :class:`~ptcpt.PayerProfile` (a payer that
        follows Medicare's rules gets Medicare's HCPCS codes, such as G0283 for
        unattended e-stim: the profile's ``medicare_rules`` decides, never the id) or a
        payer id, looked up among the classifier's ``payers`` (a Checker's classifier
        has the Checker's) or, when it was given none, the built-in profiles
        ("medicare", "commercial", ...); when None, a payer named in the text counts. ``on`` is the date of
        service (default today): a code not billable that day is never suggested.
        """
        if not isinstance(text, str):
            raise TypeError(f"classify needs the description as a str, got {type(text).__name__}")
        if on is None and payer is None and type(top) is int and top >= 1:
            return self._classify(text, top, None, _today())  # the usual call, checked at once
        top, medicare, on = self._options(top, payer, on)
        return self._classify(text, top, medicare, on)

    def classify_many(
        self,
        texts: Iterable[str],
        *,
        top: int = 3,
        payer: PayerProfile | str | None = None,
        on: dt.date | None = None,
    ) -> list[Suggestions]:
        """:meth:`classify` for each text, in order (the same answers as one at a time)."""
        if isinstance(texts, str):
            raise TypeError("classify_many needs an iterable of str, got one str; use classify")
        top, medicare, on = self._options(top, payer, on)
        results: list[Suggestions] = []
        for index, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"texts[{index}]: classify needs a str, got {type(text).__name__}")
            results.append(self._classify(text, top, medicare, on))
        return results

    def normalise(self, text: str) -> tuple[str, ...]:
        """The canonical tokens the classifier reads for ``text`` (for tests and debugging)."""
        if not isinstance(text, str):
            raise TypeError(f"normalise needs a str, got {type(text).__name__}")
        return tuple(self._norm.tokens(text).canon)

    # -- the pipeline --------------------------------------------------------------------------
    def _options(
        self, top: int, payer: PayerProfile | str | None, on: dt.date | None
    ) -> tuple[int, bool | None, dt.date]:
        """Checked options; the payer reduced to what the classifier needs of it."""
        if isinstance(top, bool) or not isinstance(top, int):
            raise TypeError(f"top must be a whole number, got {type(top).__name__}")
        if top < 1:
            raise ValueError(f"top must be at least 1, got {top}")
        if on is None:
            on = _today()
        elif isinstance(on, dt.datetime) or not isinstance(on, dt.date):
            raise TypeError(f"on must be a datetime.date (the date of service), got {type(on).__name__}")
        return top, self._medicare_coding(payer), on

    def _medicare_coding(self, payer: PayerProfile | str | None) -> bool | None:
        """Whether the payer takes Medicare's HCPCS codes (None: not known)."""
        from ptcpt.payers import PayerProfile

        if payer is None or isinstance(payer, PayerProfile):
            return None if payer is None else payer.medicare_rules
        if not isinstance(payer, str):
            raise TypeError(
                f"payer must be a PayerProfile or a payer id such as 'medicare', got {type(payer).__name__}"
            )
        if not payer.strip():
            return None
        from ptcpt.payers import find_payer

        profile = find_payer(payer, self._payers)
        return profile.medicare_rules

    def _classify(self, text: str, top: int, medicare: bool | None, on: dt.date) -> Suggestions:
        tokens = self._norm.tokens(text)
        canon = tokens.canon
        if not canon:
            return NO_SUGGESTIONS
        model = self._model
        if model is None:
            scores = self._phrase_scores(tokens, medicare, on)[0]
            return rank(scores, tokens, top, self._codes) if scores.raw else NO_SUGGESTIONS
        found, scores = self._candidates(model, features(canon), tokens, medicare, on, text)
        pairs, none = found.scored(self._calibration)
        if not pairs or none >= pairs[0][1]:
            return NO_SUGGESTIONS
        peak = pairs[0][1]
        exp = math.exp
        total = exp(none - peak) + sum([exp(value - peak) for _code, value in pairs])
        chosen = pairs[:top]
        words = self._evidence([code for code, _value in chosen], scores, tokens)
        codes = self._codes
        suggestions = [
            Suggestion._trusted(codes[code], min(1.0, max(exp(value - peak) / total, 1e-6)), words[code])
            for code, value in chosen
        ]
        return tuple.__new__(Suggestions, suggestions)

    def _phrase_scores(
        self, tokens: Tokens, medicare: bool | None, on: dt.date
    ) -> tuple[_lexicon.Scores, Concepts, dict[str, float]]:
        """The phrase list's evidence per code (families resolved, dates applied), the
        concepts seen, and the evidence per code before the dates moved any of it."""
        found, concepts = self._phrases.match(tokens.canon)
        scores = _lexicon.weigh(found, tokens.canon, self._phrases.facts)
        _lexicon.group(scores, tokens)
        before = scores.raw
        if before:
            _families.resolve(scores, concepts, tokens, medicare, self._add_ons)
            before = self._dates.apply(scores, on)
        return scores, concepts, before

    def _candidates(
        self,
        model: LinearModel,
        names: list[str],
        tokens: Tokens,
        medicare: bool | None,
        on: dt.date,
        text: str = "",
    ) -> tuple[Candidates, _lexicon.Scores]:
        """Both parts' view of the codes in play, family decisions applied."""
        scores, concepts, before = self._phrase_scores(tokens, medicare, on)
        odds, total = model.odds(names)
        classes = model.classes
        chances = likely(odds, total)
        in_play = [classes[at] for at in chances]
        in_play.extend(before)
        index = self._family_index
        if index.keys().isdisjoint(in_play):
            decided: dict[str, str] = {}
        else:
            reading = _families.Reading(concepts, tokens, medicare, before)
            decided = _families.decisions(index, in_play, reading)
        moves = self._dates.view(on)[1]
        size = len(tokens.canon) - tokens.canon.count(BOUNDARY)
        named = self._named(text, moves) if text else frozenset()
        return candidates(scores, odds, total, chances, model, moves, decided, size, named), scores

    def _named(self, text: str, moves: Mapping[str, tuple[str, ...]]) -> frozenset[str]:
        """The catalog codes ``text`` names by number, as billable on the day."""
        found = _CODE_MENTION.findall(text[:MAX_CHARS]) if _HAS_DIGIT.search(text) else ()
        if not found:
            return frozenset()
        codes = self._codes
        named: set[str] = set()
        for written in found:
            code = written.upper()
            if code in codes:
                targets = moves.get(code)
                named.update((code,) if targets is None else targets[:1])
        return frozenset(named)

    def _explain(self, text: str, on: dt.date) -> Candidates | None:
        """What both parts say about ``text`` before they are combined (None: no words,
        or no model). The training script fits the combination on these."""
        tokens = self._norm.tokens(text)
        if not tokens.canon or self._model is None:
            return None
        return self._candidates(self._model, features(tokens.canon), tokens, None, on, text)[0]

    def _evidence(
        self, codes: list[str], scores: _lexicon.Scores, tokens: Tokens
    ) -> dict[str, tuple[str, ...]]:
        """Per code: the phrase list's words, then the words the model weighed most
        (neighbouring words joined: "hot pack")."""
        found = {code: evidence_words(scores.evidence.get(code, ()), tokens) for code in codes}
        model = self._model
        if model is None:
            return found
        number = model.class_number
        # the model's words fill in where the phrase list said little: fewer than two
        # words for the best code, none for the others
        wanted = [
            (number[code], code)
            for place, code in enumerate(codes)
            if len(found[code]) < (2 if place == 0 else 1) and code in number
        ]
        if not wanted:
            return found
        weights = model.weights
        words = [(weights(name), start) for name, start in word_features(tokens.canon)]
        for at, code in wanted:
            strong = [(row[at], start) for row, start in words if at in row and row[at] >= _EVIDENCE_WEIGHT]
            if not strong:
                continue
            strong.sort(reverse=True)
            del strong[_MAX_EVIDENCE:]
            rank = {start: place for place, (_weight, start) in enumerate(strong)}
            runs: list[tuple[int, int, int]] = []  # (best place, start, end)
            source, until = tokens.source, tokens.until
            for start in sorted(rank):
                if runs and runs[-1][2] == start and source[start] == until[start - 1] + 1:
                    best, first, _end = runs[-1]
                    runs[-1] = (min(best, rank[start]), first, start + 1)
                else:
                    runs.append((rank[start], start, start + 1))
            have = list(found[code])
            for _place, start, end in sorted(runs):
                text = tokens.words(start, end)
                if text and not any(text in known for known in have):
                    have.append(text)
                    if len(have) >= _MAX_EVIDENCE:
                        break
            found[code] = tuple(have)
        return found


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
