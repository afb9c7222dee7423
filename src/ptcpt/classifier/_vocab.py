"""Loading the classifier's bundled vocabulary (``terms.toml``, ``shorthand.toml``).

Every row is validated here so a bad edit fails loudly with the file, the row and the
field, never as a silently dead phrase.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ptcpt.classifier._values import Term, TermKind
from ptcpt.errors import DataError

__all__ = ["SHORTHAND_FILE", "TERMS_FILE", "Lexicon", "load_lexicon"]

TERMS_FILE = "terms.toml"
SHORTHAND_FILE = "shorthand.toml"
KNOWN_WORDS_FILE = "known_words.txt"

_TERM_KEYS = frozenset({"phrases"})
_TERM_OPTIONAL = frozenset({"code", "kind", "weight"})
_TOP_LEVEL = frozenset(
    {"terms", "complexity", "regions", "muscles", "payers", "wounds", "groups", "estim", "rtm", "caregiver"}
)
_COMPLEXITY = frozenset(
    {
        "comorbidities",
        "none_phrases",
        "few_phrases",
        "many_phrases",
        "systems",
        "systems_count",
        "stable",
        "evolving",
        "unstable",
    }
)
_SECTIONS: dict[str, frozenset[str]] = {
    "complexity": _COMPLEXITY,
    "muscles": frozenset({"names", "count_phrases", "many_phrases"}),
    "payers": frozenset({"medicare", "other"}),
    "wounds": frozenset({"words", "area_phrases"}),
    "groups": frozenset({"size_phrases", "words", "individual"}),
    "estim": frozenset({"attended", "unattended"}),
    "rtm": frozenset({"respiratory", "cbt", "setup"}),
    "caregiver": frozenset({"absent"}),
}


@attrs.frozen
class Lexicon:
    """Everything the bundled vocabulary files say, validated but not yet indexed.

    ``features`` maps a feature name (``"cx:comorbidity"``, ``"region:29530"``,
    ``"payer:medicare"``, ...) to the phrases that signal it; the classifier's
    resolvers read features to pick a code within a family.
    """

    terms: tuple[Term, ...]
    features: Mapping[str, tuple[str, ...]]
    shorthand: Mapping[str, str]
    stopwords: tuple[str, ...]
    negations: tuple[str, ...]
    refusals: tuple[str, ...]
    known: tuple[str, ...]


def _strings(value: Any, *, file: str, row: str, field: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise DataError("must be a list of non-empty strings", file=file, row=row, field=field)
    return tuple(value)


def _terms(rows: Any, file: str) -> list[Term]:
    from ptcpt._datafiles import check_keys

    if not isinstance(rows, list) or not rows:
        raise DataError("expected one or more [[terms]] tables", file=file)
    terms: list[Term] = []
    for index, row in enumerate(rows):
        where = f"terms[{index}]"
        if not isinstance(row, Mapping):
            raise DataError("each entry must be a table", file=file, row=where)
        check_keys(row, required=_TERM_KEYS, optional=_TERM_OPTIONAL, file=file, where=where)
        phrases = _strings(row["phrases"], file=file, row=where, field="phrases")
        if not phrases:
            raise DataError("needs at least one phrase", file=file, row=where, field="phrases")
        for number, phrase in enumerate(phrases):
            try:
                terms.append(
                    Term(
                        phrase,
                        code=row.get("code"),
                        weight=row.get("weight", 1.0),
                        kind=row.get("kind", TermKind.CUE),
                        source="ptcpt",
                    )
                )
            except (TypeError, ValueError) as exc:
                field, _, reason = str(exc).partition(": ")
                if field not in {"phrase", "code", "weight", "kind"}:
                    field, reason = "", str(exc)
                if field == "phrase":
                    field = f"phrases[{number}]"
                raise DataError(reason, file=file, row=where, field=field or None) from None
    return terms


def _features(document: Mapping[str, Any], file: str) -> dict[str, tuple[str, ...]]:
    features: dict[str, tuple[str, ...]] = {}
    for section, allowed in _SECTIONS.items():
        table = document.get(section)
        if not isinstance(table, Mapping):
            raise DataError("missing table", file=file, row=f"[{section}]")
        for key in sorted(set(allowed) - table.keys()):
            raise DataError("required list is missing", file=file, row=f"[{section}]", field=key)
        for key in sorted(table.keys() - allowed):
            raise DataError("unknown list", file=file, row=f"[{section}]", field=key)
        for key in sorted(allowed):
            features[f"{section}:{key}"] = _strings(table[key], file=file, row=f"[{section}]", field=key)
    regions = document.get("regions")
    if not isinstance(regions, Mapping) or "arm" not in regions:
        raise DataError("missing table with an 'arm' list", file=file, row="[regions]")
    for key, value in regions.items():
        features[f"regions:{key}"] = _strings(value, file=file, row="[regions]", field=key)
    return features


def load_lexicon(terms_text: str | None = None, shorthand_text: str | None = None) -> Lexicon:
    """Read and validate the two vocabulary files (the bundled ones by default)."""
    from ptcpt._datafiles import read_bundled_text, read_toml

    document = read_toml(TERMS_FILE, terms_text)
    unknown = set(document) - _TOP_LEVEL
    if unknown:
        raise DataError(f"unknown top-level keys {sorted(unknown)}", file=TERMS_FILE)
    terms = _terms(document.get("terms"), TERMS_FILE)
    features = _features(document, TERMS_FILE)

    short = read_toml(SHORTHAND_FILE, shorthand_text)
    if set(short) != {"shorthand", "words"}:
        raise DataError("expected exactly the tables [shorthand] and [words]", file=SHORTHAND_FILE)
    table = short["shorthand"]
    for key, value in table.items():
        if not isinstance(value, str) or not value.strip():
            raise DataError("must map to non-empty words", file=SHORTHAND_FILE, row="[shorthand]", field=key)
    words = short["words"]
    for key in sorted({"stopwords", "negations", "refusals", "known"} - words.keys()):
        raise DataError("required list is missing", file=SHORTHAND_FILE, row="[words]", field=key)
    for key in sorted(words.keys() - {"stopwords", "negations", "refusals", "known"}):
        raise DataError("unknown list", file=SHORTHAND_FILE, row="[words]", field=key)
    return Lexicon(
        terms=tuple(terms),
        features=features,
        shorthand=dict(table),
        stopwords=_strings(words["stopwords"], file=SHORTHAND_FILE, row="[words]", field="stopwords"),
        negations=_strings(words["negations"], file=SHORTHAND_FILE, row="[words]", field="negations"),
        refusals=_strings(words["refusals"], file=SHORTHAND_FILE, row="[words]", field="refusals"),
        known=_strings(words["known"], file=SHORTHAND_FILE, row="[words]", field="known")
        + _known_words(read_bundled_text(KNOWN_WORDS_FILE)),
    )


def _known_words(text: str) -> tuple[str, ...]:
    words: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        word = line.strip()
        if not word or word.startswith("#"):
            continue
        if not word.isalpha() or not word.islower():
            raise DataError("must be one lower-case word", file=KNOWN_WORDS_FILE, row=number)
        words.append(word)
    return tuple(words)
