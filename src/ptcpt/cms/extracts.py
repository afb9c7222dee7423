"""Reading the dated PT extracts of CMS's tables bundled in ``ptcpt/data`` (see ``data/SOURCES.md``).

:func:`bundled_tables` loads them on first use and caches the result; every row is checked
and a bad one raises DataError naming the file, the row and the field.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from ptcpt._datafiles import csv_table
from ptcpt.cms.records import (
    ConversionFactor,
    Gpci,
    KxThreshold,
    ModifierInfo,
    MueLimit,
    PaymentFactor,
    PfsStatus,
    PtpEdit,
    Rvu,
)
from ptcpt.cms.tables import CmsTables
from ptcpt.errors import DataError

if TYPE_CHECKING:
    pass

__all__ = [
    "EXTRACT_COLUMNS",
    "bundled_tables",
    "load_bundled_tables",
    "read_conversion_factors",
    "read_gpci_extract",
    "read_kx_thresholds",
    "read_modifiers",
    "read_mue_extract",
    "read_payment_factors",
    "read_ptp_extract",
    "read_rvu_extract",
    "read_status_extract",
]


#: The header of each bundled extract that is read column by column; the build script
#: (scripts/build_cms_extracts.py) writes the same headers from here.
EXTRACT_COLUMNS: dict[str, tuple[str, ...]] = {
    "ncci_ptp.csv": (
        "column1",
        "column2",
        "effective",
        "deleted",
        "modifier_indicator",
        "rationale",
        "release",
    ),
    "rvu.csv": (
        "year",
        "code",
        "work",
        "pe_nonfacility",
        "pe_facility",
        "mp",
        "total",
        "release",
        "unconfirmed",
        "source",
    ),
    "gpci.csv": (
        "year",
        "mac",
        "state",
        "locality",
        "locality_name",
        "work",
        "pe",
        "mp",
        "release",
        "state_inferred",
    ),
    "conversion_factors.csv": ("start", "end", "cf", "apm", "grade", "unconfirmed", "source"),
    "payment_factors.csv": ("name", "start", "end", "value", "grade", "unconfirmed", "source"),
    "modifiers.csv": ("modifier", "group", "meaning", "effective", "grade", "unconfirmed", "source"),
}


def read_ptp_extract(text: str | None = None, name: str = "ncci_ptp.csv") -> tuple[PtpEdit, ...]:
    cols = EXTRACT_COLUMNS["ncci_ptp.csv"]
    return tuple(
        r.build(
            PtpEdit,
            column1=r.code("column1"),
            column2=r.code("column2"),
            effective=r.optional_date("effective"),
            deleted=r.optional_date("deleted"),
            modifier_indicator=r.integer("modifier_indicator", (0, 1, 9)),
            rationale=r.text("rationale"),
            release=r.text("release", required=True),
        )
        for r in csv_table(name, cols, text)
    )


def read_mue_extract(text: str | None = None, name: str = "mue.csv") -> tuple[MueLimit, ...]:
    return tuple(
        r.build(
            MueLimit,
            code=r.code("code"),
            mue=r.integer("mue"),
            mai=r.integer("mai", (1, 2, 3)),
            rationale=r.text("rationale"),
            release=r.text("release", required=True),
        )
        for r in csv_table(name, ("code", "mue", "mai", "rationale", "release"), text)
    )


def read_rvu_extract(text: str | None = None, name: str = "rvu.csv") -> tuple[Rvu, ...]:
    cols = EXTRACT_COLUMNS["rvu.csv"]
    result: list[Rvu] = []
    for r in csv_table(name, cols, text):
        row: Rvu = r.build(
            Rvu,
            year=r.integer("year"),
            code=r.code("code"),
            work=r.optional_decimal("work"),
            pe_nonfacility=r.optional_decimal("pe_nonfacility"),
            pe_facility=r.optional_decimal("pe_facility"),
            mp=r.optional_decimal("mp"),
            total=r.optional_decimal("total"),
            release=r.text("release", required=True),
            unconfirmed=r.flag("unconfirmed"),
            source=r.text("source", required=True),
        )
        if row.complete and row.total is not None:
            assert row.work is not None and row.pe_nonfacility is not None and row.mp is not None
            if row.work + row.pe_nonfacility + row.mp != row.total:
                raise r.fail("total", "must equal work + pe_nonfacility + mp")
        result.append(row)
    return tuple(result)


def read_status_extract(text: str | None = None, name: str = "pfs_status.csv") -> tuple[PfsStatus, ...]:
    return tuple(
        r.build(
            PfsStatus,
            code=r.code("code"),
            status=r.text("status", required=True),
            mult_proc=r.text("mult_proc", required=True),
            release=r.text("release", required=True),
        )
        for r in csv_table(name, ("code", "status", "mult_proc", "release"), text)
    )


def read_gpci_extract(text: str | None = None, name: str = "gpci.csv") -> tuple[Gpci, ...]:
    cols = EXTRACT_COLUMNS["gpci.csv"]
    return tuple(
        r.build(
            Gpci,
            year=r.integer("year"),
            mac=r.text("mac", required=True),
            state=r.text("state"),
            locality=r.text("locality", required=True),
            locality_name=r.text("locality_name", required=True),
            work=r.decimal("work"),
            pe=r.decimal("pe"),
            mp=r.decimal("mp"),
            release=r.text("release", required=True),
            state_inferred=r.flag("state_inferred"),
        )
        for r in csv_table(name, cols, text)
    )


def read_conversion_factors(
    text: str | None = None, name: str = "conversion_factors.csv"
) -> tuple[ConversionFactor, ...]:
    cols = EXTRACT_COLUMNS["conversion_factors.csv"]
    return tuple(
        r.build(
            ConversionFactor,
            start=r.date("start"),
            end=r.date("end"),
            cf=r.decimal("cf"),
            apm=r.text("apm", required=True),
            grade=r.text("grade", required=True),
            unconfirmed=r.flag("unconfirmed"),
            source=r.text("source", required=True),
        )
        for r in csv_table(name, cols, text)
    )


def read_kx_thresholds(text: str | None = None, name: str = "kx_thresholds.csv") -> tuple[KxThreshold, ...]:
    return tuple(
        r.build(
            KxThreshold,
            year=r.integer("year"),
            amount=r.decimal("amount"),
            grade=r.text("grade", required=True),
            unconfirmed=r.flag("unconfirmed"),
            source=r.text("source", required=True),
        )
        for r in csv_table(name, ("year", "amount", "grade", "unconfirmed", "source"), text)
    )


def read_payment_factors(
    text: str | None = None, name: str = "payment_factors.csv"
) -> tuple[PaymentFactor, ...]:
    cols = EXTRACT_COLUMNS["payment_factors.csv"]
    return tuple(
        r.build(
            PaymentFactor,
            name=r.text("name", required=True),
            start=r.date("start"),
            end=r.optional_date("end"),
            value=r.decimal("value"),
            grade=r.text("grade", required=True),
            unconfirmed=r.flag("unconfirmed"),
            source=r.text("source", required=True),
        )
        for r in csv_table(name, cols, text)
    )


def read_modifiers(text: str | None = None, name: str = "modifiers.csv") -> tuple[ModifierInfo, ...]:
    cols = EXTRACT_COLUMNS["modifiers.csv"]
    return tuple(
        r.build(
            ModifierInfo,
            modifier=r.text("modifier", required=True),
            group=r.text("group", required=True),
            meaning=r.text("meaning", required=True),
            effective=r.optional_date("effective"),
            grade=r.text("grade", required=True),
            unconfirmed=r.flag("unconfirmed"),
            source=r.text("source", required=True),
        )
        for r in csv_table(name, cols, text)
    )


def _tables(**parts: Any) -> CmsTables:
    try:
        return CmsTables(**parts)
    except DataError:
        raise
    except (ValueError, TypeError) as exc:  # pragma: no cover - records are validated already
        raise DataError(str(exc)) from None


def load_bundled_tables() -> CmsTables:
    """Read and validate every bundled extract (uncached; use :func:`bundled_tables`)."""
    return _tables(
        ptp=read_ptp_extract(),
        mue_limits=read_mue_extract(),
        rvus=read_rvu_extract(),
        statuses=read_status_extract(),
        gpcis=read_gpci_extract(),
        conversion_factors=read_conversion_factors(),
        kx_thresholds=read_kx_thresholds(),
        payment_factors=read_payment_factors(),
        modifiers=read_modifiers(),
    )


@functools.cache
def bundled_tables() -> CmsTables:
    """The bundled, dated PT extract of CMS's tables, loaded once and shared."""
    return load_bundled_tables()
