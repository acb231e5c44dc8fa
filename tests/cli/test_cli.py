import json
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from tas_classify.cli import main


@pytest.fixture()
def run():
    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(main, list(args), input=input)

    return invoke


def test_classify_args(run):
    res = run("classify", "为某银行提供核心系统定制开发", "服务器销售")
    assert res.exit_code == 0
    lines = [line for line in res.output.splitlines() if not line.startswith("\t")]
    assert lines[0].startswith("ITO-01\t") and lines[1].startswith("NONE\t")


def test_classify_stdin_json(run):
    res = run("classify", "--json", "--track", "trade", input="IDC托管费\n数据清洗服务\n")
    assert res.exit_code == 0
    rows = [json.loads(line) for line in res.output.splitlines()]
    assert [r["text"] for r in rows] == ["IDC托管费", "数据清洗服务"]
    assert rows[0]["code"] == "NONE" and rows[1]["code"] == "TRD-02"


def test_taxonomy(run):
    res = run("taxonomy", "--json")
    assert res.exit_code == 0 and len(json.loads(res.output)) == 20
    assert "知识产权研究" in run("taxonomy").output


def test_usage_error_exit_2(run):
    assert run("classify", "--track", "both", "x").exit_code == 2
    assert run("nosuchverb").exit_code == 2


def test_data_error_exit_1(run, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("text,label\n软件开发,SOFTWARE\n", encoding="utf-8")
    res = run("evaluate", str(bad))
    assert res.exit_code == 1 and "'SOFTWARE' (bad.csv:2)" in res.output
    notmodel = tmp_path / "empty"
    notmodel.mkdir()
    res = run("classify", "--model", str(notmodel), "x")
    assert res.exit_code == 1 and "no model.json" in res.output


def test_evaluate_json(run, tmp_path):
    f = tmp_path / "e.csv"
    f.write_text(
        "text,label,accept\n软件定制开发,ITO-01,ITO-01\n服务器销售,NONE,NONE\n", encoding="utf-8"
    )
    res = run("evaluate", "--json", str(f))
    assert res.exit_code == 0
    assert json.loads(res.output)["accuracy"] == 1.0


@pytest.mark.slow
def test_train_then_evaluate(run, tmp_path, small_corpus):
    texts, labels = small_corpus
    corpus = tmp_path / "c.csv"
    import csv

    with corpus.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label"])
        w.writerows(zip(texts, labels))
    out = tmp_path / "model"
    res = run("train", str(corpus), "-o", str(out), "--cv", "2")
    assert res.exit_code == 0, res.output
    assert "cross-validated accuracy" in res.output and (out / "model.json").exists()
    res = run("classify", "--model", str(out), "呼叫中心外包")
    assert res.exit_code == 0 and res.output.startswith("BPO-03")


def test_installed_entry_point():
    exe = shutil.which("tas-classify")
    assert exe, "the tas-classify console script is not installed"
    out = subprocess.run(
        [exe, "classify", "--json", "呼叫中心外包服务"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert json.loads(out.stdout)["code"] == "BPO-03"
    help_out = subprocess.run(
        [sys.executable, "-m", "tas_classify", "--help"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert "classify" in help_out.stdout
