"""The analyst workflow: training from any labeled file, remembered corrections, compare, rules."""

import json

import pytest
from click.testing import CliRunner

from tas_classify import TasClassifier
from tas_classify.cli import main
from tas_classify.ledger.labeled import CorpusError, read_labeled


def run(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


def test_labeled_xlsx_jsonl_and_batch_output(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["合同名称", "金额", "tas_code", "tas_confidence"])
    book.active.append(["软件定制开发", 100, "ito-01", 0.9])
    book.active.append([None, 100, "NONE", 0.0])
    book.active.append(["服务器销售", 100, "", 0.9])
    book.active.append(["IDC托管", 100, " ITO-06 ", 0.9])
    book.save(tmp_path / "reviewed.xlsx")
    (tmp_path / "more.jsonl").write_text(
        '{"text": "数据清洗服务", "label": "TRD-02"}\n', encoding="utf-8"
    )
    data = read_labeled([tmp_path / "reviewed.xlsx", tmp_path / "more.jsonl"])
    assert data.texts == ("软件定制开发", "IDC托管", "数据清洗服务")
    assert data.labels == ("ITO-01", "ITO-06", "TRD-02")
    assert data.skipped == 2  # blank text, blank label
    assert data.sources[1] == "reviewed.xlsx:5"


def test_unknown_labels_are_all_listed(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("text,label\na,ITO-9\nb,GOODS\nc,ITO-9\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"'ITO-9' \(bad\.csv:2, bad\.csv:4\); 'GOODS'"):
        read_labeled([path])
    res = run("train", path, "-o", tmp_path / "m")
    assert res.exit_code == 1 and "Valid codes: ITO-01" in res.output
    assert not (tmp_path / "m").exists()
    assert run("train", "-o", tmp_path / "m").exit_code == 2  # nothing to train on


@pytest.mark.slow  # trains models
def test_memory_remembers_unambiguous_training_lines(small_corpus):
    texts, labels = small_corpus
    extra = ["平台服务费（年度）", "平台服务费（年度）", "外包服务费", "外包服务费"]
    extra_labels = ["ITO-06", "ITO-06", "NONE", "BPO-02"]  # the second text is contradictory
    clf = TasClassifier(cv=2, char_ngrams=(1, 2)).fit(texts + extra, labels + extra_labels)
    known, conflicted = clf.classify(["平台服务费(年度)", "外包服务费"])
    assert (known.code, known.confidence, known.flags) == ("ITO-06", 1.0, ("known_line",))
    assert not known.needs_review
    assert "known_line" not in conflicted.flags
    forgetful = TasClassifier(cv=2, char_ngrams=(1, 2), memory=False).fit(
        texts + extra, labels + extra_labels
    )
    assert "known_line" not in forgetful.classify(["平台服务费（年度）"])[0].flags


@pytest.mark.slow
def test_corrections_loop_batch_edit_train_compare(tmp_path):
    """A reviewer corrects tas_code in a batch output; the retrained model has learned it."""
    import csv
    import io

    lines = ["技术服务费（年度）", "平台服务费", "外包服务费", "为某银行提供核心系统定制开发"]
    (tmp_path / "ledger.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run("batch", tmp_path / "ledger.txt", "-o", tmp_path / "out.csv").exit_code == 0
    rows = list(csv.reader(io.StringIO((tmp_path / "out.csv").read_text("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    code = header.index("tas_code")
    corrected = {"技术服务费（年度）": "ITO-05", "平台服务费": "ITO-06", "外包服务费": "NONE"}
    before = {r[0]: r[code] for r in body}
    assert any(before[t] != c for t, c in corrected.items()), "the test needs real corrections"
    reviewed = header.index("tas_reviewed")
    for r in body:
        r[code] = corrected.get(r[0], r[code])
        r[reviewed] = "✓" if r[0] in corrected else ""  # the reviewer marks what they checked
    with open(tmp_path / "reviewed.csv", "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([header, *body])

    res = run("train", tmp_path / "reviewed.csv", "--with-default-corpus", "--cv", "2",
              "-o", tmp_path / "ours")  # fmt: skip
    assert res.exit_code == 0, res.output
    res = run("classify", "--json", "--model", tmp_path / "ours", *corrected)
    assert [json.loads(x)["code"] for x in res.stdout.splitlines()] == list(corrected.values())
    res = run("classify", "--json", "--model", tmp_path / "ours", "为某银行提供核心系统定制开发")
    assert "known_line" not in json.loads(res.stdout)["flags"]  # not marked: learned, not known

    res = run("compare", tmp_path / "reviewed.csv", "--model", "default",
              "--model", tmp_path / "ours", "--json")  # fmt: skip
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["b"]["accuracy"] == 1.0 and report["delta"]["accuracy"] > 0
    changed = {c["text"]: (c["a"]["right"], c["b"]["right"]) for c in report["changed"]}
    assert all(changed[t] == (False, True) for t, c in corrected.items() if before[t] != c)
    text = run("compare", tmp_path / "reviewed.csv", "--model", "default",
               "--model", tmp_path / "ours").stdout  # fmt: skip
    assert "fixed by B, 0 broken by B" in text


def test_compare_needs_two_models(tmp_path):
    path = tmp_path / "l.csv"
    path.write_text("text,label\n服务器销售,NONE\n", encoding="utf-8")
    assert run("compare", path, "--model", "default").exit_code == 2


def test_rules_report_counts_by_hand(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text(
        '[[rule]]\nname = "dev"\ncode = "ITO-01"\nweight = 2.0\npatterns = ["开发"]\n\n'
        '[[rule]]\nname = "sale"\ncode = "NONE"\nweight = 2.0\npatterns = ["销售"]\n\n'
        '[[rule]]\nname = "never"\ncode = "TRD-08"\nweight = 1.0\npatterns = ["针灸"]\n',
        encoding="utf-8",
    )
    labeled = tmp_path / "l.csv"
    labeled.write_text(
        "text,label,accept\n"
        "软件定制开发,ITO-01,\n"          # dev right
        "开发板销售,NONE,\n"              # dev wrong, sale right, conflict dev × sale
        "数据平台开发,TRD-02,TRD-02|ITO-01\n"  # dev right through accept
        "服务器销售,NONE,\n"              # sale right
        "机房托管,ITO-06,\n",             # nothing fires
        encoding="utf-8",
    )  # fmt: skip
    res = run("rules", "report", labeled, "--rules", rules, "--json")
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    by_rule = {r["rule"]: r for r in report["rules"]}
    assert (report["lines"], report["covered_lines"]) == (5, 4)
    assert (by_rule["dev"]["fired"], by_rule["dev"]["precision"]) == (3, 0.6667)
    assert by_rule["dev"]["coverage"] == 0.6
    assert by_rule["dev"]["wrong_examples"] == ["l.csv:3 [NONE] 开发板销售"]
    assert (by_rule["sale"]["fired"], by_rule["sale"]["precision"]) == (2, 1.0)
    assert report["conflicts"] == [{"rules": ["dev", "sale"], "lines": 1}]
    assert report["never_fired"] == ["never"]
    text = run("rules", "report", labeled, "--rules", rules).stdout
    assert "never fired: never" in text and "dev × sale" in text


@pytest.mark.slow  # trains models
def test_only_rows_a_reviewer_marked_are_remembered(tmp_path, small_corpus):
    path = tmp_path / "out.csv"
    path.write_text(
        "合同名称,tas_code,tas_reviewed\n"
        "平台服务费（年度）,ITO-06,✓\n"
        "外包服务费,BPO-02,\n"
        "技术服务费,ITO-05,已复核\n",
        encoding="utf-8",
    )
    data = read_labeled([path])
    assert data.reviewed_of() == (True, False, True)
    plain = tmp_path / "corpus.csv"
    plain.write_text("text,label\n数据清洗服务,TRD-02\n", encoding="utf-8")
    assert read_labeled([plain]).reviewed_of() == (True,)  # a hand-labelled corpus: all checked
    texts, labels = small_corpus
    clf = TasClassifier(cv=2, char_ngrams=(1, 2)).fit(
        texts + list(data.texts),
        labels + list(data.labels),
        remember=[True] * len(texts) + list(data.reviewed_of()),
    )
    marked, unmarked, other = clf.classify(["平台服务费(年度)", "外包服务费", "技术服务费"])
    assert (marked.code, marked.flags) == ("ITO-06", ("known_line",))
    assert (other.code, other.flags) == ("ITO-05", ("known_line",))
    assert "known_line" not in unmarked.flags


def test_column_options_on_every_verb_that_reads_labeled_lines(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text(
        "摘要,复核编码,备注\n"
        "为某银行提供核心系统定制开发,ITO-01,x\n"
        "服务器销售,NONE,x\n"
        "IDC机柜托管费,ITO-06,x\n",
        encoding="utf-8",
    )
    cols = ("--column", "摘要", "--label-column", "复核编码")
    res = run("evaluate", path, *cols, "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["n"] == 3
    res = run("compare", path, "--model", "default", "--model", "default", *cols, "--json")
    assert res.exit_code == 0, res.output
    res = run("rules", "report", path, *cols, "--json")
    assert res.exit_code == 0 and json.loads(res.stdout)["lines"] == 3
    res = run("evaluate", path, "--label-column", "没有这列")
    assert res.exit_code == 1 and "no column '没有这列' (--label-column)" in res.output
    res = run("evaluate", path)
    assert res.exit_code == 1 and "--label-column" in res.output


def test_training_without_the_train_extra_says_what_to_install(tmp_path, monkeypatch):
    import sys

    from tas_classify.errors import MissingDependencyError

    monkeypatch.setitem(sys.modules, "sklearn", None)  # as if scikit-learn were not installed
    with pytest.raises(MissingDependencyError, match=r"tas_classify\[train\]"):
        TasClassifier().fit(["软件开发", "服务器销售"], ["ITO-01", "NONE"])
    path = tmp_path / "l.csv"
    path.write_text("text,label\n软件开发,ITO-01\n服务器销售,NONE\n", encoding="utf-8")
    res = run("train", path, "-o", tmp_path / "m")
    assert res.exit_code == 1 and "pip install 'tas_classify[train]'" in res.output


def test_sheet_and_header_row_options_for_labeled_workbooks(tmp_path):
    """A reviewed workbook: a 说明 sheet, then 复核 with a title in row 1 and the header in row 3;
    3 labelled lines. --sheet 复核 reads them (found header); --header-row 3 says the same."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "说明"
    book.active.append(["本簿为复核结果"])
    sheet = book.create_sheet("复核")
    sheet.append(["XX公司2024年收入复核表"])
    sheet.append([])
    sheet.append(["合同名称", "复核编码"])
    for row in (["为某银行提供核心系统定制开发", "ITO-01"], ["服务器销售", "NONE"],
                ["IDC机柜托管费", "ITO-06"]):  # fmt: skip
        sheet.append(row)
    book.save(tmp_path / "reviewed.xlsx")
    for extra in (["--sheet", "复核"], ["--sheet", "2", "--header-row", "3"]):
        res = run("evaluate", tmp_path / "reviewed.xlsx", "--label-column", "复核编码",
                  *extra, "--json")  # fmt: skip
        assert res.exit_code == 0, res.output
        assert json.loads(res.stdout)["n"] == 3
    res = run("evaluate", tmp_path / "reviewed.xlsx", "--label-column", "复核编码",
              "--sheet", "2", "--header-row", "1")  # fmt: skip
    assert res.exit_code == 1 and "'XX公司2024年收入复核表'" in res.output  # row 1 taken as header
