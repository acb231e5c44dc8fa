import numpy as np
import pytest

from tas_classify import TasClassifier, taxonomy


def test_fit_predict_shapes(small_model, small_corpus):
    texts, labels = small_corpus
    proba = small_model.predict_proba(texts[:7])
    assert proba.shape == (7, len(small_model.classes_))
    assert np.allclose(proba.sum(axis=1), 1.0) and (proba >= 0).all()
    assert list(small_model.classes_) == list(taxonomy.codes())
    assert small_model.score(texts, labels) > 0.9  # training lines


def test_params_roundtrip():
    clf = TasClassifier(C=3.0, cv=4)
    params = clf.get_params()
    assert params["C"] == 3.0 and params["cv"] == 4
    clone = TasClassifier(**params)
    assert clone.get_params() == params
    assert clf.set_params(C=1.0) is clf and clf.C == 1.0
    with pytest.raises(ValueError, match="invalid parameter"):
        clf.set_params(nonsense=1)
    assert "C=1.0" in repr(clf)


@pytest.mark.parametrize(
    ("X", "y", "error", "message"),
    [
        (["a", "b"], ["ITO-01"], ValueError, "2 lines but y has 1"),
        (["a", "b"], ["ITO-01", "GOODS"], ValueError, "unknown labels"),
        (["a", "b"], ["ITO-01", "ITO-01"], ValueError, "two different codes"),
        (["a", 3], ["ITO-01", "NONE"], TypeError, "text #1 is int"),
        ("abc", ["ITO-01"], TypeError, "single str"),
    ],
)
def test_fit_rejects_bad_input(X, y, error, message):
    with pytest.raises(error, match=message):
        TasClassifier().fit(X, y)


def test_unfitted_model_says_so():
    # caught as scikit-learn's NotFittedError is: both ValueError and AttributeError
    for error in (ValueError, AttributeError):
        with pytest.raises(error, match="not fitted"):
            TasClassifier().predict(["软件开发"])


def test_classify_results(small_model):
    results = small_model.classify(["为某银行提供核心系统定制开发", "", "呼叫中心外包"])
    assert [r.text for r in results] == ["为某银行提供核心系统定制开发", "", "呼叫中心外包"]
    assert results[0].code == "ITO-01"
    assert results[1].code == "NONE" and results[1].needs_review and results[1].flags == ("empty",)
    assert results[2].code == "BPO-03"
    assert any(m.rule == "bpo03.customer-operations" for m in results[2].evidence.rules)


def test_track_moves_other_track_mass_to_none(small_model):
    (r,) = small_model.classify(["IDC机柜托管"], track="trade")
    assert r.code == "NONE" and "track_filtered" in r.flags and r.needs_review
    (r,) = small_model.classify(["IDC机柜托管"], track="outsourcing")
    assert r.code == "ITO-06" and not r.flags


@pytest.mark.slow  # trains models
def test_training_is_deterministic(small_corpus):
    texts, labels = small_corpus
    a = TasClassifier(cv=2, char_ngrams=(1,)).fit(texts, labels)
    b = TasClassifier(cv=2, char_ngrams=(1,)).fit(texts, labels)
    assert np.array_equal(a.coef_, b.coef_) and a.rule_scale_ == b.rule_scale_


def test_no_lines_give_no_results(small_model):
    assert small_model.classify([]) == []
    assert small_model.predict_proba([]).shape == (0, len(small_model.classes_))
    assert len(small_model.predict([])) == 0


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("C", 0),
        ("C", float("nan")),
        ("C", "20"),
        ("char_ngrams", ()),
        ("char_ngrams", (1, 0)),
        ("char_ngrams", (1.5,)),
        ("min_df", 0),
        ("cv", 1),
        ("cv", True),
        ("random_state", None),
        ("review_threshold", 1.5),
        ("review_margin", -0.1),
        ("memory", "yes"),
        ("rules", 3),
        ("user_dict", "words.txt"),
    ],
)
def test_invalid_parameters_are_refused_by_fit_naming_the_parameter(param, value):
    from tas_classify.errors import InvalidParameterError

    clf = TasClassifier(**{param: value})
    with pytest.raises(InvalidParameterError, match=rf"parameter '{param}' must be"):
        clf.fit(["软件开发", "服务器销售"] * 3, ["ITO-01", "NONE"] * 3)
    assert isinstance(InvalidParameterError("x"), (ValueError, TypeError))
