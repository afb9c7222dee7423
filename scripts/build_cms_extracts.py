"""Build ptcpt's bundled CMS extracts (``src/ptcpt/data/*.csv``) from the shared sources.

Run from the repository root::

    python scripts/build_cms_extracts.py [--source /work/shared/domain/cms] [--out src/ptcpt/data]

Inputs are the CMS figures in ``domain/cms/`` (see its README) plus the hand-sourced
facts of ``domain/facts.md`` sections 5 and 6, which are written out below as small
tables, each row citing the facts.md line it comes from. The package never reads the
shared directory at run time: it reads only the files this script writes.

The script is deterministic (sorted rows, fixed headers), so re-running it on the same
inputs leaves ``git diff`` empty. No AMA descriptor text is read or written: the CMS
inputs carry none, and the PPRRVU DESCRIPTION column is never touched.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
from ptcpt.cms import EXTRACT_COLUMNS

DEFAULT_SOURCE = Path("/work/shared/domain/cms")
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "src" / "ptcpt" / "data"

FACTS = "shared domain/facts.md"
PTP_RELEASE = "ccipra-v302r0 2024Q3"
MUE_RELEASE = "MCR_MUE_PractitionerServices_Eff_07-01-2024"
STATUS_RELEASE = "PPRRVU22_JAN"

# --- hand-sourced facts (facts.md), one row per fact --------------------------------------

#: facts.md 6b: 2026 RVUs from secondary sites (S-grade, UNCONFIRMED until PPRRVU26).
#: (code, work, pe, mp, total, source). Facility PE equals non-facility PE for these
#: therapy codes (facts.md 6b: "the sources show identical PE values").
RVU_2026 = [
    ("97530", "0.44", "0.60", "0.01", "1.05", "facts.md 6b: payerready (S)"),
    ("97112", "0.50", "0.47", "0.01", "0.98", "facts.md 6b: payerready (S)"),
    ("97110", "0.45", "0.41", "0.01", "0.87", "facts.md 6b: payerready (S)"),
    ("97140", "0.43", "", "", "0.83", "facts.md 6b: mirahealth (S); work RVU rvuedge (S)"),
    ("97161", "", "", "", "2.93", "facts.md 6b: mirahealth (S)"),
]

#: facts.md 3a: start dates of current windows the 2024 Q3 copy leaves undated, where a
#: source gives them. (column 1, column 2) -> (effective, source). The earlier windows of
#: these pairs ended 2019-12-31 (the copy has them); APTA reports them reinstated.
PTP_EFFECTIVE = {
    ("97150", "97110"): ("2020-10-01", "facts.md 3a: reinstated 2020-10-01, APTA 2020-09-02 (A)"),
    ("97150", "97112"): ("2020-10-01", "facts.md 3a: reinstated 2020-10-01, APTA 2020-09-02 (A)"),
    ("97150", "97116"): ("2020-10-01", "facts.md 3a: reinstated 2020-10-01, APTA 2020-09-02 (A)"),
}

#: facts.md 6a. (start, end, cf, apm, grade, source). Grade = best source grade.
CONVERSION_FACTORS = [
    ("2018-01-01", "2018-12-31", "35.9996", "any", "S", "facts.md 6a: Becker's (AMA data) (S)"),
    ("2019-01-01", "2019-12-31", "36.0391", "any", "S", "facts.md 6a: Becker's (S)"),
    (
        "2020-01-01",
        "2020-12-31",
        "36.0896",
        "any",
        "S",
        "facts.md 6a: Becker's (S); ASCO prints 36.0869, likely a typo",
    ),
    (
        "2021-01-01",
        "2021-12-31",
        "34.8931",
        "any",
        "A",
        "facts.md 6a: ASCO (A), after CAA 2021 +3.75 %; final-rule CF was 32.4085",
    ),
    (
        "2022-01-01",
        "2022-12-31",
        "34.6062",
        "any",
        "P",
        "CMS PPRRVU22_JAN CONV FACTOR column (P); facts.md 6a: Becker's (S)",
    ),
    ("2023-01-01", "2023-12-31", "33.8872", "any", "S", "facts.md 6a: Becker's (S); correlations-now (S)"),
    (
        "2024-01-01",
        "2024-03-08",
        "32.7442",
        "any",
        "S",
        "facts.md 6a: correlations-now (S); gore.rccsclients (S)",
    ),
    (
        "2024-03-09",
        "2024-12-31",
        "33.2875",
        "any",
        "S",
        "facts.md 6a: CAA 2024, not retroactive; correlations-now (S); gore.rccsclients (S)",
    ),
    ("2025-01-01", "2025-12-31", "32.3465", "any", "A", "facts.md 6a: WebPT (S); AAPM&R (A)"),
    (
        "2026-01-01",
        "2026-12-31",
        "33.4009",
        "no",
        "A",
        "facts.md 6a: non-qualifying-APM CF (most PTs); AAPM&R (A); SVMIC (S)",
    ),
    (
        "2026-01-01",
        "2026-12-31",
        "33.5675",
        "yes",
        "A",
        "facts.md 6a: qualifying-APM participants; AAPM&R (A); SVMIC (S)",
    ),
]

#: facts.md 5 (KX threshold amounts; one figure for PT+SLP and the same for OT).
KX_THRESHOLDS = [
    ("2018", "2010.00", "A", "facts.md 5: PPS/APTA (A); MMP (S)"),
    ("2019", "2040.00", "S", "facts.md 5: CR 11055 via paproviders.org (S)"),
    ("2020", "2080.00", "A", "facts.md 5: APTA 2019-11-26 (A)"),
    ("2021", "2110.00", "S", "facts.md 5: therapycomply (S)"),
    ("2022", "2150.00", "P", "facts.md 5: Noridian (P)"),
    ("2023", "2230.00", "P", "facts.md 5: Noridian (P)"),
    ("2024", "2330.00", "P", "facts.md 5: Noridian (P); NGS (P)"),
    ("2025", "2410.00", "S", "facts.md 5: proactivechart (S); WebPT 2025 final rule (S)"),
    ("2026", "2480.00", "S", "facts.md 5: postacutetools (S); proactivechart (S)"),
]

#: facts.md 5 and 6c. (name, start, end, value, grade, unconfirmed, source).
PAYMENT_FACTORS = [
    (
        "mppr_pe_reduction",
        "2013-04-01",
        "",
        "0.50",
        "P",
        "false",
        "facts.md 6c: 50 % of PE after the highest-PE unit, MULT PROC 5 codes; NGS (P); Novitas (P); "
        "APTA (A). Earlier rates (2011-2013) are UNCONFIRMED and not shipped",
    ),
    (
        "assistant_payment_factor",
        "2022-01-01",
        "",
        "0.85",
        "P",
        "false",
        "facts.md 5: CQ/CO lines paid at 85 % from 2022-01-01; CMS CQ/CO billing examples page (P)",
    ),
    (
        "assistant_de_minimis_share",
        "2020-01-01",
        "",
        "0.10",
        "S",
        "true",
        "facts.md 5: CQ/CO when the assistant furnishes more than 10 % of a service, per unit "
        "(CY2020 final rule); Montero (S); proactiveltcexperts (S)",
    ),
    (
        "medical_review_threshold",
        "2018-01-01",
        "2027-12-31",
        "3000.00",
        "P",
        "false",
        "facts.md 5: targeted medical review threshold of $3,000 set by the Bipartisan Budget Act of "
        "2018 section 50202 (retroactive to 2018-01-01) and held each year until 2028, when MEI "
        "indexing starts; statute text via self-law.org (P via copy); NGS 2024 (P)",
    ),
]

#: facts.md 5. (modifier, group, meaning in our words, effective, grade, unconfirmed, source)
MODIFIERS = [
    (
        "GP",
        "therapy-discipline",
        "service under an outpatient physical therapy plan of care",
        "",
        "P",
        "false",
        "facts.md 5: WPS therapy list text (P via copy); continuityrcm (S)",
    ),
    (
        "GO",
        "therapy-discipline",
        "service under an outpatient occupational therapy plan of care",
        "",
        "P",
        "false",
        "facts.md 5: WPS therapy list text (P via copy)",
    ),
    (
        "GN",
        "therapy-discipline",
        "service under an outpatient speech-language pathology plan of care",
        "",
        "P",
        "false",
        "facts.md 5: WPS therapy list text (P via copy)",
    ),
    (
        "CQ",
        "assistant",
        "PT service furnished in whole or in part by a physical therapist assistant",
        "2020-01-01",
        "P",
        "false",
        "facts.md 5: CMS CQ/CO billing examples page (P)",
    ),
    (
        "CO",
        "assistant",
        "OT service furnished in whole or in part by an occupational therapy assistant",
        "2020-01-01",
        "P",
        "false",
        "facts.md 5: CMS CQ/CO billing examples page (P)",
    ),
    (
        "59",
        "ncci",
        "distinct procedural service; on the column 2 code of a pair that allows a modifier",
        "",
        "P",
        "false",
        "facts.md 3 and 5: Palmetto GBA (P)",
    ),
    (
        "XE",
        "ncci",
        "distinct service: separate encounter",
        "2015-01-01",
        "S",
        "true",
        "facts.md 5: CR 8863 effective date from knowledge, UNCONFIRMED",
    ),
    (
        "XS",
        "ncci",
        "distinct service: separate structure or organ (different anatomic site)",
        "2015-01-01",
        "S",
        "true",
        "facts.md 5: CR 8863 effective date from knowledge, UNCONFIRMED",
    ),
    (
        "XP",
        "ncci",
        "distinct service: separate practitioner",
        "2015-01-01",
        "S",
        "true",
        "facts.md 5: CR 8863 effective date from knowledge, UNCONFIRMED",
    ),
    (
        "XU",
        "ncci",
        "distinct service: unusual, non-overlapping service",
        "2015-01-01",
        "S",
        "true",
        "facts.md 5: CR 8863 effective date from knowledge, UNCONFIRMED",
    ),
    (
        "KX",
        "kx",
        "therapy above the year's threshold is medically necessary and documented",
        "",
        "P",
        "false",
        "facts.md 5: Noridian JE (P); NGS 2024 (P)",
    ),
    (
        "GA",
        "liability",
        "advance beneficiary notice on file; the service may be denied as not necessary",
        "",
        "P",
        "true",
        "facts.md 5: Noridian MR FAQ (P); GA wording from knowledge, UNCONFIRMED",
    ),
    (
        "GY",
        "liability",
        "statutorily excluded or not a Medicare benefit",
        "",
        "S",
        "false",
        "facts.md 5: floridahealthcarelawfirm (S)",
    ),
    (
        "GZ",
        "liability",
        "expected to be denied as not necessary, and no advance notice on file",
        "",
        "S",
        "true",
        "facts.md 5: from knowledge, UNCONFIRMED wording",
    ),
    (
        "GX",
        "liability",
        "voluntary notice of liability given for a non-covered service",
        "",
        "A",
        "false",
        "facts.md 5: APTA Compliance Matters 2020 (A)",
    ),
    (
        "95",
        "telehealth",
        "synchronous audio-video telehealth service",
        "",
        "S",
        "false",
        "facts.md 5: proactivechart (S)",
    ),
    (
        "52",
        "other",
        "reduced service",
        "",
        "S",
        "true",
        "facts.md 5: chiroeco (S); use for short timed services is UNCONFIRMED as a general rule",
    ),
    (
        "76",
        "other",
        "repeat procedure by the same practitioner",
        "",
        "P",
        "false",
        "facts.md 5: experts123 (S); Cahaba via docplayer (P via copy)",
    ),
    (
        "77",
        "other",
        "repeat procedure by another practitioner",
        "",
        "P",
        "false",
        "facts.md 5: experts123 (S); Cahaba via docplayer (P via copy)",
    ),
]


# --- helpers ------------------------------------------------------------------------------


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _iso(yyyymmdd: str) -> str:
    if yyyymmdd in ("", "*"):
        return ""
    if len(yyyymmdd) != 8 or not yyyymmdd.isdigit():
        raise SystemExit(f"not a YYYYMMDD date: {yyyymmdd!r}")
    return f"{yyyymmdd[:4]}-{yyyymmdd[4:6]}-{yyyymmdd[6:]}"


def _rvu(text: str) -> str:
    return "" if text == "" else str(Decimal(text).quantize(Decimal("0.01")))


def _gpci(text: str) -> str:
    return str(Decimal(text).quantize(Decimal("0.001")))


def _write(out: Path, name: str, comments: list[str], header: Sequence[str], rows: list[list[str]]) -> None:
    buf = io.StringIO()
    for line in comments:
        buf.write(f"# {line}\n" if line else "#\n")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    (out / name).write_text(buf.getvalue(), encoding="utf-8")
    print(f"wrote {name}: {len(rows)} rows")


_BUILT = "Built by scripts/build_cms_extracts.py; do not edit by hand (re-run the script)."


# --- the extracts -------------------------------------------------------------------------


def build_ptp(src: Path, out: Path) -> None:
    rows = _rows(src / "ncci_ptp_pt.csv")
    releases = {r["source_release"] for r in rows}
    paths = {f"{r['source_repo']}:{r['source_path']}" for r in rows}
    result = []
    for r in rows:
        if r["effective"]:
            raise SystemExit("ncci_ptp_pt.csv now has effective dates: update build_ptp to keep them")
        effective = _iso(r["effective"])
        dated = PTP_EFFECTIVE.get((r["column1"], r["column2"]))
        if dated is not None and r["deleted"] == "*":
            effective = dated[0]
        result.append(
            [
                r["column1"],
                r["column2"],
                effective,
                _iso(r["deleted"]),
                r["modifier_indicator"],
                r["rationale"],
                PTP_RELEASE,
            ]
        )
    result.sort(key=lambda x: (x[0], x[1], x[3] or "9999-99-99", x[4]))
    _write(
        out,
        "ncci_ptp.csv",
        [
            "NCCI procedure-to-procedure (PTP) edits, Medicare practitioner table, PT-relevant pairs only.",
            f"Source: CMS NCCI practitioner PTP table ({'; '.join(sorted(releases))}),",
            f"  as processed by {'; '.join(sorted(paths))}; via shared domain/cms/ncci_ptp_pt.csv.",
            f"Release: {PTP_RELEASE} (effective 2024-07-01). Every window a pair has is kept.",
            "effective: first day the edit applies; EMPTY = unknown (this copy has no effective dates).",
            "  Filled from facts.md where a source dates a window the copy leaves undated:",
            *(f"  {c1}/{c2} from {day} ({src})" for (c1, c2), (day, src) in sorted(PTP_EFFECTIVE.items())),
            "deleted: CMS 'Deletion Date', the LAST day the edit is in force (inclusive), ISO form;",
            "  EMPTY = in force (CMS '*'). facts.md 11: 20191231 means the edit applied through",
            "  2019-12-31 and not on 2020-01-01.",
            "modifier_indicator: 0 no modifier allowed; 1 allowed with 59/X{EPSU} etc. on the column 2 code;",
            "  9 not applicable (withdrawn window: never applies).",
            "rationale: CMS's categorical PTP edit rationale (not descriptor text).",
            _BUILT,
        ],
        EXTRACT_COLUMNS["ncci_ptp.csv"],
        result,
    )


def build_mue(src: Path, out: Path) -> None:
    rows = _rows(src / "mue_pt.csv")
    releases = {r["source_release"] for r in rows}
    paths = {f"{r['source_repo']}:{r['source_path']}" for r in rows}
    result = sorted([r["code"], r["mue"], r["mai"], r["rationale"], MUE_RELEASE] for r in rows)
    _write(
        out,
        "mue.csv",
        [
            "Medically Unlikely Edits (MUE), Medicare practitioner services table, PT codes.",
            f"Source: {'; '.join(sorted(releases))},",
            f"  as processed by {'; '.join(sorted(paths))}; via shared domain/cms/mue_pt.csv.",
            f"Release: {MUE_RELEASE}.",
            "mue: most units of service a provider reports for the code per line (mai 1)",
            "  or per day (mai 2, 3).",
            "mai: MUE adjudication indicator: 1 line edit; 2 date-of-service edit, policy (absolute);",
            "  3 date-of-service edit, clinical (appealable with records).",
            _BUILT,
        ],
        ["code", "mue", "mai", "rationale", "release"],
        result,
    )


def build_rvu(src: Path, out: Path) -> None:
    rows = _rows(src / "national_rvu_pt_2019_2025.csv")
    result = []
    for r in rows:
        parts = [_rvu(r[k]) for k in ("work_rvu", "pe_rvu_nonfacility", "pe_rvu_facility", "mp_rvu")]
        total = str(Decimal(parts[0]) + Decimal(parts[1]) + Decimal(parts[3]))
        result.append(
            [
                r["year"],
                r["code"],
                *parts,
                total,
                f"PFS RVU {r['year']} October release",
                "false",
                "CMS PFS RVU file via Psuncode/RVU-Calculator",
            ]
        )
    for code, work, pe, mp, total, source in RVU_2026:
        result.append(["2026", code, work, pe, pe, mp, total, "secondary sources (RVU26A)", "true", source])
    result.sort(key=lambda x: (x[0], x[1]))
    _write(
        out,
        "rvu.csv",
        [
            "National relative value units (RVUs) for PT codes, one row per year and code.",
            "Source 2019-2025: CMS PFS Relative Value Files, October release of each year, as processed",
            "  by the public repository Psuncode/RVU-Calculator;",
            "  via shared domain/cms/national_rvu_pt_2019_2025.csv.",
            "Source 2026: secondary sites quoted in facts.md 6b (S-grade): unconfirmed = true until",
            "  regenerated from PPRRVU2026. 97140 and 97161 have only the parts those sites give.",
            "total: non-facility total (work + pe_nonfacility + mp); as the source gives it",
            "  where parts are missing.",
            "Empty cell = not known. No descriptor text.",
            _BUILT,
        ],
        EXTRACT_COLUMNS["rvu.csv"],
        result,
    )


def build_status(src: Path, out: Path) -> None:
    text = (src / "PPRRVU22_JAN_pt_rows.csv").read_text(encoding="utf-8")
    table = list(csv.reader(io.StringIO(text)))
    header = table[9]
    if header[:4] != ["HCPCS", "MOD", "DESCRIPTION", "CODE"] or header[18] != "PROC":
        raise SystemExit("PPRRVU22_JAN_pt_rows.csv layout changed: check the column positions")
    result = []
    for cells in table[10:]:
        if not cells or not cells[0]:
            continue
        if cells[1]:
            continue  # modifier rows (26/TC): ptcpt keeps global rows only
        result.append([cells[0], cells[3], cells[18], STATUS_RELEASE])
    result.sort()
    _write(
        out,
        "pfs_status.csv",
        [
            "Physician fee schedule status code and multiple-procedure indicator per PT code.",
            "Source: CMS PPRRVU22_JAN.csv (2022 PFS Relative Value File, January release, released",
            "  2021-12-15), PT rows, copy in Psuncode/RVU-Calculator;",
            "  via shared domain/cms/PPRRVU22_JAN_pt_rows.csv.",
            f"Release: {STATUS_RELEASE}. Only the STATUS CODE and MULT PROC columns are kept.",
            "status: A active; B bundled (no separate payment); I not valid for Medicare; R restricted;",
            "  C carrier-priced; N non-covered.",
            "mult_proc: 5 = subject to the therapy multiple procedure payment reduction (MPPR) on PE;",
            "  0 none; 2 surgical multiple-procedure rules; 9 not applicable.",
            _BUILT,
        ],
        ["code", "status", "mult_proc", "release"],
        result,
    )


def build_gpci(src: Path, out: Path) -> None:
    rows = _rows(src / "gpci_2019_2025.csv")
    states: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in rows:
        r["mac"] = r["mac"].zfill(5)
        r["locality"] = r["locality"].zfill(2)
        if r["state"]:
            states[(r["mac"], r["locality"])].add(r["state"])
    result = []
    seen: set[tuple[str, str, str]] = set()
    for r in rows:
        inferred = "false"
        state = r["state"]
        if not state:
            known = states.get((r["mac"], r["locality"]), set())
            if len(known) != 1:
                raise SystemExit(f"cannot infer the state of {r['year']} {r['mac']}-{r['locality']}")
            state = next(iter(known))
            inferred = "true"
        for key in (
            (r["year"], "mac", f"{r['mac']}-{r['locality']}"),
            (r["year"], "st", f"{state}-{r['locality']}"),
        ):
            if key in seen:
                raise SystemExit(f"duplicate locality {key}")
            seen.add(key)
        result.append(
            [
                r["year"],
                r["mac"],
                state,
                r["locality"],
                r["locality_name"],
                _gpci(r["work_gpci"]),
                _gpci(r["pe_gpci"]),
                _gpci(r["mp_gpci"]),
                f"GPCI{r['year']}",
                inferred,
            ]
        )
    result.sort(key=lambda x: (x[0], x[2], x[1], x[3]))
    _write(
        out,
        "gpci.csv",
        [
            "Geographic practice cost indices (GPCI) per Medicare locality, 2019-2025.",
            "Source: CMS GPCI files GPCI2019 ... GPCI2025 (inside the PFS RVU zips), as processed by the",
            "  public repository Psuncode/RVU-Calculator; via shared domain/cms/gpci_2019_2025.csv.",
            "mac and locality are zero-padded (5 and 2 digits) as CMS prints them; some source years had",
            "  lost the leading zeros.",
            "state_inferred = true: the source row had no state; it is the state of the same MAC + locality",
            "  in the other years (unique for every such row).",
            "work: the work GPCI with the floor CMS applies that year (1.0; Alaska 1.5).",
            _BUILT,
        ],
        EXTRACT_COLUMNS["gpci.csv"],
        result,
    )


def build_conversion_factors(out: Path) -> None:
    result = [
        [s, e, cf, apm, grade, str(grade == "S").lower(), src]
        for s, e, cf, apm, grade, src in CONVERSION_FACTORS
    ]
    _write(
        out,
        "conversion_factors.csv",
        [
            "Medicare physician fee schedule conversion factors (dollars per RVU) by date of service.",
            f"Source: {FACTS} section 6a (each row names its sources); 2022 also CMS PPRRVU22_JAN.",
            "start, end: first and last date of service (inclusive) the factor applies to.",
            "apm: 'any' = one factor for everyone; from 2026 'yes' = qualifying APM participants,",
            "  'no' = everyone else (most physical therapists).",
            "grade: best source grade (P primary, A association, S secondary); unconfirmed = true when",
            "  only secondary sources give the figure.",
            _BUILT,
        ],
        EXTRACT_COLUMNS["conversion_factors.csv"],
        result,
    )


def build_kx(out: Path) -> None:
    result = [[y, a, g, str(g == "S").lower(), s] for y, a, g, s in KX_THRESHOLDS]
    _write(
        out,
        "kx_thresholds.csv",
        [
            "Medicare KX modifier thresholds (dollars of allowed therapy per beneficiary per year).",
            "One amount for PT and SLP combined, and the same amount separately for OT.",
            f"Source: {FACTS} section 5 (each row names its sources).",
            "grade: best source grade (P/A/S); unconfirmed = true when only secondary sources give it.",
            _BUILT,
        ],
        ["year", "amount", "grade", "unconfirmed", "source"],
        result,
    )


def build_payment_factors(out: Path) -> None:
    _write(
        out,
        "payment_factors.csv",
        [
            "Dated payment factors used by ptcpt.fees and the rules.",
            "mppr_pe_reduction: share of practice expense NOT paid on each unit after the first",
            "  (MULT PROC 5 codes).",
            "assistant_payment_factor: share of the fee schedule paid on CQ/CO lines (after the MPPR).",
            "assistant_de_minimis_share: assistant share of a unit above which CQ/CO is required.",
            "medical_review_threshold: therapy dollars per year above which targeted medical review",
            "  may apply.",
            "start, end: first and last date of service (inclusive); empty end = open.",
            f"Source: {FACTS} sections 5 and 6c (each row names its sources).",
            _BUILT,
        ],
        EXTRACT_COLUMNS["payment_factors.csv"],
        [list(r) for r in PAYMENT_FACTORS],
    )


def build_modifiers(out: Path) -> None:
    _write(
        out,
        "modifiers.csv",
        [
            "Modifiers a PT claim uses, in ptcpt's own words.",
            "group: therapy-discipline, assistant, ncci, liability, kx, telehealth or other.",
            "effective: first date of service the modifier applies (CQ/CO: required from 2020-01-01);",
            "  empty = long-standing.",
            f"Source: {FACTS} section 5 (each row names its sources); unconfirmed where facts.md says so.",
            _BUILT,
        ],
        EXTRACT_COLUMNS["modifiers.csv"],
        [list(r) for r in MODIFIERS],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="the shared domain/cms directory")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="ptcpt's data directory")
    args = parser.parse_args(argv)
    src: Path = args.source
    out: Path = args.out
    if not src.is_dir():
        print(f"source directory not found: {src}", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    build_ptp(src, out)
    build_mue(src, out)
    build_rvu(src, out)
    build_status(src, out)
    build_gpci(src, out)
    build_conversion_factors(out)
    build_kx(out)
    build_payment_factors(out)
    build_modifiers(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
