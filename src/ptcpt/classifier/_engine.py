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
import time
from typing import TYPE_CHECKING, Literal

from ptcpt.classifier import _families, _lexicon
from ptcpt.classifier._learned import LinearModel, load_model
from ptcpt.classifier._match import PhraseIndex
from ptcpt.classifier._rank import NO_SUGGESTIONS, Dates, rank
from ptcpt.classifier._text import Normaliser
from ptcpt.classifier._values import Suggestions, Term
from ptcpt.classifier._vocab import Lexicon, load_lexicon
from ptcpt.errors import DataError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ptcpt.catalogs import Catalog

__all__ = ["Classifier"]

_MEDICARE_PAYERS = frozenset({"medicare", "mcr", "medicare part b", "medicare-b", "medicare b"})


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
        model: LinearModel | Literal["bundled"] | None = None,
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
        self._phrases = PhraseIndex(self._norm, terms, lex.features)
        if model == "bundled":
            model = load_model()
        self._model = model
        if model is not None:
            vocabulary = model.meta.get("vocabulary", ())
            if isinstance(vocabulary, list):
                self._norm.learn(str(word) for word in vocabulary)
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
            return NO_SUGGESTIONS
        found, concepts = self._phrases.match(canon)
        scores = _lexicon.weigh(found, canon, self._phrases.facts)
        _lexicon.group(scores, tokens)
        if not scores.raw:
            return NO_SUGGESTIONS
        medicare = None if payer is None else payer in _MEDICARE_PAYERS or payer.startswith("medicare")
        _families.resolve(scores, concepts, tokens, medicare, self._add_ons)
        self._dates.apply(scores, on)
        return rank(scores, tokens, top, self._codes)


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
