"""A Griffe extension that turns Sphinx roles in docstrings into mkdocstrings cross-references.

ptcpt's docstrings use Sphinx roles (``:class:`~ptcpt.errors.InvalidVisit```,
``:func:`visit_from_json```) so they read well in an editor and in ``help()``.
mkdocstrings renders Markdown and would show the role text verbatim; this extension,
loaded from ``mkdocs.yml`` (``extensions: [scripts/griffe_sphinx_roles.py]``), rewrites
each role into an *optional* autorefs link: a link when the target is documented on the
site, plain code otherwise, and never a ``mkdocs build --strict`` warning for a target that
has no page yet (modules added on other branches, private helpers).
"""

from __future__ import annotations

import re
from typing import Any

import griffe

#: ``:role:`target``` with an optional ``~`` (show only the last component).
_ROLE = re.compile(r":(?:class|func|meth|attr|mod|data|exc|obj|const):`(?P<tilde>~?)(?P<target>[\w.]+)`")


def _identifier(target: str, obj: griffe.Object) -> str:
    """The full dotted path of ``target`` as seen from ``obj``'s scope.

    Absolute paths (``ptcpt.errors.InvalidVisit``) stay as they are; a bare or relative
    name (``visit_from_json``, ``UnitPlan.allows``) is looked up in the enclosing class,
    then the enclosing module, like Sphinx does.
    """
    if target.startswith("ptcpt."):
        return target
    head = target.split(".", 1)[0]
    scope: griffe.Object | None = obj
    while scope is not None:
        if head in scope.members:
            return f"{scope.path}.{target}"
        scope = scope.parent
    return target


class SphinxRoles(griffe.Extension):
    """Rewrite Sphinx roles to optional autorefs links once the object tree is complete."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        docstring = obj.docstring
        if docstring is None or ":" not in docstring.value:
            return

        def link(match: re.Match[str]) -> str:
            target = match["target"]
            shown = target.rsplit(".", 1)[-1] if match["tilde"] else target
            return f'<autoref identifier="{_identifier(target, obj)}" optional>`{shown}`</autoref>'

        docstring.value = _ROLE.sub(link, docstring.value)
