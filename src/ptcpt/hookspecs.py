"""Every hook a ptcpt plugin can implement.

All hooks are register-style: ptcpt calls each with a ``register`` callable and the
plugin calls it once per thing it contributes. ptcpt decides when to run what; plugins
only declare. Mark implementations with :data:`ptcpt.hookimpl` and ship the module
under the ``ptcpt`` entry-point group::

    [project.entry-points.ptcpt]
    acme = "acme_ptcpt.rules"
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from collections.abc import Callable

    from ptcpt._codes import Code
    from ptcpt._rules import Rule
    from ptcpt.classifier import Term
    from ptcpt.payers import FeeSchedule, PayerProfile

__all__ = ["PROJECT", "hookimpl", "hookspec"]

PROJECT = "ptcpt"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def ptcpt_register_rules(register: Callable[[Rule], None]) -> None:
    """Register validation and reimbursement-hint rules.

    Called once when a :class:`ptcpt.Checker` is built. Call ``register(rule)`` for each
    :class:`ptcpt._rules.Rule` (made with ``@ptcpt.rule``). Rule ids must be unique
    across all plugins: prefix them with your plugin's name. A duplicate id fails the
    Checker with a :class:`ptcpt.PluginError` naming both plugins.

    Example::

        @ptcpt.rule("acme.manual-therapy-cap", kind="validation", payers={"acme"})
        def manual_therapy_cap(visit, ctx):
            for i, line in enumerate(visit.lines):
                if line.code == "97140" and line.units > 2:
                    yield ctx.error("Acme pays at most 2 units of 97140 a day", line=i)

        @ptcpt.hookimpl
        def ptcpt_register_rules(register):
            register(manual_therapy_cap)
    """


@hookspec
def ptcpt_register_payers(register: Callable[[PayerProfile], None]) -> None:
    """Register payer profiles that visits can name in their ``payer`` field.

    Called once when a Checker is built. Call ``register(profile)`` with a
    :class:`ptcpt.PayerProfile`; its ``id`` must not clash with another plugin's.

    Example::

        @ptcpt.hookimpl
        def ptcpt_register_payers(register):
            register(ptcpt.PayerProfile(id="acme", name="Acme Health", unit_method="ama"))
    """


@hookspec
def ptcpt_register_codes(register: Callable[[Code], None]) -> None:
    """Register extra codes, or newer versions of bundled ones, for the checker's catalog.

    Called once when a Checker is built. Call ``register(code)`` with a
    :class:`ptcpt.Code` written in your own words; a code already in the catalog is
    replaced by the registered one (a payer's local code list, a mid-year CMS change).

    Example::

        @ptcpt.hookimpl
        def ptcpt_register_codes(register):
            register(ptcpt.Code(code="S9131", name="Home PT visit", summary="...",
                                category="other", timing="untimed"))
    """


@hookspec
def ptcpt_register_terms(register: Callable[[Term], None]) -> None:
    """Register classifier vocabulary: phrases in your notes that point at a code.

    Called once when a Checker's classifier is first needed. Call ``register(term)``
    with a :class:`ptcpt.Term` for each phrase (your clinic's shorthand, a payer's
    wording).

    Example::

        @ptcpt.hookimpl
        def ptcpt_register_terms(register):
            register(ptcpt.Term(code="97530", phrase="tire flip"))
    """


@hookspec
def ptcpt_register_fee_schedules(register: Callable[[FeeSchedule], None]) -> None:
    """Register fee schedules for estimates of your payers' visits.

    Called once when a Checker is built. Call ``register(schedule)`` with a
    :class:`ptcpt.FeeSchedule` naming the payer ids it prices. Payers without one are
    estimated with Medicare's physician fee schedule.

    Example::

        @ptcpt.hookimpl
        def ptcpt_register_fee_schedules(register):
            register(ptcpt.FeeSchedule(id="acme-2026", payers={"acme"},
                                       percent_of_medicare="110"))
    """
