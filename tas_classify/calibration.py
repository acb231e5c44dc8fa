"""Combining the text model with the keyword rules into calibrated probabilities.

For each line the text model gives logits ``z`` (one per code) and the rules give vote sums ``r``.
The ensemble is ``p = softmax(a·z + b·r)``: ``a`` is a temperature on the text model and ``b`` the
trust placed in the rules. Both are fit by minimising log-loss on out-of-fold predictions (lines the
text model did not see), so that the top probability is the probability of being right rather than
the overconfident score a model gives its own training lines.
"""

from __future__ import annotations

import numpy as np


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def combine(z: np.ndarray, r: np.ndarray, a: float, b: float) -> np.ndarray:
    """Probabilities of the ensemble for logits ``z`` and rule votes ``r``."""
    return softmax(a * z + b * r)


def fit_combiner(z: np.ndarray, r: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Fit ``(a, b)`` on held-out logits ``z``, rule votes ``r`` and label indices ``y``."""
    from scipy.optimize import minimize

    rows = np.arange(len(y))

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        a, b = params
        logits = a * z + b * r
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(shifted).sum(axis=1))
        nll = float(np.mean(log_norm - shifted[rows, y]))
        p = np.exp(shifted - log_norm[:, None])
        grad_a = float(np.mean((p * z).sum(axis=1) - z[rows, y]))
        grad_b = float(np.mean((p * r).sum(axis=1) - r[rows, y]))
        return nll, np.array([grad_a, grad_b])

    res = minimize(
        loss,
        x0=np.array([1.0, 0.5]),
        jac=True,
        method="L-BFGS-B",
        bounds=[(1e-3, 100.0), (0.0, 10.0)],
    )
    return float(res.x[0]), float(res.x[1])
