"""examples/explore.ipynb runs top to bottom in a fresh kernel, in under two minutes.

Skipped only when nbclient is missing: CI installs the ``notebook`` extra so it runs there.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

nbclient = pytest.importorskip("nbclient")

import nbformat  # noqa: E402  (a dependency of nbclient)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "explore.ipynb"
TIMEOUT = 120


def test_committed_notebook_has_no_outputs() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code and all(not cell.outputs and cell.execution_count is None for cell in code)


def test_notebook_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    # The kernel starts in examples/: make a relative PYTHONPATH (src) absolute for it.
    paths = [str(Path(p).resolve()) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    paths.append(str(ROOT / "src"))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
    client = nbclient.NotebookClient(
        nb,
        kernel_name="python3",
        timeout=TIMEOUT,
        startup_timeout=60,
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    start = time.monotonic()
    client.execute()
    assert time.monotonic() - start < TIMEOUT
    outputs = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == "error"]
    assert any("image/png" in out.get("data", {}) for out in outputs), "the plot should render"
    assert any("text/html" in out.get("data", {}) for out in outputs), "reports display as HTML"
