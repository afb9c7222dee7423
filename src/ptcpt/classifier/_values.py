"""The classifier's values: the vocabulary unit (:class:`Term`) and its answers."""

from __future__ import annotations

import enum
import math
from typing import TYPE_CHECKING, Any, SupportsIndex, overload

import attrs

from ptcpt._codes import Code, is_code_shaped

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["Suggestion", "Suggestions", "Term", "TermKind"]


class TermKind(enum.StrEnum):
    """What a matched phrase says about the description."""

    #: Evidence for ``code``: the phrase's weight is added to the code's score.
    CUE = "cue"
    #: Evidence against ``code``: the weight is taken off the code's score (never below 0).
    AGAINST = "against"
    #: Evidence that no PT code fits (imaging, a physician visit, admin work, ...).
    #: An abstain term has no code.
    ABSTAIN = "abstain"
    #: Claims its words for nobody, so shorter phrases inside it do not fire:
    #: "tape measure" keeps "tape" from suggesting a strapping code. No code.
    NEUTRAL = "neutral"


def _phrase(_: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{attribute.name}: must be a non-empty string of words")
    if len(value) > 200:
        raise ValueError(f"{attribute.name}: must be at most 200 characters, got {len(value)}")


def _weight(_: Any, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{attribute.name}: must be a number, got {type(value).__name__}")
    if not math.isfinite(value) or not 0 < value <= 10:
        raise ValueError(f"{attribute.name}: must be above 0 and at most 10, got {value!r}")


def _optional_code(_: Any, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None and not is_code_shaped(value):
        raise ValueError(f"{attribute.name}: must look like a CPT/HCPCS code (such as 97530), got {value!r}")


@attrs.frozen
class Term:
    """One phrase of the classifier's vocabulary and what it says about a description.

    ``phrase`` is plain words, matched after normalisation (case, punctuation, plural
    and ``-ing``/``-ed`` endings, clinic shorthand, one-letter typos); ``#`` stands for
    any number ("# patients"). Words must appear next to each other, in order, within
    one clause; a phrase found inside a longer matched phrase does not fire on its own.
    ``weight`` is how strongly the phrase points (1 a hint, 3 a clear sign, 5 decisive).
    ``kind`` says whether it points to ``code`` (``cue``), away from it (``against``),
    away from every code (``abstain``) or nowhere (``neutral``). ``source`` names who
    wrote it (``"ptcpt"`` for the bundled vocabulary, a plugin's name otherwise).

    Plugins hand Terms to the classifier through the ``ptcpt_register_terms`` hook::

        @ptcpt.hookimpl
        def ptcpt_register_terms(register):
            register(Term("blood flow restriction", code="97110", weight=3, source="acme"))
    """

    phrase: str = attrs.field(validator=_phrase)
    code: str | None = attrs.field(default=None, validator=_optional_code)
    weight: float = attrs.field(default=1.0, validator=_weight)
    kind: TermKind = attrs.field(default=TermKind.CUE, converter=TermKind)
    source: str = attrs.field(default="", validator=attrs.validators.instance_of(str))

    def __attrs_post_init__(self) -> None:
        needs_code = self.kind in (TermKind.CUE, TermKind.AGAINST)
        if needs_code and self.code is None:
            raise ValueError(f"code: a {self.kind.value} term needs the code it points to")
        if not needs_code and self.code is not None:
            raise ValueError(f"code: a {self.kind.value} term points to no code, got {self.code!r}")


def _score(_: Any, attribute: attrs.Attribute[float], value: float) -> None:
    if not isinstance(value, float) or not 0.0 < value <= 1.0:
        raise ValueError(f"{attribute.name}: must be a float in (0, 1], got {value!r}")


def _evidence(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen
class Suggestion:
    """One candidate code for a description, how sure the classifier is, and why.

    ``score`` is in (0, 1]: it grows with the weight of the evidence and shrinks when
    other codes have evidence too. ``evidence`` holds the words of the text (lower
    case) that led to the code, strongest first.
    """

    code: Code = attrs.field(validator=attrs.validators.instance_of(Code))
    score: float = attrs.field(validator=_score)
    evidence: tuple[str, ...] = attrs.field(default=(), converter=_evidence)

    def __str__(self) -> str:
        return f"{self.code.code} ({self.score:.2f})"

    @classmethod
    def _trusted(cls, code: Code, score: float, evidence: tuple[str, ...]) -> Suggestion:
        """Build without re-validating: for the classifier, whose values are valid by
        construction (it is on the hot path of every description)."""
        made = object.__new__(cls)
        _SET_CODE(made, code)
        _SET_SCORE(made, score)
        _SET_EVIDENCE(made, evidence)
        return made


# The slots' own setters: they skip the frozen class's __setattr__ guard, as
# object.__setattr__ does, at half its cost (no attribute look-up by name).
_SET_CODE = Suggestion.__dict__["code"].__set__
_SET_SCORE = Suggestion.__dict__["score"].__set__
_SET_EVIDENCE = Suggestion.__dict__["evidence"].__set__


class Suggestions(tuple[Suggestion, ...]):
    """The classifier's answer: suggestions best first; empty when no PT code fits.

    A plain tuple (so ``len``, indexing, iteration and ``==`` with a tuple all work)
    that also shows itself as a ranked table in a notebook.
    """

    __slots__ = ()

    def __new__(cls, items: Iterable[Suggestion] = ()) -> Suggestions:
        return super().__new__(cls, tuple(items))

    @overload
    def __getitem__(self, index: SupportsIndex) -> Suggestion: ...
    @overload
    def __getitem__(self, index: slice) -> Suggestions: ...
    def __getitem__(self, index: SupportsIndex | slice) -> Suggestion | Suggestions:
        if isinstance(index, slice):
            return Suggestions(super().__getitem__(index))
        return super().__getitem__(index)

    @property
    def codes(self) -> tuple[str, ...]:
        """The suggested code strings, best first."""
        return tuple(s.code.code for s in self)

    def __repr__(self) -> str:
        inner = ", ".join(f"{s.code.code}:{s.score:.2f}" for s in self)
        return f"<Suggestions [{inner}]>"

    def _repr_html_(self) -> str:
        from ptcpt._display import suggestions_html

        return suggestions_html(self)
