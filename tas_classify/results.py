"""Result objects returned by ``classify``: immutable, and convertible to plain dicts / JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tas_classify.rules import RuleMatch


@dataclass(frozen=True)
class Candidate:
    """A code with its calibrated probability."""

    code: str
    name: str
    confidence: float

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "name": self.name, "confidence": round(self.confidence, 4)}


@dataclass(frozen=True)
class FeatureWeight:
    """A text feature and how much it pushed the chosen code (``w:`` word, ``c:`` characters)."""

    feature: str
    weight: float

    def to_dict(self) -> dict[str, object]:
        return {"feature": self.feature, "weight": round(self.weight, 4)}


@dataclass(frozen=True)
class Evidence:
    """Why a line got its code: fired rules, strongest features, and KPO-01 fields matched."""

    rules: tuple[RuleMatch, ...]
    features: tuple[FeatureWeight, ...]
    kpo_fields: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "rules": [r.to_dict() for r in self.rules],
            "features": [f.to_dict() for f in self.features],
            "kpo_fields": list(self.kpo_fields),
        }

    def summary(self) -> str:
        """One short human-readable line, e.g. ``rules: ito01.software-development(定制开发)``."""
        parts = []
        if self.rules:
            parts.append("rules: " + ", ".join(f"{r.rule}({r.pattern})" for r in self.rules))
        if self.features:
            words = dict.fromkeys(f.feature[2:] for f in self.features)
            parts.append("words: " + " ".join(words))
        if self.kpo_fields:
            parts.append("KPO fields: " + "、".join(self.kpo_fields))
        return "; ".join(parts)


class Result:
    """The classification of one line (SPEC §3). Immutable; compares, hashes and pickles by value.

    ``flags`` name conditions a reviewer should know about: ``empty`` (no text after removing ledger
    noise), ``no_evidence`` (no known word and no rule), ``track_filtered`` (the best code overall
    was outside the requested track), ``known_line`` (the line is, after normalisation, a training
    line — for example a reviewer's correction — and gets its label; this flag alone does not
    make a line need review).

    A result holds one compact row of plain values; ``alternatives`` and ``evidence`` are built
    from it when read. Batches of hundreds of thousands of lines are cheap to make and to send
    between processes that way.
    """

    __slots__ = ("_row",)
    _row: tuple[Any, ...]

    def __init__(
        self,
        text: str,
        code: str,
        name: str,
        confidence: float,
        alternatives: tuple[Candidate, ...] = (),
        evidence: Evidence | None = None,
        needs_review: bool = False,
        track: str | None = None,
        normalised: str = "",
        flags: tuple[str, ...] = (),
    ) -> None:
        evidence = evidence if evidence is not None else Evidence((), ())
        row = (
            text,
            code,
            name,
            confidence,
            tuple((a.code, a.name, a.confidence) for a in alternatives),
            tuple((m.rule, m.code, m.pattern, m.weight, m.field) for m in evidence.rules),
            tuple((f.feature, f.weight) for f in evidence.features),
            tuple(evidence.kpo_fields),
            needs_review,
            track,
            normalised,
            tuple(flags),
        )
        object.__setattr__(self, "_row", row)

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> Result:
        """A result from its compact row (as :attr:`row` gives it); no checks."""
        result = object.__new__(cls)
        object.__setattr__(result, "_row", row)
        return result

    @property
    def row(self) -> tuple[Any, ...]:
        """The compact row: text, code, name, confidence, alternatives as (code, name,
        confidence), rules as (rule, code, pattern, weight, field), features as (feature,
        weight), KPO fields, needs_review, track, normalised, flags."""
        return self._row

    text = property(lambda self: self._row[0], doc="The line as given.")
    code = property(lambda self: self._row[1], doc="The chosen code.")
    name = property(lambda self: self._row[2], doc="The chosen code's name.")
    confidence = property(lambda self: self._row[3], doc="Calibrated probability of the code.")
    needs_review = property(lambda self: self._row[8], doc="Whether a person should look.")
    track = property(lambda self: self._row[9], doc="The track asked for, if any.")
    normalised = property(lambda self: self._row[10], doc="The text the model read.")
    flags = property(lambda self: self._row[11], doc="Conditions a reviewer should know about.")

    @property
    def alternatives(self) -> tuple[Candidate, ...]:
        """The next codes, best first."""
        return tuple(Candidate(*a) for a in self._row[4])

    @property
    def evidence(self) -> Evidence:
        """Why the line got its code."""
        return Evidence(
            rules=tuple(RuleMatch(*m) for m in self._row[5]),
            features=tuple(FeatureWeight(*f) for f in self._row[6]),
            kpo_fields=self._row[7],
        )

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Result is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Result is immutable: cannot delete {name!r}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Result):
            return NotImplemented
        return self._row == other._row

    def __hash__(self) -> int:
        return hash(self._row)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_result_from_row, (self._row,))

    def __repr__(self) -> str:
        return (
            f"Result(text={self.text!r}, code={self.code!r}, name={self.name!r}, "
            f"confidence={self.confidence!r}, alternatives={self.alternatives!r}, "
            f"evidence={self.evidence!r}, needs_review={self.needs_review!r}, "
            f"track={self.track!r}, normalised={self.normalised!r}, flags={self.flags!r})"
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "code": self.code,
            "name": self.name,
            "confidence": round(self.confidence, 4),
            "alternatives": [a.to_dict() for a in self.alternatives],
            "evidence": self.evidence.to_dict(),
            "needs_review": self.needs_review,
            "track": self.track,
            "normalised": self.normalised,
            "flags": list(self.flags),
        }


def _result_from_row(row: tuple[Any, ...]) -> Result:
    return Result.from_row(row)
