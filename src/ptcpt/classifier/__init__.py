"""From a service description to ranked, explained PT billing codes.

``ptcpt.classify("gait training with FWW 150 ft x2, CGA")`` returns a
:class:`Suggestions` tuple, best first, each :class:`Suggestion` naming the code, a
score in (0, 1] and the words of the text that led to it; empty when no PT code fits.
Deterministic, explainable and offline: a curated vocabulary (``data/terms.toml``,
``data/shorthand.toml``) matched after normalisation, checked against a sparse linear
model trained on ptcpt's own labelled corpus (``data/classifier_model.bin``, rebuilt by
``scripts/train_classifier.py``). Plugins add vocabulary as :class:`Term` objects
through the ``ptcpt_register_terms`` hook; a practice can train a model on its own
notes and pass it with ``Classifier(model=load_model(path))``. See docs/classifier.md.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from ptcpt.classifier._engine import Classifier
from ptcpt.classifier._families import Family, Reading
from ptcpt.classifier._learned import LinearModel, load_model
from ptcpt.classifier._rank import CONFIDENT, MIN_EVIDENCE
from ptcpt.classifier._values import Suggestion, Suggestions, Term, TermKind

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable

    from ptcpt.payers import PayerProfile

__all__ = [
    "CONFIDENT",
    "MIN_EVIDENCE",
    "Classifier",
    "Family",
    "LinearModel",
    "Reading",
    "Suggestion",
    "Suggestions",
    "Term",
    "TermKind",
    "classify",
    "classify_many",
    "default_classifier",
    "load_model",
]


@functools.cache
def default_classifier() -> Classifier:
    """The shared classifier over the bundled catalog and vocabulary (built on first use)."""
    return Classifier()


def classify(
    text: str, *, top: int = 3, payer: PayerProfile | str | None = None, on: dt.date | None = None
) -> Suggestions:
    """Ranked PT codes for a description of a service; empty when none fits.

    ``top`` caps the number of suggestions; ``payer`` (a :class:`~ptcpt.PayerProfile`,
    or a built-in payer id such as "medicare" or "commercial"; for a plugin's payer use
    ``checker.classifier()`` or pass the profile) decides payer-specific
    codes (unattended e-stim is G0283 for a payer that follows Medicare's rules, 97014
    otherwise), and when None a payer named in the text counts; ``on`` is the date of
    service (default today), and a code not billable that day is never suggested.
    Raises TypeError for a non-string ``text`` and ValueError for an unknown payer id.
    """
    if not isinstance(text, str):
        raise TypeError(f"classify needs the description as a str, got {type(text).__name__}")
    return default_classifier().classify(text, top=top, payer=payer, on=on)


def classify_many(
    texts: Iterable[str], *, top: int = 3, payer: PayerProfile | str | None = None, on: dt.date | None = None
) -> list[Suggestions]:
    """:func:`classify` for many descriptions, in order; the same answers as one at a time."""
    return default_classifier().classify_many(texts, top=top, payer=payer, on=on)
