"""Shared test settings: hypothesis profiles for quick local runs and for CI."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=60, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# Tests never load installed entry-point plugins unless they ask to (Checker(env=...)).
os.environ.setdefault("PTCPT_LOAD_PLUGINS", "")
