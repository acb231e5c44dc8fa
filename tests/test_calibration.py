import numpy as np

from tas_classify.calibration import combine, fit_combiner, softmax


def test_softmax_rows_sum_to_one_even_for_large_logits():
    p = softmax(np.array([[1000.0, 0.0], [-5.0, -5.0]]))
    assert np.allclose(p.sum(axis=1), 1.0) and np.allclose(p[1], 0.5)


def test_fit_combiner_recovers_scales():
    rng = np.random.default_rng(1)
    n, k = 4000, 5
    z = rng.normal(size=(n, k)) * 2
    r = (rng.random((n, k)) < 0.2) * 2.0
    true_a, true_b = 0.5, 1.2
    p = combine(z, r, true_a, true_b)
    y = np.array([rng.choice(k, p=row) for row in p])
    a, b = fit_combiner(z, r, y)
    assert abs(a - true_a) < 0.1 and abs(b - true_b) < 0.2
