"""Running rules on one visit in isolation: a rule's bug becomes a finding, not a crash.

The :class:`~ptcpt._engine.Checker` builds the context and the report; this module holds
how one rule runs inside it (its filters, its results restamped with its id, its failure
as one ``plugin.error`` finding), so the engine reads as the two phases of a check.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from ptcpt._plugins import RegisteredRule
from ptcpt._report import Finding, Hint, Severity

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from ptcpt._rules import RuleContext
    from ptcpt._visit import Visit

__all__ = [
    "PLUGIN_ERROR",
    "Runnable",
    "Seen",
    "restamp",
    "rule_failed",
    "run_phase",
    "runnable",
    "wrong_item",
]

#: The rule id of the findings the engine makes for failing rules and plugins.
PLUGIN_ERROR = "plugin.error"


class Seen:
    """The visit's codes and modifiers as sets, built once and only if a rule asks."""

    __slots__ = ("_visit", "codes", "modifiers")

    def __init__(self, visit: Visit) -> None:
        self._visit = visit
        self.codes: set[str] | None = None
        self.modifiers: set[str] | None = None

    def has_code(self, wanted: frozenset[str]) -> bool:
        if self.codes is None:
            self.codes = {line.code for line in self._visit.lines}
        return not wanted.isdisjoint(self.codes)

    def has_modifier(self, wanted: frozenset[str]) -> bool:
        if self.modifiers is None:
            self.modifiers = {m for line in self._visit.lines for m in line.modifiers}
        return not wanted.isdisjoint(self.modifiers)


def run_phase(
    runnables: tuple[Runnable, ...],
    visit: Visit,
    ctx: RuleContext,
    findings: list[Finding],
    hints: list[Hint] | None,
    seen: Seen,
    raised: Callable[[RegisteredRule, BaseException], None],
) -> None:
    """Run one phase of rules on a visit, isolating failures: validation rules when
    ``hints`` is None (they yield findings), hint rules otherwise (they yield hints). A
    rule that raises, or yields the other kind, becomes one plugin.error finding in
    ``findings`` and the others still run."""
    for registered, rule_id, plugin, function, want_codes, want_modifiers in runnables:
        if want_codes is not None and not seen.has_code(want_codes):
            continue
        if want_modifiers is not None and not seen.has_modifier(want_modifiers):
            continue
        ctx._rule = rule_id
        ctx._plugin = plugin
        try:
            produced: Iterable[object] | None = function(visit, ctx)
            if produced is None:
                continue
            for item in produced:
                if hints is None and isinstance(item, Finding):
                    if item.rule != rule_id or item.plugin != plugin:
                        item = restamp(item, rule_id, plugin)
                    findings.append(item)
                elif hints is not None and isinstance(item, Hint):
                    if item.rule != rule_id or item.plugin != plugin:
                        item = restamp(item, rule_id, plugin)
                    hints.append(item)
                else:
                    findings.append(rule_failed(registered, wrong_item(item)))
                    break
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # SystemExit, GeneratorExit, ...: a rule's bug all the same
            raised(registered, exc)
            findings.append(rule_failed(registered, f"raised {type(exc).__name__}"))


def runnable(registered: RegisteredRule) -> Runnable:
    """A registered rule as the tuple the check loop unpacks (no attribute look-ups there)."""
    rule = registered.rule
    return (registered, rule.id, registered.plugin, rule.function, rule.codes, rule.modifiers)


def restamp(item: Any, rule: str, plugin: str) -> Any:
    """The finding or hint as the rule that yielded it, whatever it claimed to be."""
    return attrs.evolve(item, rule=rule, plugin=plugin)


def wrong_item(item: object) -> str:
    """What was wrong with an item a rule yielded (the engine keeps none of its kind)."""
    if isinstance(item, Finding):
        return "is a hint rule but yielded a Finding (hint rules yield ctx.hint(...))"
    if isinstance(item, Hint):
        return "is a validation rule but yielded a Hint (declare it kind='hint')"
    return f"yielded a {type(item).__name__}, not a Finding or Hint"


def rule_failed(registered: RegisteredRule, what: str) -> Finding:
    """The one plugin.error finding that stands for a rule's missing results."""
    return Finding(
        rule=PLUGIN_ERROR,
        severity=Severity.ERROR,
        message=f"rule {registered.rule.id!r} of plugin {registered.plugin!r} {what}; "
        f"its results for this visit are missing",
        plugin=registered.plugin,
        fix=f"report it to the plugin's authors, or disable {registered.plugin!r}",
    )


#: A rule ready to run: the registration, its id, plugin, function and code/modifier filters.
Runnable = tuple[RegisteredRule, str, str, Any, frozenset[str] | None, frozenset[str] | None]
