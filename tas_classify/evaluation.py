"""Figures for a classifier on labeled lines: accuracy within the accepted codes, macro-F1,
in-scope-vs-NONE F1, expected calibration error, per-code recall and the confusion matrix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

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

    def to_dict(self) -> dict[str, object]:
        return {
            "n": self.n,
            "accuracy": round(self.accuracy, 4),
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
