"""The built-in payer profiles: medicare, medicaid and commercial."""

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
    description="CMS 8-minute rule (total timed minutes), NCCI edits, KX, CQ/CO, MPPR.",
)
MEDICAID = PayerProfile(
    id="medicaid",
    name="Medicaid (CMS unit method)",
    unit_method="cms",
    medicare_rules=False,
    description="Counts units by CMS's total-time method; Medicare-only policies do not apply.",
)
COMMERCIAL = PayerProfile(
    id="commercial",
    name="Commercial payer (CPT unit method)",
    unit_method="ama",
    medicare_rules=False,
    description="Counts each timed code on its own minutes (8 or more earns a unit).",
)


@hookimpl
def ptcpt_register_payers(register: Callable[[PayerProfile], None]) -> None:
    for profile in (MEDICARE, MEDICAID, COMMERCIAL):
        register(profile)
