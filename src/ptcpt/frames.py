"""pandas and Dask: check a frame of billed lines, and see ptcpt's objects as frames.

Optional: needs the ``pandas`` extra (``pip install 'ptcpt[pandas]'``) and, for
:func:`check_dask`, the ``dask`` extra. pandas is imported inside the functions, never at
module level, so ``import ptcpt`` (and even ``import ptcpt.frames``) stays light.

The input frame has **one row per billed line**. Its columns (exact names):

================== ========== ===============================================================
column             required   meaning
================== ========== ===============================================================
visit_id           yes        groups rows into visits (text or whole numbers); may be the
                              index instead of a column (``df.set_index("visit_id")``)
line               no         the line's number on the claim (whole numbers, unique within a
                              visit): orders the visit's lines and names them in results
date               yes        date of service: ISO text, ``datetime.date`` or a midnight
                              timestamp (``datetime64``); visit-level
code               yes        the CPT/HCPCS code as text (``"97110"``; read CSV files with
                              ``dtype={"code": str}``)
payer              no         payer profile id; visit-level; default ``"medicare"``
ytd_allowed        no         allowed therapy spend so far this year (for KX): the PT and
                              SLP bucket; a mapping ``{"pt_slp": ..., "ot": ...}`` gives
                              both buckets; visit-level
ytd_allowed_ot     no         the same for the occupational-therapy bucket (Medicare has one
                              KX threshold for PT and SLP together and one for OT); visit-level
units              no         whole number >= 1; default 1
minutes            no         timed minutes of the line
modifiers          no         a list/tuple (``["GP", "59"]``) or text (``"GP,59"`` or
                              ``"GP 59"``)
group_size         no         patients treated together (97150)
assistant_minutes  no         the minutes a PTA furnished
description        no         free text for the classifier
================== ========== ===============================================================

Empty cells (None, NaN, NaT, ``pd.NA``) mean "not given": the line's default applies.
Visit-level columns may be filled on one row of a visit or on all of them; two different
values in one visit make that visit invalid (the message names the visit and column).
``line`` in every result names the line it is about. With a ``line`` column it is that
number, and a visit's rows are checked in its order, so results do not depend on the order
of the rows (a Dask shuffle or ``set_index`` may reorder them). Without one it is the 0-based
position of the row within its visit in frame order, the same key as
``lines.groupby("visit_id", sort=False).cumcount()``. Either way
``lines.merge(findings, on=["visit_id", "line"])`` joins results back to the input rows.

A column the table does not list raises :class:`~ptcpt.errors.DataError` naming it,
unless ``extra="ignore"``. A visit that cannot be built is never dropped: it becomes one
``input.invalid`` error row in the findings.

Money in result frames is ``float64`` dollars by default (what plotting, ``groupby().sum()``
and Parquet want; every amount is a whole number of cents, so round sums to 2 places).
``money="decimal"`` keeps exact :class:`~decimal.Decimal` objects in ``object`` columns
instead, for reconciliation.

This module is the public face; the work is done in four private parts, each importing
only downward: ``_frame_output`` (the layouts, and ptcpt's objects and results as frames;
the value objects' ``to_frame`` methods use it, so it imports only values and pandas),
``_frame_input`` (frames to visits), ``_frame_check`` (:func:`check_frame`) and
``_frame_dask`` (:func:`check_dask`, :func:`split_visits`).
"""

from __future__ import annotations

from ptcpt._frame_check import INPUT_INVALID, FrameCheck, check_frame
from ptcpt._frame_dask import check_dask, split_visits
from ptcpt._frame_input import visits_from_frame
from ptcpt._frame_output import (
    COLUMNS,
    ESTIMATE_COLUMNS,
    FINDING_COLUMNS,
    REQUIRED_COLUMNS,
    VISIT_COLUMNS,
    VISIT_LEVEL_COLUMNS,
    catalog_to_frame,
    estimate_to_frame,
    report_to_frame,
    visits_to_frame,
)

__all__ = [
    "COLUMNS",
    "ESTIMATE_COLUMNS",
    "FINDING_COLUMNS",
    "INPUT_INVALID",
    "REQUIRED_COLUMNS",
    "VISIT_COLUMNS",
    "VISIT_LEVEL_COLUMNS",
    "FrameCheck",
    "catalog_to_frame",
    "check_dask",
    "check_frame",
    "estimate_to_frame",
    "report_to_frame",
    "split_visits",
    "visits_from_frame",
    "visits_to_frame",
]
