"""Finding, loading and asking plugins: a typed facade over pluggy.

The rest of ptcpt never calls ``pm.hook.*`` itself: :class:`Plugins` calls each hook
through pluggy one plugin at a time (``subset_hook_caller``), in the order pluggy would
call the whole hook, with a ``register`` callable that knows which plugin is registering:
``tryfirst``/``trylast`` are honoured, duplicates and failures name the plugin
responsible, and one plugin that raises leaves every other plugin's registrations intact.
Plugins are registered in reverse of their load order so that pluggy's last-registered-
first order runs them in load order: built-ins, then the given plugins, then entry points.
Hook wrappers are refused at registration: a register-style hook has no result to wrap.

Built-in rules are plugins too (``ptcpt.default_plugins``), registered exactly as a
third party's would be. Third-party plugins are found through the ``ptcpt``
entry-point group, loaded one by one so one broken package cannot hide the others.

Nothing about which plugins run is left to chance: two installed distributions claiming
one plugin name, a plugin given twice, or a name in ``blocked``/``allowed`` that no
plugin has (a typo would leave on the plugin meant to be off) raise :class:`PluginError`
naming the distributions or the known names. Names in ``PTCPT_DISABLE_PLUGINS`` and
``PTCPT_LOAD_PLUGINS`` that no plugin has give a :class:`~ptcpt.errors.PluginWarning` instead: one
environment is often shared by machines with different plugins installed.
"""

from __future__ import annotations

import importlib
import os
import warnings
from importlib import metadata
from types import ModuleType
from typing import TYPE_CHECKING, Any

import attrs
import pluggy

from ptcpt import hookspecs
from ptcpt.errors import PluginError, PluginWarning

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from ptcpt._codes import Code
    from ptcpt._rules import Rule
    from ptcpt.classifier import Term
    from ptcpt.payers import FeeSchedule, PayerProfile

__all__ = [
    "BUILTIN_PLUGINS",
    "ENTRY_POINT_GROUP",
    "LoadFailure",
    "PluginInfo",
    "PluginWarning",
    "Plugins",
    "RegisteredRule",
    "known_names",
    "make_plugin_manager",
]

ENTRY_POINT_GROUP = "ptcpt"

#: plugin name -> module of ptcpt's own rules and profiles.
BUILTIN_PLUGINS: dict[str, str] = {
    "ptcpt.payers": "ptcpt.default_plugins.payers",
    "ptcpt.codes": "ptcpt.default_plugins.codes",
    "ptcpt.units": "ptcpt.default_plugins.units",
    "ptcpt.ncci": "ptcpt.default_plugins.ncci",
    "ptcpt.mue": "ptcpt.default_plugins.mue",
    "ptcpt.modifiers": "ptcpt.default_plugins.modifiers",
    "ptcpt.medicare": "ptcpt.default_plugins.medicare",
    "ptcpt.sessions": "ptcpt.default_plugins.sessions",
    "ptcpt.hints": "ptcpt.default_plugins.hints",
    "ptcpt.descriptions": "ptcpt.default_plugins.descriptions",
    "ptcpt.data": "ptcpt.default_plugins.data",
}


@attrs.frozen
class LoadFailure:
    """An entry-point plugin that could not be imported; the others still load."""

    name: str
    error: str


@attrs.frozen
class RegisteredRule:
    """A rule and the plugin that registered it."""

    rule: Rule
    plugin: str


@attrs.frozen
class PluginInfo:
    """One loaded plugin, as ``ptcpt plugins`` lists it."""

    name: str
    version: str
    builtin: bool
    hooks: tuple[str, ...]
    rules: tuple[str, ...]


def make_plugin_manager() -> pluggy.PluginManager:
    """A new, empty plugin manager that knows ptcpt's hooks (no global state)."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    return pm


def _names_from_env(value: str | None) -> frozenset[str] | None:
    if value is None:
        return None
    return frozenset(part.strip() for part in value.split(",") if part.strip())


class Plugins:
    """The plugins of one Checker and what they register.

    Build with :meth:`load`. ``failures`` lists entry points that failed to import.
    """

    def __init__(
        self,
        pm: pluggy.PluginManager,
        *,
        failures: tuple[LoadFailure, ...] = (),
        versions: Mapping[str, str] | None = None,
        order: Iterable[str] | None = None,
    ) -> None:
        self._pm = pm
        # Plugin names in load order (pluggy lists them in registration order, the reverse).
        self._order = tuple(order) if order is not None else tuple(n for n, _ in pm.list_name_plugin())
        self.failures = failures
        self._broken: set[str] = set()
        self._owners: dict[tuple[str, str], str] = {}
        self._versions = dict(versions or {})

    @classmethod
    def load(
        cls,
        plugins: Iterable[object] = (),
        *,
        blocked: Iterable[str] = (),
        allowed: Iterable[str] | None = None,
        load_entrypoints: bool = True,
        builtins: bool = True,
        env: Mapping[str, str] | None = None,
    ) -> Plugins:
        """Register built-ins, the given plugin objects, then entry-point plugins.

        ``blocked`` names plugins (built-in, given or entry-point) to leave out;
        ``allowed`` (when not None) is the allow-list of entry-point plugins. The
        environment adds ``PTCPT_DISABLE_PLUGINS`` to the block-list and sets the
        allow-list from ``PTCPT_LOAD_PLUGINS`` (an empty value loads none).
        """
        environ = os.environ if env is None else env
        plugins = tuple(plugins)
        blocked = frozenset(blocked)
        env_block = _names_from_env(environ.get("PTCPT_DISABLE_PLUGINS")) or frozenset()
        env_allow = _names_from_env(environ.get("PTCPT_LOAD_PLUGINS"))
        if blocked or allowed or env_block or env_allow:
            _check_names(plugins, builtins, blocked, allowed, env_block, env_allow)
        block = blocked | env_block
        allow = frozenset(allowed) if allowed is not None else None
        if env_allow is not None:
            allow = env_allow if allow is None else allow & env_allow

        # (plugin, name, version) in load order: built-ins, the given plugins, entry points.
        chosen: list[tuple[object, str, str]] = []
        if builtins:
            from ptcpt import __version__

            for name, module in BUILTIN_PLUGINS.items():
                if name not in block:
                    chosen.append((importlib.import_module(module), name, __version__))
        for plugin in plugins:
            name = _plugin_name(plugin)
            if name not in block:
                chosen.append((plugin, name, getattr(plugin, "__version__", "")))
        failures: list[LoadFailure] = []
        if load_entrypoints:
            taken = {name for _, name, _ in chosen}
            for ep in _unambiguous(_entry_points(), block, allow):
                if ep.name in taken:
                    kind = "built-in plugin" if ep.name in BUILTIN_PLUGINS else "plugin given to the Checker"
                    raise PluginError(
                        f"the installed plugin {ep.name!r} ({_dist_label(ep)}) has the name of a {kind}; "
                        f"uninstall it or leave one of them out (blocked=, --no-plugin)"
                    )
                try:
                    loaded = ep.load()
                except KeyboardInterrupt:
                    raise
                except BaseException as exc:  # an import failure (even SystemExit) must not stop the others
                    failures.append(LoadFailure(ep.name, f"{type(exc).__name__}: {exc}"))
                    continue
                taken.add(ep.name)
                chosen.append((loaded, ep.name, ep.dist.version if ep.dist is not None else ""))
        pm = make_plugin_manager()
        # pluggy calls the plugin registered last first; registering in reverse makes its
        # order (tryfirst, then the rest, then trylast) run plugins in load order.
        for plugin, name, _ in reversed(chosen):
            _register(pm, plugin, name)
        versions = {name: version for _, name, version in chosen}
        _check_pending(pm)
        return cls(pm, failures=tuple(failures), versions=versions, order=versions)

    # -- the typed facade ----------------------------------------------------------------
    def _collect(self, hook_name: str) -> list[tuple[Any, str]]:
        """Call a register-style hook through pluggy, one plugin at a time, tagging items.

        The plugins are called in the order pluggy calls the whole hook (the reverse of
        ``get_hookimpls()``), each through ``subset_hook_caller`` so that the one plugin's
        exception is caught, attributed and isolated while the others still register.
        """
        found: list[tuple[Any, str]] = []
        caller = getattr(self._pm.hook, hook_name)
        order: dict[str, object] = {}
        for impl in reversed(caller.get_hookimpls()):
            order.setdefault(impl.plugin_name, impl.plugin)
        everyone = list(order.values())
        for plugin_name, plugin in order.items():
            if plugin_name in self._broken:
                continue

            def register(item: Any, _plugin: str = plugin_name) -> None:
                found.append((item, _plugin))

            own = self._pm.subset_hook_caller(hook_name, [p for p in everyone if p is not plugin])
            start = len(found)
            try:
                own(register=register)
            except (PluginError, KeyboardInterrupt):
                raise
            except BaseException as exc:
                # Isolate the plugin: drop what it registered and report it; the built-ins
                # and every other plugin still work. Only the exception type is kept, so
                # no free text from the plugin reaches a report.
                del found[start:]
                self._broken.add(plugin_name)
                self.failures = (
                    *self.failures,
                    LoadFailure(plugin_name, f"{hook_name} raised {type(exc).__name__}"),
                )
        return found

    @property
    def broken(self) -> frozenset[str]:
        """Plugins whose register hook raised; everything they registered is left out."""
        return frozenset(self._broken)

    def rules(self) -> tuple[RegisteredRule, ...]:
        """Every rule, in registration order; duplicate ids name both plugins."""
        from ptcpt._rules import Rule

        seen: dict[str, str] = {}
        result: list[RegisteredRule] = []
        for item, plugin in self._collect("ptcpt_register_rules"):
            if not isinstance(item, Rule):
                raise PluginError(
                    f"plugin {plugin!r} registered a {type(item).__name__}, not a ptcpt Rule "
                    f"(decorate the function with @ptcpt.rule)"
                )
            if item.id in seen:
                raise PluginError(
                    f"rule id {item.id!r} is registered by both plugin {seen[item.id]!r} "
                    f"and plugin {plugin!r}; rule ids must be unique"
                )
            seen[item.id] = plugin
            result.append(RegisteredRule(item, plugin))
        return tuple(result)

    def payers(self) -> dict[str, PayerProfile]:
        from ptcpt.payers import PayerProfile

        return self._unique("ptcpt_register_payers", PayerProfile, "payer")

    def fee_schedules(self) -> dict[str, FeeSchedule]:
        from ptcpt.payers import FeeSchedule

        return self._unique("ptcpt_register_fee_schedules", FeeSchedule, "fee schedule")

    def owner(self, kind: str, item_id: str) -> str | None:
        """The plugin that registered payer or fee schedule ``item_id`` (kind "payer" or
        "fee schedule"), or None."""
        return self._owners.get((kind, item_id))

    def _unique(self, hook: str, cls: type[Any], what: str) -> dict[str, Any]:
        owners: dict[str, str] = {}
        result: dict[str, Any] = {}
        for item, plugin in self._collect(hook):
            if not isinstance(item, cls):
                raise PluginError(
                    f"plugin {plugin!r} registered a {type(item).__name__}, not a {cls.__name__}"
                )
            if item.id in owners:
                raise PluginError(
                    f"{what} id {item.id!r} is registered by both plugin {owners[item.id]!r} "
                    f"and plugin {plugin!r}"
                )
            owners[item.id] = plugin
            self._owners[(what, item.id)] = plugin
            result[item.id] = item
        return result

    def codes(self) -> tuple[Code, ...]:
        from ptcpt._codes import Code

        result: list[Code] = []
        for item, plugin in self._collect("ptcpt_register_codes"):
            if not isinstance(item, Code):
                raise PluginError(f"plugin {plugin!r} registered a {type(item).__name__}, not a Code")
            result.append(item)
        return tuple(result)

    def terms(self) -> tuple[Term, ...]:
        from ptcpt.classifier import Term

        result: list[Term] = []
        for item, plugin in self._collect("ptcpt_register_terms"):
            if not isinstance(item, Term):
                raise PluginError(f"plugin {plugin!r} registered a {type(item).__name__}, not a Term")
            result.append(item)
        return tuple(result)

    def info(self) -> tuple[PluginInfo, ...]:
        """Name, version, implemented hooks and rule ids of every loaded plugin."""
        rules_by_plugin: dict[str, list[str]] = {}
        for registered in self.rules():
            rules_by_plugin.setdefault(registered.plugin, []).append(registered.rule.id)
        result = []
        for name, plugin in self._pm.list_name_plugin():
            hooks = _hooks_of(self._pm, plugin)
            result.append(
                PluginInfo(
                    name=name,
                    version=self._versions.get(name, ""),
                    builtin=name in BUILTIN_PLUGINS,
                    hooks=hooks,
                    rules=tuple(rules_by_plugin.get(name, ())),
                )
            )
        return tuple(sorted(result, key=lambda p: (not p.builtin, p.name)))

    def names(self) -> tuple[str, ...]:
        """The loaded plugins' names in load order: built-ins, given plugins, entry points."""
        return self._order


def _hooks_of(pm: pluggy.PluginManager, plugin: object) -> tuple[str, ...]:
    """The names of the hooks ``plugin`` implements."""
    callers = pm.get_hookcallers(plugin) or []
    return tuple(sorted(caller.name for caller in callers))


def _check_pending(pm: pluggy.PluginManager) -> None:
    """Refuse hook wrappers, and hook implementations whose name is not a ptcpt hook
    (usually a typo).

    A wrapper (``wrapper=True`` or the older ``hookwrapper=True``) has nothing to wrap:
    every ptcpt hook only collects what plugins register, and its result is None.
    """
    known = ", ".join(sorted(n for n in vars(hookspecs) if n.startswith("ptcpt_")))
    for name, caller in vars(pm.hook).items():
        if name.startswith("_"):
            continue
        for impl in caller.get_hookimpls():
            if impl.wrapper or impl.hookwrapper:
                option = "wrapper" if impl.wrapper else "hookwrapper"
                raise PluginError(
                    f"plugin {impl.plugin_name!r} marks its {name!r} implementation {option}=True; "
                    f"ptcpt's hooks only collect what plugins register, so there is nothing to "
                    f"wrap: drop {option}=True (tryfirst=True or trylast=True change the order)"
                )
        if caller.has_spec():
            continue
        for impl in caller.get_hookimpls():
            if not impl.optionalhook:
                raise PluginError(
                    f"plugin {impl.plugin_name!r} implements {name!r}, which is not a ptcpt "
                    f"hook; the hooks are {known}"
                )


def _plugin_name(plugin: object) -> str:
    if isinstance(plugin, ModuleType):
        return plugin.__name__
    return str(getattr(plugin, "name", None) or getattr(plugin, "__name__", None) or type(plugin).__name__)


def _register(pm: pluggy.PluginManager, plugin: object, name: str) -> None:
    # Checked here, not left to pluggy: its ValueError quotes the whole registry.
    if pm.is_registered(plugin):
        raise PluginError(
            f"plugin {name!r} is given twice (it is already registered as {pm.get_name(plugin)!r}); "
            "give each plugin once"
        )
    if pm.has_plugin(name):
        raise PluginError(
            f"two plugins are named {name!r}; plugin names must be unique "
            "(a plugin object's name is its `name` attribute, a module's its __name__)"
        )
    try:
        pm.register(plugin, name=name)
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin {name!r} does not match ptcpt's hooks: {exc}") from None
    except ValueError:  # pragma: no cover - both causes pluggy knows are checked above
        raise PluginError(f"plugin {name!r} could not be registered") from None


def _entry_points() -> tuple[metadata.EntryPoint, ...]:
    return tuple(metadata.entry_points(group=ENTRY_POINT_GROUP))


def _dist_label(ep: metadata.EntryPoint) -> str:
    """``acme-ptcpt 1.0, acme_ptcpt.rules``: which installed distribution an entry point is."""
    if ep.dist is None:
        return ep.value
    return f"{ep.dist.name} {ep.dist.version}, {ep.value}"


def _unambiguous(
    eps: tuple[metadata.EntryPoint, ...], block: frozenset[str], allow: frozenset[str] | None
) -> list[metadata.EntryPoint]:
    """The entry points to load; two distributions claiming one wanted name raise PluginError.

    Which of the two would load depends on install order, so neither does: the message
    names both distributions. A name that is left out (blocked, not allowed) is no clash.
    """
    by_name: dict[str, list[metadata.EntryPoint]] = {}
    for ep in eps:
        if ep.name in block or (allow is not None and ep.name not in allow):
            continue
        same = by_name.setdefault(ep.name, [])
        if not any(_same_target(ep, other) for other in same):
            same.append(ep)
    for name, claims in by_name.items():
        if len(claims) > 1:
            listed = " and ".join(f"{_dist_label(ep)}" for ep in claims)
            raise PluginError(
                f"the plugin name {name!r} is claimed by more than one installed distribution: "
                f"{listed}; uninstall all but one (which one loads would depend on install order), "
                f"or leave the name out with PTCPT_DISABLE_PLUGINS={name}"
            )
    return [claims[0] for claims in by_name.values()]


def _same_target(a: metadata.EntryPoint, b: metadata.EntryPoint) -> bool:
    """One distribution seen twice on the path is not a clash; two distributions are."""
    a_dist = a.dist.name if a.dist is not None else None
    b_dist = b.dist.name if b.dist is not None else None
    return a.value == b.value and a_dist == b_dist


def known_names(plugins: Iterable[object] = (), *, builtins: bool = True) -> frozenset[str]:
    """Every plugin name a Checker could load: built-ins, ``plugins`` and installed entry points.

    The names ``blocked``, ``allowed``, ``--no-plugin`` and the environment may use.
    """
    names = {_plugin_name(plugin) for plugin in plugins}
    if builtins:
        names |= set(BUILTIN_PLUGINS)
    names |= {ep.name for ep in _entry_points()}
    return frozenset(names)


def _unknown_names_message(unknown: Iterable[str], known: Iterable[str]) -> str:
    """``no plugin is named 'acmee'; the plugins are acme, ptcpt.codes, ...``."""
    names = ", ".join(repr(name) for name in sorted(unknown))
    plural = "s are" if len(sorted(unknown)) > 1 else " is"
    return f"no plugin{plural} named {names}; the plugins are {', '.join(sorted(known))}"


def _check_names(
    plugins: tuple[object, ...],
    builtins: bool,
    blocked: frozenset[str],
    allowed: Iterable[str] | None,
    env_block: frozenset[str],
    env_allow: frozenset[str] | None,
) -> None:
    """Names given to leave plugins out or in must name plugins (see the module docstring)."""
    known = known_names(plugins, builtins=builtins)
    for label, names in (("blocked", blocked), ("allowed", frozenset(allowed or ()))):
        unknown = names - known
        if unknown:
            raise PluginError(f"{label}: {_unknown_names_message(unknown, known)}")
    for variable, names in (
        ("PTCPT_DISABLE_PLUGINS", env_block),
        ("PTCPT_LOAD_PLUGINS", env_allow or frozenset()),
    ):
        unknown = names - known
        if unknown:
            message = f"{variable}: {_unknown_names_message(unknown, known)}"
            warnings.warn(message, PluginWarning, stacklevel=4)
