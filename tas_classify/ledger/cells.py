"""How a cell of any type becomes text: the one rule for the line to classify, the label read from
a labelled file and the cell written to CSV / TSV / JSON output."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from typing import Any

__all__ = ["cell_text"]


def cell_text(value: Any) -> str:
    """The text of a cell: blank for None, NaN, pandas' NA and NaT; ``true`` / ``false``; whole
    floats without ``.0`` (Excel stores every number as a float); dates in ISO form, a midnight
    datetime as its date; lists and objects (from JSON lines) as JSON; bytes decoded as UTF-8
    (what cannot be decoded becomes U+FFFD); strings as they are.

    >>> cell_text(None), cell_text(float("nan")), cell_text(12800.0), cell_text("服务器销售")
    ('', '', '12800', '服务器销售')
    >>> cell_text(datetime(2024, 3, 1)), cell_text(True), cell_text(0.5)
    ('2024-03-01', 'true', '0.5')
    >>> cell_text({"名称": "云服务", "金额": [1, 2]}), cell_text("软件".encode())
    ('{"名称": "云服务", "金额": [1, 2]}', '软件')
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, (dict, list)):
        try:
            return json.dumps(value, ensure_ascii=False, default=str)
        except (ValueError, TypeError, RecursionError):
            return "(a value nested too deeply to show)"
    try:  # NaN, pandas' NA and NaT (NaT is also a datetime) are not equal to themselves
        if value != value:
            return ""
    except (TypeError, ValueError):
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime) and value.time() == time():
        return value.date().isoformat()
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    return str(value)
