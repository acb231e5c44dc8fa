"""Keeping keyword rules honest: on labeled lines, how often each rule fires (coverage), how often
its code is right when it fires (precision), which rules fire together (overlaps), which of those
disagree (conflicts), and which never fire."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from tas_classify import taxonomy
from tas_classify.ledger.labeled import LabeledLines
from tas_classify.rules import Rule, RuleMatcher
from tas_classify.text import normalise


@dataclass
class RuleStats:
    """One rule's figures; ``wrong`` holds up to five lines where its code was not accepted."""

    name: str
    code: str
    weight: float
    fired: int = 0
    right: int = 0
    wrong: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float | None:
        return self.right / self.fired if self.fired else None


@dataclass
class RuleReport:
    lines: int
    covered: int
    rules: list[RuleStats]
    overlaps: Counter[tuple[str, str]]
    conflicts: Counter[tuple[str, str]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "covered_lines": self.covered,
            "rules": [
                {
                    "rule": r.name,
                    "code": r.code,
                    "weight": r.weight,
                    "fired": r.fired,
                    "coverage": round(r.fired / self.lines, 4) if self.lines else 0.0,
                    "precision": None if r.precision is None else round(r.precision, 4),
                    "wrong_examples": r.wrong,
                }
                for r in self.rules
            ],
            "overlaps": [{"rules": list(k), "lines": n} for k, n in self.overlaps.most_common()],
            "conflicts": [{"rules": list(k), "lines": n} for k, n in self.conflicts.most_common()],
            "never_fired": [r.name for r in self.rules if not r.fired],
        }


def rule_report(rules: Sequence[Rule], data: LabeledLines, examples: int = 5) -> RuleReport:
    """Match ``rules`` on every labeled line and count."""
    matcher = RuleMatcher(rules, taxonomy.codes())
    stats = {r.name: RuleStats(r.name, r.code, r.weight) for r in rules}
    overlaps: Counter[tuple[str, str]] = Counter()
    conflicts: Counter[tuple[str, str]] = Counter()
    covered = 0
    for text, accept, source in zip(data.texts, data.accept, data.sources):
        fired = {m.rule: m.code for m in matcher.match(normalise(text).text)}
        covered += bool(fired)
        for name, code in fired.items():
            entry = stats[name]
            entry.fired += 1
            # A scope limit (negative weight) is right when its code is *not* accepted.
            if (code in accept) == (entry.weight >= 0):
                entry.right += 1
            elif len(entry.wrong) < examples:
                entry.wrong.append(f"{source} [{'|'.join(sorted(accept))}] {text}")
        for a, b in combinations(sorted(fired), 2):
            overlaps[(a, b)] += 1
            if fired[a] != fired[b]:
                conflicts[(a, b)] += 1
    return RuleReport(len(data.texts), covered, list(stats.values()), overlaps, conflicts)
