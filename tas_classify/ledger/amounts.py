"""Money amounts as ledgers write them: ``1,234.56``, ``￥1234``, ``12.5万元``, ``（3,000.00）``,
``-500``, full-width digits — parsed exactly, as :class:`~decimal.Decimal` yuan.

>>> parse_amount("￥1,234.56")
Decimal('1234.56')
>>> parse_amount("12.5万元")
Decimal('125000.0')
>>> parse_amount("（３，０００．００）")
Decimal('-3000.00')
>>> parse_amount("USD 100")
Traceback (most recent call last):
...
tas_classify.errors.AmountError: foreign currency (USD); convert to yuan first
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from tas_classify.errors import AmountError as AmountError

_UNITS = {
    "万元": Decimal(10_000),
    "万": Decimal(10_000),
    "亿元": Decimal(10**8),
    "亿": Decimal(10**8),
    "千元": Decimal(1_000),
}
_YUAN = re.compile(r"^(?:rmb|cny|人民币|¥)|(?:元|rmb|cny)$")
_FOREIGN = re.compile(r"usd|us\$|\$|eur|€|hkd|jpy|gbp|£|美元|欧元|港币|港元|日元|英镑")
_NUMBER = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$|^\.\d+$")
_MINUS = ("-", "\u2212", "\u2013")


def parse_amount(value: object) -> Decimal:
    """The amount in a cell, in yuan; AmountError for blank, foreign or unreadable cells."""
    if isinstance(value, (bool, date, datetime)):
        raise AmountError(f"not an amount ({value!r})")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise AmountError("not a finite number")
        return Decimal(str(value))
    text = unicodedata.normalize("NFKC", "" if value is None else str(value))
    text = re.sub(r"\s+", "", text).lower()
    if not text:
        raise AmountError("blank")
    foreign = _FOREIGN.search(text)
    if foreign:
        raise AmountError(f"foreign currency ({foreign.group().upper()}); convert to yuan first")
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    if text.startswith(_MINUS):
        negative, text = not negative, text[1:]
    scale = Decimal(1)
    for unit, factor in _UNITS.items():
        if text.endswith(unit):
            scale, text = factor, text[: -len(unit)]
            break
    text = _YUAN.sub("", text)
    if text.startswith(_MINUS):
        negative, text = not negative, text[1:]
    if not _NUMBER.match(text):
        raise AmountError(f"not an amount ({value!r})")
    try:
        amount = Decimal(text.replace(",", "")) * scale
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only numbers
        raise AmountError(f"not an amount ({value!r})") from exc
    return -amount if negative else amount
