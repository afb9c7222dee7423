"""Reading the dated PT extracts of CMS's tables bundled in ``ptcpt/data`` (see ``data/SOURCES.md``).

:func:`bundled_tables` loads them on first use and caches the result; every row is checked
and a bad one raises DataError naming the file, the row and the field.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from ptcpt._datafiles import check_keys, read_csv_rows
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
from ptcpt.codes import is_code_shaped
from ptcpt.errors import DataError

if TYPE_CHECKING:
    from collections.abc import Collection, Iterator, Mapping

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


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class _Row:
    """One CSV row with typed getters that raise DataError naming file, row and field."""

    __slots__ = ("file", "line", "row")

    def __init__(self, file: str, line: int | str, row: Mapping[str, str]) -> None:
        self.file = file
        self.line = line
        self.row = row

    def fail(self, field: str | None, message: str) -> DataError:
        return DataError(message, file=self.file, row=self.line, field=field)

    def text(self, field: str, *, required: bool = False) -> str:
        value = (self.row.get(field) or "").strip()
        if required and not value:
            raise self.fail(field, "must not be empty")
        return value

    def code(self, field: str) -> str:
        value = self.text(field).upper()
        if not is_code_shaped(value):
            raise self.fail(field, "must be a CPT/HCPCS code such as 97110")
        return value

    def date(self, field: str) -> dt.date:
        value = self.optional_date(field)
        if value is None:
            raise self.fail(field, "must be a date such as 2024-07-01")
        return value

    def optional_date(self, field: str) -> dt.date | None:
        value = self.text(field)
        if not value:
            return None
        if _ISO_DATE.fullmatch(value) is None:
            raise self.fail(field, "must be an ISO date such as 2024-07-01")
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise self.fail(field, "must be an ISO date such as 2024-07-01") from None

    def decimal(self, field: str) -> Decimal:
        value = self.optional_decimal(field)
        if value is None:
            raise self.fail(field, "must be a number")
        return value

    def optional_decimal(self, field: str) -> Decimal | None:
        value = self.text(field)
        if not value:
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise self.fail(field, "must be a number such as 0.45") from None
        if not number.is_finite() or number < 0:
            raise self.fail(field, "must be a number >= 0")
        return number

    def integer(self, field: str, choices: Collection[int] | None = None) -> int:
        value = self.text(field)
        if not value.isdigit():
            raise self.fail(field, "must be a whole number")
        number = int(value)
        if choices is not None and number not in choices:
            raise self.fail(field, f"must be one of {', '.join(str(c) for c in sorted(choices))}")
        return number

    def flag(self, field: str) -> bool:
        value = self.text(field).lower()
        if value not in ("true", "false"):
            raise self.fail(field, "must be true or false")
        return value == "true"


def _build(row: _Row, factory: Any, **fields: Any) -> Any:
    try:
        return factory(**fields)
    except (ValueError, TypeError) as exc:
        raise row.fail(None, str(exc)) from None


def _rows(name: str, columns: tuple[str, ...], text: str | None) -> Iterator[_Row]:
    required = frozenset(columns)
    checked = False
    for line, row in read_csv_rows(name, text):
        if not checked:
            check_keys(row, required=required, optional=frozenset(), file=name, where="header")
            checked = True
        yield _Row(name, line, row)


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
        _build(
            r,
            PtpEdit,
            column1=r.code("column1"),
            column2=r.code("column2"),
            effective=r.optional_date("effective"),
            deleted=r.optional_date("deleted"),
            modifier_indicator=r.integer("modifier_indicator", (0, 1, 9)),
            rationale=r.text("rationale"),
            release=r.text("release", required=True),
        )
        for r in _rows(name, cols, text)
    )


def read_mue_extract(text: str | None = None, name: str = "mue.csv") -> tuple[MueLimit, ...]:
    return tuple(
        _build(
            r,
            MueLimit,
            code=r.code("code"),
            mue=r.integer("mue"),
            mai=r.integer("mai", (1, 2, 3)),
            rationale=r.text("rationale"),
            release=r.text("release", required=True),
        )
        for r in _rows(name, ("code", "mue", "mai", "rationale", "release"), text)
    )


def read_rvu_extract(text: str | None = None, name: str = "rvu.csv") -> tuple[Rvu, ...]:
    cols = EXTRACT_COLUMNS["rvu.csv"]
    result: list[Rvu] = []
    for r in _rows(name, cols, text):
        row: Rvu = _build(
            r,
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
        _build(
            r,
            PfsStatus,
            code=r.code("code"),
            status=r.text("status", required=True),
            mult_proc=r.text("mult_proc", required=True),
            release=r.text("release", required=True),
        )
        for r in _rows(name, ("code", "status", "mult_proc", "release"), text)
    )


def read_gpci_extract(text: str | None = None, name: str = "gpci.csv") -> tuple[Gpci, ...]:
    cols = EXTRACT_COLUMNS["gpci.csv"]
    return tuple(
        _build(
            r,
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
        for r in _rows(name, cols, text)
    )


def read_conversion_factors(
    text: str | None = None, name: str = "conversion_factors.csv"
) -> tuple[ConversionFactor, ...]:
    cols = EXTRACT_COLUMNS["conversion_factors.csv"]
    return tuple(
        _build(
            r,
            ConversionFactor,
            start=r.date("start"),
            end=r.date("end"),
            cf=r.decimal("cf"),
            apm=r.text("apm", required=True),
            grade=r.text("grade", required=True),
            unconfirmed=r.flag("unconfirmed"),
            source=r.text("source", required=True),
        )
        for r in _rows(name, cols, text)
    )


def read_kx_thresholds(text: str | None = None, name: str = "kx_thresholds.csv") -> tuple[KxThreshold, ...]:
    return tuple(
        _build(
            r,
            KxThreshold,
            year=r.integer("year"),
            amount=r.decimal("amount"),
            grade=r.text("grade", required=True),
            unconfirmed=r.flag("unconfirmed"),
            source=r.text("source", required=True),
        )
        for r in _rows(name, ("year", "amount", "grade", "unconfirmed", "source"), text)
    )


def read_payment_factors(
    text: str | None = None, name: str = "payment_factors.csv"
) -> tuple[PaymentFactor, ...]:
    cols = EXTRACT_COLUMNS["payment_factors.csv"]
    return tuple(
        _build(
            r,
            PaymentFactor,
            name=r.text("name", required=True),
            start=r.date("start"),
            end=r.optional_date("end"),
            value=r.decimal("value"),
            grade=r.text("grade", required=True),
            unconfirmed=r.flag("unconfirmed"),
            source=r.text("source", required=True),
        )
        for r in _rows(name, cols, text)
    )


def read_modifiers(text: str | None = None, name: str = "modifiers.csv") -> tuple[ModifierInfo, ...]:
    cols = EXTRACT_COLUMNS["modifiers.csv"]
    return tuple(
        _build(
            r,
            ModifierInfo,
            modifier=r.text("modifier", required=True),
            group=r.text("group", required=True),
            meaning=r.text("meaning", required=True),
            effective=r.optional_date("effective"),
            grade=r.text("grade", required=True),
            unconfirmed=r.flag("unconfirmed"),
            source=r.text("source", required=True),
        )
        for r in _rows(name, cols, text)
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
