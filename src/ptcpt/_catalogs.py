"""The catalog: every code a physical therapist bills, looked up by code and by date.

The bundled catalog (``data/codes.toml``, read from its compiled twin ``codes.json``) is
loaded on first use and cached. Deleted
codes stay in it with their deletion date and replacements, because claims for old dates
of service, and old habits, still carry them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from ptcpt._codes import Category, Code, TherapyList, Timing, is_code_shaped
from ptcpt._datafiles import (
    build_value,
    check_top_level,
    read_bundled_text,
    read_toml,
    table_rows,
)
from ptcpt.errors import DataError, UnknownCode

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Catalog", "catalog", "load_codes"]

CODES_FILE = "codes.toml"
#: codes.toml compiled by scripts/build_catalog_json.py: the same rows, 50x faster to parse.
CODES_JSON = "codes.json"

_REQUIRED = frozenset(
    {
        "code",
        "name",
        "summary",
        "category",
        "timing",
        "one_on_one",
        "therapy_list",
        "disciplines",
        "examples",
        "source",
    }
)
_OPTIONAL = frozenset(
    {"unit_minutes", "effective", "deleted", "replaced_by", "add_on_to", "notes", "unconfirmed"}
)
#: every key a codes row may have: a validator message naming one of them names the field
_FIELDS = _REQUIRED | _OPTIONAL
_WORD = re.compile(r"[a-z0-9]+")


class Catalog:
    """An immutable collection of :class:`Code` objects, indexed by code string.

    ``as_of`` is set on a dated view made by :meth:`for_date`: such a view holds only
    the codes billable on that date of service.
    """

    __slots__ = ("_by_code", "_codes", "_search_index", "as_of")

    def __init__(self, codes: Iterable[Code], *, as_of: dt.date | None = None) -> None:
        ordered = tuple(codes)
        by_code: dict[str, Code] = {}
        for code in ordered:
            if code.code in by_code:
                raise DataError(f"code {code.code} appears twice in the catalog")
            by_code[code.code] = code
        self._codes = ordered
        self._by_code = by_code
        self._search_index: tuple[tuple[Code, frozenset[str], str], ...] | None = None
        self.as_of = as_of

    # -- mapping-like access ----------------------------------------------------------
    def __getitem__(self, code: str) -> Code:
        found = self._by_code.get(code) if isinstance(code, str) else None
        if found is None:
            raise UnknownCode(str(code), self.close_matches(str(code)))
        return found

    def get(self, code: str, default: Code | None = None) -> Code | None:
        """The code, or ``default`` when the catalog does not hold it."""
        return self._by_code.get(code, default) if isinstance(code, str) else default

    def __contains__(self, code: object) -> bool:
        if isinstance(code, Code):
            return self._by_code.get(code.code) == code
        return isinstance(code, str) and code in self._by_code

    def __iter__(self) -> Iterator[Code]:
        return iter(self._codes)

    def __len__(self) -> int:
        return len(self._codes)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Catalog):
            return NotImplemented
        return self._codes == other._codes and self.as_of == other.as_of

    def __hash__(self) -> int:
        return hash((self._codes, self.as_of))

    def __repr__(self) -> str:
        dated = f" as of {self.as_of.isoformat()}" if self.as_of else ""
        return f"<Catalog of {len(self)} codes{dated}>"

    @property
    def codes(self) -> tuple[Code, ...]:
        """Every code, in the catalog's order (by category, then code)."""
        return self._codes

    # -- dated views and filters -------------------------------------------------------
    def for_date(self, on: dt.date) -> Catalog:
        """A view holding exactly the codes billable on ``on`` (effective <= on < deleted)."""
        if not isinstance(on, dt.date) or isinstance(on, dt.datetime):
            raise TypeError(f"for_date needs a datetime.date, got {type(on).__name__}")
        return Catalog((c for c in self._codes if c.is_active(on)), as_of=on)

    def filter(
        self,
        *,
        category: Category | str | None = None,
        timing: Timing | str | None = None,
        therapy_list: TherapyList | str | None = None,
        discipline: str | None = None,
        active_on: dt.date | None = None,
    ) -> Catalog:
        """A view of the codes matching every criterion given.

        Strings are accepted for the enums (``category="evaluation"``); an unknown value
        raises ``ValueError`` listing the allowed ones.
        """
        cat = _enum_arg(Category, category, "category")
        tim = _enum_arg(Timing, timing, "timing")
        tl = _enum_arg(TherapyList, therapy_list, "therapy_list")
        chosen = [
            c
            for c in self._codes
            if (cat is None or c.category is cat)
            and (tim is None or c.timing is tim)
            and (tl is None or c.therapy_list is tl)
            and (discipline is None or discipline.upper() in c.disciplines)
            and (active_on is None or c.is_active(active_on))
        ]
        return Catalog(chosen, as_of=active_on or self.as_of)

    # -- replacements and near misses ----------------------------------------------------
    def replacements(self, code: str, on: dt.date | None = None) -> tuple[Code, ...]:
        """The codes to use instead of a deleted one, following chains of deletions.

        97532 was replaced by 97127 and G0515, themselves replaced by 97129/97130 in
        2020: for a 2021 date of service the answer is 97129 and 97130. Without ``on``
        the direct replacements are returned.
        """
        start = self[code]
        if on is None:
            return tuple(self._by_code[c] for c in start.replaced_by if c in self._by_code)
        result: list[Code] = []
        seen: set[str] = {start.code}
        pending = list(start.replaced_by)
        while pending:
            current = pending.pop(0)
            if current in seen or current not in self._by_code:
                continue
            seen.add(current)
            found = self._by_code[current]
            if found.deleted is not None and on >= found.deleted and found.replaced_by:
                pending.extend(found.replaced_by)
            elif found not in result:
                result.append(found)
        return tuple(result)

    def close_matches(self, code: str, limit: int = 3) -> tuple[str, ...]:
        """Known codes that look like ``code`` (a typo, a digit off, a letter for a digit)."""
        if not isinstance(code, str) or not code:
            return ()
        wanted = code.strip().upper()[:10]
        same_length = [
            c
            for c in self._by_code
            if len(c) == len(wanted) and sum(a != b for a, b in zip(c, wanted, strict=True)) == 1
        ]
        others = difflib.get_close_matches(wanted, list(self._by_code), n=limit, cutoff=0.6)
        merged = list(dict.fromkeys(sorted(same_length) + others))
        return tuple(merged[:limit])

    # -- search --------------------------------------------------------------------------
    def search(self, text: str, *, limit: int | None = 20) -> tuple[Code, ...]:
        """Codes whose code, name, summary or examples mention the words of ``text``.

        A plain word search for browsing (the classifier is the tool for reading a
        clinical description). Codes matching more of the words come first; name hits
        count more than summary or example hits. Never raises for any string.
        """
        if not isinstance(text, str):
            raise TypeError(f"search needs a str, got {type(text).__name__}")
        query = text.strip().upper()
        if is_code_shaped(query) and query in self._by_code:
            return (self._by_code[query],)
        words = set(_WORD.findall(text.lower()))
        if not words:
            return ()
        scored: list[tuple[float, str, Code]] = []
        for code, name_words, body in self._index():
            hits = 0.0
            for word in words:
                if word in name_words:
                    hits += 2.0
                elif word in body:
                    hits += 1.0
                elif word == code.code.lower() or code.code.lower().startswith(word):
                    hits += 3.0
            if hits:
                scored.append((-hits, code.code, code))
        scored.sort(key=lambda item: (item[0], item[1]))
        found = tuple(code for _, _, code in scored)
        return found if limit is None else found[:limit]

    def _index(self) -> tuple[tuple[Code, frozenset[str], str], ...]:
        if self._search_index is None:
            self._search_index = tuple(
                (
                    code,
                    frozenset(_WORD.findall(code.name.lower())),
                    " ".join([code.summary, *code.examples, code.notes]).lower(),
                )
                for code in self._codes
            )
        return self._search_index

    def to_frame(self) -> pd.DataFrame:
        """A pandas DataFrame, one row per code (needs the ``pandas`` extra).

        For browsing and joining in a notebook; see :func:`ptcpt.frames.catalog_to_frame`.
        """
        from ptcpt._frame_output import catalog_to_frame

        return catalog_to_frame(self)

    def _repr_html_(self) -> str:
        from ptcpt._display import catalog_html

        return catalog_html(self)


def _enum_arg(enum_type: Any, value: Any, name: str) -> Any:
    if value is None or isinstance(value, enum_type):
        return value
    try:
        return enum_type(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum_type)
        raise ValueError(f"{name}: {value!r} is not one of {allowed}") from None


def load_codes(text: str | None = None, *, file: str = CODES_FILE) -> tuple[Code, ...]:
    """Parse and validate a codes file in the codes.toml format.

    With ``text`` None the bundled catalog is read from its compiled JSON twin (the
    TOML is for people; a test keeps the two identical). Any problem raises
    :class:`DataError` naming the file, the row (``codes[i]``, with the code when it can
    be read) and the field.
    """
    if text is None:
        import json

        file = CODES_JSON
        try:
            document = json.loads(read_bundled_text(CODES_JSON))
        except json.JSONDecodeError as exc:
            raise DataError(f"not valid JSON: {exc}", file=file) from None
    else:
        document = read_toml(file, text)
    document = check_top_level(document, frozenset({"codes"}), file=file, expected="a table of [[codes]]")
    rows = table_rows(document, "codes", file=file, required=_REQUIRED, optional=_OPTIONAL, label="code")
    codes = [_code_from_row(row, file=file, where=where) for where, row in rows]
    return tuple(codes)


def _code_from_row(row: Mapping[str, Any], *, file: str, where: str) -> Code:
    for key in ("replaced_by", "add_on_to", "examples", "unconfirmed", "disciplines"):
        value = row.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise DataError("must be a list of strings", file=file, row=where, field=key)
    dates: dict[str, dt.date | None] = {}
    for key in ("effective", "deleted"):
        value = row.get(key)
        if isinstance(value, str) and file.endswith(".json"):
            with contextlib.suppress(ValueError):
                value = dt.date.fromisoformat(value)
        if value is not None and (not isinstance(value, dt.date) or isinstance(value, dt.datetime)):
            raise DataError("must be a date such as 2018-01-01", file=file, row=where, field=key)
        dates[key] = value
    for key, enum_type in (("category", Category), ("timing", Timing)):
        try:
            enum_type(row[key])
        except ValueError:
            allowed = ", ".join(member.value for member in enum_type)
            raise DataError(
                f"{row[key]!r} is not one of {allowed}", file=file, row=where, field=key
            ) from None
    therapy_list = row["therapy_list"]
    if therapy_list not in ("always", "sometimes", "none"):
        raise DataError(
            f"{therapy_list!r} is not one of always, sometimes, none",
            file=file,
            row=where,
            field="therapy_list",
        )
    return build_value(
        Code,
        {
            "code": row["code"],
            "name": row["name"],
            "summary": row["summary"],
            "category": row["category"],
            "timing": row["timing"],
            "unit_minutes": row.get("unit_minutes"),
            "one_on_one": row["one_on_one"],
            "therapy_list": None if therapy_list == "none" else therapy_list,
            "disciplines": tuple(row["disciplines"]),
            "effective": dates["effective"],
            "deleted": dates["deleted"],
            "replaced_by": tuple(row.get("replaced_by", ())),
            "add_on_to": tuple(row.get("add_on_to", ())),
            "examples": tuple(row["examples"]),
            "notes": row.get("notes", ""),
            "unconfirmed": tuple(row.get("unconfirmed", ())),
            "source": row["source"],
        },
        file=file,
        where=where,
        known=_FIELDS,
    )


@functools.cache
def catalog() -> Catalog:
    """The bundled catalog, loaded on first use and then shared (it is immutable)."""
    return Catalog(load_codes())
