"""ptcpt: physical-therapy services to correct, payable CPT/HCPCS billing lines.

The public API lives here. ``import ptcpt`` is cheap: only the exception types are
imported eagerly; every other name is imported on first use (PEP 562), and data files
load the first time something needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ptcpt.errors import DataError, InvalidVisit, MissingExtra, PluginError, PtcptError, UnknownCode

if TYPE_CHECKING:
    from ptcpt import batch as batch
    from ptcpt import cms as cms
    from ptcpt import cmsdata as cmsdata
    from ptcpt import cmsfiles as cmsfiles
    from ptcpt import fees as fees
    from ptcpt import frames as frames
    from ptcpt import serialize as serialize
    from ptcpt import units as units
    from ptcpt import x12 as x12
    from ptcpt.catalogs import Catalog, catalog
    from ptcpt.classifier import Classifier, Suggestion, Suggestions, Term, classify, classify_many
    from ptcpt.codes import Category, Code, TherapyList, Timing
    from ptcpt.engine import Checker, check, estimate
    from ptcpt.fees import Estimate
    from ptcpt.hookspecs import hookimpl
    from ptcpt.payers import FeeSchedule, PayerProfile
    from ptcpt.report import Correction, Finding, Hint, Report, Severity
    from ptcpt.rules import Rule, RuleContext, rule
    from ptcpt.units import UnitPlan
    from ptcpt.visit import Line, Visit, YtdAllowed

__version__ = "0.1.0"

#: public name -> module that defines it; imported on first attribute access.
_LAZY: dict[str, str] = {
    "Catalog": "ptcpt.catalogs",
    "catalog": "ptcpt.catalogs",
    "Category": "ptcpt.codes",
    "Classifier": "ptcpt.classifier",
    "Suggestions": "ptcpt.classifier",
    "classify": "ptcpt.classifier",
    "classify_many": "ptcpt.classifier",
    "Suggestion": "ptcpt.classifier",
    "Term": "ptcpt.classifier",
    "Code": "ptcpt.codes",
    "Estimate": "ptcpt.fees",
    "TherapyList": "ptcpt.codes",
    "Timing": "ptcpt.codes",
    "Checker": "ptcpt.engine",
    "check": "ptcpt.engine",
    "estimate": "ptcpt.engine",
    "FeeSchedule": "ptcpt.payers",
    "PayerProfile": "ptcpt.payers",
    "Correction": "ptcpt.report",
    "Finding": "ptcpt.report",
    "Hint": "ptcpt.report",
    "Report": "ptcpt.report",
    "Severity": "ptcpt.report",
    "Rule": "ptcpt.rules",
    "RuleContext": "ptcpt.rules",
    "rule": "ptcpt.rules",
    "hookimpl": "ptcpt.hookspecs",
    "Line": "ptcpt.visit",
    "UnitPlan": "ptcpt.units",
    "Visit": "ptcpt.visit",
    "YtdAllowed": "ptcpt.visit",
}

#: submodules reachable as attributes (``ptcpt.units.allocate``) without an import.
_LAZY_MODULES = frozenset(
    {"batch", "claims", "cms", "cmsdata", "cmsfiles", "fees", "frames", "serialize", "units", "x12"}
)

__all__ = [
    "Catalog",
    "Category",
    "Checker",
    "Classifier",
    "Code",
    "Correction",
    "DataError",
    "Estimate",
    "FeeSchedule",
    "Finding",
    "Hint",
    "InvalidVisit",
    "Line",
    "MissingExtra",
    "PayerProfile",
    "PluginError",
    "PtcptError",
    "Report",
    "Rule",
    "RuleContext",
    "Severity",
    "Suggestion",
    "Suggestions",
    "Term",
    "TherapyList",
    "Timing",
    "UnitPlan",
    "UnknownCode",
    "Visit",
    "YtdAllowed",
    "__version__",
    "catalog",
    "check",
    "classify",
    "classify_many",
    "estimate",
    "hookimpl",
    "rule",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:
        submodule = importlib.import_module(f"ptcpt.{name}")
        globals()[name] = submodule
        return submodule
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ptcpt' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | _LAZY_MODULES)
