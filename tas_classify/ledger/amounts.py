"""Money amounts as ledgers write them: ``1,234.56``, ``￥1234``, ``12.5万元``, ``（3,000.00）``,
``-500``, full-width digits — parsed exactly, as :class:`~decimal.Decimal` yuan.

A negative amount (a credit note, 红字) may be written ``-5``, ``−5`` (U+2212), ``－5``
(full-width), ``5-`` (a trailing minus), ``(5)`` / ``（5）``, ``(-5)``, ``￥-500``, ``-￥500``,
``¥(500.00)``, or with a red-letter marker (``红字500``; the markers are in
``data/columns.toml``). An amount with two minus signs (``--5``, ``-￥-500``) is ambiguous: it is an
:class:`AmountError`, never read as positive.

Amounts are exact at any length up to :data:`MAX_DIGITS` digits on either side of the point (a
longer one is refused, not rounded); :func:`exact_sum` adds them without rounding.

>>> parse_amount("￥1,234.56")
Decimal('1234.56')
>>> parse_amount("12.5万元")
Decimal('125000.0')
>>> parse_amount("（３，０００．００）")
Decimal('-3000.00')
>>> parse_amount("¥(500.00)")
Decimal('-500.00')
>>> parse_amount("--5")
Traceback (most recent call last):
...
tas_classify.errors.AmountError: more than one minus sign ('--5'): which sign is meant?
>>> parse_amount("USD 100")
Traceback (most recent call last):
...
tas_classify.errors.AmountError: foreign currency (USD); convert to yuan first
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Context, Decimal, Inexact, InvalidOperation, localcontext
from functools import lru_cache

from tas_classify.errors import AmountError as AmountError
from tas_classify.ledger.columns import columns_file

MAX_DIGITS = 100
"""An amount may have at most this many digits before the point and this many after it."""

EXACT = Context(prec=4 * MAX_DIGITS + 100, Emax=10 * MAX_DIGITS, Emin=-10 * MAX_DIGITS)
"""A decimal context in which sums and differences of amounts are exact: a result that would
have to be rounded raises :class:`decimal.Inexact` instead."""
EXACT.traps[Inexact] = True

_UNITS = {
    "万元": 4,
    "万": 4,
    "亿元": 8,
    "亿": 8,
    "千元": 3,
}
_CURRENCY = ("rmb", "cny", "人民币", "¥")
_YUAN = ("元", "rmb", "cny")
_FOREIGN = re.compile(r"usd|us\$|\$|eur|€|hkd|jpy|gbp|£|美元|欧元|港币|港元|日元|英镑")
_NUMBER = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$|^\.\d+$")
_MINUS = ("-", "\u2212", "\u2013", "\u2012", "\u2010")


@lru_cache(maxsize=2)
def _amount_words(key: str) -> tuple[str, ...]:
    """The words of ``[amounts] key`` in ``data/columns.toml``, folded, longest first."""
    words = columns_file().get("amounts", {}).get(key, [])
    folded = (unicodedata.normalize("NFKC", w).casefold() for w in words)
    return tuple(sorted((w for w in folded if w), key=len, reverse=True))


def credit_note_markers() -> tuple[str, ...]:
    """Words that mark an amount as negative (红字 …), from ``data/columns.toml``, folded."""
    return _amount_words("credit_note_markers")


def credit_note_wording(text: str) -> str:
    """The credit-note word (红字, 冲销, 退款, refund … from ``data/columns.toml``) in ``text``,
    or an empty string."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return next((w for w in _amount_words("credit_note_text") if w in folded), "")


def _checked(amount: Decimal, value: object) -> Decimal:
    if not amount.is_finite():
        raise AmountError("not a finite number")
    if amount and amount.adjusted() >= MAX_DIGITS:
        raise AmountError(f"more than {MAX_DIGITS} digits before the point ({value!r})")
    if amount.as_tuple().exponent < -MAX_DIGITS:  # type: ignore[operator]
        raise AmountError(f"more than {MAX_DIGITS} digits after the point ({value!r})")
    return amount


def _peel(text: str) -> tuple[str, dict[str, int]]:
    """``text`` without its signs, brackets, currency and units, and how many of each it had."""
    seen = dict.fromkeys(
        ("minus", "plus", "open", "close", "currency", "yuan", "marker", "units", "scale"), 0
    )
    markers = credit_note_markers()
    changed = True
    while changed and text:
        changed = False
        for marker in markers:
            if text.startswith(marker) or text.endswith(marker):
                text = text[len(marker) :] if text.startswith(marker) else text[: -len(marker)]
                seen["marker"] += 1
                changed = True
                break
        if changed:
            continue
        head = next((c for c in _CURRENCY if text.startswith(c)), None)
        if text.startswith(_MINUS):
            text, seen["minus"], changed = text[1:], seen["minus"] + 1, True
        elif text.startswith("+"):
            text, seen["plus"], changed = text[1:], seen["plus"] + 1, True
        elif text.startswith("("):
            text, seen["open"], changed = text[1:], seen["open"] + 1, True
        elif head:
            text, seen["currency"], changed = text[len(head) :], seen["currency"] + 1, True
        unit = next((u for u in _UNITS if text.endswith(u)), None)
        tail = next((y for y in _YUAN if text.endswith(y)), None)
        if text.endswith(_MINUS):
            text, seen["minus"], changed = text[:-1], seen["minus"] + 1, True
        elif text.endswith(")"):
            text, seen["close"], changed = text[:-1], seen["close"] + 1, True
        elif unit:
            text, seen["scale"], changed = text[: -len(unit)], _UNITS[unit], True
            seen["units"] += 1
        elif tail:
            text, seen["yuan"], changed = text[: -len(tail)], seen["yuan"] + 1, True
    return text, seen


def parse_amount(value: object) -> Decimal:
    """The amount in a cell, in yuan; AmountError for blank, foreign or unreadable cells."""
    if isinstance(value, (bool, date, datetime)):
        raise AmountError(f"not an amount ({value!r})")
    if isinstance(value, Decimal):
        return _checked(value, value)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise AmountError("not a finite number")
        return _checked(Decimal(str(value)), value)
    text = unicodedata.normalize("NFKC", "" if value is None else str(value))
    text = re.sub(r"\s+", "", text).casefold()
    if text.startswith("'"):  # a spreadsheet's text marker ('-200, as exports escape a sign)
        text = text[1:]
    if not text:
        raise AmountError("blank")
    foreign = _FOREIGN.search(text)
    if foreign:
        raise AmountError(f"foreign currency ({foreign.group().upper()}); convert to yuan first")
    core, seen = _peel(text)
    if seen["minus"] > 1:
        raise AmountError(f"more than one minus sign ({value!r}): which sign is meant?")
    if seen["plus"] and (seen["minus"] or seen["plus"] > 1):
        raise AmountError(f"both a plus and a minus sign ({value!r})")
    if seen["open"] != seen["close"] or seen["open"] > 1:
        raise AmountError(f"unbalanced or doubled brackets ({value!r})")
    if seen["currency"] > 1 or seen["yuan"] > 1 or seen["units"] > 1:
        raise AmountError(f"currency or unit written twice ({value!r})")
    if not _NUMBER.match(core):
        raise AmountError(f"not an amount ({value!r})")
    digits = core.replace(",", "")
    whole, _, fraction = digits.partition(".")
    if len(whole.lstrip("0")) > MAX_DIGITS or len(fraction) > MAX_DIGITS:
        raise AmountError(f"more than {MAX_DIGITS} digits on one side of the point ({value!r})")
    try:
        amount = EXACT.multiply(Decimal(digits), Decimal(10) ** seen["scale"])
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only numbers
        raise AmountError(f"not an amount ({value!r})") from exc
    negative = bool(seen["minus"] or seen["open"] or seen["marker"])
    return _checked(-amount if negative else amount, value)


def exact_sum(amounts: Iterable[Decimal]) -> Decimal:
    """The sum of ``amounts``, exact (never rounded, whatever their length)."""
    with localcontext(EXACT):
        total = Decimal(0)
        for amount in amounts:
            total += amount
        return total
