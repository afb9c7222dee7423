"""The plugin's own tests, written with ptcpt's pytest fixtures."""

from __future__ import annotations

from acme_ptcpt import rules


def test_cap_fires_for_acme_only(ptcpt_checker, ptcpt_visit) -> None:  # type: ignore[no-untyped-def]
    checker = ptcpt_checker(rules)
    acme = checker.check(ptcpt_visit(("97140", 3, 45, ["GP"]), payer="acme"))
    assert "acme.manual-therapy-cap" in acme.rules_fired()
    other = checker.check(ptcpt_visit(("97140", 3, 45, ["GP"]), payer="commercial"))
    assert "acme.manual-therapy-cap" not in other.rules_fired()
