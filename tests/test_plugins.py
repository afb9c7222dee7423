"""Plugin discovery through real entry points, written to a temporary site directory."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import pytest

from ptcpt.engine import PLUGIN_ERROR, Checker
from ptcpt.plugins import BUILTIN_PLUGINS, Plugins, make_plugin_manager
from ptcpt.testing import make_visit

if TYPE_CHECKING:
    import pathlib

GOOD = """
import ptcpt

@ptcpt.rule("tinyco.always", kind="validation", payers={"tinyco"})
def always(visit, ctx):
    yield ctx.info("tinyco rule ran")

@ptcpt.hookimpl
def ptcpt_register_rules(register):
    register(always)

@ptcpt.hookimpl
def ptcpt_register_payers(register):
    register(ptcpt.PayerProfile(id="tinyco", name="Tiny Co", unit_method="ama"))
"""


def install(tmp_path: pathlib.Path, name: str, module: str, source: str) -> None:
    """Write a module and a dist-info with a `ptcpt` entry point, as pip would."""
    (tmp_path / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    info = tmp_path / f"{module}-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.2.3\n")
    (info / "entry_points.txt").write_text(f"[ptcpt]\n{name} = {module}\n")


@pytest.fixture
def site(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> pathlib.Path:
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_an_entry_point_plugin_is_discovered_and_runs_for_its_payer(site: pathlib.Path) -> None:
    install(site, "tinyco", "tinyco_rules", GOOD)
    checker = Checker(env={})
    assert "tinyco" in checker.plugins.names()
    info = {p.name: p for p in checker.plugins.info()}["tinyco"]
    assert info.version == "1.2.3" and info.rules == ("tinyco.always",)
    assert "tinyco.always" in checker.check(make_visit(("97110", 1, 15), payer="tinyco")).rules_fired()
    assert "tinyco.always" not in checker.check(make_visit(("97110", 1, 15))).rules_fired()


def test_a_plugin_that_fails_to_import_is_reported_and_others_load(site: pathlib.Path) -> None:
    install(site, "tinyco", "tinyco_rules", GOOD)
    install(site, "broken", "broken_rules", "import does_not_exist_anywhere\n")
    checker = Checker(env={})
    assert [f.name for f in checker.plugins.failures] == ["broken"]
    assert "ModuleNotFoundError" in checker.plugins.failures[0].error
    assert "tinyco" in checker.plugins.names()
    report = checker.check(make_visit(("97110", 1, 15, ["GP"])))
    warning = [f for f in report.findings if f.rule == PLUGIN_ERROR]
    assert warning and warning[0].plugin == "broken" and warning[0].severity.value == "warning"


def test_environment_allow_and_block_lists(site: pathlib.Path) -> None:
    install(site, "tinyco", "tinyco_rules", GOOD)
    assert "tinyco" not in Checker(env={"PTCPT_DISABLE_PLUGINS": "tinyco"}).plugins.names()
    assert "tinyco" not in Checker(env={"PTCPT_LOAD_PLUGINS": ""}).plugins.names()
    assert "tinyco" in Checker(env={"PTCPT_LOAD_PLUGINS": "tinyco"}).plugins.names()
    assert "tinyco" not in Checker(env={}, load_entrypoints=False).plugins.names()
    assert "tinyco" not in Checker(env={}, allowed=["other"]).plugins.names()


def test_builtins_are_plugins_registered_the_same_way() -> None:
    plugins = Plugins.load(load_entrypoints=False, env={})
    assert set(BUILTIN_PLUGINS) <= set(plugins.names())
    builtin = [p for p in plugins.info() if p.builtin]
    assert all("ptcpt_register_rules" in p.hooks or p.name == "ptcpt.payers" for p in builtin)


def test_a_plugin_manager_has_no_global_state() -> None:
    assert make_plugin_manager() is not make_plugin_manager()
    assert make_plugin_manager().list_name_plugin() == []
