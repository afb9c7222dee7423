"""The values of a fee estimate: a line to price, what one line pays and why, and the visit's total.

Frozen and validated where they are made; they know nothing of pricing (see
:mod:`ptcpt.fees.pricing`) or of screens (:func:`ptcpt._display.estimate_html` draws an
estimate in a notebook).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Literal, Protocol

import attrs

from ptcpt._codes import is_code_shaped
from ptcpt.errors import InvalidVisit

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ASSISTANT_MODIFIERS", "Estimate", "LineEstimate", "LineLike", "PricedLineInput"]

#: Modifiers that mark a service furnished in whole or in part by a PTA or OTA.
ASSISTANT_MODIFIERS = frozenset({"CQ", "CO"})
_CENT = Decimal("0.01")
_ZERO_CENTS = Decimal("0.00")
_ZERO = Decimal(0)
_ONE = Decimal(1)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


class LineLike(Protocol):
    """What pricing reads from a line: ptcpt's visit ``Line`` satisfies it."""

    @property
    def code(self) -> str: ...
    @property
    def units(self) -> int: ...
    @property
    def modifiers(self) -> tuple[str, ...]: ...


def _modifiers(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, tuple | list):
        raise InvalidVisit("modifiers", "must be a list of two-character modifiers such as ['GP']")
    return tuple(m.strip().upper() if isinstance(m, str) else m for m in value)


def _check_modifiers(_: object, attribute: attrs.Attribute[tuple[str, ...]], value: tuple[str, ...]) -> None:
    for index, modifier in enumerate(value):
        if not (isinstance(modifier, str) and len(modifier) == 2 and modifier.isalnum()):
            raise InvalidVisit(f"modifiers[{index}]", "must be a two-character modifier such as GP or CQ")


def _check_code(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not is_code_shaped(value):
        raise InvalidVisit("code", "must be a CPT/HCPCS code of 5 characters such as 97110 or G0283")


def _check_units(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidVisit("units", f"must be a whole number >= 1, got {value!r}")


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


@attrs.frozen
class PricedLineInput:
    """One line to price: a code, its units and its modifiers (nothing clinical)."""

    code: str = attrs.field(converter=_upper, validator=_check_code)
    units: int = attrs.field(default=1, validator=_check_units)
    modifiers: tuple[str, ...] = attrs.field(default=(), converter=_modifiers, validator=_check_modifiers)


@attrs.frozen
class LineEstimate:
    """What one line should pay, and why.

    ``full`` is the fee-schedule amount of all its units before any reduction (0 for a
    line Medicare does not pay separately); ``payable`` is ``full`` less the MPPR and
    assistant reductions. Both are None when ptcpt cannot estimate the line (the MAC
    prices it, or the tables lack its RVUs): ``reasons`` then says why.
    """

    index: int
    code: str
    units: int
    modifiers: tuple[str, ...]
    full: Decimal | None
    mppr_reduction: Decimal
    assistant_reduction: Decimal
    payable: Decimal | None
    reasons: tuple[str, ...] = ()
    status: str | None = None
    rvu_year: int | None = None
    #: units whose practice expense the MPPR cut
    mppr_units: int = 0

    @property
    def priced(self) -> bool:
        return self.payable is not None


@attrs.frozen
class Estimate:
    """The estimated Medicare allowed amount of a visit's lines.

    Totals are over the priced lines only (``complete`` says whether every line was
    priced) and are rounded once from the exact line figures. ``full_total`` is the
    amount with no MPPR and no assistant reduction; ``total`` is what should be paid.
    ``unconfirmed`` names every input that rests on a figure the sources leave
    unconfirmed (secondary-source RVUs or conversion factors).
    """

    on: dt.date
    lines: tuple[LineEstimate, ...]
    full_total: Decimal
    mppr_total: Decimal
    assistant_total: Decimal
    total: Decimal
    conversion_factor: Decimal | None
    locality: str | None = None
    gpci_year: int | None = None
    apm: bool = False
    facility: bool = False
    notes: tuple[str, ...] = ()
    unconfirmed: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        """True when every line has an estimate."""
        return all(line.priced for line in self.lines)

    def to_frame(self, *, money: Literal["float", "decimal"] = "float") -> pd.DataFrame:
        """The lines as a pandas DataFrame, one row each (needs the ``pandas`` extra).

        Money is float dollars unless ``money="decimal"``; ``total`` is rounded once from
        the exact line figures, so use it rather than summing the rounded ``payable``.
        """
        from ptcpt._frame_output import estimate_to_frame

        return estimate_to_frame(self, money=money)

    def _repr_html_(self) -> str:
        from ptcpt._display import estimate_html

        return estimate_html(self)
