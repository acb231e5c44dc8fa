"""Training on little or odd data (issue 12, findings 7 and 8): two codes, tiny folds, a code
absent from a fold, failed calibration — a working model that classifies and loads, or a clear
error; never a broken model."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tas_classify import TasClassifier
from tas_classify.calibration import fit_combiner
from tas_classify.errors import CalibrationError, TrainingDataError
from tas_classify.model import load

ITO = ["为某银行提供核心系统定制开发", "软件定制开发", "系统开发服务", "应用软件开发"]
NONE = ["服务器销售", "办公家具采购", "笔记本电脑采购", "打印机销售"]
BPO = ["呼叫中心外包", "客服热线外包服务", "电话客服外包", "在线客服外包"]
LINES = ["软件定制开发", "呼叫中心外包", "办公家具", "", "xyz"]


def _works(clf: TasClassifier, tmp_path) -> None:
    """The model classifies with finite probabilities, and saves and loads to the same answers."""
    proba = clf.predict_proba(LINES)
    assert proba.shape == (len(LINES), len(clf.classes_))
    assert np.isfinite(proba).all() and np.allclose(proba.sum(axis=1), 1.0)
    results = clf.classify(LINES)
    assert all(math.isfinite(r.confidence) for r in results)
    loaded = load(clf.save(tmp_path / "model"))
    assert np.array_equal(loaded.predict_proba(LINES), proba)
    assert [r.code for r in loaded.classify(LINES)] == [r.code for r in results]


@pytest.mark.parametrize(
    ("texts", "labels", "groups", "cv"),
    [
        (ITO[:2] + NONE[:2], ["ITO-01"] * 2 + ["NONE"] * 2, None, 5),  # two codes, 2 lines each
        (ITO + NONE, ["ITO-01"] * 4 + ["NONE"] * 4, None, 2),  # two codes
        (ITO[:2] + NONE[:2] + BPO[:2], ["ITO-01"] * 2 + ["NONE"] * 2 + ["BPO-03"] * 2, None, 5),
        # every code in a source of its own: holding out a source leaves a single code
        (ITO[:2] + NONE[:2], ["ITO-01"] * 2 + ["NONE"] * 2, ["a", "a", "b", "b"], 5),
        # BPO-03 absent from the training lines of one fold
        (ITO[:2] + NONE[:2] + BPO[:2], ["ITO-01"] * 2 + ["NONE"] * 2 + ["BPO-03"] * 2,
         ["a", "b", "a", "b", "a", "a"], 5),  # fmt: skip
        (["软件开发"] * 4, ["ITO-01", "ITO-01", "NONE", "NONE"], None, 2),  # one text, two codes
    ],
)
def test_tiny_training_sets_give_a_working_model(texts, labels, groups, cv, tmp_path):
    clf = TasClassifier(cv=cv).fit(texts, labels, groups=groups)
    assert sorted(clf.classes_) == sorted(set(labels))
    _works(clf, tmp_path)


def test_a_fold_whose_lines_share_no_feature_min_df_times_still_trains(tmp_path):
    # min_df=2: each fold's vocabulary is built from half the lines, where no feature is
    # in two of them; the whole set has some.
    texts = ["软件开发", "软件开发", "家具采购", "家具采购"]
    clf = TasClassifier(cv=2, min_df=2).fit(texts, ["ITO-01", "ITO-01", "NONE", "NONE"])
    _works(clf, tmp_path)


@pytest.mark.parametrize(
    ("texts", "labels", "params", "message"),
    [
        (["", " ", "\t", "  "], ["ITO-01", "ITO-01", "NONE", "NONE"], {},
         "every line is blank once normalised"),  # fmt: skip
        (ITO[:2] + NONE[:2], ["ITO-01"] * 2 + ["NONE"] * 2, {"min_df": 9}, "min_df=9"),
        (ITO[:2] + NONE[:1], ["ITO-01"] * 2 + ["NONE"], {}, "at least 2 lines"),
        (ITO[:2], ["ITO-01"] * 2, {}, "at least two different codes"),
    ],
)
def test_training_sets_that_cannot_give_a_model_are_a_clear_error(texts, labels, params, message):
    with pytest.raises(TrainingDataError, match=message):
        TasClassifier(cv=2, **params).fit(texts, labels)


def _calibration_inputs():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(200, 3))
    r = (rng.random((200, 3)) < 0.2) * 1.0
    y = rng.integers(0, 3, 200)
    return z, r, y, rng.random(200)


def _stopping_optimiser(monkeypatch, x):
    """``scipy.optimize.minimize`` replaced by one that stops without converging at ``x``."""
    import scipy.optimize
    from scipy.optimize import OptimizeResult

    real = scipy.optimize.minimize

    def stopped(fun, x0, **kwargs):
        if len(x0) != 3:  # scikit-learn's regression: not the calibration
            return real(fun, x0, **kwargs)
        return OptimizeResult(
            x=np.array(x, dtype=float), fun=fun(np.array(x, dtype=float))[0], success=False,
            message="ABNORMAL: LINE SEARCH FAILED",
        )  # fmt: skip

    monkeypatch.setattr(scipy.optimize, "minimize", stopped)


def test_a_failed_calibration_at_a_bad_point_is_an_error(monkeypatch):
    _stopping_optimiser(monkeypatch, [0.0, 0.5, 1e9])  # outside the bounds
    with pytest.raises(CalibrationError, match="calibration of the ensemble failed: ABNORMAL"):
        fit_combiner(*_calibration_inputs())


def test_a_failed_calibration_worse_than_its_start_is_an_error(monkeypatch):
    _stopping_optimiser(monkeypatch, [0.0, 10.0, 100.0])  # within bounds, far worse
    with pytest.raises(CalibrationError, match="failed"):
        fit_combiner(*_calibration_inputs())


def test_a_stalled_calibration_at_a_good_point_is_kept_with_a_warning(monkeypatch):
    z, r, y, k = _calibration_inputs()
    a, b, c = fit_combiner(z, r, y, k)
    _stopping_optimiser(monkeypatch, [a, b, c])
    with pytest.warns(RuntimeWarning, match="stopped before converging"):
        assert fit_combiner(z, r, y, k) == (a, b, c)


def test_training_never_silently_keeps_a_failed_calibration(monkeypatch):
    _stopping_optimiser(monkeypatch, [0.0, float("nan"), 1.0])
    with pytest.raises(CalibrationError):
        TasClassifier(cv=2).fit(ITO + NONE, ["ITO-01"] * 4 + ["NONE"] * 4)
