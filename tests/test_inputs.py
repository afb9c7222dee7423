"""Reading input: one damaged line never decides the fate of the others."""

from __future__ import annotations

import io
import json
import os
import pathlib
import threading
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ptcpt import _inputs as inputs
from ptcpt._inputs import Records, read_records
from ptcpt.errors import DataError, InvalidVisit

ROOT = pathlib.Path(__file__).resolve().parent.parent
CLAIMS = ROOT / "examples" / "claims" / "pt_claims.837"


def visit_text(i: int) -> str:
    return json.dumps({"id": f"v{i}", "date": "2025-03-12", "lines": [{"code": "97110", "minutes": 15}]})


def records_of(data: bytes | str, **options: Any) -> tuple[Records, list[tuple[int, Any]]]:
    stream = io.BytesIO(data) if isinstance(data, bytes) else io.StringIO(data)
    records = read_records(stream, **options)
    return records, list(records)


def reasons(found: list[tuple[int, Any]]) -> dict[int, str]:
    return {n: str(p) for n, p in found if isinstance(p, InvalidVisit)}


class Trickle(io.RawIOBase):
    """A raw stream that hands out its bytes in pieces of the given sizes (then the rest)."""

    def __init__(self, data: bytes, sizes: list[int]) -> None:
        self._data = data
        self._sizes = list(sizes)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        size = min(len(buffer), self._sizes.pop(0) if self._sizes else len(buffer))
        piece, self._data = self._data[:size], self._data[size:]
        buffer[: len(piece)] = piece
        return len(piece)


# -- JSON lines ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "damage", ['{"date": "2025-03-12", "lin', "not json", "{", "}", "\x00\x01", "\x00" * 12]
)
def test_a_damaged_first_line_is_rejected_alone_and_the_rest_read(damage: str) -> None:
    text = damage + "\n" + "\n".join(visit_text(i) for i in range(1, 200)) + "\n"
    records, found = records_of(text.encode())
    assert records.unit == "line"
    assert [n for n, _ in found] == list(range(1, 201))
    assert [p for _, p in found[1:]] == [visit_text(i).encode() for i in range(1, 200)]


def test_a_damaged_first_line_in_a_big_file_is_rejected_alone() -> None:
    lines = [visit_text(i) for i in range(20_000)]  # more than LOOKAHEAD bytes
    lines[0] = lines[0][:25]
    _, found = records_of(("\n".join(lines) + "\n").encode())
    assert len(found) == 20_000 and found[0] == (1, lines[0].encode())


def test_a_bom_crlf_and_blank_lines_are_read_through() -> None:
    body = "\r\n\r\n".join(visit_text(i) for i in range(3))
    for data in (b"\xef\xbb\xbf" + body.encode(), "\ufeff" + body):
        _, found = records_of(data)
        assert [n for n, _ in found] == [1, 3, 5]
        assert [json.loads(p) for _, p in found] == [json.loads(visit_text(i)) for i in range(3)]


def test_lines_that_are_not_utf8_are_left_for_the_worker_to_reject_alone() -> None:
    bad = visit_text(1).encode().replace(b"97110", b"9711\xe9")
    _, found = records_of(bad + b"\n" + visit_text(2).encode())
    assert found == [(1, bad), (2, visit_text(2).encode())]


def test_an_overlong_line_is_rejected_without_being_held(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inputs, "MAX_LINE", 500)
    monkeypatch.setattr(inputs, "_BLOCK", 64)
    long_line = '{"id": "' + "x" * 3000 + '"}'
    text = "\n".join([visit_text(0), long_line, visit_text(2), long_line]).encode()
    stream = io.BufferedReader(Trickle(text, [7, 64, 3]), buffer_size=64)
    found = list(read_records(stream))
    assert [n for n, _ in found] == [1, 2, 3, 4]
    assert reasons(found) == dict.fromkeys((2, 4), "the line is longer than 500 bytes; no visit is that long")


# -- one document ------------------------------------------------------------------------------
def test_a_pretty_printed_visit_is_one_record() -> None:
    pretty = "\n\n" + json.dumps(json.loads(visit_text(7)), indent=2) + "\n"
    records, found = records_of(pretty.encode())
    assert records.unit == "line" and found == [(3, json.loads(visit_text(7)))]


def test_a_broken_pretty_printed_visit_is_one_rejection_with_its_place() -> None:
    pretty = json.dumps(json.loads(visit_text(7)), indent=2).replace('"date"', '"date" 1')
    _, found = records_of(pretty)
    assert reasons(found) == {1: "not valid JSON (line 3, column 10): Expecting ':' delimiter"}


def test_a_json_list_is_read_item_by_item_up_to_a_syntax_error() -> None:
    good = ",\n".join(visit_text(i) for i in range(3))
    records, found = records_of(("[\n" + good + "]\n").encode())
    assert records.unit == "item" and [n for n, _ in found] == [1, 2, 3]
    _, found = records_of(("[" + good + ",\n" + visit_text(3)[:-9] + ",\n" + visit_text(4) + "]").encode())
    assert [n for n, p in found if isinstance(p, dict)] == [1, 2, 3]
    assert reasons(found)[4].endswith("; the rest of the list, from this item on, could not be read")
    assert reasons(found)[4].startswith("not valid JSON (line 4, column ")
    _, found = records_of("[]  ")
    assert found == []
    _, found = records_of("[" + visit_text(0) + "] trailing")
    column = len("[" + visit_text(0) + "] ") + 1
    assert reasons(found) == {2: f"not valid JSON (line 1, column {column}): extra text after the list"}


def test_an_item_of_a_list_that_is_not_utf8_is_rejected_alone() -> None:
    bad = visit_text(1).encode().replace(b"97110", b"9711\xe9")
    _, found = records_of(b"[" + visit_text(0).encode() + b"," + bad + b"," + visit_text(2).encode() + b"]")
    assert [n for n, _ in found] == [1, 2, 3] and reasons(found) == {2: "the item is not UTF-8 text"}


# -- encodings ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("encoding", "name"),
    [
        ("utf-16", "UTF-16"),
        ("utf-16-le", "UTF-16"),
        ("utf-16-be", "UTF-16"),
        ("utf-32", "UTF-32"),
        ("utf-32-le", "UTF-32"),
    ],
)
def test_utf16_and_utf32_are_refused_by_name(encoding: str, name: str) -> None:
    data = (visit_text(0) + "\n" + visit_text(1) + "\n").encode(encoding)
    with pytest.raises(DataError, match=f"^in.jsonl: the input is {name} text; ptcpt reads UTF-8"):
        records_of(data, name="in.jsonl")


def test_utf16_read_as_text_by_the_caller_is_fine() -> None:
    text = (visit_text(0) + "\n" + visit_text(1) + "\n").encode("utf-16").decode("utf-16")
    assert len(records_of(text)[1]) == 2


# -- X12 ------------------------------------------------------------------------------------------
def test_x12_reads_the_same_from_bytes_and_from_text() -> None:
    from_bytes = records_of(CLAIMS.read_bytes())
    from_text = records_of(CLAIMS.read_text(encoding="utf-8"))
    assert from_bytes[0].unit == from_text[0].unit == "claim"
    assert from_bytes[1] == from_text[1] and len(from_bytes[1]) == 6


@pytest.mark.parametrize("damage", ["ID,DATE,CODE", "GS*HC*cut sho", "isa*00*", "OK:"])
@pytest.mark.parametrize("sizes", [[], [3, 1, 5, 2]])
def test_a_first_line_that_starts_like_a_segment_does_not_make_json_lines_x12(
    damage: str, sizes: list[int]
) -> None:
    text = damage + "\r\n\r\n" + "\n".join(visit_text(i) for i in range(1, 50)) + "\n"
    records = read_records(io.BufferedReader(Trickle(text.encode(), sizes)))
    found = list(records)
    assert records.unit == "line"
    assert [n for n, _ in found] == [1, *range(3, 52)]
    assert [p for _, p in found[1:]] == [visit_text(i).encode() for i in range(1, 50)]


def test_x12_that_lost_its_isa_header_is_still_x12() -> None:
    text = CLAIMS.read_text(encoding="utf-8")
    headless = text[text.index("GS*") :]
    records = read_records(io.BytesIO(headless.encode()))
    assert records.sniff() == "claim"
    items = list(records.x12_items())
    assert "it starts with a 'GS' segment" in items[0].message  # type: ignore[union-attr]


def test_x12_items_and_numbered_claims() -> None:
    _, found = records_of(CLAIMS.read_bytes(), claim_ids=False)
    assert [p.id for _, p in found] == ["claim-1", "claim-1", "claim-2", "claim-2", "claim-2", "claim-3"]
    items = list(read_records(io.BytesIO(CLAIMS.read_bytes())).x12_items())
    assert [(i.claim, i.visit.id, i.claim_lines) for i in items][:2] == [  # type: ignore[union-attr]
        (1, "PT2025A001", (1, 2, 3)),
        (1, "PT2025A001", (4, 5, 6)),
    ]
    with pytest.raises(ValueError, match="not X12"):
        read_records(io.BytesIO(visit_text(0).encode())).x12_items()


# -- chunks ---------------------------------------------------------------------------------------
def test_chunks_from_a_pipe_do_not_wait_for_a_full_chunk() -> None:
    read_end, write_end = os.pipe()
    more = threading.Event()

    def writer() -> None:
        with os.fdopen(write_end, "wb") as out:
            out.write(("\n".join(visit_text(i) for i in range(3)) + "\n").encode())
            out.flush()
            more.wait(10)  # a slow producer: the rest comes only after the first chunk
            out.write((visit_text(3) + "\n").encode())

    thread = threading.Thread(target=writer)
    thread.start()
    with os.fdopen(read_end, "rb") as stream:
        chunks = read_records(stream).chunks(256)
        first = next(chunks)
        more.set()
        rest = list(chunks)
    thread.join()
    assert [n for n, _ in first] == [1, 2, 3] and [[n for n, _ in c] for c in rest] == [[4]]


def test_chunks_of_a_file_are_full_and_in_order() -> None:
    text = ("\n".join(visit_text(i) for i in range(1000)) + "\n").encode()
    chunks = list(read_records(io.BufferedReader(Trickle(text, [100, 5000, 1, 77]))).chunks(256))
    assert [len(c) for c in chunks] == [256, 256, 256, 232]
    assert [n for c in chunks for n, _ in c] == list(range(1, 1001))


# -- the promise, as a property ------------------------------------------------------------------
_damaged = st.one_of(
    st.integers(0, 300).map(lambda i: visit_text(i)[: i % 40 + 1]),
    st.text(
        st.characters(blacklist_characters="\n\r[", blacklist_categories=("Cs",)), min_size=1, max_size=30
    ).filter(lambda t: t.strip() and not t.lstrip().startswith(("[", "ISA", "\ufeff"))),
)
_line = st.one_of(st.integers(0, 300).map(visit_text), _damaged, st.sampled_from(["", " ", "\t", "  \t "]))


@settings(max_examples=150, deadline=None)
@given(
    lines=st.lists(_line, min_size=1, max_size=30),
    anchor=st.integers(0, 300),
    bom=st.booleans(),
    crlf=st.booleans(),
    sizes=st.lists(st.integers(1, 200), max_size=8),
)
def test_every_non_blank_line_of_jsonl_is_exactly_one_record(
    lines: list[str], anchor: int, bom: bool, crlf: bool, sizes: list[int]
) -> None:
    lines = [*lines, visit_text(anchor)]  # a line that is a visit by itself: this is JSON lines
    if lines[0].strip() == "":
        lines[0] = visit_text(anchor)
    end = "\r\n" if crlf else "\n"
    data = ("\ufeff" if bom else "").encode() + end.join(lines).encode()
    found = list(read_records(io.BufferedReader(Trickle(data, sizes))))
    expected = [
        (i + 1, (line + ("\r" if crlf and i < len(lines) - 1 else "")).encode())
        for i, line in enumerate(lines)
    ]
    assert found == [(n, raw) for n, raw in expected if raw.strip()]


def test_an_overlong_first_line_makes_json_lines_and_each_line_stays_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(inputs, "MAX_LINE", 500)
    text = "\n".join(['{"id": "' + "x" * 3000 + '"}', "{damaged", visit_text(3)]).encode()
    _, found = records_of(text)
    assert [n for n, _ in found] == [1, 2, 3] and found[1:] == [(2, b"{damaged"), (3, visit_text(3).encode())]
    assert reasons(found) == {1: "the line is longer than 500 bytes; no visit is that long"}
