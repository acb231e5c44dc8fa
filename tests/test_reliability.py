"""Reliability: hostile input, thread safety, jieba isolation, determinism, interrupted runs."""

import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tas_classify
from tas_classify import TasClassifier, api, classify, classify_batch, classify_frame

HOSTILE = [
    "",
    "   \t\n ",
    "\x00\x01\x1b[31m控制字符\x7f",
    "🙂🚀 软件开发 🙂",
    "\ud800\udfff 孤立代理项 \udc00",
    "软件" * 500_000,  # a 1 MB line
    "Разработка ПО ソフトウェア開発 software 개발 軟體開發",
    "\u200b\u200e\ufeff零宽字符",
    "\ue000私用区",
    "1234567890",
    "!!!",
]
ANY_TEXT = st.text(
    alphabet=st.characters() | st.sampled_from(["\ud800", "\udfff", "\x00", "\ue000", "軟", "（"])
)


@pytest.fixture(scope="module")
def model():
    return tas_classify.default_model()


def test_hostile_strings_give_results_never_tracebacks(model):
    results = classify_batch(HOSTILE)
    assert [r.text for r in results] == HOSTILE
    for r in results:
        assert r.code in tas_classify.taxonomy.codes()
        assert 0.0 <= r.confidence <= 1.0
    assert results[0].flags == ("empty",) and results[0].needs_review
    # 1 MB: its first MAX_LINE_CHARS characters are read, and the result says so
    assert results[5].code in ("ITO-01", "ITO-02") and results[5].flags == ("truncated",)
    assert results[5].needs_review


@settings(max_examples=150, deadline=None)
@given(st.lists(ANY_TEXT, max_size=12))
def test_properties_on_any_strings(model, texts):
    results = classify_batch(texts)
    assert len(results) == len(texts)
    assert [r.text for r in results] == texts
    proba = model.predict_proba(texts)
    assert proba.shape == (len(texts), len(model.classes_))
    assert ((proba >= 0) & (proba <= 1)).all()
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert classify_batch(texts) == results  # same input, same output
    assert [classify(t) for t in texts] == results  # a line's result does not depend on its batch


def test_frame_cells_of_any_type_are_kept_and_flagged():
    cells = [None, float("nan"), pd.NA, pd.NaT, 12, 3.5, Decimal("7"), date(2025, 1, 2),
             datetime(2025, 1, 2, 3, 4), b"bytes", ["list"], "服务器销售"]  # fmt: skip
    frame = pd.DataFrame({"合同名称": pd.Series(cells, dtype=object)})
    out = classify_frame(frame, "合同名称")
    assert len(out) == len(cells) and list(out.index) == list(frame.index)
    assert out["tas_needs_review"].iloc[:4].all()  # blanks need review
    assert out["tas_code"].iloc[-1] == "NONE"


# ------------------------------------------------------------------ threads
def test_eight_threads_get_the_sequential_results(model):
    lines = [f"{text}（第{i}期）" for i in range(40) for text in HOSTILE[1:5] + ["数据清洗服务"]]
    expected_batch = classify_batch(lines)
    expected_single = [classify(t) for t in lines[:60]]

    def work(k):
        if k % 2:
            return classify_batch(lines)
        return [classify(t) for t in lines[:60]]

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(work, range(16)))
    for k, got in enumerate(outcomes):
        assert got == (expected_batch if k % 2 else expected_single)


def test_default_model_loads_once_under_a_lock(monkeypatch):
    from tas_classify.model import estimator, shipped

    calls = []
    real_load = estimator.load

    def slow_load(path):
        calls.append(path)
        time.sleep(0.2)
        return real_load(path)

    monkeypatch.setattr(shipped, "_default", None)
    monkeypatch.setattr(estimator, "load", slow_load)
    barrier = threading.Barrier(8)

    def get(_):
        barrier.wait()
        return api.default_model()

    with ThreadPoolExecutor(8) as pool:
        models = list(pool.map(get, range(8)))
    assert len(calls) == 1 and all(m is models[0] for m in models)


JIEBA_ISOLATION = """
import jieba, json, os
import tas_classify
probe = ["等保测评服务", "核心系统定制开发", "数据中心运维"]
before = [jieba.lcut(s) for s in probe]  # the host's own jieba, initialised by the host
ours_before = [r.to_dict() for r in tas_classify.classify_batch(probe)]
after = [jieba.lcut(s) for s in probe]
jieba.add_word("核心系统定制开发")  # the host changes its jieba
jieba.add_word("据中心运")
ours_after = [r.to_dict() for r in tas_classify.classify_batch(probe)]
engine = tas_classify.default_model().tokenizer_.engine_name
print(json.dumps({"host_same": before == after, "ours_same": ours_before == ours_after,
                  "engine": engine, "host_word_not_ours": "等保测评" not in jieba.dt.FREQ}))
"""


@pytest.mark.parametrize("engine", ["rjieba", "jieba"])
def test_jieba_global_tokenizer_is_never_touched(engine):
    if engine == "rjieba":
        pytest.importorskip("rjieba")
    env = {**os.environ, "TAS_CLASSIFY_TOKENIZER": engine}
    out = subprocess.run(
        [sys.executable, "-c", JIEBA_ISOLATION], capture_output=True, text=True, env=env
    )
    assert out.returncode == 0, out.stderr
    import json

    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {
        "host_same": True,
        "ours_same": True,
        "engine": engine,
        "host_word_not_ours": True,
    }


# ------------------------------------------------------------------ determinism
@pytest.mark.slow
def test_training_twice_gives_byte_identical_model_files(small_corpus, tmp_path):
    texts, labels = small_corpus
    for name in ("a", "b"):
        TasClassifier(cv=3, char_ngrams=(1, 2)).fit(texts, labels).save(tmp_path / name)
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert files == sorted(p.name for p in (tmp_path / "b").iterdir())
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


# ------------------------------------------------------------------ interrupted batch
def _batch_command(src: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "tas_classify", "batch", str(src), "-o", str(out), "-q"]


def _wait_for_partial(folder: Path, child: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while not list(folder.glob(".*.partial")):
        assert child.poll() is None, "the run ended before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.5)  # well into writing


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_killed_batch_leaves_no_file_that_looks_complete(tmp_path, how):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from ledger_lines import write_csv

    src, out = tmp_path / "ledger.csv", tmp_path / "out" / "classified.csv"
    out.parent.mkdir()
    write_csv(src, 60_000, seed=3)
    child = subprocess.Popen(_batch_command(src, out), stderr=subprocess.DEVNULL)
    _wait_for_partial(out.parent, child)
    child.send_signal(how)
    child.wait(timeout=60)
    assert child.returncode != 0
    assert not out.exists()
    leftovers = list(out.parent.iterdir())
    if how == signal.SIGKILL:  # no chance to clean up: only a hidden .partial may remain
        assert all(p.name.startswith(".") and p.name.endswith(".partial") for p in leftovers)
    else:
        assert leftovers == []
    # running again produces the whole file
    again = subprocess.run(_batch_command(src, out), capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    rows = out.read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == 60_001
