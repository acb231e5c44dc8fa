"""Keyword rules: named, weighted votes for a code, read from an editable TOML file.

Matching runs one Aho–Corasick automaton (pyahocorasick) over the normalised line, so the cost
does not grow with the number of patterns, and every occurrence is found even when two keywords
touch or a digit follows a keyword (the cases where word-boundary matchers such as flashtext miss
Chinese keywords). English patterns match only at word boundaries (``rent`` is not in ``current``).

The invoice-category table (``data/invoice_categories.csv``) becomes rules of the same kind whose
one pattern is a VAT tax category's short name: they fire when an invoice item ``*简称*名称``
carries that category (``*软件*…`` votes NONE: a software product sold as goods), and show in
the evidence as ``invoice.软件``.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tas_classify import taxonomy
from tas_classify._toml import tomllib
from tas_classify.errors import RulesFileError as RulesFileError
from tas_classify.text import to_simplified


@dataclass(frozen=True)
class Rule:
    """One keyword rule; see ``data/rules.toml`` for the meaning of each field."""

    name: str
    code: str
    weight: float
    patterns: tuple[str, ...]
    unless: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    field: str | None = None
    not_inside: tuple[str, ...] = ()
    #: ``"text"``: patterns are looked for in the line; ``"invoice_category"``: the one pattern
    #: is a tax category's short name, compared with the line's invoice category.
    target: str = "text"


@dataclass(frozen=True)
class RuleMatch:
    """A rule that fired on a line, with the pattern that made it fire."""

    rule: str
    code: str
    pattern: str
    weight: float
    field: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "code": self.code,
            "pattern": self.pattern,
            "weight": self.weight,
            "field": self.field,
        }



# Joins the lines of a chunk for one automaton pass: a private-use character (as the normaliser's
# separator), in no pattern, no word character.
_JOIN = "\ue000"


#: Below this many lines a chunk is matched line by line (the NumPy set-up costs more).
_FEW_LINES = 16

_MATCH, _UNLESS, _REQUIRES, _NOT_INSIDE = range(4)
_ROLES = {"match": _MATCH, "unless": _UNLESS, "requires": _REQUIRES, "not_inside": _NOT_INSIDE}


@dataclass(frozen=True)
class _Tables:
    """The patterns' entries as arrays, for matching a chunk at once (indexed by the pattern's
    number, or by entry: ``entry_start[k]`` … ``+ entry_count[k]`` are pattern ``k``'s)."""

    length: np.ndarray
    first_word: np.ndarray
    last_word: np.ndarray
    entry_start: np.ndarray
    entry_count: np.ndarray
    rule: np.ndarray
    role: np.ndarray
    pattern: np.ndarray
    patterns: list[str]
    requires: np.ndarray


def _word_chars(codes: np.ndarray) -> np.ndarray:
    """Which code points are ASCII letters or digits (:func:`_is_word_char`)."""
    lower = codes | 0x20  # A-Z to a-z; nothing else lands in a-z
    return ((codes >= 0x30) & (codes <= 0x39)) | ((lower >= 0x61) & (lower <= 0x7A))


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _expand(
    raw: dict[str, Any], key: str, sets: dict[str, list[str]], where: str
) -> tuple[str, ...]:
    """Patterns of ``raw[key]`` with ``@set`` references replaced by the set's patterns."""
    out: list[str] = []
    for p in raw.get(key, ()):
        p = str(p)
        if p.startswith("@"):
            if p[1:] not in sets:
                raise RulesFileError(f"{where}: {key} names unknown set {p!r}")
            out.extend(sets[p[1:]])
        else:
            out.append(p)
    return tuple(out)


#: The largest weight a rule may carry (the shipped rules use -2 to 5): a finite bound, so that
#: no sum of fired rules can overflow the ensemble's probabilities to NaN.
MAX_WEIGHT = 100.0


def load_rules(path: Path) -> tuple[Rule, ...]:
    """Read and validate a rules file (TOML, one ``[[rule]]`` table per rule)."""
    try:
        table = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RulesFileError(f"{path}: cannot read rules file: {exc}") from exc
    valid_codes = set(taxonomy.codes())
    kpo_fields = {f.key for f in taxonomy.get("KPO-01").fields}
    sets = {str(k): [str(p) for p in v] for k, v in table.get("sets", {}).items()}
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, raw in enumerate(table.get("rule", []), start=1):
        where = f"{path}: rule #{i} ({raw.get('name', 'unnamed')})"

        try:
            rule = Rule(
                name=str(raw["name"]),
                code=str(raw["code"]),
                weight=float(raw["weight"]),
                patterns=_expand(raw, "patterns", sets, where),
                unless=_expand(raw, "unless", sets, where),
                requires=_expand(raw, "requires", sets, where),
                field=raw.get("field"),
                not_inside=_expand(raw, "not_inside", sets, where),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise RulesFileError(f"{where}: missing or invalid key {exc}") from exc
        if not -MAX_WEIGHT <= rule.weight <= MAX_WEIGHT:  # also NaN and infinity
            raise RulesFileError(
                f"{where}: weight must be a finite number from {-MAX_WEIGHT:g} to "
                f"{MAX_WEIGHT:g}, got {rule.weight!r}"
            )
        if rule.code not in valid_codes:
            raise RulesFileError(f"{where}: unknown code {rule.code!r}")
        if rule.name in seen:
            raise RulesFileError(f"{where}: duplicate rule name")
        if rule.field is not None and (rule.code != "KPO-01" or rule.field not in kpo_fields):
            raise RulesFileError(f"{where}: field {rule.field!r} is not a KPO-01 field")
        if not rule.patterns or any(not p.strip() for p in rule.patterns):
            raise RulesFileError(f"{where}: patterns must be a non-empty list of non-empty strings")
        seen.add(rule.name)
        rules.append(rule)
    return tuple(rules)


INVOICE_COLUMNS = ("category", "kind", "code", "weight", "note")


def load_invoice_categories(path: Path) -> tuple[Rule, ...]:
    """Read and validate the invoice-category table (CSV: category, kind, code, weight, note)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise RulesFileError(f"{path}: cannot read invoice-category table: {exc}") from exc
    if not rows or [c.strip() for c in rows[0]] != list(INVOICE_COLUMNS):
        raise RulesFileError(f"{path}, row 1: the header must be {','.join(INVOICE_COLUMNS)}")
    valid_codes = set(taxonomy.codes())
    out: list[Rule] = []
    seen: set[str] = set()
    for number, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(INVOICE_COLUMNS):
            raise RulesFileError(f"{path}, row {number}: expected 5 columns, got {len(cells)}")
        category, kind, code, weight, _note = (c.strip() for c in cells)
        category = to_simplified(category)
        if not category or category in seen:
            raise RulesFileError(f"{path}, row {number}, column category: blank or repeated")
        if kind not in ("goods", "service"):
            raise RulesFileError(f"{path}, row {number}, column kind: 'goods' or 'service'")
        if code not in valid_codes:
            raise RulesFileError(f"{path}, row {number}, column code: unknown code {code!r}")
        try:
            value = float(weight)
        except ValueError:
            value = float("nan")
        if not (-10.0 <= value <= 10.0):
            raise RulesFileError(
                f"{path}, row {number}, column weight: a number from -10 to 10, got {weight!r}"
            )
        seen.add(category)
        out.append(
            Rule(
                name=f"invoice.{category}",
                code=code,
                weight=value,
                patterns=(category,),
                target="invoice_category",
            )
        )
    return tuple(out)


class RuleMatcher:
    """Finds which rules fire on a normalised line (and on its invoice category)."""

    def __getstate__(self) -> dict[str, Any]:
        """Copies carry the rules; the automaton is rebuilt from them."""
        return {"rules": self.rules, "codes": self.codes}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["rules"], state["codes"])  # type: ignore[misc]

    def __init__(self, rules: Sequence[Rule], codes: Sequence[str]) -> None:
        import ahocorasick

        self.rules = tuple(rules)
        self.codes = tuple(codes)
        self._code_index = {c: i for i, c in enumerate(self.codes)}
        # the automaton gives each pattern's number in self._keys: (key, its entries)
        self._automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        self._by_category = {
            r.patterns[0]: i for i, r in enumerate(self.rules) if r.target == "invoice_category"
        }
        keys: dict[str, list[tuple[int, str, str]]] = {}
        for r_index, rule in enumerate(self.rules):
            if rule.target != "text":
                continue
            for role, patterns in (
                ("match", rule.patterns),
                ("unless", rule.unless),
                ("requires", rule.requires),
                ("not_inside", rule.not_inside),
            ):
                for pattern in patterns:
                    key = to_simplified(pattern).strip()
                    keys.setdefault(key, []).append((r_index, role, pattern))
        self._keys = [(key, tuple(entries)) for key, entries in keys.items()]
        for number, key in enumerate(keys):
            self._automaton.add_word(key, number)
        if keys:
            self._automaton.make_automaton()
        self._empty = not keys
        self._joinable = not any(_JOIN in key for key in keys)
        self._tables: _Tables | None = None  # built by the first chunk
        # RuleMatch objects are frozen: one per (rule, pattern), shared by every line it fires on
        self._made: dict[tuple[int, str], RuleMatch] = {}

    def match(self, text: str, category: str = "") -> list[RuleMatch]:
        """Rules that fire on ``text`` (already normalised) and its invoice ``category``, in
        file order (invoice-category rules last)."""
        found = self._match_text(text)
        at = self._by_category.get(category) if category else None
        if at is not None:
            found.append(self._category_match(at, category))
        return found

    def _category_match(self, index: int, category: str) -> RuleMatch:
        return self._rule_match(index, f"*{category}*")

    def match_lines(self, texts: Sequence[str], categories: Sequence[str]) -> list[list[RuleMatch]]:
        """``[match(t, c) for t, c in zip(texts, categories)]``, the automaton run once over the
        lines joined by a character no pattern holds (it starts afresh after it, as on a new
        line, and is no word character, as a line's start and end are not), and which rules
        fire found for all lines at once in NumPy."""
        if (
            len(texts) < _FEW_LINES
            or self._empty
            or not self._joinable
            or any(_JOIN in t for t in texts)
        ):
            return [self.match(t, c) for t, c in zip(texts, categories)]
        tables = self._tables if self._tables is not None else self._build_tables()
        joined = _JOIN.join(texts)
        codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        line_of = np.cumsum(codes == ord(_JOIN))  # the line of each character
        hits = np.fromiter(
            itertools.chain.from_iterable(self._automaton.iter(joined)), dtype=np.int64
        ).reshape(-1, 2)
        end, key = hits[:, 0], hits[:, 1]
        start = end - tables.length[key] + 1
        last = len(codes) - 1
        word = _word_chars(codes)
        cut = (tables.first_word[key] & (start > 0) & word[np.maximum(start - 1, 0)]) | (
            tables.last_word[key] & (end < last) & word[np.minimum(end + 1, last)]
        )
        start, end, key = start[~cut], end[~cut], key[~cut]
        # one row per (occurrence, entry), in the order the line-by-line loop reads them
        count = tables.entry_count[key]
        occurrence = np.repeat(np.arange(len(key)), count)
        offset = np.arange(len(occurrence)) - np.repeat(np.cumsum(count) - count, count)
        entry = tables.entry_start[key][occurrence] + offset
        line = line_of[end][occurrence]
        rule, role, pattern = tables.rule[entry], tables.role[entry], tables.pattern[entry]
        n_rules = len(self.rules)
        pair = line * n_rules + rule
        is_match = role == _MATCH
        # a rule with not_inside patterns fires from its first occurrence outside all of theirs
        masked = np.flatnonzero(role == _NOT_INSIDE)
        if len(masked):
            spans: dict[int, list[tuple[int, int]]] = {}
            for at, lo, hi in zip(pair[masked].tolist(), start[occurrence[masked]].tolist(),
                                  end[occurrence[masked]].tolist()):  # fmt: skip
                spans.setdefault(at, []).append((lo, hi))
            rows = np.flatnonzero(is_match & np.isin(pair, pair[masked]))
            for row, at, lo, hi in zip(rows.tolist(), pair[rows].tolist(),
                                       start[occurrence[rows]].tolist(),
                                       end[occurrence[rows]].tolist()):  # fmt: skip
                if any(a <= lo and hi <= b for a, b in spans[at]):
                    is_match[row] = False
        pairs, first = np.unique(pair[is_match], return_index=True)
        patterns = pattern[is_match][first]
        keep = ~np.isin(pairs, pair[role == _UNLESS]) & (
            ~tables.requires[pairs % n_rules] | np.isin(pairs, pair[role == _REQUIRES])
        )
        out: list[list[RuleMatch]] = [[] for _ in texts]
        made, rule_match, names = self._made, self._rule_match, tables.patterns
        for at, p in zip(pairs[keep].tolist(), patterns[keep].tolist()):
            index = at % n_rules
            found = made.get((index, names[p]))
            out[at // n_rules].append(found or rule_match(index, names[p]))
        by_category = self._by_category
        for i, category in enumerate(categories):
            if category and category in by_category:
                out[i].append(self._category_match(by_category[category], category))
        return out

    def _build_tables(self) -> _Tables:
        patterns: dict[str, int] = {}
        rows = [
            (r_index, _ROLES[role], patterns.setdefault(pattern, len(patterns)))
            for _key, entries in self._keys
            for r_index, role, pattern in entries
        ]
        count = np.array([len(entries) for _, entries in self._keys], dtype=np.int64)
        rule, role, pattern = (np.array(c, dtype=np.int64) for c in zip(*rows))
        self._tables = _Tables(
            length=np.array([len(key) for key, _ in self._keys], dtype=np.int64),
            first_word=np.array([_is_word_char(key[0]) for key, _ in self._keys], dtype=bool),
            last_word=np.array([_is_word_char(key[-1]) for key, _ in self._keys], dtype=bool),
            entry_start=np.cumsum(count) - count,
            entry_count=count,
            rule=rule,
            role=role,
            pattern=pattern,
            patterns=list(patterns),
            requires=np.array([bool(r.requires) for r in self.rules], dtype=bool),
        )
        return self._tables

    def _match_text(self, text: str) -> list[RuleMatch]:
        if self._empty or not text:
            return []
        keys = self._keys
        found = [
            (end - len(keys[number][0]) + 1, end, *keys[number])
            for end, number in self._automaton.iter(text)
        ]
        return self._fired(text, found)

    def _fired(
        self, text: str, found: list[tuple[int, int, str, tuple[tuple[int, str, str], ...]]]
    ) -> list[RuleMatch]:
        """The rules that fire, from the occurrences of their patterns in ``text`` (start, end,
        key, entries; in the automaton's order)."""
        first_pattern: dict[int, str] = {}
        silenced: set[int] = set()
        satisfied: set[int] = set()
        # Rules with not_inside: every pattern occurrence, and the spans that mask them.
        occurrences: dict[int, list[tuple[int, int, str]]] = {}
        masks: dict[int, list[tuple[int, int]]] = {}
        for start, end, key, entries in found:
            if _is_word_char(key[0]) and start > 0 and _is_word_char(text[start - 1]):
                continue
            if _is_word_char(key[-1]) and end + 1 < len(text) and _is_word_char(text[end + 1]):
                continue
            for r_index, role, pattern in entries:
                if role == "unless":
                    silenced.add(r_index)
                elif role == "requires":
                    satisfied.add(r_index)
                elif role == "not_inside":
                    masks.setdefault(r_index, []).append((start, end))
                elif self.rules[r_index].not_inside:
                    occurrences.setdefault(r_index, []).append((start, end, pattern))
                else:
                    first_pattern.setdefault(r_index, pattern)
        for r_index, found_at in occurrences.items():
            spans = masks.get(r_index, [])
            for start, end, pattern in found_at:  # the automaton reports by end position
                if not any(lo <= start and end <= hi for lo, hi in spans):
                    first_pattern.setdefault(r_index, pattern)
                    break
        return [
            self._rule_match(i, first_pattern[i])
            for i in sorted(first_pattern)
            if i not in silenced and (not self.rules[i].requires or i in satisfied)
        ]

    def _rule_match(self, index: int, pattern: str) -> RuleMatch:
        made = self._made.get((index, pattern))
        if made is None:
            rule = self.rules[index]
            made = RuleMatch(rule.name, rule.code, pattern, rule.weight, rule.field)
            self._made[(index, pattern)] = made
        return made

    def scores(self, matches: Sequence[RuleMatch]) -> np.ndarray:
        """Sum of fired rule weights per code, in ``self.codes`` order."""
        out = np.zeros(len(self.codes))
        for m in matches:
            index = self._code_index.get(m.code)
            if index is not None:
                out[index] += m.weight
        return out
