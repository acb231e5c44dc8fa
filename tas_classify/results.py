"""Result objects returned by ``classify``: immutable, and convertible to plain dicts / JSON."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any, NamedTuple

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


class ResultRow(NamedTuple):
    """The compact, plain-valued form of a :class:`Result`: what a result holds, what worker
    processes send back and what fast paths build. Fields are read by name."""

    text: str
    code: str
    name: str
    confidence: float
    alternatives: tuple[tuple[str, str, float], ...]
    """(code, name, confidence) of the next codes, best first."""
    rules: tuple[tuple[str, str, str, float, str | None], ...]
    """(rule, code, pattern, weight, field) of each fired rule."""
    features: tuple[tuple[str, float], ...]
    """(feature, weight) of the strongest features."""
    kpo_fields: tuple[str, ...]
    needs_review: bool
    track: str | None
    normalised: str
    flags: tuple[str, ...]


class Result:
    """The classification of one line (SPEC §3). Immutable; compares, hashes and pickles by value.

    ``flags`` name conditions a reviewer should know about: ``empty`` (no text after removing ledger
    noise), ``no_evidence`` (no known word and no rule), ``track_filtered`` (the best code overall
    was outside the requested track), ``known_line`` (the line is, after normalisation, a training
    line — for example a reviewer's correction — and gets its label; this flag alone does not
    make a line need review), ``truncated`` (the line is longer than the model reads —
    :data:`tas_classify.text.MAX_LINE_CHARS`, 4,000 characters after Unicode NFKC — and only its
    start was classified; the line needs review).

    A result holds its text and one compact row of plain values; ``alternatives`` and
    ``evidence`` are built from it when read. Batches of hundreds of thousands of lines are cheap
    to make and to send between processes that way. Lines that read the same share one row (its
    own ``text`` field is then not this result's: only ``_text`` is).
    """

    __slots__ = ("_text", "_row")
    _text: str
    _row: ResultRow
    """Every field but ``text`` of this result (``row`` gives the row with this result's text)."""

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
        row = ResultRow(
            text=text,
            code=code,
            name=name,
            confidence=confidence,
            alternatives=tuple((a.code, a.name, a.confidence) for a in alternatives),
            rules=tuple((m.rule, m.code, m.pattern, m.weight, m.field) for m in evidence.rules),
            features=tuple((f.feature, f.weight) for f in evidence.features),
            kpo_fields=tuple(evidence.kpo_fields),
            needs_review=needs_review,
            track=track,
            normalised=normalised,
            flags=tuple(flags),
        )
        object.__setattr__(self, "_text", text)
        object.__setattr__(self, "_row", row)

    @classmethod
    def from_row(cls, row: ResultRow) -> Result:
        """A result from its compact row (as :attr:`row` gives it); no checks."""
        result = object.__new__(cls)
        object.__setattr__(result, "_text", row.text)
        object.__setattr__(result, "_row", row)
        return result

    @property
    def row(self) -> ResultRow:
        """The compact row (a :class:`ResultRow`)."""
        row = self._row
        if row[0] is self._text:
            return row
        # a shared row: row._replace(text=self._text), without the Python-level method
        return tuple.__new__(ResultRow, (self._text, *row[1:]))

    @property
    def text(self) -> str:
        """The line as given."""
        return self._text

    @property
    def code(self) -> str:
        """The chosen code."""
        return self._row.code

    @property
    def name(self) -> str:
        """The chosen code's name."""
        return self._row.name

    @property
    def confidence(self) -> float:
        """Calibrated probability of the code."""
        return self._row.confidence

    @property
    def needs_review(self) -> bool:
        """Whether a person should look."""
        return self._row.needs_review

    @property
    def track(self) -> str | None:
        """The track asked for, if any."""
        return self._row.track

    @property
    def normalised(self) -> str:
        """The text the model read."""
        return self._row.normalised

    @property
    def flags(self) -> tuple[str, ...]:
        """Conditions a reviewer should know about."""
        return self._row.flags

    @property
    def alternatives(self) -> tuple[Candidate, ...]:
        """The next codes, best first."""
        return tuple(Candidate(*a) for a in self._row.alternatives)

    @property
    def evidence(self) -> Evidence:
        """Why the line got its code."""
        return Evidence(
            rules=tuple(RuleMatch(*m) for m in self._row.rules),
            features=tuple(FeatureWeight(*f) for f in self._row.features),
            kpo_fields=self._row.kpo_fields,
        )

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Result is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Result is immutable: cannot delete {name!r}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Result):
            return NotImplemented
        if self._text != other._text:
            return False
        mine, theirs = self._row, other._row
        return mine is theirs or mine[1:] == theirs[1:]

    def __hash__(self) -> int:
        return hash(self.row)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_result_from_row, (self.row,))

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
    # Also reads rows pickled as plain tuples.
    return Result.from_row(ResultRow._make(row))


_new_result = Result.__new__
_set_text = Result.__dict__["_text"].__set__
_set_row = Result.__dict__["_row"].__set__


def results_of(texts: Sequence[str], rows: Sequence[ResultRow]) -> list[Result]:
    """The result of each line in ``texts`` from its row (whose own ``text`` field is not read):
    ``[Result.from_row(row._replace(text=t)) for t, row in zip(texts, rows)]``, without a row
    per line — lines that read the same keep sharing one row — and made in C loops (a repeated
    ledger line costs a few dozen nanoseconds, not a microsecond)."""
    if len(texts) != len(rows):
        raise ValueError(f"{len(texts)} texts but {len(rows)} rows")
    out = list(map(_new_result, repeat(Result, len(texts))))
    deque(map(_set_text, out, texts), maxlen=0)
    deque(map(_set_row, out, rows), maxlen=0)
    return out
