from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

import ptcpt
from ptcpt.codes import Code
from ptcpt.serialize import code_from_dict, code_to_dict, from_json, to_json

CODES = list(ptcpt.catalog())


@given(st.sampled_from(CODES))
def test_code_dict_and_json_round_trip(code: Code) -> None:
    assert code_from_dict(code_to_dict(code)) == code
    assert from_json(to_json(code), Code) == code
    assert json.loads(to_json(code))["code"] == code.code


def test_dates_and_enums_are_plain_values() -> None:
    data = code_to_dict(ptcpt.catalog()["97762"])
    assert data["deleted"] == "2018-01-01"
    assert data["category"] == "orthotic-prosthetic"
    assert data["replaced_by"] == ["97763"]
