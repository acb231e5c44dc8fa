import json

import pytest
from click.testing import CliRunner

from tas_classify.cli import main
from tas_classify.ledger.labeled import read_labeled
from tas_classify.report.evaluation import evaluate, evaluate_model, expected_calibration_error


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


class _Fixed:
    """A stand-in model that answers from a table (so the figures can be worked out by hand)."""

    def __init__(self, answers):
        self.answers = answers

    def classify(self, texts, track=None):
        from types import SimpleNamespace

        return [
            SimpleNamespace(code=self.answers[t][0], confidence=self.answers[t][1],
                            needs_review=self.answers[t][1] < 0.6)
            for t in texts
        ]  # fmt: skip


def _jsonl(tmp_path):
    f = tmp_path / "real.jsonl"
    rows = [
        {"text": "a", "gold": "ITO-05", "accept": ["ITO-05", "TRD-01"], "kind": "tender"},
        {"text": "b", "gold": "NONE", "accept": ["NONE"], "kind": "tender"},
        {"text": "c", "gold": "ITO-01", "accept": ["ITO-01"], "kind": "invoice"},
        {"text": "d", "gold": "NONE", "accept": ["NONE"], "kind": "invoice"},
    ]
    f.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    return f


def test_evaluate_model_by_register_with_errors(tmp_path):
    """a: TRD-01 is accepted (right); b: wrong at 0.9; c: right; d: wrong at 0.5, flagged.
    Overall 2/4 right; tender 1/2, invoice 1/2; NONE recall 0/2; flagged 1/4, and of the three
    unflagged lines 2 are right."""
    model = _Fixed({"a": ("TRD-01", 0.8), "b": ("ITO-02", 0.9), "c": ("ITO-01", 0.7),
                    "d": ("BPO-02", 0.5)})  # fmt: skip
    ev = evaluate_model(model, read_labeled([_jsonl(tmp_path)]))
    assert ev.overall.accuracy == 0.5 and ev.overall.none_recall == 0.0
    assert set(ev.by_register) == {"tender", "invoice"}
    assert ev.by_register["tender"].accuracy == ev.by_register["invoice"].accuracy == 0.5
    assert ev.review_share == 0.25 and ev.unflagged_accuracy == pytest.approx(2 / 3)
    assert [(e.text, e.predicted, e.register, e.needs_review) for e in ev.errors] == [
        ("b", "ITO-02", "tender", False),
        ("d", "BPO-02", "invoice", True),
    ]
    as_json = ev.to_dict()
    assert as_json["by_register"]["tender"]["n"] == 2 and len(as_json["errors"]) == 2


def test_evaluate_verb_reads_jsonl_and_prints_registers_and_errors(tmp_path):
    f = tmp_path / "real.jsonl"
    rows = [
        {
            "text": "为某银行提供核心系统定制开发",
            "gold": "ITO-01",
            "accept": ["ITO-01"],
            "kind": "k1",
        },
        {"text": "服务器采购", "gold": "NONE", "accept": ["NONE"], "kind": "k2"},
        {"text": "服务器采购及安装", "gold": "ITO-01", "accept": ["ITO-01"], "kind": "k2"},
    ]
    f.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    res = CliRunner().invoke(main, ["evaluate", str(f)])
    assert res.exit_code == 0, res.output
    assert "by register" in res.output and "k1" in res.output and "k2" in res.output
    assert "errors (1;" in res.output and "服务器采购及安装" in res.output
    res = CliRunner().invoke(main, ["evaluate", str(f), "--json"])
    payload = json.loads(res.stdout)
    assert payload["n"] == 3 and set(payload["by_register"]) == {"k1", "k2"}
    assert [e["text"] for e in payload["errors"]] == ["服务器采购及安装"]


def test_none_recall_is_absent_without_none_lines():
    report = evaluate(["ITO-01"], [0.9], ["ITO-01"], [frozenset({"ITO-01"})], ["ITO-01", "NONE"])
    assert report.none_recall is None and report.to_dict()["none_recall"] is None
