"""Reading one JSON list of visits an item at a time, for :mod:`ptcpt._inputs`.

Apart from the input sniffing because it is its own small parser: items before a syntax
error are read, and the error is one rejection saying the rest of the list is unread.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from ptcpt.errors import InvalidVisit

__all__ = ["is_utf8", "list_items"]

_decoder = json.JSONDecoder(parse_float=Decimal)


def is_utf8(text: str) -> bool:
    """False for text holding bytes that were not UTF-8 (decoded with surrogateescape)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def list_items(text: str) -> Iterator[tuple[int, Any]]:
    """``(item number, value)`` for each item of a JSON list, read one item at a time.

    A syntax error ends the list: the items before it are yielded, then one rejection
    numbered as the next item, saying where the error is and that the rest is unread.
    """
    pos = _skip(text, text.index("[") + 1)
    number = 0
    if text.startswith("]", pos):
        pos += 1
    else:
        while True:
            try:
                value, end = _decoder.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                yield number + 1, _broken_list(exc.msg, text, exc.pos)
                return
            except RecursionError:
                yield number + 1, _broken_list("nested too deeply", text, pos)
                return
            number += 1
            if is_utf8(text[pos:end]):
                yield number, value
            else:
                yield number, InvalidVisit("", "the item is not UTF-8 text")
            pos = _skip(text, end)
            if text.startswith(",", pos):
                pos = _skip(text, pos + 1)
            elif text.startswith("]", pos):
                pos += 1
                break
            else:
                yield number + 1, _broken_list("Expecting ',' or ']' after an item", text, pos)
                return
    pos = _skip(text, pos)
    if pos < len(text):
        yield number + 1, _broken_list("extra text after the list", text, pos, rest=False)


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _broken_list(message: str, text: str, pos: int, *, rest: bool = True) -> InvalidVisit:
    line = text.count("\n", 0, pos) + 1
    column = pos - text.rfind("\n", 0, pos)
    unread = "; the rest of the list, from this item on, could not be read" if rest else ""
    return InvalidVisit("", f"not valid JSON (line {line}, column {column}): {message}{unread}")
