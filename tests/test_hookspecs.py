"""The hook reference in docs/hooks.md must match hookspecs.py exactly."""

from __future__ import annotations

import inspect
import pathlib
import re

from ptcpt import hookspecs

DOC = (pathlib.Path(__file__).resolve().parent.parent / "docs" / "hooks.md").read_text("utf-8")


def _hooks() -> dict[str, str]:
    found = {}
    for name, function in inspect.getmembers(hookspecs, inspect.isfunction):
        if name.startswith("ptcpt_"):
            source = inspect.getsource(function)
            header = re.search(r"def (ptcpt_\w+)\((.*?)\) -> (\S+):", source, re.S)
            assert header is not None
            params = " ".join(header.group(2).split())
            found[name] = f"def {header.group(1)}({params}) -> {header.group(3)}"
    return found


def test_every_hook_has_a_docstring_with_an_example() -> None:
    for name, function in inspect.getmembers(hookspecs, inspect.isfunction):
        if name.startswith("ptcpt_"):
            assert function.__doc__ and "Example::" in function.__doc__, name


def test_every_hook_is_documented_with_its_exact_signature() -> None:
    hooks = _hooks()
    assert len(hooks) == 5
    for name, signature in hooks.items():
        assert f"## {name}\n" in DOC, f"docs/hooks.md lacks a section for {name}"
        assert signature in DOC, f"docs/hooks.md has another signature for {name}: {signature}"


def test_docs_list_no_hook_that_does_not_exist() -> None:
    documented = set(re.findall(r"^## (ptcpt_\w+)$", DOC, re.M))
    assert documented == set(_hooks())
