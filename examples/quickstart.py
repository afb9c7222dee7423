"""ptcpt in one screen: look up codes, count units, classify a note, check and price a visit.

Run: ``python examples/quickstart.py`` (after ``python -m pip install -e .``).
"""

from __future__ import annotations

import datetime as dt

import ptcpt


def main() -> None:
    catalog = ptcpt.catalog()
    old = catalog["97762"]
    print(
        f"{old.code} was deleted on {old.deleted}; use "
        f"{', '.join(c.code for c in catalog.replacements(old.code))}"
    )

    plan = ptcpt.units.allocate({"97110": 33, "97140": 7}, method="cms")
    print(plan.explain())

    for text in ("gait trng w/ FWW 150 ft x2, CGA", "chest x-ray, two views"):
        found = ptcpt.classify(text)
        print(f"{text!r} -> {[s.code.code for s in found] or 'no PT code'}")

    visit = ptcpt.Visit(
        id="quickstart-1",
        date=dt.date(2025, 3, 12),
        payer="medicare",
        lines=[
            ptcpt.Line(code="97110", units=2, minutes=33, modifiers=["GP"]),
            ptcpt.Line(code="97140", units=1, minutes=7, modifiers=["GP"]),
        ],
    )
    report = ptcpt.check(visit)
    print(report.summary())


if __name__ == "__main__":
    main()
