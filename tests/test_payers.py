from __future__ import annotations

from decimal import Decimal

import pytest

from ptcpt.payers import FeeSchedule, PayerProfile


def test_profiles_validate_id_and_method() -> None:
    assert PayerProfile(id="acme", name="Acme", unit_method="ama").unit_method == "ama"
    with pytest.raises(ValueError, match="payer id"):
        PayerProfile(id="Acme Health", name="x")
    with pytest.raises(ValueError, match="'cms' or 'ama'"):
        PayerProfile(id="acme", name="x", unit_method="per-code")


def test_fee_schedule_rates_are_decimals() -> None:
    schedule = FeeSchedule(id="acme-2026", payers={"acme"}, rates={"97110": "31.5"}, percent_of_medicare=110)
    assert schedule.rate("97110") == Decimal("31.5")
    assert schedule.rate("97140") is None
    assert schedule.percent_of_medicare == Decimal("110")
