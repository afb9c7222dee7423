"""Acme Health: a payer profile, a validation rule and a reimbursement hint."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import ptcpt

ACME = ptcpt.PayerProfile(
    id="acme",
    name="Acme Health (example commercial payer)",
    unit_method="ama",
    medicare_rules=False,
    description="Example payer: CPT per-code units, at most 2 units of 97140 a day.",
)


@ptcpt.rule("acme.manual-therapy-cap", kind="validation", payers={"acme"})
def manual_therapy_cap(visit: ptcpt.Visit, ctx: ptcpt.RuleContext) -> Iterator[ptcpt.Finding]:
    """Acme pays at most two units of manual therapy (97140) a day."""
    total = 0
    for i, line in enumerate(visit.lines):
        if line.code == "97140":
            total += line.units
            if total > 2:
                yield ctx.error(
                    f"Acme pays at most 2 units of 97140 a day; {total} are billed",
                    line=i,
                    fix="bill 2 units of 97140; Acme denies the rest",
                )
                return


@ptcpt.rule("acme.hep-documentation", kind="hint", payers={"acme"})
def hep_documentation(visit: ptcpt.Visit, ctx: ptcpt.RuleContext) -> Iterator[ptcpt.Hint]:
    """Acme asks for the home exercise programme in notes that bill 97110."""
    for i, line in enumerate(visit.lines):
        if line.code == "97110":
            yield ctx.hint(
                "Acme reviews 97110 against the home exercise programme: make sure the note "
                "records the programme given or updated",
                line=i,
            )


@ptcpt.hookimpl
def ptcpt_register_payers(register: Callable[[ptcpt.PayerProfile], None]) -> None:
    register(ACME)


@ptcpt.hookimpl
def ptcpt_register_rules(register: Callable[[ptcpt.Rule], None]) -> None:
    register(manual_therapy_cap)
    register(hep_documentation)
