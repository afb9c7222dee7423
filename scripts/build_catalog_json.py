"""Compile ``src/ptcpt/data/codes.toml`` into ``codes.json`` for fast loading.

codes.toml is the file people edit (comments, readable arrays); parsing TOML costs tens
of milliseconds, JSON well under one. The package loads the JSON and a test fails when
the two differ, so run this after every edit of codes.toml:

    python scripts/build_catalog_json.py
"""

from __future__ import annotations

import datetime as dt
import json
import pathlib
import tomllib

DATA = pathlib.Path(__file__).resolve().parent.parent / "src" / "ptcpt" / "data"


def compiled() -> str:
    """The JSON text that corresponds to the current codes.toml."""
    document = tomllib.loads((DATA / "codes.toml").read_text(encoding="utf-8"))

    def default(value: object) -> str:
        if isinstance(value, dt.date):
            return value.isoformat()
        raise TypeError(type(value).__name__)

    body = json.dumps(document, default=default, ensure_ascii=False, separators=(",", ":"))
    return body + "\n"


def main() -> None:
    (DATA / "codes.json").write_text(compiled(), encoding="utf-8")


if __name__ == "__main__":
    main()
