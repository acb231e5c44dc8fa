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
        self._automaton = ahocorasick.Automaton()
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
        for key, entries in keys.items():
            self._automaton.add_word(key, (key, tuple(entries)))
        if keys:
            self._automaton.make_automaton()
        self._empty = not keys

    def match(self, text: str, category: str = "") -> list[RuleMatch]:
        """Rules that fire on ``text`` (already normalised) and its invoice ``category``, in
        file order (invoice-category rules last)."""
        found = self._match_text(text)
        at = self._by_category.get(category) if category else None
        if at is not None:
            rule = self.rules[at]
            found.append(RuleMatch(rule.name, rule.code, f"*{category}*", rule.weight))
        return found

    def _match_text(self, text: str) -> list[RuleMatch]:
        if self._empty or not text:
            return []
        first_pattern: dict[int, str] = {}
        silenced: set[int] = set()
        satisfied: set[int] = set()
        # Rules with not_inside: every pattern occurrence, and the spans that mask them.
        occurrences: dict[int, list[tuple[int, int, str]]] = {}
        masks: dict[int, list[tuple[int, int]]] = {}
        for end, (key, entries) in self._automaton.iter(text):
            start = end - len(key) + 1
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
        for r_index, found in occurrences.items():
            spans = masks.get(r_index, [])
            for start, end, pattern in found:  # the automaton reports by end position
                if not any(lo <= start and end <= hi for lo, hi in spans):
                    first_pattern.setdefault(r_index, pattern)
                    break
        return [
            RuleMatch(
                rule=self.rules[i].name,
                code=self.rules[i].code,
                pattern=first_pattern[i],
                weight=self.rules[i].weight,
                field=self.rules[i].field,
            )
            for i in sorted(first_pattern)
            if i not in silenced and (not self.rules[i].requires or i in satisfied)
        ]

    def scores(self, matches: Sequence[RuleMatch]) -> np.ndarray:
        """Sum of fired rule weights per code, in ``self.codes`` order."""
        out = np.zeros(len(self.codes))
        for m in matches:
            index = self._code_index.get(m.code)
            if index is not None:
                out[index] += m.weight
        return out
