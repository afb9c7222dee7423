from __future__ import annotations

from decimal import Decimal

import pytest

from ptcpt.payers import (
    BUILTIN_PAYERS,
    MEDICARE,
    MEDICARE_ADVANTAGE,
    MEDICARE_NONCOVERED,
    FeeSchedule,
    PayerProfile,
    builtin_payers,
    find_payer,
)


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


def test_settings_left_out_follow_medicare_rules() -> None:
    like_medicare = PayerProfile(id="m", name="M", medicare_rules=True)
    assert like_medicare.ncci_edits == "error"
    assert (
        like_medicare.therapy_modifiers and like_medicare.assistant_modifiers and like_medicare.kx_threshold
    )
    assert like_medicare.pricing == "medicare"
    other = PayerProfile(id="o", name="O")
    assert other.ncci_edits == "warning"
    assert not (other.therapy_modifiers or other.assistant_modifiers or other.kx_threshold)
    assert other.pricing == "reference"
    assert other.edit_caveat == "; Medicare's edit, and this payer may differ"
    assert like_medicare.edit_caveat == ""


def test_ncci_edits_still_take_true_and_false() -> None:
    assert PayerProfile(id="a", name="A", ncci_edits=True).ncci_edits == "error"
    assert PayerProfile(id="a", name="A", ncci_edits=False).ncci_edits == "off"
    assert PayerProfile(id="a", name="A", ncci_edits=False).edit_severity is None
    with pytest.raises(ValueError, match="ncci_edits: must be one of error, warning, off"):
        PayerProfile(id="a", name="A", ncci_edits="sometimes")


@pytest.mark.parametrize(
    ("policy", "anatomic", "takes", "refuses"),
    [
        ("any", True, {"59", "XS", "XU", "RT", "LT", "F2", "TA"}, {"GP", "KX"}),
        ("x-only", True, {"XE", "XS", "RT"}, {"59"}),
        ("59-only", False, {"59"}, {"XE", "XS", "XP", "XU", "RT", "LT", "T1"}),
    ],
)
def test_which_modifiers_a_payer_takes_on_an_ncci_pair(
    policy: str, anatomic: bool, takes: set[str], refuses: set[str]
) -> None:
    profile = PayerProfile(id="p", name="P", distinct_modifiers=policy, anatomic_modifiers=anatomic)
    assert takes <= profile.ncci_modifiers
    assert refuses.isdisjoint(profile.ncci_modifiers)


def test_profiles_say_which_settings_are_unconfirmed() -> None:
    profile = PayerProfile(id="p", name="P", unconfirmed=("kx_threshold",))
    assert profile.is_unconfirmed("kx_threshold") and not profile.is_unconfirmed("pricing")
    with pytest.raises(ValueError, match="are not settings"):
        PayerProfile(id="p", name="P", unconfirmed=("colour",))
    with pytest.raises(ValueError, match="pricing: must be one of"):
        PayerProfile(id="p", name="P", pricing="free")


# -- noncovered codes and resolving ids (#14: payer policy lives in the profile) ----------------
def test_noncovered_follows_medicare_rules_from_one_list() -> None:
    from ptcpt.default_plugins import medicare

    assert MEDICARE.noncovered == MEDICARE_NONCOVERED == frozenset({"20560", "20561"})
    assert MEDICARE_ADVANTAGE.noncovered == MEDICARE_NONCOVERED
    assert medicare.NONCOVERED is MEDICARE_NONCOVERED  # the plugin's old name, the same set
    assert PayerProfile(id="m", name="M", medicare_rules=True).noncovered == MEDICARE_NONCOVERED
    assert PayerProfile(id="c", name="C").noncovered == frozenset()
    assert PayerProfile(id="c", name="C", noncovered=[" 97140 ", "g0283"]).noncovered == {"97140", "G0283"}
    with pytest.raises(ValueError, match=r"noncovered: codes are five characters.*'DRY NEEDLING'"):
        PayerProfile(id="c", name="C", noncovered={"dry needling"})


def test_find_payer_resolves_an_id_among_given_or_builtin_profiles() -> None:
    assert builtin_payers() == {p.id: p for p in BUILTIN_PAYERS}
    assert find_payer(" Medicare ") is MEDICARE
    acme = PayerProfile(id="acme_mc", name="Acme MC", medicare_rules=True)
    assert find_payer("acme_mc", {"acme_mc": acme}) is acme
    with pytest.raises(ValueError, match=r"unknown payer 'acme_mc'; known payers: .*medicare"):
        find_payer("acme_mc")
    with pytest.raises(ValueError, match=r"unknown payer 'medicare'; known payers: acme_mc$"):
        find_payer("medicare", {"acme_mc": acme})
