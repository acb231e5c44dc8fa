"""Keyword rules: named, weighted votes for a code, read from an editable TOML file.

Matching runs one Aho–Corasick automaton (pyahocorasick) over the normalised line, so the cost
does not grow with the number of patterns, and every occurrence is found even when two keywords
touch or a digit follows a keyword (the cases where word-boundary matchers such as flashtext miss
Chinese keywords). English patterns match only at word boundaries (``rent`` is not in ``current``).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tas_classify import taxonomy
from tas_classify.text import to_simplified

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


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


class RulesFileError(ValueError):
    """A rules file that cannot be used, with the file and rule at fault."""


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _expand(raw: dict, key: str, sets: dict[str, list[str]], where: str) -> tuple[str, ...]:
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
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise RulesFileError(f"{where}: missing or invalid key {exc}") from exc
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


class RuleMatcher:
    """Finds which rules fire on a normalised line."""

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
        keys: dict[str, list[tuple[int, str, str]]] = {}
        for r_index, rule in enumerate(self.rules):
            for role, patterns in (
                ("match", rule.patterns),
                ("unless", rule.unless),
                ("requires", rule.requires),
            ):
                for pattern in patterns:
                    key = to_simplified(pattern).strip()
                    keys.setdefault(key, []).append((r_index, role, pattern))
        for key, entries in keys.items():
            self._automaton.add_word(key, (key, tuple(entries)))
        if keys:
            self._automaton.make_automaton()
        self._empty = not keys

    def match(self, text: str) -> list[RuleMatch]:
        """Rules that fire on ``text`` (already normalised), in file order."""
        if self._empty or not text:
            return []
        first_pattern: dict[int, str] = {}
        silenced: set[int] = set()
        satisfied: set[int] = set()
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
                else:
                    first_pattern.setdefault(r_index, pattern)
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
