"""The documentation site stays whole: every rule documented, every page reachable.

These tests read files only; they never run MkDocs (CI runs ``mkdocs build --strict``
on its own). mkdocs.yml is parsed without PyYAML, which is not a test dependency: the
nav is simple ``- Title: page.md`` / ``- page.md`` lines, and these tests keep it so.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import pytest

from ptcpt.serialize import visit_from_json

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
MKDOCS = ROOT / "mkdocs.yml"


def _registry() -> Any:
    """The built-in rules and payer profiles as a Checker registers them (nothing installed)."""
    from ptcpt._engine import Checker

    return Checker(load_entrypoints=False, env={})


#: Every built-in rule id, read from the registry (plus the engine's own plugin.error):
#: docs/rules.md must document each one and no other.
RULE_IDS = tuple(sorted({r.rule.id for r in _registry().rules} | {"plugin.error"}))

#: Pages written on other branches, added to the nav after they are merged. A page here
#: may exist without a nav entry; once it is in the nav, its entry here can go.
PENDING_NAV: frozenset[str] = frozenset()

_NAV_PAGE = re.compile(r"^\s*-\s+(?:[^:]+:\s+)?(?P<page>[\w./-]+\.md)\s*$")


def nav_pages() -> list[str]:
    """The pages mkdocs.yml's nav lists, in order, as paths relative to docs/."""
    text = MKDOCS.read_text(encoding="utf-8")
    lines = text.splitlines()
    start = lines.index("nav:")
    pages: list[str] = []
    for line in lines[start + 1 :]:
        if line and not line.startswith((" ", "#")):
            break  # the next top-level key ends the nav
        found = _NAV_PAGE.match(line)
        if found:
            pages.append(found["page"])
    return pages


def doc_pages() -> list[str]:
    return sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md"))


def test_nav_is_found_and_starts_at_the_home_page() -> None:
    pages = nav_pages()
    assert pages[0] == "index.md"
    assert "rules.md" in pages
    assert "api/index.md" in pages


def test_every_nav_entry_is_a_file_in_docs() -> None:
    missing = [page for page in nav_pages() if not (DOCS / page).is_file()]
    assert missing == [], f"mkdocs.yml lists pages that do not exist: {missing}"


def test_no_page_is_listed_twice() -> None:
    pages = nav_pages()
    assert len(pages) == len(set(pages))


def test_every_page_is_reachable_from_the_nav() -> None:
    listed = set(nav_pages())
    orphans = [page for page in doc_pages() if page not in listed and page not in PENDING_NAV]
    assert orphans == [], f"add these pages to the nav in mkdocs.yml: {orphans}"


def test_every_api_page_documents_one_ptcpt_module() -> None:
    for page in nav_pages():
        if page.startswith("api/") and page != "api/index.md":
            text = (DOCS / page).read_text(encoding="utf-8")
            assert re.search(r"^::: ptcpt(\.\w+)*$", text, re.MULTILINE), page


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_every_builtin_rule_has_its_own_section_in_rules_md(rule_id: str) -> None:
    text = (DOCS / "rules.md").read_text(encoding="utf-8")
    heading = re.compile(rf"^### `{re.escape(rule_id)}`", re.MULTILINE)
    assert heading.search(text), f"docs/rules.md has no '### `{rule_id}`' section"


def test_rules_md_documents_no_rule_outside_the_list() -> None:
    text = (DOCS / "rules.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^### `([\w.-]+)`", text, re.MULTILINE))
    assert documented == set(RULE_IDS)


def _json_blocks() -> list[tuple[str, int, str]]:
    """Each fenced ``json`` block of the docs: (page, line of the fence, text)."""
    found = []
    for page in doc_pages():
        text = (DOCS / page).read_text(encoding="utf-8")
        for match in re.finditer(r"^```json\n(.*?)^```", text, re.MULTILINE | re.DOTALL):
            found.append((page, text.count("\n", 0, match.start()) + 1, match.group(1)))
    return found


def test_the_docs_show_visit_examples() -> None:
    assert sum(1 for page, _, _ in _json_blocks() if page == "rules.md") >= len(RULE_IDS) - 1


@pytest.mark.parametrize(
    ("page", "line", "block"),
    [pytest.param(*block, id=f"{block[0]}:{block[1]}") for block in _json_blocks()],
)
def test_every_json_example_is_a_valid_visit(page: str, line: int, block: str) -> None:
    data = json.loads(block)
    if isinstance(data, dict) and "lines" in data:
        visit = visit_from_json(block)
        assert visit.lines, f"{page}:{line}"


def _rule_examples() -> list[tuple[str, str]]:
    """(rule id, visit JSON) for each example under a rule's section of rules.md."""
    text = (DOCS / "rules.md").read_text(encoding="utf-8")
    examples = []
    section = None
    for match in re.finditer(r"^### `([\w.-]+)`|^```json\n(.*?)^```", text, re.MULTILINE | re.DOTALL):
        if match.group(1):
            section = match.group(1)
        elif section is not None:
            examples.append((section, match.group(2)))
    return examples


def test_every_rule_section_but_plugin_error_has_an_example() -> None:
    assert {rule for rule, _ in _rule_examples()} == set(RULE_IDS) - {"plugin.error"}


@functools.cache
def _builtin_checker() -> Any:
    """One Checker with the built-in rules only (no installed plugins), built once."""
    import ptcpt

    return ptcpt.Checker(load_entrypoints=False)


@pytest.mark.parametrize(("rule_id", "block"), [pytest.param(*e, id=e[0]) for e in _rule_examples()])
def test_each_rules_md_example_triggers_its_rule(
    rule_id: str, block: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every rule's example in docs/rules.md must trigger that rule with the built-ins."""
    for name in ("PTCPT_CMS_DIR", "PTCPT_DISABLE_PLUGINS", "PTCPT_LOAD_PLUGINS"):
        monkeypatch.delenv(name, raising=False)
    checker = _builtin_checker()
    assert rule_id in {registered.rule.id for registered in checker.rules}, rule_id
    report = checker.check(visit_from_json(block))
    fired = report.rules_fired()  # a rule merged into another's finding of one problem counts
    assert rule_id in fired, f"the example of {rule_id} in docs/rules.md does not trigger it"
    assert "plugin.error" not in fired


def _table(heading: str) -> list[list[str]]:
    """The rows of the first Markdown table after ``heading`` in docs/rules.md."""
    text = (DOCS / "rules.md").read_text(encoding="utf-8")
    rows: list[list[str]] = []
    for line in text[text.index(heading) :].splitlines()[1:]:
        if line.startswith("|"):
            rows.append([c.strip() for c in line.strip("|").split("|")])
        elif rows:
            break  # the table ended
    return rows[2:]  # past the header and its rule


def test_the_rules_summary_lists_the_registry_with_each_rules_kind() -> None:
    kinds = {r.rule.id: r.rule.kind for r in _registry().rules} | {"plugin.error": "validation"}
    rows = _table("## Summary")
    listed = {re.search(r"`([\w.-]+)`", row[0]).group(1): row[1] for row in rows}  # type: ignore[union-attr]
    assert listed == kinds


_METHOD = {"cms": "CMS total time", "ama": "CPT per code"}
_EDITS = {"error": "errors", "warning": "warnings", "off": "off"}
_ESTIMATE = {
    "medicare": "Medicare fee schedule",
    "reference": "Medicare fee schedule as a reference",
    "none": "none (state fee schedule)",
}


def test_the_payer_table_is_the_registered_profiles() -> None:
    profiles = _registry().payers
    rows = _table("## Payer profiles")
    documented = {row[0].strip("`"): row[1:] for row in rows}
    assert set(documented) == set(profiles)
    for payer, cells in documented.items():
        p = profiles[payer]
        expected = [
            _METHOD[p.unit_method],
            _EDITS[p.ncci_edits],
            "yes" if p.therapy_modifiers else "no",
            "yes" if p.assistant_modifiers else "no",
            "yes" if p.kx_threshold else "no",
            "yes" if p.medicare_rules else "no",
            _ESTIMATE[p.pricing],
        ]
        assert cells == expected, payer


def _python_block(page: str, heading: str) -> str:
    text = (DOCS / page).read_text(encoding="utf-8")
    after = text[text.index(heading) :]
    found = re.search(r"^```python\n(.*?)^```", after, re.MULTILINE | re.DOTALL)
    assert found, f"{page}: no python block under {heading}"
    return found.group(1)


def test_the_payer_profile_plugin_in_plugins_md_works() -> None:
    import types

    from ptcpt.testing import make_checker, make_visit

    module = types.ModuleType("practice_payers")
    exec(
        compile(_python_block("plugins.md", "## A payer profile of your own"), "plugins.md", "exec"),
        module.__dict__,
    )
    checker = make_checker(module)
    # KX past the threshold for the Medicare Advantage plan that asks for it.
    kx = checker.check(
        make_visit(("97110", 2, 30, ["GP"]), date="2025-06-02", payer="sunrise_ma", ytd_allowed="2400")
    )
    assert "modifier.kx-missing" in kx.rules_fired()
    # A bare 59 refused on an NCCI pair; XS taken.
    pair = (("97012", 1, None, ["GP"]), ("97140", 1, 15, ["GP"]))
    refused = checker.check(make_visit(pair[0], ("97140", 1, 15, ["GP", "59"]), payer="sunrise_ma"))
    assert any("does not take" in f.message for f in refused.errors)
    assert checker.check(make_visit(pair[0], ("97140", 1, 15, ["GP", "XS"]), payer="sunrise_ma")).ok
    # The state's rate prices work hardening; Medicare's is never shown for it.
    wc = checker.check(make_visit(("97545", 1, 120), payer="state_wc"))
    assert wc.estimate is not None and str(wc.estimate.total) == "212.40"
