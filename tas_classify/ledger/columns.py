"""Ledger conventions read from ``data/columns.toml``: which column holds the text, which rows are
totals, and what the offshore column's values mean; where the header row of an exported sheet is
(:func:`find_header_row`), and whether an amount column includes VAT (:func:`choose_amount_column`).

Column names are compared by :func:`header_key`: Unicode NFKC (``（元）`` is ``(元)``),
Traditional → Simplified through the same OpenCC conversion as the classifier (``合同名稱`` is
``合同名称``), case and whitespace folded.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from tas_classify._resources import data_path
from tas_classify._toml import tomllib
from tas_classify.errors import ColumnError as ColumnError


@dataclass(frozen=True)
class Conventions:
    text_headers: tuple[str, ...]
    total_rows: frozenset[str]
    offshore_yes: frozenset[str]
    offshore_no: frozenset[str]
    reviewed_yes: frozenset[str]
    known_headers: frozenset[str] = frozenset()
    header_notes: tuple[str, ...] = ()
    scan_rows: int = 30
    tax_inclusive: tuple[str, ...] = ()
    tax_exclusive: tuple[str, ...] = ()
    amount_words: tuple[str, ...] = ()
    tax_words: tuple[str, ...] = ()
    guesses: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Per kind of column (``amount``, ``offshore``, ``client``), the usual headers, best first."""


def _key(value: str) -> str:
    return "".join(value.split()).casefold()


@lru_cache(maxsize=1)
def columns_file() -> dict[str, Any]:
    """``data/columns.toml`` as parsed, once: every ledger convention is read from it."""
    with data_path("columns.toml").open("rb") as fh:
        raw: dict[str, Any] = tomllib.load(fh)
    return raw


@lru_cache(maxsize=1)
def conventions() -> Conventions:
    """The shipped conventions, read once."""
    raw = columns_file()
    header, amount = raw.get("header", {}), raw.get("amount", {})
    known = [*raw["text"], *header.get("known", [])]
    return Conventions(
        text_headers=tuple(raw["text"]),
        total_rows=frozenset(_key(v) for v in raw["total_rows"]),
        offshore_yes=frozenset(_key(v) for v in raw["offshore"]["yes"]),
        offshore_no=frozenset(_key(v) for v in raw["offshore"]["no"]),
        reviewed_yes=frozenset(_key(v) for v in raw.get("reviewed", [])),
        known_headers=frozenset(_unitless(header_key(h)) for h in known),
        header_notes=tuple(header_key(h) for h in header.get("notes", [])),
        scan_rows=int(header.get("scan_rows", 30)),
        tax_inclusive=tuple(header_key(h) for h in amount.get("tax_inclusive", [])),
        tax_exclusive=tuple(header_key(h) for h in amount.get("tax_exclusive", [])),
        amount_words=tuple(header_key(h) for h in amount.get("amount_words", [])),
        tax_words=tuple(header_key(h) for h in amount.get("tax_words", [])),
        guesses=tuple(
            (kind, tuple(_unitless(header_key(h)) for h in names))
            for kind, names in raw.get("guess", {}).items()
        ),
    )


@lru_cache(maxsize=4096)
def header_key(name: str) -> str:
    """A column name folded for comparison: NFKC, Traditional → Simplified (the classifier's
    OpenCC conversion), case, and no whitespace or ``*`` (a required-field mark)."""
    from tas_classify.text import to_simplified

    return "".join(to_simplified(name).split()).casefold().strip("*")


_UNIT = re.compile(r"[(\[【][^()\[\]【】]*[)\]】]$")


def _unitless(key: str) -> str:
    """``不含税金额(元)`` → ``不含税金额``: a trailing bracketed unit removed from a folded name."""
    return _UNIT.sub("", key) or key


def is_reviewed(value: str) -> bool:
    """Whether a ``tas_reviewed`` cell says a person checked the row (``data/columns.toml``)."""
    return _key(value) in conventions().reviewed_yes


def _listing(columns: Sequence[str]) -> str:
    return ", ".join(f"'{c}'" for c in columns) or "(none)"


def find_column(columns: Sequence[str], name: str, *, source: str, option: str) -> int:
    """Index of the column called ``name`` (compared by :func:`header_key`: width, script, case
    and spaces ignored); failing that, when ``name`` has no unit, the one column whose name adds
    a trailing unit in brackets (``金额`` finds ``金额(元)``); else a ColumnError listing the
    columns."""
    wanted = header_key(name)
    keys = [header_key(c) for c in columns]
    if wanted in keys:
        return keys.index(wanted)
    loose = [i for i, k in enumerate(keys) if _unitless(k) == wanted]
    if _unitless(wanted) == wanted and len(loose) == 1:
        return loose[0]
    raise ColumnError(
        f"{source}: no column '{name}' ({option}); the columns are: {_listing(columns)}"
    )


def choose_text_column(
    columns: Sequence[str], requested: str | None, *, source: str
) -> tuple[int, str]:
    """The index of the text column and a sentence saying how it was chosen.

    ``requested`` (``--column``) wins; otherwise the first usual header of ``columns.toml`` found.
    With none found the choice is not guessed: a ColumnError lists the columns.
    """
    if requested is not None:
        index = find_column(columns, requested, source=source, option="--column")
        return index, f"text column '{columns[index]}'"
    keys = [_unitless(header_key(c)) for c in columns]
    wanted = [_unitless(header_key(h)) for h in conventions().text_headers]
    found = [keys.index(h) for h in wanted if h in keys]
    if not found:
        raise ColumnError(
            f"{source}: cannot tell which column holds the text to classify; "
            f"pass --column NAME. The columns are: {_listing(columns)}"
        )
    index = found[0]
    note = f"text column '{columns[index]}'"
    others = [columns[i] for i in found[1:]]
    if others:
        note += f" (also found {_listing(others)}; choose another with --column)"
    return index, note


@lru_cache(maxsize=1)
def _total_pattern() -> re.Pattern[str]:
    """One pattern for a total label with its optional prefix, suffix, bracketed note and colon
    (``data/columns.toml``: ``total_rows`` and ``[total_row_affixes]``)."""
    raw = columns_file()
    affixes = raw.get("total_row_affixes", {})
    labels = [_fold(v) for v in [*raw["total_rows"], *affixes.get("labels", [])]]
    label = "|".join(re.escape(v) for v in sorted(labels, key=len, reverse=True) if v)
    prefix = "|".join(f"(?:{p})" for p in affixes.get("prefixes", []))
    suffix = "|".join(f"(?:{s})" for s in affixes.get("suffixes", []))
    note = int(affixes.get("bracket_note_max", 16))
    tail = int(affixes.get("after_colon_max", 30))
    bracket = rf"(?:[(\[【〔][^()\[\]【】〔〕]{{0,{note}}}[)\]】〕])"
    return re.compile(
        rf"{bracket}?(?:{prefix or '(?!)'})?(?:{label})(?:{suffix or '(?!)'})?{bracket}?"
        rf"(?::.{{0,{tail}}})?",
        re.DOTALL,
    )


def _fold(value: str) -> str:
    return _key(unicodedata.normalize("NFKC", value))


def is_total_row(text: str) -> bool:
    """True for a cell that is a subtotal / total label: ``合计``, ``本页小计``, ``本月合计``,
    ``合计（含税）``, ``Total (incl. VAT)``, ``合计：`` …, not a longer text that merely contains
    the word (``合计软件开发费``)."""
    if not isinstance(text, str) or len(text) > 80:
        return False
    return _total_pattern().fullmatch(_fold(text)) is not None


def parse_offshore(value: object) -> bool | None:
    """``是`` / ``Y`` / ``true`` / ``1`` / ``境外`` → True, their opposites → False, else None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    key = _key(str(value)) if value is not None else ""
    if key in conventions().offshore_yes:
        return True
    if key in conventions().offshore_no:
        return False
    return None


# ---------------------------------------------------------------- the header row
_NUMBER = re.compile(r"[\d\s,.%+\-/:¥$€()]+")
MAX_HEADER_CHARS = 40
"""A cell longer than this is data, not a column name."""


def _header_like(value: object) -> bool:
    """A short piece of text that is not a number or a date: what a column name looks like."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    return 0 < len(text) <= MAX_HEADER_CHARS and not _NUMBER.fullmatch(text)


def _filled(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def is_note_row(cells: Sequence[object]) -> bool:
    """A note above the table (``单位：元``, ``编制单位：…``, ``期间：2024年``): some cell starts
    with a ``[header] notes`` word of ``data/columns.toml`` and a colon."""
    notes = conventions().header_notes
    for value in cells:
        if isinstance(value, str) and value.strip():
            key = header_key(value[:MAX_HEADER_CHARS * 2])
            if any(key.startswith(note + ":") for note in notes):
                return True
    return False


def is_known_header(value: object) -> bool:
    """Whether a cell is a usual column name (``data/columns.toml``), a trailing unit ignored."""
    return isinstance(value, str) and _header_like(value) and (
        _unitless(header_key(value)) in conventions().known_headers
    )


def _title(cells: Sequence[object], filled: int, widest: int) -> bool:
    """One filled cell above a wider table that is not a usual column name: a title."""
    return filled == 1 and widest > 1 and not any(map(is_known_header, cells))


def find_header_row(rows: Sequence[Sequence[object]]) -> int | None:
    """Which of the first rows of a sheet (index into ``rows``) holds the column names.

    A candidate is a row that is mostly filled (at least half as many cells as the fullest
    row), mostly short text (four in five of its cells) and not a note (``单位：元``). The first
    candidate holding two usual header names (``data/columns.toml``; one in a row of one cell)
    wins — one alone could be a data value; else the first candidate; else the first row that
    is not blank. None when every row is blank. A title (one filled cell that is not a usual
    column name, above a wider table) is never a candidate.
    """
    counts = [sum(map(_filled, cells)) for cells in rows]
    widest = max(counts, default=0)
    if widest == 0:
        return None
    need = max(1, math.ceil(widest / 2))
    candidates = [
        i
        for i, cells in enumerate(rows)
        if counts[i] >= need
        and sum(map(_header_like, cells)) * 5 >= counts[i] * 4
        and not is_note_row(cells)
        and not _title(cells, counts[i], widest)
    ]
    for i in candidates:
        if sum(map(is_known_header, rows[i])) >= min(2, counts[i]):
            return i
    if candidates:
        return candidates[0]
    return next(i for i, n in enumerate(counts) if n)


# ---------------------------------------------------------------- the amount column
def _has(key: str, words: Sequence[str]) -> bool:
    return any(w in key for w in words)


def tax_inclusive(name: str) -> bool:
    """Whether a column name says VAT is included (含税, 价税合计) and not excluded (不含税)."""
    c, key = conventions(), header_key(name)
    return _has(key, c.tax_inclusive) and not _has(key, c.tax_exclusive)


def tax_exclusive(name: str) -> bool:
    """Whether a column name is an amount without VAT: 不含税金额, 未税收入, or a plain 金额 /
    收入 that says nothing of tax and is not the tax itself (税额)."""
    c, key = conventions(), header_key(name)
    if _has(key, c.tax_exclusive):
        return True
    return (
        _has(key, c.amount_words)
        and not _has(key, c.tax_inclusive)
        and not _has(key, c.tax_words)
    )


def choose_amount_column(
    columns: Sequence[str], requested: str, *, source: str
) -> tuple[int, list[str]]:
    """The index of the amount column ``requested`` (``--amount``) and warnings about it: the
    column includes VAT (含税, 价税合计) while a column without VAT exists — income for the
    Annex 3 test is counted without VAT. A ColumnError when there is no such column."""
    index = find_column(columns, requested, source=source, option="--amount")
    chosen = columns[index]
    warnings = []
    if tax_inclusive(chosen):
        others = [c for i, c in enumerate(columns) if i != index and tax_exclusive(c)]
        if others:
            warnings.append(
                f"{source}: the amount column '{chosen}' includes VAT (含税) and "
                f"{_listing(others)} looks tax-exclusive (不含税); income is counted without "
                f"VAT — use --amount '{others[0]}' unless '{chosen}' is what you mean"
            )
    return index, warnings


def guess_column(columns: Sequence[str], kind: str) -> int | None:
    """The column a reviewer most likely means for ``kind`` (``amount``, ``offshore``,
    ``client``: the ``[guess]`` lists of ``columns.toml``), or None. Names are compared like
    :func:`find_column` (a trailing unit ignored); for ``amount`` a tax-exclusive column is
    preferred to a tax-inclusive one. A proposal only: the reviewer confirms it."""
    wanted = dict(conventions().guesses).get(kind, ())
    keys = [_unitless(header_key(c)) for c in columns]
    found = [keys.index(h) for h in wanted if h in keys]
    if kind == "amount":
        found.sort(key=lambda i: tax_inclusive(columns[i]) and not tax_exclusive(columns[i]))
    return found[0] if found else None
