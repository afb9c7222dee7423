"""What to say when claims lack what rules need: derived from each rule's ``Rule.needs``.

An 837P line billed in units carries no minutes. Which rules cannot judge such a line
is not a list kept here: each rule declares the Line fields it needs, and these
functions read them from the rules a Checker holds (a plugin's rules included).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ptcpt._rules import Rule
from ptcpt._visit import Visit

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from ptcpt._plugins import RegisteredRule


def lacks_minutes(visit: Visit) -> bool:
    """True when a line of ``visit`` has no minutes, so :func:`minutes_note` applies."""
    return any(line.minutes is None for line in visit.lines)


def rules_needing(field: str, rules: Iterable[Rule | RegisteredRule] | None = None) -> tuple[str, ...]:
    """The ids of ``rules`` that need the Line field ``field`` (``Rule.needs``), in order.

    ``rules`` is a Checker's (``checker.rules``) or plain Rules; None takes the built-in
    rules alone. A plugin's rule that declares ``needs={"minutes"}`` is named with them.
    """
    if rules is None:
        rules = _builtin_rules()
    found: list[str] = []
    for item in rules:
        rule: Rule = item if isinstance(item, Rule) else item.rule
        if field in rule.needs and rule.id not in found:
            found.append(rule.id)
    return tuple(found)


def minutes_note(rules: Iterable[Rule | RegisteredRule] | None = None) -> str | None:
    """The sentence to say once when claims from an 837P lack minutes (None: no rule needs them).

    Built from ``rules`` (a Checker's, or None for the built-in rules): the rules that
    declare ``needs={"minutes"}`` are the ones that cannot judge a line billed in units.
    """
    names = rules_needing("minutes", rules)
    if not names:
        return None
    return (
        "837P claims carry units, not minutes: timed lines billed in units cannot be checked "
        "against the minutes, and " + ", ".join(names) + " cannot judge lines without minutes. "
        "Check the visits from the treatment notes (JSON with minutes) to run them."
    )


def _builtin_rules() -> tuple[RegisteredRule, ...]:
    from ptcpt._plugins import Plugins

    return Plugins.load(load_entrypoints=False, env={}).rules()


#: The old constants, now derived from the built-in rules' ``needs`` (deprecated: call
#: :func:`rules_needing` and :func:`minutes_note` with a Checker's rules instead).
_DEPRECATED: dict[str, Callable[[], object]] = {
    "RULES_NEEDING_MINUTES": lambda: rules_needing("minutes"),
    "RULES_NEEDING_GROUP_SIZE": lambda: rules_needing("group_size"),
    "MINUTES_NOTE": minutes_note,
}
