"""Combining the text model with the keyword rules into calibrated probabilities.

For each line the text model gives logits ``z`` (one per code), the rules give vote sums ``r``,
and the features give a coverage ``k`` in [0, 1]: the share of the line's character n-grams the
model has seen in training (0 for a line that does not say what service was delivered). The
ensemble is ``p = softmax(c·k·z + b·r)``: ``c·k`` is a temperature on the text model that grows
with how much of the line is known — a line it knows nothing of gets no confidence from it — and
``b`` the trust placed in the rules. Both are fit by minimising log-loss on out-of-fold
predictions — lines the text model did not see, from folds that hold out whole sources when they
are given — so that the top probability is the probability of being right on text written by
someone else, rather than the overconfident score a model gives its own phrasing. (Without
coverage the form is ``softmax(a·z + b·r)``.)
"""

from __future__ import annotations

import warnings

import numpy as np

from tas_classify.errors import CalibrationError as CalibrationError


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    out: np.ndarray = e / e.sum(axis=1, keepdims=True)
    return out


def combine(
    z: np.ndarray,
    r: np.ndarray,
    a: float,
    b: float,
    coverage: np.ndarray | None = None,
    c: float = 0.0,
) -> np.ndarray:
    """Probabilities of the ensemble for logits ``z``, rule votes ``r`` and ``coverage``."""
    scale = a if coverage is None or c == 0.0 else (a + c * coverage)[:, None]
    return softmax(scale * z + b * r)


def fit_combiner(
    z: np.ndarray, r: np.ndarray, y: np.ndarray, coverage: np.ndarray | None = None
) -> tuple[float, float, float]:
    """Fit ``(a, b, c)`` on held-out logits ``z``, rule votes ``r``, label indices ``y`` and
    ``coverage`` (without coverage, ``c`` is 0)."""
    from scipy.optimize import minimize

    rows = np.arange(len(y))
    k = np.zeros(len(y)) if coverage is None else np.asarray(coverage, dtype=np.float64)
    if not (np.isfinite(z).all() and np.isfinite(r).all() and np.isfinite(k).all()):
        raise CalibrationError("cannot calibrate: non-finite logits, rule weights or coverage")

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        a, b, c = params
        scale = a + c * k
        logits = scale[:, None] * z + b * r
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(shifted).sum(axis=1))
        nll = float(np.mean(log_norm - shifted[rows, y]))
        p = np.exp(shifted - log_norm[:, None])
        dz = (p * z).sum(axis=1) - z[rows, y]  # d nll / d scale, per line
        grad_a = float(np.mean(dz))
        grad_c = float(np.mean(dz * k))
        grad_b = float(np.mean((p * r).sum(axis=1) - r[rows, y]))
        return nll, np.array([grad_a, grad_b, grad_c])

    # With coverage the temperature is c·k alone (a = 0): a line the model knows nothing of
    # (k = 0) gets no confidence from the text model at all.
    if coverage is None:
        x0, bounds = [1.0, 0.5, 0.0], [(1e-3, 100.0), (0.0, 10.0), (0.0, 0.0)]
    else:
        x0, bounds = [0.0, 0.5, 1.0], [(0.0, 0.0), (0.0, 10.0), (1e-3, 100.0)]
    res = minimize(loss, x0=np.array(x0), jac=True, method="L-BFGS-B", bounds=bounds)
    finite = bool(np.isfinite(res.x).all() and np.isfinite(res.fun))
    if res.success and finite:
        return float(res.x[0]), float(res.x[1]), float(res.x[2])
    # The optimiser stopped before its convergence test (a line search that cannot improve, the
    # iteration limit): the scales it reached are kept only if they are finite, within bounds and
    # no worse than the starting ones — with a warning; otherwise training stops here.
    within = finite and all(lo <= v <= hi for v, (lo, hi) in zip(res.x, bounds))
    if not (within and res.fun <= loss(np.array(x0))[0]):
        raise CalibrationError(f"calibration of the ensemble failed: {res.message}")
    warnings.warn(
        f"calibration of the ensemble stopped before converging ({res.message}); "
        f"keeping the scales it reached, log-loss {res.fun:.4f}",
        RuntimeWarning,
        stacklevel=2,
    )
    return float(res.x[0]), float(res.x[1]), float(res.x[2])
