"""The built-in payer profiles. ``data/SOURCES.md`` records what each assumes and why."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ptcpt.hookspecs import hookimpl
from ptcpt.payers import PayerProfile

if TYPE_CHECKING:
    from collections.abc import Callable

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

#: The built-in profiles, in the order ``ptcpt rules`` and the docs list them.
BUILTIN_PAYERS = (MEDICARE, MEDICARE_ADVANTAGE, MEDICAID, COMMERCIAL, WORKERS_COMP, TRICARE)


@hookimpl
def ptcpt_register_payers(register: Callable[[PayerProfile], None]) -> None:
    for profile in BUILTIN_PAYERS:
        register(profile)
