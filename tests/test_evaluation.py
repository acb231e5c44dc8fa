import pytest

from tas_classify.evaluation import evaluate, expected_calibration_error


def test_ece_of_perfectly_calibrated_bins_is_zero():
    conf = [0.75] * 4 + [1.0] * 2
    correct = [True, True, True, False, True, True]
    assert expected_calibration_error(conf, correct) == pytest.approx(0.0)


def test_ece_of_overconfident_model():
    assert expected_calibration_error([0.9, 0.9], [False, True]) == pytest.approx(0.4)


def test_evaluate_credits_accepted_alternates():
    labels = ["ITO-05", "TRD-01", "NONE", "ITO-01"]
    accept = [
        frozenset({"ITO-05", "TRD-01"}),
        frozenset({"TRD-01"}),
        frozenset({"NONE"}),
        frozenset({"ITO-01"}),
    ]
    predicted = ["TRD-01", "TRD-01", "ITO-01", "ITO-01"]
    report = evaluate(predicted, [0.9] * 4, labels, accept, ["ITO-01", "ITO-05", "TRD-01", "NONE"])
    assert report.accuracy == 0.75
    assert report.recall == {"ITO-01": 1.0, "ITO-05": 1.0, "TRD-01": 1.0, "NONE": 0.0}
    assert report.confusion["NONE"] == {"ITO-01": 1}
    # in scope vs NONE: 3 true in-scope all predicted in scope, one NONE predicted in scope
    assert report.in_scope_f1 == pytest.approx(2 * 3 / (2 * 3 + 1))
    assert report.to_dict()["n"] == 4
