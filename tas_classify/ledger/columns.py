"""Ledger conventions read from ``data/columns.toml``: which column holds the text, which rows are
totals, and what the offshore column's values mean."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

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


def _key(value: str) -> str:
    return "".join(value.split()).casefold()


@lru_cache(maxsize=1)
def conventions() -> Conventions:
    """The shipped conventions, read once."""
    with data_path("columns.toml").open("rb") as fh:
        raw = tomllib.load(fh)
    return Conventions(
        text_headers=tuple(raw["text"]),
        total_rows=frozenset(_key(v) for v in raw["total_rows"]),
        offshore_yes=frozenset(_key(v) for v in raw["offshore"]["yes"]),
        offshore_no=frozenset(_key(v) for v in raw["offshore"]["no"]),
        reviewed_yes=frozenset(_key(v) for v in raw.get("reviewed", [])),
    )


def is_reviewed(value: str) -> bool:
    """Whether a ``tas_reviewed`` cell says a person checked the row (``data/columns.toml``)."""
    return _key(value) in conventions().reviewed_yes


def _listing(columns: Sequence[str]) -> str:
    return ", ".join(f"'{c}'" for c in columns) or "(none)"


def find_column(columns: Sequence[str], name: str, *, source: str, option: str) -> int:
    """Index of the column called ``name`` (spaces and case ignored), or a ColumnError."""
    wanted = _key(name)
    for i, column in enumerate(columns):
        if _key(column) == wanted:
            return i
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
    keys = [_key(c) for c in columns]
    found = [keys.index(_key(h)) for h in conventions().text_headers if _key(h) in keys]
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
    with data_path("columns.toml").open("rb") as fh:
        raw = tomllib.load(fh)
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
