"""The built-in payers plugin: registers the six profiles :mod:`ptcpt.payers` defines.

``data/SOURCES.md`` records what each assumes and why. The profiles themselves are
values and live in :mod:`ptcpt.payers`, so code below the plugins can resolve a payer id
without importing this module; their names stay importable from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ptcpt.hookspecs import hookimpl
from ptcpt.payers import (
    BUILTIN_PAYERS,
    COMMERCIAL,
    MEDICAID,
    MEDICARE,
    MEDICARE_ADVANTAGE,
    TRICARE,
    WORKERS_COMP,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from ptcpt.payers import PayerProfile

__all__ = [
    "BUILTIN_PAYERS",
    "COMMERCIAL",
    "MEDICAID",
    "MEDICARE",
    "MEDICARE_ADVANTAGE",
    "TRICARE",
    "WORKERS_COMP",
    "ptcpt_register_payers",
]


@hookimpl
def ptcpt_register_payers(register: Callable[[PayerProfile], None]) -> None:
    for profile in BUILTIN_PAYERS:
        register(profile)
