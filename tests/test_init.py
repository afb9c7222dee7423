"""``import ptcpt`` stays light: optional heavy libraries load only when asked for."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[1] / "src")

PROBE = """
import json, sys
import ptcpt
ptcpt.catalog()["97110"]
ptcpt.Checker(load_entrypoints=False, env={}).check(
    ptcpt.serialize.visit_from_dict(
        {"date": "2025-03-12", "lines": [{"code": "97110", "units": 2, "minutes": 30, "modifiers": ["GP"]}]}
    )
)
import ptcpt.frames  # the module itself imports pandas only inside its functions
print(json.dumps(sorted(m for m in ("pandas", "numpy", "dask", "matplotlib") if m in sys.modules)))
"""


def test_import_ptcpt_never_imports_pandas() -> None:
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True, env=env
    )
    assert json.loads(done.stdout) == []
