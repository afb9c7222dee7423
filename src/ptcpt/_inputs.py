"""Reading visits from a file or a stream: JSONL, a JSON list, one JSON visit, X12 837P.

The promise is that one damaged line never decides the fate of the others. Every line
of JSONL input becomes exactly one record (blank lines excepted): the line's text, for a
worker to parse and check, or a rejection saying why it cannot be read. So a truncated
first line, a byte-order mark, CRLF line ends or blank lines change nothing for the rest.

The kind of input is decided from its start, without trusting the first line alone:

- UTF-8, with or without a byte-order mark. UTF-16 and UTF-32 (a byte-order mark, or NUL
  bytes between the characters of the first line) raise :class:`~ptcpt.errors.DataError`
  saying so: read as UTF-8 they would turn into phantom records.
- ``ISA`` first: an X12 837P claim file (:mod:`ptcpt.x12`), numbered by claim. Input
  that starts like another segment (``GS*``, a lower-case ``isa*``) is damaged X12, which
  the X12 reader names, unless a later line is a JSON object by itself: then it is JSON
  lines whose first line is damaged, and that line alone is rejected.
- ``[`` first: one JSON list of visits, numbered by item. Items before a syntax error
  are read; the error is one rejection that says the rest of the list could not be read.
- Otherwise JSON lines, unless the first line is not JSON on its own and the whole input
  (up to :data:`LOOKAHEAD` bytes) is one JSON document: a pretty-printed visit. An input
  that is neither (a damaged first line followed by good ones) is JSON lines: the first
  line is rejected on its own and every other line is read.

A line longer than :data:`MAX_LINE` bytes is rejected without being held in memory, so
memory stays flat whatever the input. Streams may be binary (what ``ptcpt check`` reads)
or text; text is read as the UTF-8 it would have been written as.
"""

from __future__ import annotations

import codecs
import io
import itertools
import json
import os
import stat
from collections.abc import Iterator
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

from ptcpt._jsonlist import is_utf8, list_items
from ptcpt.errors import DataError, InvalidVisit

if TYPE_CHECKING:
    from ptcpt.x12 import Item

__all__ = ["LOOKAHEAD", "MAX_LINE", "Chunk", "Record", "Records", "read_records"]

#: One input record: its number (line, item or claim) and a JSON text (bytes), a decoded
#: value, a Visit (X12), or the InvalidVisit explaining why it cannot be read.
Record = tuple[int, Any]

#: A line longer than this (bytes) is rejected unread: no visit is that long.
MAX_LINE = 8 * 1024 * 1024
#: How far a first line that is not JSON on its own is looked past to tell a
#: pretty-printed visit (one document) from JSON lines with a damaged first line.
LOOKAHEAD = 1024 * 1024
_BLOCK = 64 * 1024
_WHITESPACE = b" \t\r\n"
_decoder = json.JSONDecoder(parse_float=Decimal)


class Records:
    """The records of one input, read lazily; ``unit`` says what their numbers count.

    ``unit`` is ``"line"`` for JSON lines and a single JSON visit (the input line),
    ``"item"`` for a JSON list (1-based position) and ``"claim"`` for X12 837P (the
    claim's ordinal in the file); it is known once :meth:`sniff` has been called or
    iteration has started. ``name`` (a file name) is put in input-level errors such as
    "the input is UTF-16 text". ``claim_ids=False`` numbers X12 visits ``claim-1``,
    ``claim-2``, ... and never reads ``CLM01`` (see :func:`ptcpt.x12.read_837p`).
    """

    def __init__(
        self,
        stream: IO[str] | IO[bytes],
        *,
        x12_payer: str = "medicare",
        name: str | None = None,
        claim_ids: bool = True,
    ) -> None:
        self._stream = stream
        self._payer = x12_payer
        self._name = name
        self._claim_ids = claim_ids
        self._start: tuple[bytes, bool, Iterator[tuple[bytes, bool]]] | None = None
        self.unit = "line"

    def __iter__(self) -> Iterator[Record]:
        for group, _ in self._groups():
            yield from group

    def sniff(self) -> str:
        """What the input is, as its :attr:`unit`: reads the start of the input to tell.

        Raises :class:`~ptcpt.errors.DataError` for UTF-16 and UTF-32 input.
        """
        self._opened()
        return self.unit

    def x12_items(self) -> Iterator[Item]:
        """X12 837P input as :func:`ptcpt.x12.read_837p` yields it, instead of records.

        For a caller that accounts by claim: every claim as visits (with the claim's line
        numbers) or a rejection, and every envelope fault where it is found. Only for
        input whose :meth:`sniff` is ``"claim"``; iterate the records or these, not both.
        """
        if self.sniff() != "claim":
            raise ValueError(f"the input is not X12 but JSON, numbered by {self.unit}")
        from ptcpt.x12 import read_837p

        head, _, blocks = self._opened()
        return read_837p(
            _Utf8Text(head, blocks),  # type: ignore[arg-type]
            payer=self._payer,
            claim_ids=self._claim_ids,
        )

    def chunks(self, size: int) -> Iterator[list[Record]]:
        """The records in lists of at most ``size``, in order, for a batch runner.

        A list is cut short when a pipe or terminal has no more input for the moment,
        and is then a :class:`Chunk` whose ``dry`` is True: a runner answers what it holds
        before it waits for more, so output keeps pace with a slow producer
        (``tail -f visits.jsonl | ptcpt check -``).
        """
        if size < 1:
            raise ValueError(f"size must be 1 or more, got {size}")
        chunk: list[Record] = []
        groups = self._groups()
        while True:
            try:
                group, dry = next(groups)
            except StopIteration:
                break
            except Exception:
                # The input broke off (X12 envelope damage): what was read comes out first.
                if chunk:
                    yield chunk
                raise
            if chunk:
                chunk += group
                group = chunk
            start = 0
            while len(group) - start >= size:
                yield group[start : start + size]
                start += size
            chunk = group[start:]
            if dry and chunk:
                yield Chunk(chunk, dry=True)
                chunk = []
        if chunk:
            yield chunk

    # -- what the input is --------------------------------------------------------------
    def _opened(self) -> tuple[bytes, bool, Iterator[tuple[bytes, bool]]]:
        """(the start of the input, True when the source ran dry after it, the blocks
        still to come), read once; ``unit`` is set from it."""
        if self._start is not None:
            return self._start
        blocks = _blocks(self._stream)
        head = b""
        dry = False
        for data, block_dry in blocks:
            head, dry = head + data, block_dry
            if len(head) >= 4 and head.lstrip(_WHITESPACE + b"\xef\xbb\xbf"):
                break
        head = self._sniff(head)
        start = head.lstrip(_WHITESPACE)
        from ptcpt.x12 import looks_like_x12

        if start[:1] == b"[":
            self.unit = "item"
        elif looks_like_x12(start[:16].decode("utf-8", "replace")):
            if not start.startswith(b"ISA"):  # X12 that lost its ISA header, or a damaged first line?
                head, dry, json_follows = _json_object_follows(head, dry, blocks)
                self.unit = "line" if json_follows else "claim"
            else:
                self.unit = "claim"
        self._start = head, dry, blocks
        return self._start

    def _groups(self) -> Iterator[tuple[list[Record], bool]]:
        """Records a block of input at a time, each with True when the source ran dry."""
        head, dry, blocks = self._opened()
        if not head.lstrip(_WHITESPACE):
            return
        if self.unit == "claim":
            yield from _x12(_Utf8Text(head, blocks), self._payer, self._claim_ids)
        elif self.unit == "item":
            rest = b"".join(data for data, _ in blocks)  # a list is one document: read it whole
            for record in list_items((head + rest).decode("utf-8", "surrogateescape")):
                yield [record], False
        else:
            yield from _lines_or_document(_Lines(head, dry, blocks))

    def _sniff(self, head: bytes) -> bytes:
        """``head`` without a UTF-8 byte-order mark; UTF-16 and UTF-32 raise DataError."""
        if head.startswith(codecs.BOM_UTF8):
            return head[3:]
        encoding = _wide_encoding(head)
        if encoding is not None:
            raise DataError(
                f"the input is {encoding} text; ptcpt reads UTF-8 (convert it first, e.g. "
                f"iconv -f {encoding} -t UTF-8 IN > OUT)",
                file=self._name,
            )
        return head


class Chunk(list[Record]):
    """Records cut short because the input ran dry for the moment (``dry`` is True)."""

    def __init__(self, records: list[Record], *, dry: bool = False) -> None:
        super().__init__(records)
        self.dry = dry


def read_records(
    stream: IO[str] | IO[bytes],
    *,
    x12_payer: str = "medicare",
    name: str | None = None,
    claim_ids: bool = True,
) -> Records:
    """Records from JSON, JSON lines or X12 837P input; JSON lines and X12 are streamed.

    See the module docstring for how the kind of input is told and what becomes of
    damage; see :class:`Records` for the numbering. X12 visits get ``x12_payer``, and
    ``claim_ids=False`` numbers them instead of using the claim id (``CLM01``).
    """
    return Records(stream, x12_payer=x12_payer, name=name, claim_ids=claim_ids)


def _wide_encoding(head: bytes) -> str | None:
    """ "UTF-16" or "UTF-32" when the first bytes say so (a byte-order mark, or ASCII text
    with NUL bytes between its characters); None for anything else, such as UTF-8."""
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "UTF-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "UTF-16"
    sample = head[:32]
    for width, name in ((4, "UTF-32"), (2, "UTF-16")):
        whole = sample[: len(sample) - len(sample) % width]
        if len(whole) < 2 * width:
            continue
        units = [whole[i : i + width] for i in range(0, len(whole), width)]
        # Little-endian ASCII: the low byte first, NULs after; big-endian, the reverse.
        # Only a consistent pattern counts: a stray NUL (a file padded with zeros after a
        # crash) is damage to one line, not another encoding.
        for ordered in (units, [unit[::-1] for unit in units]):
            if all(unit[0] != 0 and not unit[1:].strip(b"\x00") for unit in ordered):
                return name
    return None


# -- blocks and lines -----------------------------------------------------------------------
def _blocks(stream: IO[str] | IO[bytes]) -> Iterator[tuple[bytes, bool]]:
    """The input as bytes, a block at a time, each with True when a pipe ran dry after it."""
    if isinstance(stream, io.TextIOBase) or isinstance(stream.read(0), str):
        for line in stream:
            yield _encoded(line), False  # type: ignore[arg-type]
        return
    binary: Any = stream
    read = getattr(binary, "read1", binary.read)
    regular = _is_regular_file(binary)
    while True:
        data = read(_BLOCK)
        if not data:
            return
        # A short read from a pipe means the writer has nothing more for now.
        yield data, not regular and len(data) < _BLOCK


def _encoded(line: str) -> bytes:
    """A text line as the bytes it was read from (undecodable bytes stay undecodable)."""
    try:
        return line.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that did not come from a byte
        return line.encode("utf-8", "surrogatepass")


def _is_regular_file(stream: Any) -> bool:
    try:
        return stat.S_ISREG(os.fstat(stream.fileno()).st_mode)
    except (AttributeError, OSError, ValueError):
        return True  # in memory: never waits for a writer


class _Lines:
    """Physical lines from blocks: ``(lines, dry)`` per block; a line over MAX_LINE is None."""

    def __init__(self, head: bytes, dry: bool, blocks: Iterator[tuple[bytes, bool]]) -> None:
        self.head = head
        self.dry = dry
        self.blocks = blocks

    def __iter__(self) -> Iterator[tuple[list[bytes | None], bool]]:
        tail = b""
        skipping = False  # inside a line already too long: drop bytes to its end
        for data, dry in itertools.chain([(self.head, self.dry)], self.blocks):
            if skipping:
                end = data.find(b"\n")
                if end < 0:
                    continue
                data, skipping = data[end + 1 :], False
                lines: list[bytes | None] = [None]
            else:
                lines = []
            joined = tail + data if tail else data
            pieces = joined.split(b"\n")
            tail = pieces.pop()
            if len(joined) > MAX_LINE:  # rare: only then can a whole line here be too long
                lines += [None if len(piece) > MAX_LINE else piece for piece in pieces]
            else:
                lines += pieces
            if len(tail) > MAX_LINE:
                tail, skipping = b"", True
            yield lines, dry
        if skipping:
            yield [None], False
        elif tail:
            yield [tail], False


def _json_object_follows(
    head: bytes, dry: bool, blocks: Iterator[tuple[bytes, bool]]
) -> tuple[bytes, bool, bool]:
    """Read on from ``head`` until a line after the first non-blank one is a JSON object by
    itself, or up to :data:`LOOKAHEAD` bytes: (what was read, dry, True if one is).

    Told apart: X12 that lost its ISA header (no line of it is JSON) and JSON lines whose
    first line happens to start like a segment (``ID,...``): one damaged line must not
    turn the visits after it into one X12 fault.
    """
    read = [head]
    size = len(head)
    pending = head  # the text after the last whole line looked at
    first = True  # the first non-blank line is still to come
    while True:
        *lines, pending = pending.split(b"\n")
        for line in lines:
            line = line.strip(_WHITESPACE)
            if first:
                first = not line
            elif _is_object_line(line):
                return b"".join(read), dry, True
        if size > LOOKAHEAD:
            return b"".join(read), dry, False
        got = next(blocks, None)
        if got is None:
            last = pending.strip(_WHITESPACE)
            return b"".join(read), dry, not first and _is_object_line(last)
        data, dry = got
        read.append(data)
        size += len(data)
        pending += data


def _too_long(number: int) -> Record:
    return number, InvalidVisit("", f"the line is longer than {MAX_LINE:,} bytes; no visit is that long")


def _lines_or_document(lines: _Lines) -> Iterator[tuple[list[Record], bool]]:
    """JSON lines, or the one JSON document a pretty-printed visit is (module docstring)."""
    blocks = iter(lines)
    number = 0
    seen: list[tuple[int, bytes | None]] = []  # lines read while deciding, blanks included
    size = 0
    found = False  # the first non-blank line has been read
    decided = False
    dry = False
    for group, block_dry in blocks:
        dry = block_dry
        for line in group:
            number += 1
            seen.append((number, line))
            size += 0 if line is None else len(line) + 1
            if not found and (line is None or line.strip(_WHITESPACE)):
                found = True
                # JSON lines when the first line stands alone (or is too long for a visit).
                decided = line is None or _is_json(line)
        if decided or size > LOOKAHEAD:
            break  # no document is longer than LOOKAHEAD: past it, the input is JSON lines
    else:
        # The whole input is in ``seen``: nothing, one document, or JSON lines after all.
        if not found:
            return
        document = _document(seen)
        if document is not None:
            yield [document], False
            return
    yield _jsonl(seen), dry
    for group, dry in blocks:
        records: list[Record] = []
        for line in group:
            number += 1
            if line is None:
                records.append(_too_long(number))
            elif line and not line.isspace():
                records.append((number, line))
        yield records, dry


def _jsonl(lines: list[tuple[int, bytes | None]]) -> list[Record]:
    return [
        _too_long(number) if line is None else (number, line)
        for number, line in lines
        if line is None or line.strip(_WHITESPACE)
    ]


def _is_json(line: bytes) -> bool:
    """True when ``line`` holds one whole JSON value (what every line of JSONL is)."""
    try:
        _decoder.decode(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return False
    return True


def _document(lines: list[tuple[int, bytes | None]]) -> Record | None:
    """The record of a whole input whose first line is not JSON on its own, or None
    when it is JSON lines after all (some later line is a JSON object by itself)."""
    start = next(number for number, line in lines if line is not None and line.strip(_WHITESPACE))
    if any(line is None for _, line in lines):
        return None  # an over-long line: not a document ptcpt would read
    text = b"\n".join(line for _, line in lines if line is not None).decode("utf-8", "surrogateescape")
    try:
        value = _decoder.decode(text)
    except json.JSONDecodeError as exc:
        later = [line for number, line in lines if number > start and line is not None]
        opening = sum(line.startswith(b"{") for _, line in lines if line is not None)
        if opening > 1 or any(_is_object_line(line) for line in later):
            # Lines that stand alone as JSON objects, or several lines opening one at the
            # margin: JSON lines with damage, each line its own record.
            return None
        return start, InvalidVisit("", f"not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}")
    except RecursionError:
        return start, InvalidVisit("", "not valid JSON for a visit: nested too deeply")
    if not is_utf8(text):
        return start, InvalidVisit("", "the input is not UTF-8 text")
    return start, value


def _is_object_line(line: bytes) -> bool:
    return line.startswith(b"{") and _is_json(line)


# -- X12 -------------------------------------------------------------------------------------
class _Utf8Text:
    """``read(n)`` of text over bytes already read and the blocks still to come.

    The X12 reader wants a text stream; undecodable bytes become U+FFFD, so a stray byte
    spoils only the field it sits in (as when ``ptcpt.x12`` opens a file itself).
    """

    closed = False

    def __init__(self, head: bytes, blocks: Iterator[tuple[bytes, bool]]) -> None:
        self._decode = codecs.getincrementaldecoder("utf-8")("replace").decode
        self._text = self._decode(head)
        self._blocks = blocks

    def read(self, size: int = -1) -> str:
        while size < 0 or len(self._text) < size:
            data = next(self._blocks, None)
            if data is None:
                self._text += self._decode(b"", True)
                break
            self._text += self._decode(data[0])
        if size < 0:
            size = len(self._text)
        text, self._text = self._text[:size], self._text[size:]
        return text


def _x12(text: _Utf8Text, payer: str, claim_ids: bool) -> Iterator[tuple[list[Record], bool]]:
    from ptcpt.x12 import visits_from_x12

    for number, payload in visits_from_x12(text, payer=payer, claim_ids=claim_ids):  # type: ignore[arg-type]
        yield [(number, payload)], False
