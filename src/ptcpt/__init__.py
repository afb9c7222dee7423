"""ptcpt: physical-therapy services to correct, payable CPT/HCPCS billing lines.

The public API lives here. ``import ptcpt`` is cheap: only the exception types are
imported eagerly; every other name is imported on first use (PEP 562), and data files
load the first time something needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ptcpt.errors import (
    DataError,
    InvalidVisit,
    MissingExtra,
    PluginError,
    PluginWarning,
    PtcptError,
    UnknownCode,
)

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
    from ptcpt._catalogs import Catalog, catalog
    from ptcpt._codes import Category, Code, TherapyList, Timing
    from ptcpt._engine import Checker, check, estimate
    from ptcpt._report import Correction, Finding, Hint, Report, Severity
    from ptcpt._rules import Rule, RuleContext, rule
    from ptcpt._visit import Line, Visit, YtdAllowed
    from ptcpt.classifier import Classifier, Suggestion, Suggestions, Term, classify, classify_many
    from ptcpt.fees import Estimate
    from ptcpt.hookspecs import hookimpl
    from ptcpt.payers import FeeSchedule, PayerProfile
    from ptcpt.units import UnitPlan

__version__ = "0.1.0"

#: public name -> module that defines it; imported on first attribute access.
_LAZY: dict[str, str] = {
    "Catalog": "ptcpt._catalogs",
    "catalog": "ptcpt._catalogs",
    "Category": "ptcpt._codes",
    "Classifier": "ptcpt.classifier",
    "Suggestions": "ptcpt.classifier",
    "classify": "ptcpt.classifier",
    "classify_many": "ptcpt.classifier",
    "Suggestion": "ptcpt.classifier",
    "Term": "ptcpt.classifier",
    "Code": "ptcpt._codes",
    "Estimate": "ptcpt.fees",
    "TherapyList": "ptcpt._codes",
    "Timing": "ptcpt._codes",
    "Checker": "ptcpt._engine",
    "check": "ptcpt._engine",
    "estimate": "ptcpt._engine",
    "FeeSchedule": "ptcpt.payers",
    "PayerProfile": "ptcpt.payers",
    "Correction": "ptcpt._report",
    "Finding": "ptcpt._report",
    "Hint": "ptcpt._report",
    "Report": "ptcpt._report",
    "Severity": "ptcpt._report",
    "Rule": "ptcpt._rules",
    "RuleContext": "ptcpt._rules",
    "rule": "ptcpt._rules",
    "hookimpl": "ptcpt.hookspecs",
    "Line": "ptcpt._visit",
    "UnitPlan": "ptcpt.units",
    "Visit": "ptcpt._visit",
    "YtdAllowed": "ptcpt._visit",
}

#: submodules reachable as attributes (``ptcpt.units.allocate``) without an import.
_LAZY_MODULES = frozenset(
    {"batch", "cms", "cmsdata", "cmsfiles", "fees", "frames", "serialize", "units", "x12"}
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
    "PluginWarning",
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
