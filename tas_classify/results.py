"""Result objects returned by ``classify``: immutable, and convertible to plain dicts / JSON."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class Result:
    """The classification of one line (SPEC §3).

    ``flags`` name conditions a reviewer should know about: ``empty`` (no text after removing ledger
    noise), ``no_evidence`` (no known word and no rule), ``track_filtered`` (the best code overall
    was outside the requested track), ``known_line`` (the line is, after normalisation, a training
    line — for example a reviewer's correction — and gets its label; this flag alone does not
    make a line need review).
    """

    text: str
    code: str
    name: str
    confidence: float
    alternatives: tuple[Candidate, ...]
    evidence: Evidence
    needs_review: bool
    track: str | None = None
    normalised: str = ""
    flags: tuple[str, ...] = ()

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
