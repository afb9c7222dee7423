"""Turning a service description into canonical tokens the vocabulary can match.

The same :class:`Normaliser` reads the vocabulary's phrases and the caller's text, so a
phrase written once in ``data/terms.toml`` matches every spelling the normaliser folds
together: case, punctuation, plural and ``-ing``/``-ed`` endings, clinic shorthand
(``TE``, ``e-stim``, ``w/c``), numbers (every number becomes ``#``) and, for words the
vocabulary knows, one-letter typos.

Speed matters more than elegance here: the classifier must read tens of thousands of
descriptions a second, so every word's canonical form is computed once and cached.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import chain, pairwise
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = ["BOUNDARY", "MAX_CHARS", "NEGATION", "NUMBER", "REFUSAL", "Normaliser", "Tokens", "stem"]

#: The classifier reads at most this many characters (after stripping surrounding
#: whitespace). A billing line or a daily note's plan section is far shorter; the cap
#: keeps a pasted megabyte from costing more than a few milliseconds.
MAX_CHARS = 4000

#: Canonical token for any number (digits or a number word from two to twelve).
NUMBER = "#"
#: Canonical token for a clause boundary (``. ; : ! ? , ( )`` and line breaks).
BOUNDARY = "|"
#: Canonical token for a negating word (no, not, without): it turns off the next phrase.
NEGATION = "~no"
#: Canonical token for a refusal (declined, refused, held, ...): it turns off every
#: phrase up to the end of its clause ("refused e-stim and exercise").
REFUSAL = "~refuse"

#: A run of one repeated ASCII punctuation mark ("!!!", "--", "//"); only ASCII marks
#: become tokens or shorthand, so only they need collapsing.
_RUNS = re.compile(r"([!-/:-@\[-`{-~])\1+")
_SLASHED = re.compile(r"(?<![a-z])(?:(w/c|b/l|s/p|c/o|w/o|h/o|f/u|d/c)(?![a-z0-9])|(w/))")
_SLASH_WORDS = {
    "w/c": " wheelchair ",
    "b/l": " bilateral ",
    "s/p": " status post ",
    "c/o": " complains of ",
    "w/o": " without ",
    "h/o": " history of ",
    "f/u": " follow up ",
    "d/c": " discontinue ",
    "w/": " with ",
}
_TICK = re.compile(r"(\d+)\s*[\u2019']")
_ONE_TO_ONE = re.compile(r"(?<!\d)1\s*:\s*1(?!\d)")
#: "2:1", "4:1": patients to one therapist, the clinic's shorthand for a group.
_MANY_TO_ONE = re.compile(r"(?<![\d:])([2-9]|1[0-9])\s*:\s*1(?![\d:])")
_TOKEN = re.compile(r"[a-z]+|\d+(?:\.\d+)?|[.;:!?,()\[\]\n]")
_BOUNDARY_CHARS = frozenset(".;:!?,()[]\n")
#: Two clause boundaries in a row, as they show in the joined canonical tokens: no other
#: token holds the boundary's character, so this finds repeated boundaries in one C pass.
_DOUBLE_BOUNDARY = BOUNDARY * 2
_NUMBER_WORDS = {
    "two": 2.0,
    "three": 3.0,
    "four": 4.0,
    "five": 5.0,
    "six": 6.0,
    "seven": 7.0,
    "eight": 8.0,
    "nine": 9.0,
    "ten": 10.0,
    "eleven": 11.0,
    "twelve": 12.0,
}
_KEEP_S = ("ss", "us", "is", "ys")
_CACHE_LIMIT = 50_000


def stem(word: str) -> str:
    """A deliberately crude stem: enough to fold plural, ``-ing`` and ``-ed`` endings.

    Applied identically to vocabulary and text, so it only has to be consistent, not
    linguistically right ("walking", "walked" and "walks" all become "walk"; short words
    such as "tape" and "tube" keep their ending so they stay apart from "tap" and "tub").
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith(_KEEP_S):
        word = word[:-1]
    if word.endswith("ing") and len(word) >= 7:
        word = word[:-3]
    elif word.endswith("ed") and len(word) >= 6:
        word = word[:-2]
    if len(word) >= 4 and word[-1] == word[-2] and word[-1] not in "lsz":
        word = word[:-1]
    if word.endswith("e") and len(word) >= 5:
        word = word[:-1]
    return word


def _tick(match: re.Match[str]) -> str:
    """``15'`` in a note is minutes, ``150'`` is feet: PT notes use the tick for both."""
    number = match.group(1)
    return f"{number} min " if int(number) <= 60 else f"{number} ft "


def _deletes(word: str) -> list[str]:
    return [word[:i] + word[i + 1 :] for i in range(len(word))]


def _transposes(word: str) -> list[str]:
    return [word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)]


class Tokens:
    """A normalised description: canonical tokens and the written word each came from."""

    __slots__ = ("canon", "raw", "source", "until")

    def __init__(
        self, canon: list[str], source: list[int], raw: list[str], until: list[int] | None = None
    ) -> None:
        self.canon = canon
        #: per canonical token, the written word it starts at ...
        self.source = source
        #: ... and the written word it ends at (later than ``source`` only for the
        #: expansion of multi-word shorthand: "e stim", "min A")
        self.until = source if until is None else until
        self.raw = raw

    def value(self, index: int) -> float | None:
        """The number behind canonical token ``index`` (None when it is not a number)."""
        if self.canon[index] != NUMBER:
            return None
        word = self.raw[self.source[index]]
        return _NUMBER_WORDS.get(word) or float(word)

    def words(self, start: int, end: int) -> str:
        """The text's own (lower-cased) words behind canonical tokens ``start..end``."""
        first = self.source[start]
        last = self.until[end - 1]
        if first == last:
            return self.raw[first]
        return " ".join([w for w in self.raw[first : last + 1] if w not in _BOUNDARY_CHARS])

    def __repr__(self) -> str:
        return f"<Tokens {' '.join(self.canon)!r}>"


class Normaliser:
    """Text to canonical tokens, built from the shorthand map and the vocabulary's words.

    ``shorthand`` maps a written form (one to four words, already lower case) to what it
    stands for; ``stopwords`` are dropped; ``negations`` become :data:`NEGATION`;
    ``known`` words are never "corrected". ``vocabulary`` (canonical stems) is set later
    with :meth:`learn` once the phrases are known, and is what typos are corrected to.
    """

    def __init__(
        self,
        *,
        shorthand: Mapping[str, str],
        stopwords: Iterable[str],
        negations: Iterable[str],
        refusals: Iterable[str] = (),
        known: Iterable[str] = (),
    ) -> None:
        self._stop = frozenset(stopwords)
        self._neg = frozenset(negations)
        self._refuse = frozenset(refusals)
        self._single: dict[str, tuple[str, ...]] = {}
        self._multi: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._multi_first: dict[str, int] = {}
        for written, meaning in shorthand.items():
            key = tuple(_TOKEN.findall(self._prepare(written)))
            expansion = tuple(stem(w) for w in _TOKEN.findall(self._prepare(meaning)) if w not in self._stop)
            if not key:
                continue
            if len(key) == 1:
                self._single[key[0]] = expansion
            else:
                self._multi[key] = expansion
                self._multi_first[key[0]] = max(self._multi_first.get(key[0], 0), len(key))
        #: The first two words of every multi-word shorthand: a text with none of these
        #: word pairs holds no multi-word shorthand, which one C-level set test shows
        #: (most texts), so :meth:`_has_multi` only runs for the rest.
        self._multi_pairs = frozenset(key[:2] for key in self._multi)
        self._known = {stem(w) for w in known} | {stem(w) for w in self._stop}
        self._vocab: set[str] = set()
        self._index: dict[str, list[str]] = {}
        self._cache: dict[str, tuple[str, ...]] = {}

    # -- building --------------------------------------------------------------------------
    def learn(self, words: Iterable[str]) -> None:
        """Make ``words`` (canonical stems) the targets of typo correction."""
        for word in words:
            if word in self._vocab or not word.isalpha():
                continue
            self._vocab.add(word)
            if len(word) >= 5:
                self._index.setdefault(word, []).append(word)
                for variant in _deletes(word):
                    self._index.setdefault(variant, []).append(word)
            elif len(word) == 4:
                for variant in _transposes(word):
                    self._index.setdefault("~" + variant, []).append(word)
        self._cache.clear()

    @property
    def vocabulary(self) -> frozenset[str]:
        """The canonical words typos are corrected to."""
        return frozenset(self._vocab)

    @property
    def vocabulary_set(self) -> set[str]:
        """The live set behind :attr:`vocabulary` (no copy; do not modify)."""
        return self._vocab

    # -- reading ---------------------------------------------------------------------------
    @staticmethod
    def _prepare(text: str) -> str:
        text = text.strip()[:MAX_CHARS].casefold()
        if not text.isascii():
            text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
        if _RUNS.search(text) is not None:
            text = _RUNS.sub(r"\1", text)
        if "/" in text:
            text = _SLASHED.sub(lambda m: _SLASH_WORDS[m.group(1) or m.group(2)], text)
        if "'" in text or "\u2019" in text:
            text = _TICK.sub(_tick, text)
        if ":" in text and "1" in text:
            text = _ONE_TO_ONE.sub(" oneonone ", text)
            text = _MANY_TO_ONE.sub(r" \1 patients group ", text)
        if "+" in text:
            text = text.replace("+", " plus ")
        if "&" in text:
            text = text.replace("&", " and ")
        return text

    def phrase(self, text: str) -> tuple[str, ...]:
        """Canonical tokens of a vocabulary phrase (no typo correction, no boundaries)."""
        text = text.replace(NUMBER, " 0 ")
        return tuple(t for t in self.tokens(text, correct=False).canon if t != BOUNDARY)

    def tokens(self, text: str, *, correct: bool = True) -> Tokens:
        """Normalise ``text`` into :class:`Tokens`."""
        raw = _TOKEN.findall(self._prepare(text))
        cache = self._cache if correct else {}
        multi_first = self._multi_first
        if (
            correct
            and "re" not in raw
            and (self._multi_pairs.isdisjoint(pairwise(raw)) or not self._has_multi(raw))
        ):
            # the common case: word by word, through the cache
            try:
                per_word = [cache[word] for word in raw]
            except KeyError:
                per_word = [cache.get(word) or self._remember(word) for word in raw]
            canon = list(chain.from_iterable(per_word))
            source = [i for i, parts in enumerate(per_word) for _ in parts]
            if BOUNDARY in canon:
                if canon[-1] == BOUNDARY:  # the closing full stop most texts end with
                    canon.pop()
                    source.pop()
                if canon and (
                    canon[0] == BOUNDARY or canon[-1] == BOUNDARY or _DOUBLE_BOUNDARY in "".join(canon)
                ):
                    self._trim_boundaries(canon, source)
            return Tokens(canon, source, raw)
        canon = []
        source = []
        until: list[int] = []
        multi = self._multi
        n = len(raw)
        i = 0
        while i < n:
            word = raw[i]
            if word == "re" and i + 1 < n and raw[i + 1].isalpha() and (i + 2 >= n or raw[i + 2] != "ed"):
                # "re-eval", "re assess": the prefix belongs to the next word
                word = raw[i + 1] = "re" + raw[i + 1]
                i += 1
            longest = multi_first.get(word)
            if longest:
                for size in range(min(longest, n - i), 1, -1):
                    expansion = multi.get(tuple(raw[i : i + size]))
                    if expansion is not None:
                        canon.extend(expansion)
                        source.extend([i] * len(expansion))
                        until.extend([i + size - 1] * len(expansion))
                        i += size
                        break
                else:
                    longest = 0
                if longest:
                    continue
            parts = cache.get(word)
            if parts is None:
                parts = self._canonical(word, correct)
                if len(cache) >= _CACHE_LIMIT:
                    cache.clear()
                cache[word] = parts
            if len(parts) == 1:
                part = parts[0]
                if part == BOUNDARY and (not canon or canon[-1] == BOUNDARY):
                    i += 1
                    continue
                canon.append(part)
                source.append(i)
                until.append(i)
            elif parts:
                canon.extend(parts)
                source.extend([i] * len(parts))
                until.extend([i] * len(parts))
            i += 1
        if canon and canon[-1] == BOUNDARY:
            canon.pop()
            source.pop()
            until.pop()
        return Tokens(canon, source, raw, until)

    def _has_multi(self, raw: list[str]) -> bool:
        """True when a multi-word shorthand ("e stim", "min a") starts somewhere in ``raw``."""
        multi_first = self._multi_first
        multi = self._multi
        for i, word in enumerate(raw):
            longest = multi_first.get(word)
            if longest:
                for size in range(2, longest + 1):
                    if tuple(raw[i : i + size]) in multi:
                        return True
        return False

    def _remember(self, word: str) -> tuple[str, ...]:
        parts = self._canonical(word, True)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[word] = parts
        return parts

    @staticmethod
    def _trim_boundaries(canon: list[str], source: list[int]) -> None:
        """Drop leading, trailing and repeated clause boundaries, in place."""
        keep = [
            i
            for i, token in enumerate(canon)
            if token != BOUNDARY or (i > 0 and canon[i - 1] != BOUNDARY and i < len(canon) - 1)
        ]
        if len(keep) != len(canon):
            canon[:] = [canon[i] for i in keep]
            source[:] = [source[i] for i in keep]
        while canon and canon[0] == BOUNDARY:
            del canon[0], source[0]
        while canon and canon[-1] == BOUNDARY:
            del canon[-1], source[-1]

    def _canonical(self, word: str, correct: bool) -> tuple[str, ...]:
        if word[0].isdigit():
            return (NUMBER,)
        if word in _BOUNDARY_CHARS:
            return (BOUNDARY,)
        if word in _NUMBER_WORDS:
            return (NUMBER,)
        single = self._single
        if word in self._neg:
            return (NEGATION,)
        if word in self._refuse:
            return (REFUSAL,)
        if word in self._stop:
            return ()
        expansion = single.get(word)
        if expansion is None and word.endswith("s") and len(word) > 3:
            expansion = single.get(word[:-1])
        if expansion is not None:
            return expansion
        stemmed = stem(word)
        if not correct or stemmed in self._vocab or stemmed in self._known:
            return (stemmed,)
        return (self.correct(stemmed),)

    def correct(self, word: str) -> str:
        """The vocabulary word ``word`` is one typo away from, or ``word`` itself.

        Words of five letters or more may differ by one inserted, deleted, replaced or
        swapped letter; four-letter words only by a swap of neighbours ("giat"). Ties
        go to the candidate of the same length, then alphabetical order, so the answer
        never depends on set ordering.
        """
        index = self._index
        if len(word) >= 5:
            found: set[str] = set(index.get(word, ()))
            for variant in _deletes(word):
                if variant in self._vocab and len(variant) >= 5:
                    found.add(variant)
                found.update(index.get(variant, ()))
        elif len(word) == 4:
            found = set(index.get("~" + word, ()))
        else:
            return word
        if not found:
            return word
        return min(found, key=lambda w: (abs(len(w) - len(word)), w))
