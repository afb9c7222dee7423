"""The code objects of the catalog: one immutable :class:`Code` per billable code.

A code never changes once loaded; a new data release makes new objects. Dates make a
code's life explicit (``effective <= day < deleted``) so every question is asked for a
date of service, never for "now".
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from typing import Any

import attrs

__all__ = [
    "CODE_PATTERN",
    "DISCIPLINES",
    "Category",
    "Code",
    "TherapyList",
    "Timing",
    "is_code_shaped",
]

#: CPT Category I (five digits), Category II/III and PLA codes (four digits then F, T
#: or U) and HCPCS Level II (a letter A-V then four digits). "9711O", with a letter O
#: for a zero, is the classic typo this rejects. ASCII digits only: ``\d`` would also
#: match full-width (９７１１０) and Arabic-Indic digits.
CODE_PATTERN = re.compile(r"^(?:[0-9]{5}|[0-9]{4}[FTU]|[A-V][0-9]{4})$")

#: The therapy disciplines a code may be billed under.
DISCIPLINES = frozenset({"PT", "OT", "SLP", "AT"})

#: Fields of a Code that the data may flag as resting on an unconfirmed fact.
FLAGGABLE_FIELDS = frozenset(
    {
        "name",
        "category",
        "timing",
        "unit_minutes",
        "one_on_one",
        "therapy_list",
        "effective",
        "deleted",
        "replaced_by",
        "add_on_to",
        "disciplines",
    }
)


def is_code_shaped(value: object) -> bool:
    """True when ``value`` is a string with the shape of a CPT or HCPCS code."""
    return isinstance(value, str) and CODE_PATTERN.fullmatch(value) is not None


class Category(enum.StrEnum):
    """What kind of service a code is; the catalog's main filter."""

    EVALUATION = "evaluation"
    SUPERVISED_MODALITY = "supervised-modality"
    ATTENDED_MODALITY = "attended-modality"
    THERAPEUTIC_PROCEDURE = "therapeutic-procedure"
    TEST_MEASUREMENT = "test-measurement"
    ORTHOTIC_PROSTHETIC = "orthotic-prosthetic"
    WOUND_CARE = "wound-care"
    STRAPPING_CASTING = "strapping-casting"
    DRY_NEEDLING = "dry-needling"
    VESTIBULAR = "vestibular"
    COGNITIVE = "cognitive"
    EDUCATION = "education"
    REMOTE_MONITORING = "remote-monitoring"
    OTHER = "other"


class Timing(enum.StrEnum):
    """Whether units follow minutes (timed) or the service itself (untimed)."""

    TIMED = "timed"
    UNTIMED = "untimed"
    #: Unlisted codes: the clinician states the time, if any, on the claim.
    VARIES = "varies"


class TherapyList(enum.StrEnum):
    """A code's place on CMS's annual therapy code list."""

    #: Always a therapy service: always needs GP, GO or GN.
    ALWAYS = "always"
    #: A therapy service when furnished by a therapist or under a therapy plan of care.
    SOMETIMES = "sometimes"


def _code_shape(_: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if not is_code_shaped(value):
        raise ValueError(
            f"{attribute.name}: must look like a CPT/HCPCS code (5 characters such as "
            f"97110, 0552T or G0283), got {value!r}"
        )


def _codes_tuple(_: Any, attribute: attrs.Attribute[tuple[str, ...]], value: tuple[str, ...]) -> None:
    for item in value:
        if not is_code_shaped(item):
            raise ValueError(f"{attribute.name}: {item!r} is not shaped like a code")


def _non_empty(_: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{attribute.name}: must be a non-empty string")


def _disciplines(_: Any, attribute: attrs.Attribute[tuple[str, ...]], value: tuple[str, ...]) -> None:
    unknown = [d for d in value if d not in DISCIPLINES]
    if unknown or not value:
        raise ValueError(
            f"{attribute.name}: must name one or more of {', '.join(sorted(DISCIPLINES))}, "
            f"got {list(value)!r}"
        )


def _flags(_: Any, attribute: attrs.Attribute[tuple[str, ...]], value: tuple[str, ...]) -> None:
    unknown = [f for f in value if f not in FLAGGABLE_FIELDS]
    if unknown:
        raise ValueError(
            f"{attribute.name}: {unknown!r} are not flaggable fields "
            f"(one of {', '.join(sorted(FLAGGABLE_FIELDS))})"
        )


def _as_tuple(value: Any) -> tuple[Any, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(value)


@attrs.frozen(repr=False)
class Code:
    """One billable code, with its life dates, billing shape and our own description.

    ``name``, ``summary`` and ``examples`` are ptcpt's own words (never the AMA's CPT
    descriptor). ``unconfirmed`` names the fields whose value rests on a fact the
    sources mark as unconfirmed, so a rule that relies on one can say so.
    """

    code: str = attrs.field(validator=_code_shape)
    name: str = attrs.field(validator=_non_empty)
    summary: str = attrs.field(validator=_non_empty)
    category: Category = attrs.field(converter=Category)
    timing: Timing = attrs.field(converter=Timing)
    unit_minutes: int | None = attrs.field(default=None)
    one_on_one: bool = attrs.field(default=False, validator=attrs.validators.instance_of(bool))
    therapy_list: TherapyList | None = attrs.field(
        default=None, converter=attrs.converters.optional(TherapyList)
    )
    disciplines: tuple[str, ...] = attrs.field(default=("PT",), converter=_as_tuple, validator=_disciplines)
    effective: dt.date | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.instance_of(dt.date))
    )
    deleted: dt.date | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.instance_of(dt.date))
    )
    replaced_by: tuple[str, ...] = attrs.field(default=(), converter=_as_tuple, validator=_codes_tuple)
    add_on_to: tuple[str, ...] = attrs.field(default=(), converter=_as_tuple, validator=_codes_tuple)
    examples: tuple[str, ...] = attrs.field(default=(), converter=_as_tuple)
    notes: str = ""
    unconfirmed: tuple[str, ...] = attrs.field(default=(), converter=_as_tuple, validator=_flags)
    source: str = ""

    @unit_minutes.validator
    def _check_unit_minutes(self, attribute: attrs.Attribute[int | None], value: int | None) -> None:
        if self.timing is Timing.TIMED:
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(
                    f"unit_minutes: a timed code needs its unit length in whole minutes, got {value!r}"
                )
        elif value is not None:
            raise ValueError(f"unit_minutes: only timed codes have unit minutes, got {value!r}")

    @deleted.validator
    def _check_dates(self, attribute: attrs.Attribute[dt.date | None], value: dt.date | None) -> None:
        if value is not None and self.effective is not None and value <= self.effective:
            raise ValueError(
                f"deleted: {value.isoformat()} must come after effective {self.effective.isoformat()}"
            )

    def __str__(self) -> str:
        return self.code

    def __repr__(self) -> str:
        state = f", deleted {self.deleted.isoformat()}" if self.deleted else ""
        return f"<Code {self.code} {self.name!r}{state}>"

    @property
    def is_timed(self) -> bool:
        """True when units follow minutes under the 8-minute rule."""
        return self.timing is Timing.TIMED

    @property
    def is_add_on(self) -> bool:
        """True for add-on codes, which are billed only beside a primary code."""
        return bool(self.add_on_to)

    def is_unconfirmed(self, field: str) -> bool:
        """True when ``field``'s value rests on a fact the sources leave unconfirmed."""
        return field in self.unconfirmed

    def is_active(self, on: dt.date) -> bool:
        """True when the code may be billed for a service on ``on``."""
        if self.effective is not None and on < self.effective:
            return False
        return self.deleted is None or on < self.deleted

    def status(self, on: dt.date) -> str:
        """``"active"``, ``"deleted"`` or ``"not-yet-effective"`` for a date of service."""
        if self.effective is not None and on < self.effective:
            return "not-yet-effective"
        if self.deleted is not None and on >= self.deleted:
            return "deleted"
        return "active"

    def _repr_html_(self) -> str:
        from ptcpt._display import code_html

        return code_html(self)
