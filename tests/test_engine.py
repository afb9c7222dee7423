from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ptcpt
from ptcpt._engine import PLUGIN_ERROR, Checker
from ptcpt._report import Finding, Report, Severity
from ptcpt.errors import InvalidVisit, PluginError
from ptcpt.testing import make_checker, make_visit

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


class _Plugin:
    """A throwaway plugin object registering the given rules."""

    def __init__(self, name: str, *rules: ptcpt.Rule) -> None:
        self.name = name
        self._rules = rules

    @ptcpt.hookimpl
    def ptcpt_register_rules(self, register: Callable[[ptcpt.Rule], None]) -> None:
        for item in self._rules:
            register(item)


@ptcpt.rule("test.raises")
def raises(visit: ptcpt.Visit, ctx: ptcpt.RuleContext) -> Iterator[Finding]:
    raise RuntimeError("boom with secret text")
    yield  # pragma: no cover


@ptcpt.rule("test.garbage")
def garbage(visit: ptcpt.Visit, ctx: ptcpt.RuleContext) -> Iterator[Any]:
    yield ctx.warning("first is fine")
    yield "not a finding"


@ptcpt.rule("test.one-per-line", kind="validation")
def one_per_line(visit: ptcpt.Visit, ctx: ptcpt.RuleContext) -> Iterator[Finding]:
    for i, _ in enumerate(visit.lines):
        yield ctx.info("seen", line=i)


CLEAN = make_visit(("97110", 2, 30, ["GP"]), ("97140", 1, 10, ["GP"]), date="2025-03-12")


def test_a_clean_visit_has_no_errors() -> None:
    report = make_checker().check(CLEAN)
    assert report.ok, report.summary()
    assert report.units is not None and report.units.total == 3


def test_a_raising_rule_becomes_a_plugin_error_and_others_still_run() -> None:
    checker = make_checker(_Plugin("flaky", raises, one_per_line))
    report = checker.check(CLEAN)
    errors = [f for f in report.findings if f.rule == PLUGIN_ERROR]
    assert len(errors) == 1
    assert errors[0].plugin == "flaky" and "test.raises" in errors[0].message
    assert "RuntimeError" in errors[0].message
    assert "secret text" not in errors[0].message  # never echo exception free text
    assert len([f for f in report.findings if f.rule == "test.one-per-line"]) == 2


def test_a_rule_yielding_garbage_keeps_what_came_before() -> None:
    report = make_checker(_Plugin("messy", garbage)).check(CLEAN)
    rules = [f.rule for f in report.findings]
    assert "test.garbage" in rules and PLUGIN_ERROR in rules
    failure = next(f for f in report.findings if f.rule == PLUGIN_ERROR)
    assert "yielded a str" in failure.message


def test_the_engine_stamps_rule_and_plugin() -> None:
    report = make_checker(_Plugin("stamper", one_per_line)).check(CLEAN)
    seen = [f for f in report.findings if f.rule == "test.one-per-line"]
    assert {f.plugin for f in seen} == {"stamper"}
    assert [f.code for f in seen] == ["97110", "97140"]


def test_a_rule_cannot_change_the_visit() -> None:
    @ptcpt.rule("test.mutator")
    def mutator(visit: ptcpt.Visit, ctx: ptcpt.RuleContext) -> Iterator[Finding]:
        visit.lines[0].units = 99  # type: ignore[misc]
        yield ctx.info("unreachable")

    before = attrs.asdict(CLEAN)
    report = make_checker(_Plugin("mut", mutator)).check(CLEAN)
    assert attrs.asdict(CLEAN) == before
    assert any(f.rule == PLUGIN_ERROR and "FrozenInstanceError" in f.message for f in report.findings)


def test_duplicate_rule_ids_name_both_plugins() -> None:
    with pytest.raises(PluginError, match=r"'first'.*'second'"):
        make_checker(_Plugin("first", one_per_line), _Plugin("second", one_per_line))


def test_a_hook_with_a_wrong_signature_names_the_plugin() -> None:
    class Bad:
        name = "badsig"

        @ptcpt.hookimpl
        def ptcpt_register_rules(self, register: Any, extra: Any) -> None:
            pass

    with pytest.raises(PluginError, match="badsig"):
        make_checker(Bad())


def test_an_unknown_hook_names_the_plugin() -> None:
    class Typo:
        name = "typo"

        @ptcpt.hookimpl
        def ptcpt_register_ruels(self, register: Any) -> None:
            pass

    with pytest.raises(PluginError, match="typo"):
        make_checker(Typo())


def test_unknown_payer_lists_the_known_ones() -> None:
    visit = make_visit(("97110", 1, 15), payer="nobody")
    with pytest.raises(InvalidVisit, match=r"payer: unknown payer 'nobody'.*commercial.*medicare"):
        make_checker().check(visit)


def test_blocking_a_builtin_plugin_removes_its_rules() -> None:
    over = make_visit(("97110", 4, 30, ["GP"]))
    assert "units.mismatch" in make_checker().check(over).rules_fired()
    blocked = make_checker(blocked=("ptcpt.units",)).check(over)
    assert "units.mismatch" not in blocked.rules_fired()


def test_environment_disables_plugins() -> None:
    from ptcpt.errors import PluginWarning

    with pytest.warns(PluginWarning, match="PTCPT_DISABLE_PLUGINS: no plugin is named 'x'"):
        checker = Checker(load_entrypoints=False, env={"PTCPT_DISABLE_PLUGINS": "ptcpt.units, x"})
    assert "ptcpt.units" not in checker.plugins.names()
    assert "ptcpt.codes" in checker.plugins.names()


def test_check_many_is_lazy_and_ordered() -> None:
    visits = [attrs.evolve(CLEAN, id=f"v{i}") for i in range(5)]
    reports = make_checker().check_many(iter(visits))
    assert not isinstance(reports, list)
    assert [r.visit_id for r in reports] == [f"v{i}" for i in range(5)]


def test_concurrent_checks_from_four_threads_agree() -> None:
    checker = make_checker()
    visits = [make_visit(("97110", u, 8 * u + 7, ["GP"]), ("97762", 1, 10), id=f"v{u}") for u in range(1, 6)]
    expected = [checker.check(v) for v in visits]
    results: list[list[Report]] = []

    def work() -> None:
        results.append([checker.check(v) for v in visits * 20][: len(visits)])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4
    assert all(r == expected for r in results)


def test_report_to_dict_is_json_ready() -> None:
    report = make_checker().check(make_visit(("97762", 1, 15), date="2019-01-02", id="abc"))
    data = report.to_dict()
    assert data["visit_id"] == "abc" and data["ok"] is False
    assert any(f["rule"] == "code.deleted" for f in data["findings"])
    assert '"code.deleted"' in report.to_json()


_codes = st.sampled_from(
    [
        "97110",
        "97112",
        "97140",
        "97530",
        "97150",
        "97161",
        "97010",
        "97014",
        "G0283",
        "97762",
        "98979",
        "99999",
        "97550",
        "20560",
    ]
)
_lines = st.builds(
    lambda code, units, minutes, mods: {"code": code, "units": units, "minutes": minutes, "modifiers": mods},
    _codes,
    st.integers(1, 8),
    st.none() | st.integers(0, 240),
    st.lists(st.sampled_from(["GP", "GO", "59", "CQ", "KX", "XE"]), max_size=3),
)


@settings(max_examples=80, deadline=None)
@given(
    lines=st.lists(_lines, min_size=1, max_size=6),
    day=st.dates(dt.date(2015, 1, 1), dt.date(2027, 12, 31)),
    payer=st.sampled_from(["medicare", "medicaid", "commercial"]),
)
def test_random_well_formed_visits_always_produce_a_report(
    lines: list[dict[str, Any]], day: dt.date, payer: str
) -> None:
    visit = make_visit(*lines, date=day, payer=payer)
    report = _SHARED.check(visit)
    assert isinstance(report, Report)
    assert not any(f.rule == PLUGIN_ERROR for f in report.findings), report.summary()
    assert all(f.severity in set(Severity) for f in report.findings)


_SHARED = make_checker()


def test_default_check_uses_a_shared_checker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTCPT_LOAD_PLUGINS", "")
    import ptcpt._engine as engine

    monkeypatch.setattr(engine, "_default", None)
    report = ptcpt.check(CLEAN)
    assert report.ok
    assert engine.default_checker() is engine.default_checker()


class _Acmeish:
    """A payer plugin with its own fee schedule."""

    name = "acmeish"

    @ptcpt.hookimpl
    def ptcpt_register_payers(self, register: Callable[[ptcpt.PayerProfile], None]) -> None:
        register(ptcpt.PayerProfile(id="acmeish", name="Acmeish", unit_method="ama"))

    @ptcpt.hookimpl
    def ptcpt_register_fee_schedules(self, register: Callable[[ptcpt.FeeSchedule], None]) -> None:
        register(
            ptcpt.FeeSchedule(
                id="acmeish-2025", payers={"acmeish"}, rates={"97110": "50"}, percent_of_medicare="110"
            )
        )


def test_a_payer_fee_schedule_prices_that_payers_visits() -> None:
    checker = make_checker(_Acmeish())
    visit = make_visit(("97110", 2, 30, ["GP"]), ("97140", 1, 10, ["GP"]), payer="acmeish")
    estimate = checker.estimate(visit)
    assert estimate is not None
    assert estimate.lines[0].payable == Decimal("100.00")  # 2 units x the schedule's $50
    medicare = checker.estimate(attrs.evolve(visit, payer="medicare"))
    assert medicare is not None and estimate.lines[1].payable is not None
    assert estimate.lines[1].full == (medicare.lines[1].full * Decimal("1.10")).quantize(Decimal("0.01"))
    assert any("acmeish-2025" in note for note in estimate.notes)


def test_two_schedules_for_one_payer_fail_naming_both() -> None:
    class Second(_Acmeish):
        name = "second"

        @ptcpt.hookimpl
        def ptcpt_register_payers(self, register: Any) -> None:
            pass

        @ptcpt.hookimpl
        def ptcpt_register_fee_schedules(self, register: Any) -> None:
            register(ptcpt.FeeSchedule(id="other", payers={"acmeish"}, percent_of_medicare=90))

    with pytest.raises(PluginError, match=r"'acmeish-2025'.*'other'"):
        make_checker(_Acmeish(), Second())


def test_a_plugin_whose_register_hook_raises_is_left_out_and_reported() -> None:
    class Flaky:
        name = "flaky"

        @ptcpt.hookimpl
        def ptcpt_register_payers(self, register: Any) -> None:
            register(ptcpt.PayerProfile(id="flakyco", name="Flaky Co"))

        @ptcpt.hookimpl
        def ptcpt_register_rules(self, register: Any) -> None:
            register(one_per_line)
            raise RuntimeError("secret text")

    checker = make_checker(Flaky())
    assert "flakyco" not in checker.payers
    assert "test.one-per-line" not in {r.rule.id for r in checker.rules}
    report = checker.check(CLEAN)
    warning = [f for f in report.findings if f.rule == PLUGIN_ERROR]
    assert len(warning) == 1 and warning[0].plugin == "flaky"
    assert "RuntimeError" in warning[0].message and "secret text" not in warning[0].message
    assert report.ok  # built-ins still ran and the visit is clean


# -- a rule's BaseException, kinds, debug (issue 12) -------------------------------------
@ptcpt.rule("test.exits")
def exits(visit: ptcpt.Visit, ctx: ptcpt.RuleContext) -> Iterator[Finding]:
    yield ctx.info("before the exit")
    raise SystemExit(3)


@ptcpt.rule("test.generator-exit")
def generator_exit(visit: ptcpt.Visit, ctx: ptcpt.RuleContext) -> Iterator[Finding]:
    raise GeneratorExit
    yield  # pragma: no cover


@ptcpt.rule("test.interrupted")
def interrupted(visit: ptcpt.Visit, ctx: ptcpt.RuleContext) -> Iterator[Finding]:
    raise KeyboardInterrupt
    yield  # pragma: no cover


@pytest.mark.parametrize(("rule", "name"), [(exits, "SystemExit"), (generator_exit, "GeneratorExit")])
def test_a_rule_raising_a_base_exception_is_contained_like_any_failure(rule: ptcpt.Rule, name: str) -> None:
    report = make_checker(_Plugin("rude", rule, one_per_line)).check(CLEAN)
    failures = [f for f in report.findings if f.rule == PLUGIN_ERROR]
    assert [(f.plugin, f.severity) for f in failures] == [("rude", Severity.ERROR)]
    assert f"raised {name}" in failures[0].message and rule.id in failures[0].message
    assert len([f for f in report.findings if f.rule == "test.one-per-line"]) == 2
    assert not report.ok


def test_ctrl_c_in_a_rule_still_stops_the_check() -> None:
    with pytest.raises(KeyboardInterrupt):
        make_checker(_Plugin("stop", interrupted)).check(CLEAN)


@ptcpt.rule("test.hint-with-error", kind="hint")
def hint_with_error(visit: ptcpt.Visit, ctx: ptcpt.RuleContext) -> Iterator[Any]:
    yield ctx.hint("document the home programme")
    yield ctx.error("a hint rule failing the claim")


@ptcpt.rule("test.validation-with-hint")
def validation_with_hint(visit: ptcpt.Visit, ctx: ptcpt.RuleContext) -> Iterator[Any]:
    yield ctx.hint("a validation rule giving advice")


def test_a_rule_yielding_the_wrong_kind_is_reported_and_its_item_dropped() -> None:
    report = make_checker(_Plugin("mixed", hint_with_error, validation_with_hint)).check(CLEAN)
    failures = {f.message.split("'")[1]: f.message for f in report.findings if f.rule == PLUGIN_ERROR}
    assert "is a hint rule but yielded a Finding" in failures["test.hint-with-error"]
    assert "is a validation rule but yielded a Hint" in failures["test.validation-with-hint"]
    assert [h.rule for h in report.hints if h.plugin == "mixed"] == ["test.hint-with-error"]
    assert not [f for f in report.findings if f.plugin == "mixed" and f.rule != PLUGIN_ERROR]


def test_debug_logs_the_traceback_of_a_failing_rule_and_only_then(caplog: pytest.LogCaptureFixture) -> None:
    plugin = _Plugin("flaky", raises)
    with caplog.at_level("WARNING", logger="ptcpt"):
        Checker([plugin], load_entrypoints=False, env={}).check(CLEAN)
    assert [r.exc_info for r in caplog.records] == [None]
    assert "secret text" not in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="ptcpt"):
        Checker([plugin], load_entrypoints=False, env={"PTCPT_DEBUG": "1"}).check(CLEAN)
    (record,) = caplog.records
    assert record.exc_info is not None and record.exc_info[0] is RuntimeError
    assert "secret text" in caplog.text and "in raises" in caplog.text


# -- payer policy in the profile (#14 bug 2) ------------------------------------------------------
class _Payers:
    """Registers payer profiles, as a payer plugin does."""

    def __init__(self, *profiles: ptcpt.PayerProfile) -> None:
        self.profiles = profiles
        self.__name__ = "tests.payers"

    @ptcpt.hookimpl
    def ptcpt_register_payers(self, register: Callable[[ptcpt.PayerProfile], None]) -> None:
        for profile in self.profiles:
            register(profile)


def _noncovered_findings(checker: Checker, visit: ptcpt.Visit) -> list[str]:
    return [f.message for f in checker.check(visit).findings if f.rule == "medicare.noncovered"]


def test_a_code_the_profile_never_covers_is_priced_at_zero_with_or_without_the_rule() -> None:
    # Decided in #14: a code in the payer's profile ``noncovered`` pays 0 for that payer
    # whichever rules run; blocking ptcpt.medicare drops the finding (the check asking for
    # GX), not the payer's policy. docs/plugins.md says so.
    visit = make_visit(("20560", 1, None, ["GP"]))
    for checker in (make_checker(), make_checker(blocked=("ptcpt.medicare",))):
        estimate = checker.estimate(visit)
        assert estimate is not None and estimate.lines[0].payable == Decimal("0.00")
        assert "not covered" in estimate.lines[0].reasons[0]
    assert _noncovered_findings(make_checker(), visit)
    assert not _noncovered_findings(make_checker(blocked=("ptcpt.medicare",)), visit)


def test_pricing_and_the_noncovered_rule_read_the_payers_profile() -> None:
    # Fails before #14: the engine priced Medicare's own list for every Medicare-like payer
    # and the rule read the plugin's constant, so a profile could not say otherwise.
    covers_needling = ptcpt.PayerProfile(id="acme_mc", name="Acme MC", medicare_rules=True, noncovered=())
    no_massage = ptcpt.PayerProfile(id="acme_nm", name="Acme NM", medicare_rules=True, noncovered={"97124"})
    checker = make_checker(_Payers(covers_needling, no_massage))
    needling = make_visit(("20560", 1, None, ["GP"]), payer="acme_mc")
    priced = checker.estimate(needling)
    assert priced is not None and priced.lines[0].payable > 0
    assert not _noncovered_findings(checker, needling)
    massage = make_visit(("97124", 1, 15, ["GP"]), payer="acme_nm")
    unpaid = checker.estimate(massage)
    assert unpaid is not None and unpaid.lines[0].payable == Decimal("0.00")
    assert _noncovered_findings(checker, massage) == [
        "97124 is not covered by Medicare when a physical therapist furnishes it"
    ]


def test_the_engine_no_longer_imports_a_plugin() -> None:
    import ast
    import inspect

    import ptcpt._engine

    tree = ast.parse(inspect.getsource(ptcpt._engine))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not {m for m in imported if m.startswith("ptcpt.default_plugins")}


@settings(max_examples=25, deadline=None)
@given(never=st.sets(st.sampled_from(["97110", "97140", "97112", "20560"])))
def test_exactly_the_profiles_noncovered_codes_pay_nothing_and_are_flagged(never: set[str]) -> None:
    profile = ptcpt.PayerProfile(id="acme_mc", name="Acme MC", medicare_rules=True, noncovered=never)
    checker = _PROPERTY_CHECKERS.setdefault(frozenset(never), make_checker(_Payers(profile)))
    visit = make_visit(
        ("97110", 1, 15, ["GP"]),
        ("97140", 1, 10, ["GP"]),
        ("97112", 1, 12, ["GP"]),
        ("20560", 1, None, ["GP"]),
        payer="acme_mc",
    )
    estimate = checker.estimate(visit)
    assert estimate is not None
    assert {line.code for line in estimate.lines if line.payable == 0} == never
    flagged = {
        visit.lines[f.line].code for f in checker.check(visit).findings if f.rule == "medicare.noncovered"
    }
    assert flagged == never


_PROPERTY_CHECKERS: dict[frozenset[str], Checker] = {}
