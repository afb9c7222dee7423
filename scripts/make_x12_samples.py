"""Write the sample X12 837P files: ``examples/claims/`` and ``tests/data/x12/``.

Every name, member id, birth date, address and phone number in them is made up and
looks it (``DOE*JANE``, ``123 TEST ST``, ``ZZPHI...``). The files are written by code
so that segment counts (SE01), control numbers and ISA padding are right; the good
ones pass pyx12's validator (``tests/test_x12.py`` checks). Run after changing this:

    python scripts/make_x12_samples.py
"""

from __future__ import annotations

import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "claims"
TESTDATA = ROOT / "tests" / "data" / "x12"

#: (code, modifiers, basis UN|MJ, quantity, date CCYYMMDD or a range CCYYMMDD-CCYYMMDD)
Service = tuple[str, str, str, int, str]


def isa(control: str, *, sep: str = "*", sub: str = ":", rep: str = "^") -> str:
    """The fixed-width interchange header (106 characters with its terminator)."""
    fields = [
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        "ZZ",
        "PTCPTSUBMIT".ljust(15),
        "ZZ",
        "PTCPTPAYER".ljust(15),
        "250401",
        "0900",
        rep,
        "00501",
        control,
        "0",
        "T",
        sub,
    ]
    header = sep.join(fields)
    assert len(header) == 105, len(header)
    return header


def header(batch: str) -> list[str]:
    """BHT, submitter (1000A), receiver (1000B) and billing provider (2000A/2010AA)."""
    return [
        f"BHT*0019*00*{batch}*20250401*0900*CH",
        "NM1*41*2*TEST PT CLINIC*****46*TESTSUB01",
        "PER*IC*FRONT DESK*TE*5555550100",
        "NM1*40*2*TEST CLEARINGHOUSE*****46*TESTRCV01",
        "HL*1**20*1",
        "PRV*BI*PXC*225100000X",
        "NM1*85*2*TEST PT CLINIC*****XX*1234567893",
        "N3*1 CLINIC WAY",
        "N4*TESTVILLE*CA*900010000",
        "REF*EI*123456789",
    ]


#: The made-up patient most samples bill for, and the test Medicare payer (never real data).
JANE_DOE = {
    "last": "DOE",
    "first": "JANE",
    "member": "1EG4TE5MK73",
    "street": "123 TEST ST",
    "city": "TESTVILLE",
    "dob": "19450101",
    "sex": "F",
}
MEDICARE_TEST = {"payer": "MEDICARE PART B TEST", "payer_id": "00435", "filing": "MB"}


def subscriber(
    hl: int,
    *,
    last: str,
    first: str,
    member: str,
    street: str,
    city: str,
    dob: str,
    sex: str,
    payer: str,
    payer_id: str,
    filing: str,
    patient: bool = True,
) -> list[str]:
    """2000B/2010BA/2010BB: the subscriber (the patient unless ``patient`` is False) and payer."""
    return [
        f"HL*{hl}*1*22*{0 if patient else 1}",
        f"SBR*P*{'18' if patient else ''}*******{filing}",
        f"NM1*IL*1*{last}*{first}****MI*{member}",
        f"N3*{street}",
        f"N4*{city}*CA*900010000",
        f"DMG*D8*{dob}*{sex}",
        f"NM1*PR*2*{payer}*****PI*{payer_id}",
    ]


def dependent(hl: int, parent: int, *, last: str, first: str, street: str, dob: str, sex: str) -> list[str]:
    """2000C/2010CA: a patient who is not the subscriber (here the subscriber's child)."""
    return [
        f"HL*{hl}*{parent}*23*0",
        "PAT*19",
        f"NM1*QC*1*{last}*{first}",
        f"N3*{street}",
        "N4*TESTVILLE*CA*900010000",
        f"DMG*D8*{dob}*{sex}",
    ]


def claim(claim_id: str, services: list[Service], *, diagnosis: str = "M25561") -> list[str]:
    """2300 (CLM, HI) and one 2400 loop (LX, SV1, DTP*472) per service, $40 a unit.

    A date with a hyphen is a range of dates (``DTP*472*RD8``), the others one day (``D8``).
    """
    total = sum(40 * (quantity if basis == "UN" else 1) for _, _, basis, quantity, _ in services)
    segments = [f"CLM*{claim_id}*{total}***11:B:1*Y*A*Y*Y", f"HI*ABK:{diagnosis}"]
    for number, (code, modifiers, basis, quantity, date) in enumerate(services, 1):
        charge = 40 * (quantity if basis == "UN" else 1)
        composite = ":".join(["HC", code, *modifiers.split()])
        form = "RD8" if "-" in date else "D8"
        segments += [
            f"LX*{number}",
            f"SV1*{composite}*{charge}*{basis}*{quantity}***1",
            f"DTP*472*{form}*{date}",
        ]
    return segments


def transaction(
    control: str, body: list[str], *, version: str = "005010X222A1", kind: str = "837"
) -> list[str]:
    segments = [f"ST*{kind}*{control}*{version}", *body]
    return [*segments, f"SE*{len(segments) + 1}*{control}"]


def interchange(
    transactions: list[list[str]],
    *,
    control: str = "000000101",
    group: str = "HC",
    version: str = "005010X222A1",
) -> list[str]:
    return [
        isa(control),
        f"GS*{group}*PTCPTSUBMIT*PTCPTPAYER*20250401*0900*101*X*{version}",
        *(segment for t in transactions for segment in t),
        f"GE*{len(transactions)}*101",
        f"IEA*1*{control}",
    ]


def text(segments: list[str], *, newline: bool = True) -> str:
    return ("~\n" if newline else "~").join(segments) + ("~\n" if newline else "~")


def pt_claims() -> list[str]:
    """Three claims: two span several dates; GP, 59 and KX modifiers; 97001 was deleted in 2017."""
    body = header("PTBATCH01")
    body += subscriber(
        2,
        **JANE_DOE,
        **MEDICARE_TEST,
    )
    body += claim(
        "PT2025A001",
        [
            ("97161", "GP", "UN", 1, "20250303"),
            ("97110", "GP", "UN", 2, "20250303"),
            ("97140", "GP 59", "UN", 1, "20250303"),
            ("97110", "GP", "UN", 2, "20250305"),
            ("97112", "GP", "UN", 1, "20250305"),
            ("97530", "GP", "UN", 1, "20250305"),
        ],
    )
    body += subscriber(
        3,
        last="ROE",
        first="RICHARD",
        member="2TE7ST9XX11",
        street="456 SAMPLE AVE",
        city="TESTVILLE",
        dob="19480202",
        sex="M",
        **MEDICARE_TEST,
    )
    body += claim(
        "PT2025A002",
        [
            ("97110", "GP KX", "UN", 2, "20250304"),
            ("97530", "GP KX", "UN", 2, "20250304"),
            ("G0283", "GP KX", "UN", 1, "20250304"),
            ("97110", "GP KX", "UN", 3, "20250306"),
            ("97140", "GP KX 59", "UN", 1, "20250306"),
            ("97164", "GP KX", "UN", 1, "20250310"),
        ],
        diagnosis="M5416",
    )
    body += subscriber(
        4,
        last="DOE",
        first="JOHN",
        member="TESTMEMBER03",
        street="789 EXAMPLE RD",
        city="TESTVILLE",
        dob="19800303",
        sex="M",
        payer="TEST COMMERCIAL HEALTH",
        payer_id="ZZ001",
        filing="CI",
        patient=False,
    )
    body += dependent(5, 4, last="DOE", first="JUNIOR", street="789 EXAMPLE RD", dob="20100404", sex="M")
    body += claim(
        "PT2025A003",
        [("97001", "GP", "UN", 1, "20250307"), ("97110", "GP", "UN", 1, "20250307")],
        diagnosis="S83511A",
    )
    return interchange([transaction("0001", body)])


#: Distinctive made-up identifiers: tests assert none of them ever leaves the reader.
PHI = {
    "last": "ZZPHILASTNAME",
    "first": "ZZPHIFIRSTNAME",
    "member": "ZZPHIMEMBER0042",
    "street": "999 ZZPHI STREET",
    "city": "ZZPHICITY",
    "dob": "19010203",
}


def phi_claims() -> list[str]:
    """Two valid claims whose patient fields hold the :data:`PHI` markers."""
    body = header("PHIBATCH1")
    body += subscriber(
        2,
        last=PHI["last"],
        first=PHI["first"],
        member=PHI["member"],
        street=PHI["street"],
        city=PHI["city"],
        dob=PHI["dob"],
        sex="F",
        **MEDICARE_TEST,
    )
    body += claim("PHICLAIM1", [("97110", "GP", "UN", 2, "20250303"), ("97140", "GP", "UN", 1, "20250303")])
    body += claim("PHICLAIM2", [("97530", "GP", "UN", 1, "20250304")])
    return interchange([transaction("0001", body)])


def minutes_claims() -> list[str]:
    """Lines billed in minutes (SV103 MJ): timed codes, and codes whose minutes earn no units.

    The first claim bills two timed 15-minute codes in minutes beside an evaluation in
    units. The second bills an evaluation in minutes (an untimed code: one service
    however long), a timed 15-minute code, and 97545, whose unit is two hours.
    """
    body = header("MJBATCH01")
    body += subscriber(
        2,
        **JANE_DOE,
        payer="TEST MEDICAID",
        payer_id="ZZ002",
        filing="MC",
    )
    body += claim(
        "MJCLAIM01",
        [
            ("97110", "GP", "MJ", 33, "20250312"),
            ("97140", "GP", "MJ", 7, "20250312"),
            ("97161", "GP", "UN", 1, "20250312"),
        ],
    )
    body += claim(
        "MJCLAIM02",
        [
            ("97161", "GP", "MJ", 45, "20250313"),
            ("97110", "GP", "MJ", 38, "20250313"),
            ("97545", "GP", "MJ", 130, "20250314"),
        ],
    )
    return interchange([transaction("0001", body)])


def range_line() -> list[str]:
    """A claim whose second line is billed over a range of days (DTP*472*RD8), between two that are not."""
    body = header("RD8BATCH1")
    body += subscriber(2, **JANE_DOE, **MEDICARE_TEST)
    body += claim(
        "RANGECLM1",
        [
            ("97110", "GP", "UN", 2, "20250303"),
            ("97140", "GP", "UN", 5, "20250303-20250307"),
            ("97530", "GP", "UN", 1, "20250303"),
        ],
    )
    return interchange([transaction("0001", body)])


def second_interchange(first: list[str]) -> str:
    """``first``'s claims again (ids PT2025B...), as an interchange of its own with other delimiters.

    Elements are separated by ``|``, components by ``>`` and segments end with ``'``, all
    on one line: each interchange announces its delimiters in its own ISA header.
    """
    body = [s.replace("*", "|").replace(":", ">").replace("PT2025A", "PT2025B") for s in first[1:-1]]
    segments = [isa("000000102", sep="|", sub=">"), *body, "IEA|1|000000102"]
    return "".join(segment + "'" for segment in segments)


def two_transactions() -> list[str]:
    """Two transaction sets in one group: claim numbering runs on across them."""
    first = header("TWOBATCH1")
    first += subscriber(
        2,
        **JANE_DOE,
        **MEDICARE_TEST,
    )
    first += claim("TWOCLAIM1", [("97110", "GP", "UN", 1, "20250303")])
    second = header("TWOBATCH2")
    second += subscriber(
        2,
        last="ROE",
        first="RICHARD",
        member="2TE7ST9XX11",
        street="456 SAMPLE AVE",
        city="TESTVILLE",
        dob="19480202",
        sex="M",
        payer="TEST COMMERCIAL HEALTH",
        payer_id="ZZ001",
        filing="CI",
    )
    second += claim("TWOCLAIM2", [("97530", "GP", "UN", 2, "20250304")])
    return interchange([transaction("0001", first), transaction("0002", second)])


def remittance() -> list[str]:
    """A small 835 (payment/remittance advice): the wrong file for ``ptcpt check``."""
    body = [
        "BPR*I*120*C*CHK************20250410",
        "TRN*1*12345*1512345678",
        "DTM*405*20250410",
        "N1*PR*MEDICARE PART B TEST",
        "N1*PE*TEST PT CLINIC*XX*1234567893",
        "CLP*PT2025A001*1*160*120**MB*ZZICN0001",
        "NM1*QC*1*DOE*JANE****MI*1EG4TE5MK73",
        "SVC*HC:97110:GP*80*60**2",
        "DTM*472*20250303",
    ]
    return interchange([transaction("0001", body, version="005010X221A1", kind="835")], group="HP")


def replace(segments: list[str], old: str, new: str) -> list[str]:
    """The same file with one segment changed; SE01 still counts right."""
    assert old in segments, old
    return [new if s == old else s for s in segments]


def miscounted(segment: str) -> str:
    """An SE trailer whose segment count is one short."""
    if not segment.startswith("SE*"):
        return segment
    _, count, control = segment.split("*")
    return f"SE*{int(count) - 1}*{control}"


def main() -> None:
    EXAMPLES.mkdir(parents=True, exist_ok=True)
    TESTDATA.mkdir(parents=True, exist_ok=True)
    good = pt_claims()
    files = {
        EXAMPLES / "pt_claims.837": text(good),
        TESTDATA / "pt_claims.837": text(good),
        TESTDATA / "phi_claims.837": text(phi_claims()),
        TESTDATA / "minutes.837": text(minutes_claims()),
        TESTDATA / "range_line.837": text(range_line()),
        # Two interchanges, the second with other delimiters and another terminator.
        TESTDATA / "interchanges.837": text(good) + second_interchange(good),
        TESTDATA / "two_transactions.837": text(two_transactions()),
        # One line, other delimiters: | between elements, > inside composites.
        TESTDATA / "delimiters.837": text(good, newline=False).replace("*", "|").replace(":", ">"),
        TESTDATA / "remittance.835": text(remittance()),
        # Malformed: each breaks one thing.
        TESTDATA / "missing_code.837": text(
            replace(good, "SV1*HC:97112:GP*40*UN*1***1", "SV1*HC::GP*40*UN*1***1")
        ),
        TESTDATA / "bad_date.837": text(
            [s if s != "DTP*472*D8*20250310" else "DTP*472*D8*20251340" for s in good]
        ),
        TESTDATA / "institutional.837": text([s.replace("005010X222A1", "005010X223A2") for s in good]),
        TESTDATA / "se_count.837": text([miscounted(s) for s in good]),
        TESTDATA / "truncated.837": text(good)[: text(good).index("LX*2~\nSV1*HC:97110:GP*40*UN*1")],
    }
    for path, content in files.items():
        path.write_text(content, encoding="ascii", newline="")
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
