"""TasClassifier as a scikit-learn estimator: the library's own checks where they apply, and the
same properties checked on text where the library's checks feed numbers."""

import copy
import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone, is_classifier
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.estimator_checks import parametrize_with_checks

from tas_classify import TasClassifier

NUMERIC = (
    "feeds numeric arrays; TasClassifier classifies raw text, and a line that is not a str is "
    "a TypeError by design (the same property is tested on text below)"
)
NO_FEATURE_COUNT = "text has no fixed number of input features, so there is no n_features_in_"
SPARSE = "sparse numeric matrices do not apply to raw text"
EXPECTED_FAILED_CHECKS = {
    "check_fit_score_takes_y": NUMERIC,
    "check_estimators_overwrite_params": NUMERIC,
    "check_dont_overwrite_parameters": NUMERIC,
    "check_estimators_fit_returns_self": NUMERIC,
    "check_readonly_memmap_input": NUMERIC,
    "check_n_features_in_after_fitting": NO_FEATURE_COUNT,
    "check_positive_only_tag_during_fit": NUMERIC,
    "check_estimators_dtypes": NUMERIC,
    "check_complex_data": NUMERIC,
    "check_dtype_object": NUMERIC,
    "check_estimators_empty_data_messages": NUMERIC,
    "check_pipeline_consistency": NUMERIC,
    "check_estimators_nan_inf": "NaN and inf are numbers; a non-str line is a TypeError",
    "check_estimator_sparse_tag": SPARSE,
    "check_estimator_sparse_array": SPARSE,
    "check_estimator_sparse_matrix": SPARSE,
    "check_estimators_pickle": NUMERIC,
    "check_f_contiguous_array_estimator": NUMERIC,
    "check_classifier_data_not_an_array": NUMERIC,
    "check_classifiers_one_label": NUMERIC,
    "check_classifiers_classes": NUMERIC,
    "check_classifiers_train": NUMERIC,
    "check_classifiers_regression_target": NUMERIC,
    "check_supervised_y_2d": NUMERIC,
    "check_methods_sample_order_invariance": NUMERIC,
    "check_methods_subset_invariance": NUMERIC,
    "check_fit2d_1sample": NUMERIC,
    "check_fit2d_1feature": NUMERIC,
    "check_dict_unchanged": NUMERIC,
    "check_fit_idempotent": NUMERIC,
    "check_fit_check_is_fitted": NUMERIC,
    "check_n_features_in": NO_FEATURE_COUNT,
    "check_fit1d": NUMERIC,
    "check_fit2d_predict1d": NUMERIC,
    "check_requires_y_none": NUMERIC,
    "check_estimators_unfitted": (
        "raises tas_classify's NotFittedError (a ValueError and AttributeError, as scikit-learn's "
        "is) so that prediction never imports scikit-learn; it is not sklearn's class"
    ),
}


with warnings.catch_warnings():
    # TasClassifier follows the conventions without inheriting BaseEstimator, which would make
    # `import tas_classify` pay for importing scikit-learn (0.7 s here).
    warnings.filterwarnings("ignore", message="Estimator TasClassifier does not inherit")
    SKLEARN_CHECKS = parametrize_with_checks(
        [TasClassifier(cv=2)],
        expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS,
        xfail_strict=True,
    )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.SkipTestWarning")
@SKLEARN_CHECKS
def test_scikit_learn_checks(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def lines(small_corpus):
    texts, labels = small_corpus
    return texts[::2], labels[::2]


def test_clone_keeps_parameters_and_drops_fit(small_model):
    twin = clone(small_model)
    assert twin.get_params() == small_model.get_params()
    assert not hasattr(twin, "classes_")
    assert is_classifier(small_model)


@pytest.mark.slow  # trains models
def test_fit_returns_self_is_idempotent_and_leaves_params(lines):
    texts, labels = lines
    clf = TasClassifier(cv=2, char_ngrams=(1, 2))
    params = clf.get_params()
    assert clf.fit(texts, labels) is clf
    first = clf.predict_proba(texts[:50])
    assert clf.get_params() == params
    assert np.array_equal(clf.fit(texts, labels).predict_proba(texts[:50]), first)


def test_order_and_subset_invariance(small_model, lines):
    texts = lines[0][:60]
    proba = small_model.predict_proba(texts)
    order = np.random.default_rng(0).permutation(len(texts))
    assert np.allclose(small_model.predict_proba([texts[i] for i in order]), proba[order])
    assert np.allclose(small_model.predict_proba(texts[10:20]), proba[10:20])
    assert np.allclose(proba.sum(axis=1), 1.0)


def test_one_column_2d_input_and_pandas(small_model):
    import pandas as pd

    texts = ["服务器销售", "为某银行提供核心系统定制开发"]
    flat = small_model.predict(texts)
    assert list(small_model.predict(np.array(texts, dtype=object).reshape(-1, 1))) == list(flat)
    assert list(small_model.predict(pd.DataFrame({"t": texts}))) == list(flat)
    assert list(small_model.predict(pd.Series(texts))) == list(flat)
    with pytest.raises(ValueError, match="one column of text"):
        small_model.predict(pd.DataFrame({"a": texts, "b": texts}))


def test_in_memory_copies_work(small_model):
    texts = ["IDC托管", "服务器销售"]
    for twin in (pickle.loads(pickle.dumps(small_model)), copy.deepcopy(small_model)):
        assert np.array_equal(twin.predict_proba(texts), small_model.predict_proba(texts))


@pytest.mark.slow  # trains models
def test_pipeline_cross_val_score_and_grid_search(lines):
    import pandas as pd

    texts, labels = lines
    frame = pd.DataFrame({"合同名称": texts, "金额": range(len(texts))})
    pipe = make_pipeline(
        FunctionTransformer(lambda df: df["合同名称"].tolist()),
        TasClassifier(cv=2, char_ngrams=(1, 2)),
    )
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(pipe, frame, labels, cv=folds)
    assert len(scores) == 3 and scores.min() > 0.5
    grid = GridSearchCV(TasClassifier(cv=2, char_ngrams=(1, 2)), {"C": [0.5, 20.0]}, cv=folds).fit(
        texts, labels
    )
    assert grid.best_params_["C"] in (0.5, 20.0)
    assert set(grid.cv_results_["mean_test_score"]) and grid.best_score_ > 0.5
    assert list(grid.best_estimator_.classes_) == sorted(set(labels), key=list(grid.classes_).index)
