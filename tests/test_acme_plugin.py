"""The example third-party package, installed for real and found through its entry point.

The README's test command installs ``examples/acme_payer_plugin``; these tests fail (not
skip) without it, so a broken entry point cannot pass unnoticed.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys
from importlib import metadata

import pytest

from ptcpt._engine import Checker
from ptcpt.testing import make_visit

INSTALL = "python -m pip install -e examples/acme_payer_plugin"


@pytest.fixture(scope="module", autouse=True)
def _installed() -> None:
    names = {ep.name for ep in metadata.entry_points(group="ptcpt")}
    if "acme" not in names:
        pytest.fail(f"the acme example plugin is not installed; run: {INSTALL}")


def test_acme_is_discovered_through_its_entry_point() -> None:
    checker = Checker(env={})
    assert "acme" in checker.plugins.names()
    info = {p.name: p for p in checker.plugins.info()}["acme"]
    assert info.version == "0.1.0"
    assert set(info.rules) == {"acme.manual-therapy-cap", "acme.hep-documentation"}
    assert checker.payer("acme").unit_method == "ama"


def test_acme_rules_fire_for_acme_visits_only() -> None:
    checker = Checker(env={})
    lines = (("97140", 3, 45, ["GP"]), ("97110", 1, 15, ["GP"]))
    acme = checker.check(make_visit(*lines, payer="acme"))
    assert {"acme.manual-therapy-cap", "acme.hep-documentation"} <= acme.rules_fired()
    assert {f.plugin for f in acme.findings if f.rule.startswith("acme.")} == {"acme"}
    medicare = checker.check(make_visit(*lines, payer="medicare"))
    assert not any(rule.startswith("acme.") for rule in medicare.rules_fired())


def test_disabling_acme_by_environment() -> None:
    checker = Checker(env={"PTCPT_DISABLE_PLUGINS": "acme"})
    assert "acme" not in checker.plugins.names()


def test_disabling_acme_on_the_command_line(tmp_path: pathlib.Path) -> None:
    visit = tmp_path / "v.json"
    visit.write_text(
        json.dumps(
            {
                "date": "2025-03-12",
                "payer": "medicare",
                "lines": [{"code": "97110", "minutes": 15, "modifiers": ["GP"]}],
            }
        )
    )
    exe = shutil.which("ptcpt")
    base = [exe] if exe else [sys.executable, "-m", "ptcpt"]
    env = {k: v for k, v in os.environ.items() if k != "PTCPT_LOAD_PLUGINS"}
    on = subprocess.run(
        [*base, "plugins", "--json"], capture_output=True, text=True, env=env, check=True, timeout=60
    )
    assert "acme" in {p["name"] for p in json.loads(on.stdout)["plugins"]}
    off = subprocess.run(
        [*base, "plugins", "--json"],
        capture_output=True,
        text=True,
        env={**env, "PTCPT_DISABLE_PLUGINS": "acme"},
        check=True,
        timeout=60,
    )
    assert "acme" not in {p["name"] for p in json.loads(off.stdout)["plugins"]}
