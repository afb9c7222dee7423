"""A visit and its billed lines: the values every other part of ptcpt reasons about.

Both classes check their *structure* where they are born (types, ranges, the shape of a
code) and raise :class:`~ptcpt.errors.InvalidVisit` naming the field and the fix.
Whether a well-shaped code is known, deleted or wrongly paired is a *semantic* question:
the rule engine reports those as findings, so a batch scrubber sees every problem rather
than stopping at the first.

A visit carries no patient data: no names, birth dates or member ids. ``description`` is
free text for the classifier, so error messages never echo it.

Dict and JSON conversion lives in :mod:`ptcpt.serialize`, never here; the fast
constructors it uses live here, beside the validators they must agree with.

Over 500 lines by choice: the validators, the field lists derived from the classes and the
fast constructors that repeat the validators' checks inline are one idea (what a valid
Line and Visit are), and keeping them in one file is what lets a reader, and the property
tests in tests/test_visit.py, hold them equal.
"""

from __future__ import annotations

import datetime as dt
import math
import operator
import re
import string
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from ptcpt._codes import CODE_PATTERN, is_code_shaped
from ptcpt.errors import InvalidVisit

__all__ = [
    "KX_BUCKETS",
    "LINE_FIELDS",
    "MAX_ID_LENGTH",
    "MAX_MINUTES",
    "MAX_UNITS",
    "NO_SPACE",
    "PAYER_PATTERN",
    "VISIT_FIELDS",
    "Line",
    "Visit",
    "YtdAllowed",
    "fast_line",
    "fast_visit",
    "line_with_units",
    "parse_money",
    "parse_ytd_allowed",
    "show_value",
    "under_path",
]

#: A day has 1440 minutes; more on one line means a typo or several days on one line.
MAX_MINUTES = 1440
#: Far above any real line (MUEs for PT codes are single digits); catches typos.
MAX_UNITS = 1000
#: The longest visit id or payer id we accept: ids are keys, not documents.
MAX_ID_LENGTH = 64
#: A payer profile id: lower case, digits, ``_``, ``.`` and ``-``.
PAYER_PATTERN = re.compile(r"[a-z0-9][a-z0-9_.-]*")
_MODIFIER = re.compile(r"[A-Z0-9]{2}")
#: An id: one or more characters, none of them whitespace.
NO_SPACE = re.compile(r"\S+")
#: A plain, non-negative decimal amount as text: ASCII digits with an optional fraction
#: (``\d`` would admit full-width and Arabic-Indic digits, which Decimal reads silently).
_DECIMAL_TEXT = re.compile(r"\+?[0-9]+(?:\.[0-9]+)?")


def show_value(value: object) -> str:
    """How an offending value appears in a message: short values verbatim, never long text.

    Public so the readers (:mod:`ptcpt.serialize`, :mod:`ptcpt.frames`) word their errors
    as the converters here do.
    """
    if value is None or isinstance(value, bool | int | Decimal):
        return repr(value) if not isinstance(value, Decimal) else str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        if len(value) <= 16 and value.isprintable():
            return repr(value)
        return f"a {len(value)}-character string"
    article = "an" if type(value).__name__[:1].lower() in "aeiou" else "a"
    return f"{article} {type(value).__name__}"


def under_path(prefix: str, exc: InvalidVisit) -> InvalidVisit:
    """The same error, with its path placed under ``prefix`` (``lines[2]`` + ``minutes``)."""
    path = f"{prefix}.{exc.path}" if exc.path else prefix
    return InvalidVisit(path, exc.reason)


def _whole_number(value: Any, path: str, low: int, high: int | None, wanted: str) -> int:
    """``value`` as a plain int in ``[low, high]``, or InvalidVisit saying ``wanted``.

    Integer-like values (numpy integers, anything with ``__index__``) become ``int`` so
    equality and JSON output stay simple. ``bool`` is refused: ``True`` minutes is a bug.
    """
    if type(value) is not int:
        if isinstance(value, bool) or not hasattr(value, "__index__"):
            raise InvalidVisit(path, f"{wanted}, got {show_value(value)}")
        value = operator.index(value)
    if value < low:
        raise InvalidVisit(path, f"{wanted}, got {value}")
    if high is not None and value > high:
        if high == MAX_MINUTES:
            raise InvalidVisit(
                path,
                f"must be at most {MAX_MINUTES} (24 hours); bill each date of service on its "
                f"own line, got {value}",
            )
        raise InvalidVisit(path, f"{wanted}, got {value}")
    result: int = value
    return result


def _line_units(value: Any) -> int:
    return _whole_number(value, "units", 1, MAX_UNITS, f"must be a whole number from 1 to {MAX_UNITS}")


def _minutes(value: Any) -> int | None:
    if value is None:
        return None
    return _whole_number(value, "minutes", 0, MAX_MINUTES, "must be a whole number >= 0")


def _assistant_minutes(value: Any) -> int | None:
    if value is None:
        return None
    return _whole_number(value, "assistant_minutes", 0, MAX_MINUTES, "must be a whole number >= 0")


def _group_size(value: Any) -> int | None:
    if value is None:
        return None
    return _whole_number(
        value, "group_size", 1, None, "must be a whole number >= 1 (the patients treated together)"
    )


def _code(value: Any) -> str:
    if isinstance(value, str) and not value.isascii():
        # Full-width or Arabic-Indic digits print like a code but are not one: say so,
        # rather than let the code through as "unknown" or look merely misshapen.
        raise InvalidVisit(
            "code",
            "must be written in ASCII letters and digits (0-9), as billed; got non-ASCII "
            f"characters such as full-width or Arabic-Indic digits: {show_value(value)}",
        )
    if not is_code_shaped(value):
        raise InvalidVisit(
            "code",
            "must be a CPT/HCPCS code: 5 characters in upper case such as 97110, 0552T "
            f"or G0283, got {show_value(value)}",
        )
    result: str = value
    return result


def _modifiers(value: Any) -> tuple[str, ...]:
    """Upper-case, de-duplicated modifiers in the order given."""
    if not isinstance(value, list | tuple):
        raise InvalidVisit(
            "modifiers",
            f"must be a list of 2-character modifiers such as ['GP', 'KX'], got {show_value(value)}",
        )
    seen: dict[str, None] = {}
    for i, item in enumerate(value):
        if not isinstance(item, str) or not _MODIFIER.fullmatch(upper := item.upper()):
            raise InvalidVisit(
                f"modifiers[{i}]", f"must be 2 letters or digits such as GP, KX or 59, got {show_value(item)}"
            )
        seen[upper] = None
    return tuple(seen)


def _description(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise InvalidVisit("description", f"must be text or null, got {show_value(value)}")


@attrs.frozen(kw_only=True)
class Line:
    """One billed line of a visit: a code, its units and the minutes behind them.

    ``minutes`` are the timed minutes spent on this code that day (``None`` for untimed
    codes, or when unknown); ``assistant_minutes`` are the part of them a PTA furnished,
    which Medicare's CQ rule needs. Build a changed line with ``attrs.evolve``.
    """

    code: str = attrs.field(converter=_code)
    units: int = attrs.field(default=1, converter=_line_units)
    minutes: int | None = attrs.field(default=None, converter=_minutes)
    modifiers: tuple[str, ...] = attrs.field(default=(), converter=_modifiers)
    group_size: int | None = attrs.field(default=None, converter=_group_size)
    assistant_minutes: int | None = attrs.field(default=None, converter=_assistant_minutes)
    description: str | None = attrs.field(default=None, converter=_description)

    def __attrs_post_init__(self) -> None:
        # Cross-field check: needs both values, so it runs after every converter.
        if (
            self.assistant_minutes is not None
            and self.minutes is not None
            and self.assistant_minutes > self.minutes
        ):
            raise InvalidVisit(
                "assistant_minutes",
                f"must not exceed the line's minutes ({self.minutes}), got {self.assistant_minutes}",
            )


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    got = "a datetime (pass its .date())" if isinstance(value, dt.datetime) else show_value(value)
    raise InvalidVisit(
        "date",
        f"must be a datetime.date (ptcpt.serialize reads ISO text such as 2025-03-12), got {got}",
    )


def _lines(value: Any) -> tuple[Line, ...]:
    if not isinstance(value, list | tuple):
        raise InvalidVisit("lines", f"must be a list or tuple of ptcpt.Line, got {show_value(value)}")
    lines = tuple(value)
    if not lines:
        raise InvalidVisit("lines", "must hold at least one line; a visit bills something")
    day = 0
    for i, line in enumerate(lines):
        if type(line) is not Line:
            raise InvalidVisit(
                f"lines[{i}]",
                f"must be a ptcpt.Line, got {show_value(line)} "
                "(ptcpt.serialize.visit_from_dict builds lines from plain data)",
            )
        if line.minutes is not None:
            day += line.minutes
            if day > MAX_MINUTES:
                # A visit is one day: its lines' minutes share the day's 1440, whichever
                # codes they bill. Named by the field the caller wrote, where it overflows.
                raise InvalidVisit(
                    f"lines[{i}].minutes",
                    f"the minutes of lines[0] to lines[{i}] add up to {day}, more than the "
                    f"{MAX_MINUTES} minutes in a day; bill each date of service as its own visit",
                )
    return lines


def _payer(value: Any) -> str:
    if isinstance(value, str) and len(value) <= MAX_ID_LENGTH and PAYER_PATTERN.fullmatch(value):
        return value
    raise InvalidVisit(
        "payer",
        "must be a payer profile id: lower-case letters, digits, '_', '.' or '-', "
        f"such as 'medicare' or 'commercial', at most {MAX_ID_LENGTH} characters, got {show_value(value)}",
    )


def _visit_id(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and len(value) <= MAX_ID_LENGTH and NO_SPACE.fullmatch(value):
        return value
    # The id is the caller's own key: say what is wrong with it without echoing it.
    got = f"a {len(value)}-character string" if isinstance(value, str) else show_value(value)
    raise InvalidVisit("id", f"must be 1 to {MAX_ID_LENGTH} characters with no whitespace, got {got}")


def parse_money(value: Any, path: str = "ytd_allowed") -> Decimal | None:
    """A non-negative, finite Decimal from a Decimal, int, plain decimal text or finite float."""
    wanted = "must be a decimal amount >= 0 such as '1250.00'"
    if value is None:
        return None
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, bool):
        raise InvalidVisit(path, f"{wanted}, got {value!r}")
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidVisit(path, f"{wanted}, got {value!r}")
        amount = Decimal(repr(value))  # the shortest text that round-trips: 0.1 -> 0.1
    elif isinstance(value, str):
        if not _DECIMAL_TEXT.fullmatch(value):
            raise InvalidVisit(path, f"{wanted}, got {show_value(value)}")
        try:
            amount = Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid text
            raise InvalidVisit(path, f"{wanted}, got {show_value(value)}") from None
    else:
        raise InvalidVisit(path, f"{wanted}, got {show_value(value)}")
    if not amount.is_finite() or amount < 0:
        raise InvalidVisit(path, f"{wanted}, got {amount}")
    return amount.copy_abs() if amount.is_signed() else amount  # -0.00 -> 0.00


#: Medicare's KX threshold buckets: physical therapy and speech-language pathology
#: together, occupational therapy apart (facts.md 5).
KX_BUCKETS = ("pt_slp", "ot")


def _pt_slp_money(value: Any) -> Decimal | None:
    return parse_money(value, "ytd_allowed.pt_slp")


def _ot_money(value: Any) -> Decimal | None:
    return parse_money(value, "ytd_allowed.ot")


@attrs.frozen(kw_only=True)
class YtdAllowed:
    """A patient's allowed therapy spend so far this year, per KX threshold bucket.

    Since 2018 Medicare has one threshold for PT and SLP together and one for OT (facts.md
    5), so a GO line is tested against OT spend. A bucket left None is not known.
    """

    pt_slp: Decimal | None = attrs.field(default=None, converter=_pt_slp_money)
    ot: Decimal | None = attrs.field(default=None, converter=_ot_money)


def parse_ytd_allowed(value: Any) -> Decimal | YtdAllowed | None:
    """A number (the PT/SLP bucket, as before buckets existed) or a mapping of buckets."""
    if isinstance(value, YtdAllowed):
        return value
    if isinstance(value, Mapping):
        unknown = sorted(str(k) for k in value if k not in KX_BUCKETS)
        if unknown:
            raise InvalidVisit(
                f"ytd_allowed.{unknown[0]}",
                "not a KX bucket: use 'pt_slp' (physical therapy and speech-language pathology) "
                "and 'ot' (occupational therapy)",
            )
        return YtdAllowed(**{str(k): v for k, v in value.items()})
    return parse_money(value)


@attrs.frozen(kw_only=True)
class Visit:
    """One patient's billed services on one date of service, for one payer.

    ``payer`` names a payer profile (``"medicare"``, ``"medicaid"``, ``"commercial"``
    or one a plugin registers); only its shape is checked here, whether it exists is the
    rule engine's question. ``ytd_allowed`` is the patient's allowed therapy spend so far
    this year, which Medicare's KX threshold needs: a number (the PT/SLP bucket) or a
    mapping ``{"pt_slp": ..., "ot": ...}`` (a :class:`YtdAllowed`), read with
    :meth:`ytd_for`. ``id`` is the caller's opaque key.
    """

    date: dt.date = attrs.field(converter=_date)
    lines: tuple[Line, ...] = attrs.field(converter=_lines)
    payer: str = attrs.field(default="medicare", converter=_payer)
    id: str | None = attrs.field(default=None, converter=_visit_id)
    ytd_allowed: Decimal | YtdAllowed | None = attrs.field(default=None, converter=parse_ytd_allowed)

    def ytd_for(self, bucket: str) -> Decimal | None:
        """The allowed spend so far this year in one KX bucket, ``"pt_slp"`` or ``"ot"``.

        A plain number is the PT/SLP bucket; the OT bucket is then unknown (None).
        """
        if bucket not in KX_BUCKETS:
            raise ValueError(f"bucket must be 'pt_slp' or 'ot', got {bucket!r}")
        value = self.ytd_allowed
        if isinstance(value, YtdAllowed):
            return value.pt_slp if bucket == "pt_slp" else value.ot
        return value if bucket == "pt_slp" else None


#: The names of a Line's fields, in order. Every key list and column list of ptcpt (the
#: JSON keys, the frame columns, the CSV reader) derives from these, so a new field of
#: Line is one edit here plus its tests.
LINE_FIELDS: tuple[str, ...] = tuple(a.name for a in attrs.fields(Line))
#: The names of a Visit's fields, in order.
VISIT_FIELDS: tuple[str, ...] = tuple(a.name for a in attrs.fields(Visit))


# -- fast constructors -------------------------------------------------------------------
# A batch reads millions of visits from JSON, nearly all well formed. For those, the
# checks the converters above make are done here inline on the exact JSON types, and the
# objects are built without running the converters a second time. Anything this path
# does not recognise as plainly valid (another type, an out-of-range value, a lower-case
# modifier, a duplicate, a field it does not check) returns None and the caller takes the
# validated path, which raises the errors: the fast path never rejects, it only accepts
# what the converters would accept unchanged. tests/test_visit.py holds the two equal
# (the same object for every valid input) with hypothesis.
#
# The fields fast_line checks by hand; a field of Line not among them takes its default
# here, and data giving it goes the validated way, so a new field is never skipped.
_FAST_LINE_KEYS = frozenset(
    ("code", "units", "minutes", "modifiers", "group_size", "assistant_minutes", "description")
)
_FAST_VISIT_KEYS = frozenset(("date", "lines", "payer", "id", "ytd_allowed"))
_line_ok = _FAST_LINE_KEYS.issuperset
_visit_ok = _FAST_VISIT_KEYS.issuperset
# Every other field, with its default (a default passes its converter unchanged: tested).
_LINE_REST = tuple((a.name, a.default) for a in attrs.fields(Line) if a.name not in _FAST_LINE_KEYS)
_VISIT_REST = tuple((a.name, a.default) for a in attrs.fields(Visit) if a.name not in _FAST_VISIT_KEYS)
_new = object.__new__
_set = object.__setattr__
_code_ok = CODE_PATTERN.fullmatch
_payer_ok = PAYER_PATTERN.fullmatch
_id_ok = NO_SPACE.fullmatch
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_date_ok = _ISO_DATE.fullmatch
_from_iso = dt.date.fromisoformat
_ABSENT = object()
_UPPER_ALNUM = string.ascii_uppercase + string.digits
#: Every modifier the pattern admits, upper case: a set lookup instead of a regex match.
_MODIFIERS = frozenset(a + b for a in _UPPER_ALNUM for b in _UPPER_ALNUM)


def fast_line(data: Any) -> Line | None:
    """The Line a plainly valid JSON line object makes, or None: then call ``Line(**data)``.

    ``data`` is a dict of JSON types (str, int, list, None). The result equals
    ``Line(**data)`` whenever it is not None.
    """
    if type(data) is not dict or not _line_ok(data):
        return None
    get = data.get
    code = get("code")
    if type(code) is not str or _code_ok(code) is None:
        return None
    units = get("units", 1)
    if type(units) is not int or not 1 <= units <= MAX_UNITS:
        return None
    minutes = get("minutes")
    if minutes is not None and (type(minutes) is not int or not 0 <= minutes <= MAX_MINUTES):
        return None
    raw = get("modifiers", _ABSENT)
    if type(raw) is list:
        for item in raw:
            if type(item) is not str or item not in _MODIFIERS:
                return None
        modifiers = tuple(dict.fromkeys(raw))  # already upper case; duplicates dropped
    elif raw is _ABSENT:
        modifiers = ()
    else:
        return None
    group_size = get("group_size")
    if group_size is not None and (type(group_size) is not int or group_size < 1):
        return None
    assistant = get("assistant_minutes")
    if assistant is not None:
        if type(assistant) is not int or not 0 <= assistant <= MAX_MINUTES:
            return None
        if minutes is not None and assistant > minutes:
            return None
    description = get("description")
    if description is not None and type(description) is not str:
        return None
    line: Line = _new(Line)
    _set(line, "code", code)
    _set(line, "units", units)
    _set(line, "minutes", minutes)
    _set(line, "modifiers", modifiers)
    _set(line, "group_size", group_size)
    _set(line, "assistant_minutes", assistant)
    _set(line, "description", description)
    for name, default in _LINE_REST:
        _set(line, name, default)
    return line


def fast_visit(data: dict[str, Any]) -> Visit | None:
    """The Visit a plainly valid JSON visit object makes, or None to take the validated path.

    Lines are JSON objects (read with :func:`fast_line`) and the date ISO text; the result
    equals the visit :func:`ptcpt.serialize.visit_from_dict` builds through the converters.
    """
    if not _visit_ok(data):
        return None
    get = data.get
    raw_lines = get("lines")
    if type(raw_lines) is not list or not raw_lines:
        return None
    lines = []
    spent = 0  # the day's minutes over all lines: more than MAX_MINUTES takes the other path
    for item in raw_lines:
        line = fast_line(item)
        if line is None:
            return None
        if line.minutes is not None:
            spent += line.minutes
            if spent > MAX_MINUTES:
                return None
        lines.append(line)
    date = get("date")
    if type(date) is not str or _date_ok(date) is None:
        return None
    try:
        day = _from_iso(date)
    except ValueError:
        return None
    payer = get("payer", "medicare")
    if type(payer) is not str or len(payer) > MAX_ID_LENGTH or _payer_ok(payer) is None:
        return None
    visit_id = get("id")
    if visit_id is not None and (
        type(visit_id) is not str or len(visit_id) > MAX_ID_LENGTH or _id_ok(visit_id) is None
    ):
        return None
    ytd = get("ytd_allowed")
    if ytd is not None:
        try:
            ytd = parse_money(ytd)  # the converter itself: amounts come in many forms
        except InvalidVisit:
            return None
    visit: Visit = _new(Visit)
    _set(visit, "date", day)
    _set(visit, "lines", tuple(lines))
    _set(visit, "payer", payer)
    _set(visit, "id", visit_id)
    _set(visit, "ytd_allowed", ytd)
    for name, default in _VISIT_REST:
        _set(visit, name, default)
    return visit


def line_with_units(line: Line, units: int) -> Line:
    """``attrs.evolve(line, units=units)`` for ``units`` from 1 to MAX_UNITS, without
    running the other converters again (they ran when ``line`` was made).

    The engine builds a corrected line for every change it proposes; a test holds this
    equal to ``attrs.evolve``. Units out of range go the validated way and raise.
    """
    if type(units) is not int or not 1 <= units <= MAX_UNITS:
        return attrs.evolve(line, units=units)
    new: Line = _new(Line)
    for name in LINE_FIELDS:
        _set(new, name, getattr(line, name))
    _set(new, "units", units)
    return new
