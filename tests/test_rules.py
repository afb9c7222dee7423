from __future__ import annotations

from decimal import Decimal

import pytest

import ptcpt
from ptcpt._rules import Rule
from ptcpt.testing import make_visit


def test_rule_decorator_builds_a_rule_with_its_description() -> None:
    @ptcpt.rule("acme.thing", kind="hint", payers={"acme"})
    def thing(visit, ctx):  # type: ignore[no-untyped-def]
        """First line is the description.

        More text.
        """
        return ()

    assert isinstance(thing, Rule)
    assert thing.description == "First line is the description."
    assert thing.applies_to("acme") and not thing.applies_to("medicare")


@pytest.mark.parametrize("bad", ["NoDots", "acme", "acme.", "Acme.rule", "acme rule.x"])
def test_rule_ids_are_dotted_lower_case(bad: str) -> None:
    with pytest.raises(ValueError, match="rule id"):
        ptcpt.rule(bad)(lambda v, c: ())


def test_rule_kind_is_checked() -> None:
    with pytest.raises(ValueError, match="validation"):
        ptcpt.rule("acme.x", kind="advice")(lambda v, c: ())


def test_context_helpers_fill_code_and_check_amount() -> None:
    from ptcpt._rules import RuleContext

    visit = make_visit(("97110", 1, 15))
    checker = ptcpt.Checker(load_entrypoints=False, env={})
    ctx = RuleContext(visit, catalog=checker.catalog, payer=checker.payer("medicare"), units=None)
    ctx._rule, ctx._plugin = "x.y", "p"
    finding = ctx.error("bad", line=0, fix="do this")
    assert (finding.rule, finding.plugin, finding.code, finding.fix) == ("x.y", "p", "97110", "do this")
    hint = ctx.hint("more", line=0, amount=Decimal("1.50"))
    assert hint.amount == Decimal("1.50")
    with pytest.raises(TypeError):
        ctx.hint("float money", amount=1.5)  # type: ignore[arg-type]
    assert ctx.code(0) is checker.catalog["97110"]


def test_context_per_line_facts_follow_the_lines() -> None:
    from ptcpt._rules import RuleContext

    visit = make_visit(("97110", 1, 15), ("99999", 1, 10), ("97010", 1))
    checker = ptcpt.Checker(load_entrypoints=False, env={})
    ctx = RuleContext(
        visit, catalog=checker.catalog, payer=checker.payer("medicare"), units=None, tables=checker.tables
    )
    assert ctx.codes == (checker.catalog["97110"], None, checker.catalog["97010"])
    assert ctx.codes is ctx.codes  # worked out once per check
    assert ctx.statuses == ("A", None, "B")
    assert ctx.code(1) is None and ctx.code(visit.lines[0]) is checker.catalog["97110"]


def test_a_rule_declares_the_line_fields_it_needs() -> None:
    @ptcpt.rule("acme.minutes-cap", needs={"minutes"})
    def cap(visit, ctx):  # type: ignore[no-untyped-def]
        return ()

    assert cap.needs == frozenset({"minutes"})
    assert Rule(id="acme.x", kind="validation", function=cap.function, needs="group_size").needs == {
        "group_size"
    }
    assert Rule(id="acme.x", kind="validation", function=cap.function).needs == frozenset()


def test_a_rule_needing_a_field_line_does_not_have_names_it() -> None:
    with pytest.raises(
        ValueError, match=r"needs: 'bogus' is not an optional field of Line \(one of .*minutes"
    ):
        Rule(id="acme.x", kind="validation", function=lambda v, c: (), needs={"bogus"})
    with pytest.raises(ValueError, match="'code' is not an optional field"):  # always there: nothing to need
        ptcpt.rule("acme.y", needs={"code"})(lambda v, c: ())


def test_builtin_rules_say_what_they_need() -> None:
    rules = {r.rule.id: r.rule.needs for r in ptcpt.Checker(load_entrypoints=False).rules}
    assert {rid for rid, needs in rules.items() if "minutes" in needs} == {
        "units.mismatch",
        "hint.units-available",
        "modifier.assistant-missing",
    }
    assert {rid for rid, needs in rules.items() if "group_size" in needs} == {"group.size"}
