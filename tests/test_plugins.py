"""Plugin discovery through real entry points, written to a temporary site directory."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

import pytest

import ptcpt
from ptcpt._engine import PLUGIN_ERROR, Checker
from ptcpt._plugins import BUILTIN_PLUGINS, Plugins, make_plugin_manager
from ptcpt.errors import PluginError, PluginWarning
from ptcpt.testing import make_checker, make_visit

if TYPE_CHECKING:
    import pathlib
    from collections.abc import Callable, Generator, Iterator

    from ptcpt._report import Finding

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
    assert "tinyco" not in Checker(env={}, allowed=[]).plugins.names()


def test_builtins_are_plugins_registered_the_same_way() -> None:
    plugins = Plugins.load(load_entrypoints=False, env={})
    assert set(BUILTIN_PLUGINS) <= set(plugins.names())
    builtin = [p for p in plugins.info() if p.builtin]
    assert all("ptcpt_register_rules" in p.hooks or p.name == "ptcpt.payers" for p in builtin)


def test_a_plugin_manager_has_no_global_state() -> None:
    assert make_plugin_manager() is not make_plugin_manager()
    assert make_plugin_manager().list_name_plugin() == []


# -- nothing about which plugins run is left to chance (issue 12) -------------------------
def install_dist(site: pathlib.Path, dist: str, name: str, module: str, source: str) -> None:
    """Like install(), with the distribution's name apart from its module's."""
    (site / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    info = site / f"{dist}-2.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 2.0\n")
    (info / "entry_points.txt").write_text(f"[ptcpt]\n{name} = {module}\n")


def test_two_distributions_claiming_one_plugin_name_are_refused_naming_both(site: pathlib.Path) -> None:
    install_dist(site, "tinyco_rules_a", "tinyco", "tinyco_a", GOOD)
    install_dist(site, "tinyco_rules_b", "tinyco", "tinyco_b", GOOD)
    with pytest.raises(PluginError) as info:
        Checker(env={})
    message = str(info.value)
    assert "'tinyco' is claimed by more than one installed distribution" in message
    assert "tinyco_rules_a 2.0, tinyco_a" in message and "tinyco_rules_b 2.0, tinyco_b" in message
    # Leaving the name out settles it: no clash, neither loads.
    assert "tinyco" not in Checker(env={"PTCPT_DISABLE_PLUGINS": "tinyco"}).plugins.names()


def test_an_installed_plugin_with_a_built_in_name_is_refused(site: pathlib.Path) -> None:
    install_dist(site, "impostor", "ptcpt.units", "impostor_rules", GOOD)
    with pytest.raises(
        PluginError, match=r"'ptcpt.units' \(impostor 2.0, impostor_rules\) has the name of a built-in"
    ):
        Checker(env={})


@pytest.mark.parametrize("option", ["blocked", "allowed"])
def test_an_unknown_name_to_leave_out_or_in_is_an_error_listing_the_known(option: str) -> None:
    with pytest.raises(PluginError) as info:
        Checker(load_entrypoints=False, env={}, **{option: ["nosuch"]})
    message = str(info.value)
    assert message.startswith(f"{option}: no plugin is named 'nosuch'; the plugins are ")
    assert "ptcpt.units" in message and "ptcpt.codes" in message


def test_an_unknown_name_in_the_environment_is_a_warning(site: pathlib.Path) -> None:
    install(site, "tinyco", "tinyco_rules", GOOD)
    with pytest.warns(PluginWarning, match=r"PTCPT_LOAD_PLUGINS: no plugin is named 'tinyc'; .*tinyco"):
        checker = Checker(env={"PTCPT_LOAD_PLUGINS": "tinyc"})
    assert "tinyco" not in checker.plugins.names()


def test_a_name_that_is_installed_but_not_loaded_may_be_blocked(site: pathlib.Path) -> None:
    install(site, "tinyco", "tinyco_rules", GOOD)
    assert "tinyco" not in Checker(load_entrypoints=False, blocked=["tinyco"], env={}).plugins.names()


def test_registering_one_plugin_twice_is_a_clean_plugin_error() -> None:
    class Named:
        name = "twin"

    with pytest.raises(PluginError) as info:
        Checker([Named(), Named()], load_entrypoints=False, env={})
    assert str(info.value).startswith("two plugins are named 'twin'; plugin names must be unique")
    same = Named()
    with pytest.raises(PluginError) as info:
        Plugins.load([same, same], load_entrypoints=False, env={})
    message = str(info.value)
    assert message.startswith("plugin 'twin' is given twice")
    assert "<" not in message and "0x" not in message  # no registry dump, no object reprs


# -- the order pluggy defines -------------------------------------------------------------
ORDER_VISIT = make_visit(("97110", 2, 30, ["GP"]), ("97140", 1, 10, ["GP"]), date="2025-03-12")


def _says_hello(rule_id: str) -> ptcpt.Rule:
    @ptcpt.rule(rule_id, kind="validation")
    def hello(visit: ptcpt.Visit, ctx: ptcpt.RuleContext) -> Iterator[Finding]:
        yield ctx.info(f"{rule_id} ran")

    return hello


def _plugin(
    plugin_name: str, *, raises: bool = False, tryfirst: bool = False, trylast: bool = False
) -> object:
    """A plugin object named ``plugin_name`` registering one rule, ``<plugin_name>.hello``."""
    hello = _says_hello(f"{plugin_name}.hello")

    class Plugin:
        name = plugin_name

        @ptcpt.hookimpl(tryfirst=tryfirst, trylast=trylast)
        def ptcpt_register_rules(self, register: Callable[[ptcpt.Rule], None]) -> None:
            register(hello)
            if raises:
                raise RuntimeError("secret text")

    return Plugin()


def _builtin_rule_ids() -> list[str]:
    return [r.rule.id for r in make_checker().rules]


def _ran(checker: Checker) -> list[str]:
    """The plugin rules' ids in the order their findings appear in a report."""
    report = checker.check(ORDER_VISIT)
    return [f.rule for f in report.findings if f.rule.endswith(".hello")]


def test_plugins_run_in_load_order_after_the_builtins_in_their_own_order() -> None:
    checker = make_checker(_plugin("one"), _plugin("two"))
    ids = [r.rule.id for r in checker.rules]
    assert ids == [*_builtin_rule_ids(), "one.hello", "two.hello"]
    assert _ran(checker) == ["one.hello", "two.hello"]
    assert checker.plugins.names()[: len(BUILTIN_PLUGINS)] == tuple(BUILTIN_PLUGINS)
    assert checker.plugins.names()[len(BUILTIN_PLUGINS) :] == ("one", "two")


def test_a_tryfirst_plugins_rules_come_first() -> None:
    checker = make_checker(_plugin("plain"), _plugin("eager", tryfirst=True))
    ids = [r.rule.id for r in checker.rules]
    assert ids == ["eager.hello", *_builtin_rule_ids(), "plain.hello"]
    assert checker.rules[0].plugin == "eager"
    assert _ran(checker) == ["eager.hello", "plain.hello"]


def test_a_trylast_plugins_rules_come_last() -> None:
    checker = make_checker(_plugin("late", trylast=True), _plugin("plain"))
    ids = [r.rule.id for r in checker.rules]
    assert ids == [*_builtin_rule_ids(), "plain.hello", "late.hello"]
    assert checker.rules[-1].plugin == "late"
    assert _ran(checker) == ["plain.hello", "late.hello"]


def test_several_trylast_plugins_run_in_reverse_load_order_as_pluggy_inserts_them() -> None:
    checker = make_checker(_plugin("late", trylast=True), _plugin("plain"), _plugin("later", trylast=True))
    assert _ran(checker) == ["plain.hello", "later.hello", "late.hello"]


def test_a_plugin_implementing_the_hook_under_another_name_is_called_once_as_itself() -> None:
    hello = _says_hello("aliased.hello")

    class Aliased:
        name = "aliased"

        @ptcpt.hookimpl(specname="ptcpt_register_rules", tryfirst=True)
        def rules(self, register: Callable[[ptcpt.Rule], None]) -> None:
            register(hello)

    checker = make_checker(_plugin("plain"), Aliased())
    assert [(r.rule.id, r.plugin) for r in checker.rules if r.rule.id.endswith(".hello")] == [
        ("aliased.hello", "aliased"),
        ("plain.hello", "plain"),
    ]
    assert checker.rules[0].plugin == "aliased"


class _NewStyleWrapper:
    name = "wrapping"

    @ptcpt.hookimpl(wrapper=True)
    def ptcpt_register_rules(self, register: Callable[[ptcpt.Rule], None]) -> Generator[None, Any, Any]:
        register(_says_hello("wrapping.hello"))
        return (yield)


class _OldStyleWrapper:
    name = "wrapping"

    @ptcpt.hookimpl(hookwrapper=True)
    def ptcpt_register_payers(
        self, register: Callable[[ptcpt.PayerProfile], None]
    ) -> Generator[None, Any, None]:
        register(ptcpt.PayerProfile(id="wrapco", name="Wrap Co"))
        yield


@pytest.mark.parametrize(
    ("plugin", "option", "hook"),
    [
        (_NewStyleWrapper(), "wrapper", "ptcpt_register_rules"),
        (_OldStyleWrapper(), "hookwrapper", "ptcpt_register_payers"),
    ],
)
def test_a_hook_wrapper_is_refused_naming_the_plugin_and_the_hook(
    plugin: object, option: str, hook: str
) -> None:
    with pytest.raises(PluginError, match=rf"plugin 'wrapping'.*'{hook}'.*{option}=True"):
        make_checker(_plugin("plain"), plugin)


def test_a_raising_plugin_is_a_load_failure_and_the_others_keep_their_order() -> None:
    checker = make_checker(
        _plugin("plain"),
        _plugin("eager", tryfirst=True),
        _plugin("flaky", raises=True, tryfirst=True),
        _plugin("late", trylast=True),
    )
    assert [f.name for f in checker.plugins.failures] == ["flaky"]
    assert checker.plugins.failures[0].error == "ptcpt_register_rules raised RuntimeError"
    ids = [r.rule.id for r in checker.rules]
    assert "flaky.hello" not in ids
    assert ids == ["eager.hello", *_builtin_rule_ids(), "plain.hello", "late.hello"]
    report = checker.check(ORDER_VISIT)
    warning = [f for f in report.findings if f.rule == PLUGIN_ERROR]
    assert len(warning) == 1 and warning[0].plugin == "flaky"
    assert "secret text" not in warning[0].message
    assert _ran(checker) == ["eager.hello", "plain.hello", "late.hello"]
