"""Figures for a classifier on labeled lines: accuracy within the accepted codes, macro-F1,
in-scope-vs-NONE F1, NONE recall, expected calibration error, per-code recall and the confusion
matrix — overall and by register — and the lines it got wrong (:func:`evaluate_model`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from tas_classify.taxonomy import NONE


@dataclass(frozen=True)
class Report:
    """Evaluation figures; ``confusion[true][predicted]`` counts lines."""

    n: int
    accuracy: float
    macro_f1: float
    in_scope_f1: float
    ece: float
    recall: dict[str, float] = field(default_factory=dict)
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def none_recall(self) -> float | None:
        """Share of the NONE lines answered NONE (None when there is no NONE line)."""
        return self.recall.get(NONE)

    def to_dict(self) -> dict[str, object]:
        return {
            "n": self.n,
            "accuracy": round(self.accuracy, 4),
            "none_recall": None if self.none_recall is None else round(self.none_recall, 4),
            "macro_f1": round(self.macro_f1, 4),
            "in_scope_f1": round(self.in_scope_f1, 4),
            "ece": round(self.ece, 4),
            "recall": {k: round(v, 4) for k, v in self.recall.items()},
            "confusion": self.confusion,
        }


def expected_calibration_error(
    confidence: Sequence[float], correct: Sequence[bool], bins: int = 10
) -> float:
    """ECE: bin lines by confidence; weighted mean |accuracy − confidence| over the bins."""
    conf = np.asarray(confidence, dtype=float)
    hit = np.asarray(correct, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, bins - 1)
    ece = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            ece += mask.mean() * abs(hit[mask].mean() - conf[mask].mean())
    return float(ece)


def _f1(tp: int, fp: int, fn: int) -> float:
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


def evaluate(
    predicted: Sequence[str],
    confidence: Sequence[float],
    labels: Sequence[str],
    accept: Sequence[frozenset[str]],
    codes: Sequence[str],
) -> Report:
    """Score predictions; a prediction inside a line's accepted codes counts as its label."""
    credited = [lab if p in acc else p for p, lab, acc in zip(predicted, labels, accept)]
    correct = [p in acc for p, acc in zip(predicted, accept)]
    present = [c for c in codes if c in set(labels) or c in set(credited)]
    f1s, recall = [], {}
    for c in present:
        tp = sum(1 for t, p in zip(labels, credited) if t == c and p == c)
        fp = sum(1 for t, p in zip(labels, credited) if t != c and p == c)
        fn = sum(1 for t, p in zip(labels, credited) if t == c and p != c)
        f1s.append(_f1(tp, fp, fn))
        if tp + fn:
            recall[c] = tp / (tp + fn)
    in_true = [t != NONE for t in labels]
    in_pred = [p != NONE for p in predicted]
    tp = sum(a and b for a, b in zip(in_true, in_pred))
    fp = sum((not a) and b for a, b in zip(in_true, in_pred))
    fn = sum(a and not b for a, b in zip(in_true, in_pred))
    confusion: dict[str, dict[str, int]] = {}
    for t, p in zip(labels, credited):
        confusion.setdefault(t, {}).setdefault(p, 0)
        confusion[t][p] += 1
    return Report(
        n=len(labels),
        accuracy=float(np.mean(correct)) if labels else 0.0,
        macro_f1=float(np.mean(f1s)) if f1s else 0.0,
        in_scope_f1=_f1(tp, fp, fn),
        ece=expected_calibration_error(confidence, correct),
        recall=recall,
        confusion=confusion,
    )


class _Classifier(Protocol):
    def classify(self, texts: Sequence[str], track: str | None = None) -> list[Any]: ...


class _Labeled(Protocol):
    texts: tuple[str, ...]
    labels: tuple[str, ...]
    accept: tuple[frozenset[str], ...]
    sources: tuple[str, ...]

    def register_of(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class LineError:
    """A line the model got wrong: where it is, what it says, what was expected and answered."""

    source: str
    register: str
    text: str
    label: str
    accept: tuple[str, ...]
    predicted: str
    confidence: float
    needs_review: bool

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "register": self.register,
            "text": self.text,
            "label": self.label,
            "accept": list(self.accept),
            "predicted": self.predicted,
            "confidence": round(self.confidence, 4),
            "needs_review": self.needs_review,
        }


@dataclass(frozen=True)
class ModelEvaluation:
    """A model on a labeled set: overall figures, the same by register, the share of lines
    flagged for review and the accuracy of those that were not, and every wrong line."""

    overall: Report
    by_register: dict[str, Report]
    review_share: float
    unflagged_accuracy: float
    errors: tuple[LineError, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            **self.overall.to_dict(),
            "review_share": round(self.review_share, 4),
            "unflagged_accuracy": round(self.unflagged_accuracy, 4),
            "by_register": {
                k: {x: v for x, v in r.to_dict().items() if x != "confusion"}
                for k, r in self.by_register.items()
            },
            "errors": [e.to_dict() for e in self.errors],
        }


def evaluate_model(
    model: _Classifier, data: _Labeled, *, track: str | None = None
) -> ModelEvaluation:
    """Classify the labeled lines with ``model`` and score them, overall and by register
    (the ``register`` or ``kind`` column of the labeled file)."""
    from tas_classify import taxonomy

    results = model.classify(list(data.texts), track=track)
    predicted = [r.code for r in results]
    confidence = [r.confidence for r in results]
    codes = taxonomy.codes()
    overall = evaluate(predicted, confidence, data.labels, data.accept, codes)
    registers = data.register_of()
    by_register = {}
    for name in sorted(set(registers)):
        rows = [i for i, g in enumerate(registers) if g == name]
        by_register[name] = evaluate(
            [predicted[i] for i in rows],
            [confidence[i] for i in rows],
            [data.labels[i] for i in rows],
            [data.accept[i] for i in rows],
            codes,
        )
    flagged = [bool(r.needs_review) for r in results]
    right = [p in acc for p, acc in zip(predicted, data.accept)]
    unflagged = [ok for ok, f in zip(right, flagged) if not f]
    errors = tuple(
        LineError(
            source=data.sources[i],
            register=registers[i],
            text=data.texts[i],
            label=data.labels[i],
            accept=tuple(sorted(data.accept[i])),
            predicted=predicted[i],
            confidence=confidence[i],
            needs_review=flagged[i],
        )
        for i in range(len(results))
        if not right[i]
    )
    return ModelEvaluation(
        overall=overall,
        by_register=by_register,
        review_share=float(np.mean(flagged)) if flagged else 0.0,
        unflagged_accuracy=float(np.mean(unflagged)) if unflagged else 0.0,
        errors=errors,
    )


#: The figures :func:`compare_models` puts side by side.
FIGURES = ("accuracy", "macro_f1", "in_scope_f1", "ece")


@dataclass(frozen=True)
class ModelComparison:
    """Model A against model B on the same labeled lines: each figure, B − A, and every line whose
    prediction changed (with which of the two is right)."""

    lines: int
    a: dict[str, float]
    b: dict[str, float]
    changed: list[dict[str, Any]]

    @property
    def delta(self) -> dict[str, float]:
        return {k: round(self.b[k] - self.a[k], 4) for k in FIGURES}

    @property
    def fixed(self) -> int:
        """Changed lines B gets right and A got wrong."""
        return sum(c["b"]["right"] and not c["a"]["right"] for c in self.changed)

    @property
    def broken(self) -> int:
        """Changed lines A got right and B gets wrong."""
        return sum(c["a"]["right"] and not c["b"]["right"] for c in self.changed)

    def to_dict(self, name_a: str, name_b: str) -> dict[str, Any]:
        return {
            "a": {"model": name_a, **self.a},
            "b": {"model": name_b, **self.b},
            "delta": self.delta,
            "changed": self.changed,
        }


def _changed_lines(data: _Labeled, a: list[Any], b: list[Any]) -> list[dict[str, Any]]:
    out = []
    for i, (ra, rb) in enumerate(zip(a, b)):
        if ra.code != rb.code:
            out.append(
                {
                    "source": data.sources[i],
                    "text": data.texts[i],
                    "label": data.labels[i],
                    "a": {"code": ra.code, "confidence": round(ra.confidence, 4),
                          "right": ra.code in data.accept[i]},
                    "b": {"code": rb.code, "confidence": round(rb.confidence, 4),
                          "right": rb.code in data.accept[i]},
                }
            )  # fmt: skip
    return out


def compare_models(a: _Classifier, b: _Classifier, data: _Labeled) -> ModelComparison:
    """Classify ``data`` with model ``a`` and model ``b`` and compare them."""
    from tas_classify import taxonomy

    figures: list[dict[str, float]] = []
    results = []
    for model in (a, b):
        found = model.classify(list(data.texts))
        results.append(found)
        report = evaluate([r.code for r in found], [r.confidence for r in found], data.labels,
                          data.accept, taxonomy.codes())  # fmt: skip
        figures.append({k: round(float(getattr(report, k)), 4) for k in FIGURES})
    return ModelComparison(
        lines=len(data.texts),
        a=figures[0],
        b=figures[1],
        changed=_changed_lines(data, results[0], results[1]),
    )
