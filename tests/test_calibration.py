import numpy as np
import pytest

from tas_classify.calibration import CalibrationError, combine, fit_combiner, softmax


def test_softmax_rows_sum_to_one_even_for_large_logits():
    p = softmax(np.array([[1000.0, 0.0], [-5.0, -5.0]]))
    assert np.allclose(p.sum(axis=1), 1.0) and np.allclose(p[1], 0.5)


def _sample(rng, z, r, coverage, a, b, c):
    p = combine(z, r, a, b, coverage, c)
    return np.array([rng.choice(z.shape[1], p=row) for row in p])


def test_fit_combiner_recovers_scales():
    rng = np.random.default_rng(1)
    n, k = 4000, 5
    z = rng.normal(size=(n, k)) * 2
    r = (rng.random((n, k)) < 0.2) * 2.0
    y = _sample(rng, z, r, None, 0.5, 1.2, 0.0)
    a, b, c = fit_combiner(z, r, y)
    assert abs(a - 0.5) < 0.1 and abs(b - 1.2) < 0.2 and c == 0.0


def test_fit_combiner_recovers_the_coverage_term():
    """Lines the model knows little of are less reliable: the fitted temperature grows with
    coverage, so the same logits give a lower confidence on a line of low coverage."""
    rng = np.random.default_rng(2)
    n, k = 6000, 5
    z = rng.normal(size=(n, k)) * 2
    r = (rng.random((n, k)) < 0.2) * 2.0
    coverage = rng.random(n)
    y = _sample(rng, z, r, coverage, 0.0, 1.0, 1.5)
    a, b, c = fit_combiner(z, r, y, coverage)
    assert a == 0.0 and abs(b - 1.0) < 0.2 and abs(c - 1.5) < 0.3
    unknown = combine(np.array([[3.0, 0.0, 0.0]]), np.zeros((1, 3)), a, b, np.array([0.0]), c)
    assert np.allclose(unknown, 1 / 3)  # nothing known: no confidence from the text model
    one = np.array([[3.0, 0.0, 0.0]])
    none = np.zeros((1, 3))
    low = combine(one, none, a, b, np.array([0.1]), c).max()
    high = combine(one, none, a, b, np.array([0.9]), c).max()
    assert low < high


def test_fit_combiner_refuses_non_finite_input():
    z = np.array([[1.0, np.nan], [0.0, 1.0]])
    with pytest.raises(CalibrationError, match="non-finite"):
        fit_combiner(z, np.zeros((2, 2)), np.array([0, 1]))
