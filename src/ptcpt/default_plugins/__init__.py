"""ptcpt's own rules and payer profiles, registered through the same hooks as any plugin.

Each module is one family of rules (or the built-in payer profiles) and is registered
under a plugin name (see ``ptcpt._plugins.BUILTIN_PLUGINS``), so it can be blocked by
name like a third-party plugin: ``PTCPT_DISABLE_PLUGINS=ptcpt.units``.
"""
