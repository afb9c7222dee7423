"""Payer profiles: how a payer counts units and which families of rules apply to it.

ptcpt ships six through its built-in payers plugin (``medicare``, ``medicare_advantage``,
``medicaid``, ``commercial``, ``workers_comp``, ``tricare``; ``data/SOURCES.md`` says
what each assumes and on what source); plugins register more with
``ptcpt_register_payers``. A profile answers, family by family, how ptcpt's rules apply:

- ``unit_method``: Medicare's total-time method (``"cms"``) or CPT's per-code method
  (``"ama"``);
- ``ncci_edits``: Medicare's NCCI pair edits and MUEs as errors (the payer runs them),
  as warnings ("Medicare's edit; this payer may differ") or not at all;
- ``therapy_modifiers`` (GP/GO/GN, and the discipline they name), ``assistant_modifiers``
  (CQ/CO) and ``kx_threshold`` (KX): on or off;
- ``medicare_rules``: Medicare's own code policies (G0283 for 97014, bundled 97010,
  non-covered dry needling) and payment hints;
- which modifiers tell an NCCI edit a service was distinct (59 and X{EPSU}, and
  anatomic modifiers where the payer's policy takes them);
- ``pricing``: Medicare's fee schedule as the payer's, as a reference only, or none;
- ``noncovered``: codes the payer never covers (Medicare: dry needling by a therapist),
  priced at 0 whichever rules run.

The six built-in profiles live here, with the other values, so that code below the
plugins (the classifier, the engine's pricing) can resolve a payer id without importing
a plugin; the built-in ``ptcpt.payers`` plugin registers them.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from ptcpt._codes import is_code_shaped

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "ANATOMIC_MODIFIERS",
    "BUILTIN_PAYERS",
    "DISTINCT_MODIFIERS",
    "DISTINCT_POLICIES",
    "EDIT_MODES",
    "MEDICARE_NONCOVERED",
    "PRICING",
    "UNIT_METHODS",
    "X_MODIFIERS",
    "FeeSchedule",
    "PayerProfile",
    "builtin_payers",
    "find_payer",
]

#: "cms": total timed minutes set the units (Medicare's 8-minute rule);
#: "ama": each code on its own minutes (CPT's midpoint rule, the "rule of eights").
UNIT_METHODS = frozenset({"cms", "ama"})
#: How Medicare's NCCI pair edits and MUEs apply to a payer: as errors (the payer runs
#: them), as warnings (Medicare's edit; the payer may differ), or not at all.
EDIT_MODES = ("error", "warning", "off")
#: Which distinct-service modifiers a payer takes on the column 2 line of an NCCI pair:
#: 59 or X{EPSU} ("any"), only the X{EPSU} subsets ("x-only": 59 alone is refused) or
#: only 59 ("59-only": the X modifiers are refused).
DISTINCT_POLICIES = ("any", "x-only", "59-only")
#: What a payer's estimate is: Medicare's fee schedule as this payer's own ("medicare"),
#: Medicare's fee schedule shown as a reference only ("reference"), or no estimate at all
#: because the payer pays by a fee schedule ptcpt does not hold ("none").
PRICING = ("medicare", "reference", "none")
#: The X{EPSU} subsets of modifier 59 (CMS, from 2015; facts.md 5).
X_MODIFIERS = frozenset({"XE", "XS", "XP", "XU"})
#: Modifier 59 and its X{EPSU} subsets: a distinct service (facts.md 3 and 5).
DISTINCT_MODIFIERS = frozenset({"59"}) | X_MODIFIERS
#: Anatomic modifiers NCCI accepts as showing a different site (facts.md 3: "anatomic
#: modifiers"): right and left, the fingers (FA, F1-F9) and the toes (TA, T1-T9).
ANATOMIC_MODIFIERS = frozenset(
    {"RT", "LT", "FA", "TA", *(f"F{n}" for n in range(1, 10)), *(f"T{n}" for n in range(1, 10))}
)
#: Services Medicare does not cover when a physical therapist furnishes them (facts.md 1f
#: and 11: dry needling; APTA advises GX with a voluntary ABN). The default ``noncovered``
#: of every profile with ``medicare_rules``; the one place this list is kept.
MEDICARE_NONCOVERED = frozenset({"20560", "20561"})

_PAYER_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
#: The settings a profile may flag as resting on an unconfirmed source.
_SETTINGS = frozenset(
    {
        "unit_method",
        "medicare_rules",
        "ncci_edits",
        "therapy_modifiers",
        "assistant_modifiers",
        "kx_threshold",
        "distinct_modifiers",
        "anatomic_modifiers",
        "pricing",
        "noncovered",
    }
)


def _payer_id(_: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not _PAYER_ID.fullmatch(value):
        raise ValueError(
            f"{attribute.name}: a payer id is lower-case letters, digits, '.', '_' or '-' "
            f"(at most 64), got {value!r}"
        )


def _unit_method(_: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in UNIT_METHODS:
        raise ValueError(f"{attribute.name}: must be 'cms' or 'ama', got {value!r}")


def _one_of(choices: tuple[str, ...]) -> Any:
    def check(_: Any, attribute: attrs.Attribute[str], value: str) -> None:
        if value not in choices:
            raise ValueError(f"{attribute.name}: must be one of {', '.join(choices)}, got {value!r}")

    return check


def _flag(_: Any, attribute: attrs.Attribute[bool], value: bool) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"{attribute.name}: must be True or False, got {value!r}")


def _edit_mode(value: Any) -> Any:
    """True -> "error" and False -> "off", as profiles written before the modes said it."""
    if value is True:
        return "error"
    if value is False:
        return "off"
    return value


def _settings(_: Any, attribute: attrs.Attribute[tuple[str, ...]], value: tuple[str, ...]) -> None:
    unknown = sorted(set(value) - _SETTINGS)
    if unknown:
        known = ", ".join(sorted(_SETTINGS))
        raise ValueError(f"{attribute.name}: {unknown} are not settings (one of {known})")


def _as_tuple(value: Any) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _like_medicare(profile: PayerProfile) -> bool:
    return profile.medicare_rules


def _medicare_noncovered(profile: PayerProfile) -> frozenset[str]:
    return MEDICARE_NONCOVERED if profile.medicare_rules else frozenset()


def _codes(value: Any) -> frozenset[str]:
    if isinstance(value, str):
        value = (value,)
    return frozenset(code.strip().upper() if isinstance(code, str) else code for code in value)


def _code_set(_: Any, attribute: attrs.Attribute[frozenset[str]], value: frozenset[str]) -> None:
    bad = sorted(repr(code) for code in value if not is_code_shaped(code))
    if bad:
        raise ValueError(
            f"{attribute.name}: codes are five characters such as '20560' or 'G0283', got {', '.join(bad)}"
        )


@attrs.frozen
class PayerProfile:
    """What ptcpt needs to know about a payer to check and price a visit for it.

    Settings left out follow ``medicare_rules``: a profile with Medicare's rules takes
    Medicare's NCCI edits as errors, GP/GO/GN, CQ/CO and KX, and Medicare's fee
    schedule; one without them gets Medicare's edits as warnings, none of those modifier
    rules, and Medicare's fee schedule shown as a reference. ``ncci_edits`` also takes
    True (``"error"``) or False (``"off"``). ``noncovered`` lists the codes the payer
    never covers: the engine prices them at 0 for this payer (the payer's policy, so
    whichever rules run) and ``medicare.noncovered`` asks for GX on them; a profile
    with ``medicare_rules`` defaults to Medicare's list (:data:`MEDICARE_NONCOVERED`),
    any other to none. ``unconfirmed`` names the settings whose
    source is unconfirmed; ``source`` says where the profile comes from.
    """

    id: str = attrs.field(validator=_payer_id)
    name: str
    unit_method: str = attrs.field(default="cms", validator=_unit_method)
    medicare_rules: bool = attrs.field(default=False, validator=_flag)
    ncci_edits: str = attrs.field(
        default=attrs.Factory(lambda self: "error" if self.medicare_rules else "warning", takes_self=True),
        converter=_edit_mode,
        validator=_one_of(EDIT_MODES),
    )
    description: str = ""
    therapy_modifiers: bool = attrs.field(
        default=attrs.Factory(_like_medicare, takes_self=True), validator=_flag
    )
    assistant_modifiers: bool = attrs.field(
        default=attrs.Factory(_like_medicare, takes_self=True), validator=_flag
    )
    kx_threshold: bool = attrs.field(default=attrs.Factory(_like_medicare, takes_self=True), validator=_flag)
    distinct_modifiers: str = attrs.field(default="any", validator=_one_of(DISTINCT_POLICIES))
    anatomic_modifiers: bool = attrs.field(default=True, validator=_flag)
    pricing: str = attrs.field(
        default=attrs.Factory(
            lambda self: "medicare" if self.medicare_rules else "reference", takes_self=True
        ),
        validator=_one_of(PRICING),
    )
    source: str = ""
    unconfirmed: tuple[str, ...] = attrs.field(default=(), converter=_as_tuple, validator=_settings)
    noncovered: frozenset[str] = attrs.field(
        default=attrs.Factory(_medicare_noncovered, takes_self=True), converter=_codes, validator=_code_set
    )
    _ncci_modifiers: frozenset[str] = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __attrs_post_init__(self) -> None:
        accepted = {
            "any": DISTINCT_MODIFIERS,
            "x-only": X_MODIFIERS,
            "59-only": frozenset({"59"}),
        }[self.distinct_modifiers]
        if self.anatomic_modifiers:
            accepted = accepted | ANATOMIC_MODIFIERS
        object.__setattr__(self, "_ncci_modifiers", accepted)

    @property
    def ncci_modifiers(self) -> frozenset[str]:
        """The modifiers this payer takes on an NCCI column 2 line as a distinct service."""
        return self._ncci_modifiers

    @property
    def edit_severity(self) -> str | None:
        """The severity Medicare's NCCI and MUE findings take for this payer (None: off)."""
        return None if self.ncci_edits == "off" else self.ncci_edits

    @property
    def edit_caveat(self) -> str:
        """What an NCCI/MUE message adds for a payer that may not run Medicare's edits."""
        return "" if self.ncci_edits == "error" else "; Medicare's edit, and this payer may differ"

    def is_unconfirmed(self, setting: str) -> bool:
        """True when the profile's ``setting`` rests on an unconfirmed source."""
        return setting in self.unconfirmed


MEDICARE = PayerProfile(
    id="medicare",
    name="Medicare Part B",
    unit_method="cms",
    medicare_rules=True,
    ncci_edits="error",
    description="CMS 8-minute rule (total timed minutes), NCCI edits and MUEs, GP/GO/GN, CQ/CO, KX, MPPR.",
    source="facts.md sections 2-6 and CMS's own files (data/SOURCES.md)",
)
MEDICARE_ADVANTAGE = PayerProfile(
    id="medicare_advantage",
    name="Medicare Advantage (Part C) plan",
    unit_method="cms",
    medicare_rules=True,
    ncci_edits="error",
    kx_threshold=False,
    pricing="reference",
    description=(
        "Medicare's coding rules (8-minute rule, NCCI edits and MUEs, GP/GO/GN, CQ/CO), no KX "
        "threshold; the plan's contracted rate may differ from Medicare's fee schedule."
    ),
    source="issue 13; a plan that asks for KX (some do) registers its own profile: data/SOURCES.md",
    unconfirmed=("ncci_edits", "kx_threshold"),
)
MEDICAID = PayerProfile(
    id="medicaid",
    name="Medicaid (CMS unit method)",
    unit_method="cms",
    medicare_rules=False,
    ncci_edits="warning",
    description=(
        "Counts units by CMS's total-time method; Medicare's NCCI edits and MUEs are warnings "
        "(states run their own Medicaid edits); Medicare-only policies do not apply."
    ),
    source="facts.md 2b (unit method), 9 (Medicaid NCCI files are the states' own)",
)
COMMERCIAL = PayerProfile(
    id="commercial",
    name="Commercial payer (CPT unit method)",
    unit_method="ama",
    medicare_rules=False,
    ncci_edits="warning",
    description=(
        "Counts each timed code on its own minutes (8 or more earns a unit); Medicare's NCCI "
        "edits and MUEs are warnings, since each plan runs its own."
    ),
    source="facts.md 2b (CPT per-code method), 8 row 17 (commercial payers' own edits)",
)
WORKERS_COMP = PayerProfile(
    id="workers_comp",
    name="Workers' compensation (state fee schedule)",
    unit_method="ama",
    medicare_rules=False,
    ncci_edits="warning",
    pricing="none",
    description=(
        "State workers' compensation: work hardening (97545/97546) is payable, Medicare's "
        "edits are warnings, and the state's own fee schedule sets the rate (no estimate)."
    ),
    source="state fee schedules (Colorado Rule 18, California OMFS, Michigan R 418.10106): data/SOURCES.md",
    unconfirmed=("unit_method", "ncci_edits"),
)
TRICARE = PayerProfile(
    id="tricare",
    name="TRICARE",
    unit_method="cms",
    medicare_rules=False,
    ncci_edits="warning",
    therapy_modifiers=False,
    assistant_modifiers=True,
    kx_threshold=False,
    description=(
        "Medicare's 8-minute rule; CQ/CO for assistants (from 2020-04-16); its contractors' "
        "claim-auditing edits are NCCI-based but their own, so Medicare's edits are warnings."
    ),
    source="TRICARE Policy Manual ch. 7 s. 18.2; HNFS and Humana Military provider pages: data/SOURCES.md",
    unconfirmed=("unit_method", "therapy_modifiers", "kx_threshold"),
)

#: The built-in profiles, in the order ``ptcpt rules`` and the docs list them
#: (``data/SOURCES.md`` records what each assumes and why).
BUILTIN_PAYERS = (MEDICARE, MEDICARE_ADVANTAGE, MEDICAID, COMMERCIAL, WORKERS_COMP, TRICARE)


def builtin_payers() -> dict[str, PayerProfile]:
    """payer id -> profile, for the six built-in profiles (a new dict each call)."""
    return {profile.id: profile for profile in BUILTIN_PAYERS}


def find_payer(payer_id: str, payers: Mapping[str, PayerProfile] | None = None) -> PayerProfile:
    """The profile ``payer_id`` names among ``payers`` (None: the built-in profiles).

    The id is matched without case or surrounding spaces. Raises ValueError naming the
    known payers when none matches, so a caller that resolves ids (the classifier, the
    CLI) says the same thing the Checker does.
    """
    known = builtin_payers() if payers is None else payers
    profile = known.get(payer_id.strip().casefold())
    if profile is None:
        raise ValueError(f"payer: unknown payer {payer_id!r}; known payers: {', '.join(sorted(known))}")
    return profile


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
