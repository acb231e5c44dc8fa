import csv
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tas_classify
from tas_classify import classify, classify_batch, taxonomy

OUTSOURCING = set(taxonomy.codes_for_track("outsourcing"))
TRADE = set(taxonomy.codes_for_track("trade"))


def _golden():
    with (Path(__file__).parent / "data" / "golden.csv").open(encoding="utf-8") as fh:
        return [
            pytest.param(row["text"], set(row["accept"].split("|")), id=row["why"])
            for row in csv.DictReader(fh)
        ]


@pytest.mark.parametrize(("text", "accepted"), _golden())
def test_classify_examples(text, accepted):
    r = classify(text)
    assert r.code in accepted, r.to_dict()
    assert r.name == taxonomy.get(r.code).name
    assert 0.0 <= r.confidence <= 1.0


def test_result_is_frozen_and_json_ready():
    r = classify("为某银行提供核心系统定制开发")
    with pytest.raises(AttributeError):
        r.code = "NONE"
    d = json.loads(json.dumps(r.to_dict(), ensure_ascii=False))
    assert d["code"] == "ITO-01" and d["evidence"]["rules"]
    assert all(a.confidence <= r.confidence for a in r.alternatives)


def test_kpo_result_names_fields():
    r = classify("某创新药临床前毒理研究及专利检索分析")
    assert r.code == "KPO-01"
    assert set(r.evidence.kpo_fields) >= {"医药和生物技术研发和测试", "知识产权研究"}


@pytest.mark.parametrize("bad", [None, 3, b"bytes", ["list"]])
def test_non_str_raises_type_error(bad):
    with pytest.raises(TypeError, match="str"):
        classify(bad)


@pytest.mark.parametrize("text", ["", "   ", "\t\n", "!!!", "1234567"])
def test_empty_or_meaningless_is_none_for_review(text):
    r = classify(text)
    assert r.code == "NONE" and r.needs_review and r.confidence < 0.5


def test_batch_keeps_order_and_length():
    texts = ["服务器销售", "呼叫中心外包", "", "服务器销售", "IDC托管"]
    results = classify_batch(texts)
    assert [r.text for r in results] == texts
    assert [r.code for r in results] == [classify(t).code for t in texts]


@settings(deadline=None, max_examples=150)
@given(st.text(max_size=80))
def test_never_raises_on_any_str(text):
    r = classify(text)
    assert r.code in taxonomy.codes() and 0.0 <= r.confidence <= 1.0


@settings(deadline=None, max_examples=80)
@given(
    st.sampled_from(
        [
            "软件开发",
            "IDC托管",
            "数据标注",
            "呼叫中心",
            "专利许可境外",
            "中医培训",
            "服务器",
            "工业设计",
        ]
    ),
    st.text(max_size=20),
)
def test_tracks_are_respected(seed, noise):
    text = seed + noise
    assert classify(text, track="outsourcing").code in OUTSOURCING
    assert classify(text, track="trade").code in TRADE


def test_package_exports():
    for name in tas_classify.__all__:
        assert hasattr(tas_classify, name)


def test_results_are_immutable_values_that_pickle():
    import pickle

    r = classify("某创新药临床前毒理研究及专利检索分析")
    twin = pickle.loads(pickle.dumps(r))
    assert twin == r and hash(twin) == hash(r) and twin.to_dict() == r.to_dict()
    assert twin.evidence.kpo_fields == r.evidence.kpo_fields != ()
    with pytest.raises(AttributeError, match="immutable"):
        r.code = "NONE"
    assert r != classify("服务器销售") and r != "ITO-01"


def test_classify_batch_in_two_worker_processes_gives_the_same_results():
    lines = [f"{text}（第{i}期）" for i in range(700) for text in ("数据清洗服务", "服务器销售", "")]
    assert classify_batch(lines, n_jobs=2) == classify_batch(lines)
