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
#: the Term fields a row sets: a validator message naming one of them names the field
_TERM_FIELDS = frozenset({"phrase", "code", "weight", "kind"})
_WORD_LISTS = frozenset({"stopwords", "negations", "refusals", "known"})
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


def _terms(document: Mapping[str, Any], file: str) -> list[Term]:
    from ptcpt._datafiles import build_value, table_rows

    terms: list[Term] = []
    rows = table_rows(document, "terms", file=file, required=_TERM_KEYS, optional=_TERM_OPTIONAL)
    for where, row in rows:
        phrases = _strings(row["phrases"], file=file, row=where, field="phrases")
        if not phrases:
            raise DataError("needs at least one phrase", file=file, row=where, field="phrases")
        fields = {
            "code": row.get("code"),
            "weight": row.get("weight", 1.0),
            "kind": row.get("kind", TermKind.CUE),
            "source": "ptcpt",
        }
        for number, phrase in enumerate(phrases):
            terms.append(
                build_value(
                    Term,
                    {"phrase": phrase, **fields},
                    file=file,
                    where=where,
                    known=_TERM_FIELDS,
                    rename={"phrase": f"phrases[{number}]"},
                )
            )
    return terms


def _features(document: Mapping[str, Any], file: str) -> dict[str, tuple[str, ...]]:
    from ptcpt._datafiles import check_keys

    features: dict[str, tuple[str, ...]] = {}
    for section, allowed in _SECTIONS.items():
        table = document.get(section)
        if not isinstance(table, Mapping):
            raise DataError("missing table", file=file, row=f"[{section}]")
        check_keys(
            table, required=allowed, optional=frozenset(), file=file, where=f"[{section}]", noun="list"
        )
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
    from ptcpt._datafiles import check_keys, check_top_level, read_bundled_text, read_toml

    document = check_top_level(
        read_toml(TERMS_FILE, terms_text), _TOP_LEVEL, file=TERMS_FILE, expected="a TOML table"
    )
    terms = _terms(document, TERMS_FILE)
    features = _features(document, TERMS_FILE)

    short = read_toml(SHORTHAND_FILE, shorthand_text)
    if set(short) != {"shorthand", "words"}:
        raise DataError("expected exactly the tables [shorthand] and [words]", file=SHORTHAND_FILE)
    table = short["shorthand"]
    for key, value in table.items():
        if not isinstance(value, str) or not value.strip():
            raise DataError("must map to non-empty words", file=SHORTHAND_FILE, row="[shorthand]", field=key)
    words = short["words"]
    check_keys(
        words, required=_WORD_LISTS, optional=frozenset(), file=SHORTHAND_FILE, where="[words]", noun="list"
    )
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
