"""The Checker: runs every applicable rule on a visit and builds the Report.

A Checker is built once (plugins loaded, rules collected and grouped by payer) and is
then immutable, so one instance can check visits from many threads. A rule that raises
(any exception, ``SystemExit`` and ``GeneratorExit`` included: only ``KeyboardInterrupt``
goes through, so Ctrl-C still stops a run), yields something that is not a Finding or
Hint, or yields the wrong kind (a hint rule yields hints, a validation rule findings)
becomes one ``plugin.error`` finding naming the plugin and the rule; every other rule
still runs. ``PTCPT_DEBUG=1`` in the environment logs the failing rule's traceback.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import threading
from typing import TYPE_CHECKING

import attrs

from ptcpt._claims import claim_changes, denials, one_per_problem
from ptcpt._plugins import Plugins, RegisteredRule
from ptcpt._report import Finding, Hint, Report, Severity
from ptcpt._ruleruns import (
    PLUGIN_ERROR,
    Runnable,
    Seen,
    run_phase,
    runnable,
)
from ptcpt._rules import RuleContext
from ptcpt._visit import Visit
from ptcpt.errors import InvalidVisit, PluginError
from ptcpt.fees import apply_fee_schedule, price_lines, unpriced, with_notes
from ptcpt.payers import builtin_payers
from ptcpt.units import AddOns, UnitPlan, add_on_pairs, visit_plan

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping, Sequence

    from ptcpt._catalogs import Catalog
    from ptcpt._visit import Line
    from ptcpt.classifier import Classifier
    from ptcpt.cms import CmsTables
    from ptcpt.fees import Estimate
    from ptcpt.payers import FeeSchedule, PayerProfile

__all__ = ["PLUGIN_ERROR", "Checker", "check", "default_checker", "estimate"]

log = logging.getLogger("ptcpt")

_NOTHING: frozenset[str] = frozenset()


class Checker:
    """Checks visits with the built-in rules plus the plugins it was given or found.

    ``blocked`` leaves plugins out by name (built-ins included, e.g. ``"ptcpt.units"``);
    ``allowed`` is an allow-list for entry-point plugins; ``load_entrypoints=False``
    ignores installed plugins (what tests want). ``PTCPT_DISABLE_PLUGINS`` and
    ``PTCPT_LOAD_PLUGINS`` in the environment apply on top. A name in ``blocked`` or
    ``allowed`` that no plugin has raises PluginError listing the names (one in the
    environment, a :class:`~ptcpt.errors.PluginWarning`).

    CMS data: ``tables`` (from :func:`ptcpt.cms.load_cms_tables`) or ``cms_dir`` (a
    folder of CMS's own quarterly files) replace the bundled extract; without either,
    ``PTCPT_CMS_DIR`` in the environment does the same, else the bundled extract is used.
    """

    def __init__(
        self,
        plugins: Iterable[object] = (),
        *,
        blocked: Iterable[str] = (),
        allowed: Iterable[str] | None = None,
        load_entrypoints: bool = True,
        catalog: Catalog | None = None,
        tables: CmsTables | None = None,
        cms_dir: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        from ptcpt._catalogs import Catalog
        from ptcpt._catalogs import catalog as bundled_catalog

        self.plugins = Plugins.load(
            plugins,
            blocked=blocked,
            allowed=allowed,
            load_entrypoints=load_entrypoints,
            env=env,
        )
        rules = self.plugins.rules()
        payers = self.plugins.payers()
        schedules = self.plugins.fee_schedules()
        extra = self.plugins.codes()
        # A plugin whose register hook raised contributes nothing at all, whichever hook
        # failed: half a plugin (its payer without its rules) would check visits wrongly.
        broken = self.plugins.broken
        self.rules: tuple[RegisteredRule, ...] = tuple(r for r in rules if r.plugin not in broken)
        self.payers: dict[str, PayerProfile] = {
            pid: p for pid, p in payers.items() if self.plugins.owner("payer", pid) not in broken
        }
        self.fee_schedules: dict[str, FeeSchedule] = {
            sid: f for sid, f in schedules.items() if self.plugins.owner("fee schedule", sid) not in broken
        }
        self._schedule_for: dict[str, FeeSchedule] = _schedules_by_payer(self.fee_schedules)
        base = catalog if catalog is not None else bundled_catalog()
        if extra:
            replaced = {code.code: code for code in extra}
            merged = [replaced.pop(code.code, code) for code in base]
            base = Catalog([*merged, *replaced.values()])
        self.catalog = base
        # The catalog's primary/add-on pairs, which every unit plan counts as one service.
        self._add_ons = AddOns(add_on_pairs(base))
        self._env = env
        if tables is None and cms_dir is not None:
            from ptcpt.cms import tables_from_dir

            tables = tables_from_dir(cms_dir, named_by="cms_dir")
        self._tables = tables
        # The traceback of a failing rule is logged only when asked for: it may quote
        # visit data the exception's message carries.
        environ = os.environ if env is None else env
        self._debug = environ.get("PTCPT_DEBUG", "").strip() not in ("", "0")
        # Per payer, the rules that apply, unpacked once so the hot loop reads locals:
        # validation rules first, then hint rules (each in registration order), so hints
        # see the claim as the validation rules judged it (denied lines pay nothing).
        self._by_payer: dict[str, tuple[tuple[Runnable, ...], tuple[Runnable, ...]]] = {
            payer: (
                tuple(runnable(r) for r in self.rules if r.rule.applies_to(payer) and r.rule.kind != "hint"),
                tuple(runnable(r) for r in self.rules if r.rule.applies_to(payer) and r.rule.kind == "hint"),
            )
            for payer in self.payers
        }
        self._load_findings = tuple(
            Finding(
                rule=PLUGIN_ERROR,
                severity=Severity.WARNING,
                message=f"plugin {failure.name!r} could not be loaded ({failure.error}); "
                f"nothing it registers is used",
                plugin=failure.name,
                fix="reinstall or fix the plugin, or disable it with PTCPT_DISABLE_PLUGINS",
            )
            for failure in self.plugins.failures
        )
        self._lock = threading.Lock()
        self._classifier: Classifier | None = None

    # -- reading -------------------------------------------------------------------------
    def payer(self, payer_id: str) -> PayerProfile:
        """The profile for ``payer_id``; an unknown id raises InvalidVisit listing the known."""
        profile = self.payers.get(payer_id)
        if profile is None:
            known = ", ".join(sorted(self.payers))
            raise InvalidVisit("payer", f"unknown payer {payer_id!r}; known payers: {known}")
        return profile

    @property
    def tables(self) -> CmsTables:
        """The CMS tables rules read (the bundled extract unless others were given)."""
        if self._tables is None:
            from ptcpt.cms import tables_from_env

            self._tables = tables_from_env(self._env)
        return self._tables

    def expected_units(self, visit: Visit, payer: PayerProfile) -> UnitPlan | None:
        """The units the timed minutes support under the payer's method, or None."""
        return visit_plan(visit, self.catalog, payer.unit_method, add_ons=self._add_ons)

    # -- checking ------------------------------------------------------------------------
    def check(self, visit: Visit) -> Report:
        """Run every rule that applies to the visit's payer; never raises for a rule's bug."""
        if not isinstance(visit, Visit):
            raise TypeError(f"check needs a ptcpt.Visit, got {type(visit).__name__}")
        payer = self.payer(visit.payer)
        ctx = self._context(visit, payer)
        plan = ctx.units
        findings: list[Finding] = list(self._load_findings)
        hints: list[Hint] = []
        validation, hinting = self._by_payer.get(payer.id, _NO_RULES)
        seen = Seen(visit)
        found: tuple[Finding, ...] = ()
        corrects = False
        # Two phases in one loop (the filters' sets are built once, on first need): the
        # validation rules, then what their findings mean, then the hint rules.
        for stage, phase in enumerate((validation, hinting)):
            if stage:
                found = tuple(findings)
                keyed = 0
                denies = False
                for finding in found:
                    if finding.problem is not None:
                        keyed += 1
                    if finding.corrections and finding.severity is Severity.ERROR:
                        corrects = True
                        for correction in finding.corrections:
                            if correction.denied:
                                denies = True
                if keyed > 1:
                    found = one_per_problem(found)
                if denies:
                    denied = denials(found)
                    if denied:
                        # From here on the visit is priced as billed: the lines the errors
                        # say the payer denies pay nothing, in the estimate and every hint.
                        ctx._price = functools.partial(self._price, on=visit.date, payer=payer, denied=denied)
                        ctx._estimated = None
                if not hinting:
                    break
                ctx._errors_if = self._errors_if
                # What errors_if answers for the visit's own lines: these findings' errors
                # (the load findings lead, unmerged: they have no problem key).
                ctx._known_errors = found[len(self._load_findings) :] if self._load_findings else found
                findings = []  # what hint rules yield besides hints
            run_phase(phase, visit, ctx, findings, hints if stage else None, seen, self._rule_raised)
        if hinting:
            found += tuple(findings)
        estimate = ctx.estimate
        corrected = None
        if corrects and estimate is not None:
            # Priced when the report is asked for it (JSON, summary), not on every check.
            corrected = functools.partial(self._corrected, visit, payer, found)
        # Positional (date, payer, findings, hints, units, estimate, visit_id, corrected_estimate).
        return Report(visit.date, payer.id, found, tuple(hints), plan, estimate, visit.id, corrected)

    def _context(self, visit: Visit, payer: PayerProfile) -> RuleContext:
        """The context rules see for ``visit`` under ``payer``: its unit plan, prices, tables."""
        get = self.catalog.get
        entries = tuple([get(line.code) for line in visit.lines])
        ctx = RuleContext(
            visit,
            catalog=self.catalog,
            payer=payer,
            units=visit_plan(visit, self.catalog, payer.unit_method, add_ons=self._add_ons, entries=entries),
            tables=self.tables,
            fee_schedule=self._schedule_for.get(payer.id),
            price=functools.partial(self._price, on=visit.date, payer=payer),
            classifier=self.classifier,
        )
        ctx._codes = entries  # looked up once for the plan and every rule
        return ctx

    def _errors_if(self, visit: Visit, payer: PayerProfile, lines: Sequence[Line]) -> tuple[Finding, ...]:
        """The errors the payer's validation rules report for the visit billing ``lines``."""
        changed = attrs.evolve(visit, lines=tuple(lines))
        ctx = self._context(changed, payer)
        findings: list[Finding] = []
        validation, _ = self._by_payer.get(payer.id, _NO_RULES)
        run_phase(validation, changed, ctx, findings, None, Seen(changed), self._rule_raised)
        return tuple(f for f in one_per_problem(findings) if f.severity is Severity.ERROR)

    def _rule_raised(self, registered: RegisteredRule, exc: BaseException) -> None:
        """Log a rule's exception: its traceback only when asked for (it may quote visit data)."""
        log.warning(
            "rule %s of plugin %s raised %s",
            registered.rule.id,
            registered.plugin,
            type(exc).__name__,
            exc_info=exc if self._debug else None,
        )

    def _corrected(self, visit: Visit, payer: PayerProfile, findings: Sequence[Finding]) -> Estimate | None:
        """What the claim corrected as the errors say would be paid."""
        changes = claim_changes(visit, findings)
        if changes is None:
            return None
        corrected = self._price(
            changes.lines,
            on=visit.date,
            payer=payer,
            denied=changes.left_off,
            unpriced_lines=changes.undecided,
        )
        if corrected is None:
            return None
        return with_notes(corrected, changes.notes)

    def check_many(self, visits: Iterable[Visit]) -> Iterator[Report]:
        """Check visits one by one, lazily: constant memory over any number of visits."""
        for visit in visits:
            yield self.check(visit)

    def estimate(self, visit: Visit, *, locality: str | None = None, apm: bool = False) -> Estimate | None:
        """The visit's payment estimate for its payer, or None when it cannot be priced.

        Medicare's physician fee schedule prices every payer (a payer with a registered
        :class:`~ptcpt.payers.FeeSchedule` is re-priced with it). The codes the payer's
        profile lists as never covered (``PayerProfile.noncovered``: dry needling for
        Medicare) pay 0, whether or not ``medicare.noncovered`` runs. None when
        the tables hold no conversion factor for the date of service.
        """
        payer = self.payer(visit.payer)
        return self._price(visit.lines, on=visit.date, payer=payer, locality=locality, apm=apm)

    def _price(
        self,
        lines: Sequence[Line],
        *,
        on: dt.date,
        payer: PayerProfile,
        locality: str | None = None,
        apm: bool = False,
        denied: Mapping[int, str] | None = None,
        unpriced_lines: Mapping[int, str] | None = None,
    ) -> Estimate | None:
        priced = price_lines(
            lines,
            on=on,
            tables=self.tables,
            locality=locality,
            apm=apm,
            noncovered_codes=payer.noncovered,
            denied=denied,
            unpriced_lines=unpriced_lines,
        )
        if priced.conversion_factor is None:
            return None
        schedule = self._schedule_for.get(payer.id)
        if payer.pricing == "none":
            priced = unpriced(
                priced,
                f"{payer.id} pays by its own fee schedule, which ptcpt does not hold: "
                f"no estimate (register a FeeSchedule for {payer.id} to price it)",
            )
            return priced if schedule is None else apply_fee_schedule(priced, schedule)
        if schedule is not None:
            return apply_fee_schedule(priced, schedule)
        if payer.pricing == "reference":
            note = (
                f"{payer.id} has no fee schedule in ptcpt: Medicare's physician fee schedule "
                f"(with Medicare's MPPR and CQ/CO reductions) is shown as a reference, not as "
                f"this payer's rate"
            )
            return with_notes(priced, (note,))
        return priced

    def classifier(self) -> Classifier:
        """The classifier with every plugin's terms (built on first use, then shared)."""
        found = self._classifier
        if found is not None:
            return found
        with self._lock:
            if self._classifier is None:
                from ptcpt.classifier import Classifier, default_classifier

                terms = self.plugins.terms()
                # The shared default classifier resolves payer ids among the built-in
                # profiles: a Checker whose payers differ builds its own.
                same_payers = self.payers == builtin_payers()
                self._classifier = (
                    default_classifier()
                    if not terms and same_payers
                    else Classifier(extra_terms=terms, payers=self.payers)
                )
            return self._classifier


def _schedules_by_payer(schedules: Mapping[str, FeeSchedule]) -> dict[str, FeeSchedule]:
    """payer id -> the one fee schedule that prices it; two schedules for one payer fail."""
    found: dict[str, FeeSchedule] = {}
    for schedule in schedules.values():
        for payer in sorted(schedule.payers):
            if payer in found:
                raise PluginError(
                    f"payer {payer!r} is priced by both fee schedule {found[payer].id!r} and "
                    f"fee schedule {schedule.id!r}; a payer takes one schedule"
                )
            found[payer] = schedule
    return found


_NO_RULES: tuple[tuple[Runnable, ...], tuple[Runnable, ...]] = ((), ())

_default: Checker | None = None
_default_lock = threading.Lock()


def default_checker() -> Checker:
    """The shared Checker ``ptcpt.check`` uses (built-ins plus installed plugins)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Checker()
        return _default


def check(visit: Visit) -> Report:
    """Check one visit with the default Checker."""
    return default_checker().check(visit)


def estimate(visit: Visit, *, locality: str | None = None, apm: bool = False) -> Estimate | None:
    """Estimate a visit's payment with the default Checker (national unless ``locality``).

    ``locality`` is a Medicare locality such as ``"10112-00"`` (MAC-locality) or
    ``"AL-00"`` (state-locality); ``apm`` prices a qualifying APM participant (2026 on).
    """
    return default_checker().estimate(visit, locality=locality, apm=apm)
