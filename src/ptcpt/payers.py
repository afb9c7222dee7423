"""Payer profiles: how a payer counts units and whether Medicare's rules apply to it.

ptcpt ships three (``medicare``, ``medicaid``, ``commercial``) through its built-in
payers plugin; plugins register more with ``ptcpt_register_payers``.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import attrs

__all__ = ["UNIT_METHODS", "FeeSchedule", "PayerProfile"]

#: "cms": total timed minutes set the units (Medicare's 8-minute rule);
#: "ama": each code on its own minutes (CPT's midpoint rule, the "rule of eights").
UNIT_METHODS = frozenset({"cms", "ama"})

_PAYER_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


def _payer_id(_: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not _PAYER_ID.fullmatch(value):
        raise ValueError(
            f"{attribute.name}: a payer id is lower-case letters, digits, '.', '_' or '-' "
            f"(at most 64), got {value!r}"
        )


def _unit_method(_: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in UNIT_METHODS:
        raise ValueError(f"{attribute.name}: must be 'cms' or 'ama', got {value!r}")


@attrs.frozen
class PayerProfile:
    """What ptcpt needs to know about a payer to check a visit for it.

    ``medicare_rules`` switches on the rules that follow Medicare policy (KX, CQ de
    minimis, G0283 for unattended e-stim, bundled 97010, ...). ``ncci_edits`` says
    whether the payer runs NCCI pair edits and MUEs (most do; CMS's files are the
    reference).
    """

    id: str = attrs.field(validator=_payer_id)
    name: str
    unit_method: str = attrs.field(default="cms", validator=_unit_method)
    medicare_rules: bool = False
    ncci_edits: bool = True
    description: str = ""


def _decimal(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _rates(value: Any) -> tuple[tuple[str, Decimal], ...]:
    items = value.items() if hasattr(value, "items") else value
    return tuple(sorted((str(code), Decimal(str(amount))) for code, amount in items))


@attrs.frozen
class FeeSchedule:
    """What a payer pays: per-unit amounts by code, or a percentage of Medicare's fee.

    A payer plugin registers one through ``ptcpt_register_fee_schedules``; estimates for
    that payer's visits use it instead of the Medicare physician fee schedule. ``rates``
    win over ``percent_of_medicare`` for the codes they list.
    """

    id: str = attrs.field(validator=_payer_id)
    payers: frozenset[str] = attrs.field(converter=frozenset)
    rates: tuple[tuple[str, Decimal], ...] = attrs.field(default=(), converter=_rates)
    percent_of_medicare: Decimal | None = attrs.field(
        default=None, converter=attrs.converters.optional(_decimal)
    )
    source: str = ""

    def rate(self, code: str) -> Decimal | None:
        """The per-unit amount this schedule lists for ``code`` (None: not listed)."""
        for listed, amount in self.rates:
            if listed == code:
                return amount
        return None
