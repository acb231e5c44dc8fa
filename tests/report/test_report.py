"""The revenue report against hand-computed figures.

tests/data/ledger_fixture.csv, classified by the shipped model (checked first, line by line):

  row  text (short)                      amount          offshore  code    review
  2    日本保险 核心系统定制开发         1,200,000.00    是        ITO-01
  3    IDC机柜托管及带宽租用               360,000.00    否        ITO-06
  4    服务器及网络设备采购                800,000.00    否        NONE
  5    技术开发费                          450,000.00    否        TRD-03  yes
  6    红字冲销 定制开发 (credit note)    -100,000.00    是        ITO-01
  7    办公楼租金                          150,000.00    否        NONE
  8    信息化项目服务费 (NONE, vague)      待定 → unparseable, left out and listed
  9    (blank)                              20,000.00    否        NONE    yes
  10   临床试验数据管理 (full-width)       120,000.00    Y         KPO-01
  11   合计 → subtotal row, left out and listed

  ledger sum        = 1,200,000 + 360,000 + 800,000 + 450,000 - 100,000 + 150,000 + 20,000
                      + 120,000                                            = 3,000,000
  in scope          = 1,200,000 + 360,000 + 450,000 - 100,000 + 120,000     = 2,030,000
  offshore in scope = 1,200,000 - 100,000 + 120,000                         = 1,220,000
  needs review      = 450,000 + 20,000 = 470,000; of it in scope 450,000; NONE 20,000
  in scope without the review lines = 2,030,000 - 450,000                   = 1,580,000
"""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from tas_classify import classify_batch
from tas_classify.cli import main
from tas_classify.report.income import LedgerLine, Thresholds, build_report

FIXTURE = Path(__file__).parents[1] / "data" / "ledger_fixture.csv"
EXPECTED_CODES = ["ITO-01", "ITO-06", "NONE", "TRD-03", "ITO-01", "NONE", "NONE", "NONE",
                  "KPO-01", "NONE"]  # fmt: skip
EXPECTED_REVIEW = [False, False, False, True, False, False, True, True, False, True]


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def report_json(*extra):
    res = run("report", FIXTURE, "--amount", "金额", "--offshore", "是否境外", "--json", *extra)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_fixture_lines_are_classified_as_the_hand_computation_assumes():
    import csv

    with FIXTURE.open(encoding="utf-8") as fh:
        texts = [row["合同名称"] for row in csv.DictReader(fh)]
    results = classify_batch(texts)
    assert [r.code for r in results] == EXPECTED_CODES
    assert [r.needs_review for r in results] == EXPECTED_REVIEW


def test_report_with_ledger_sum_as_total():
    r = report_json()
    assert r["total_income_source"] == "ledger sum"
    assert r["total_income"] == r["ledger_sum"] == "3000000.00"
    assert (r["lines"], r["counted_lines"]) == (10, 8)
    assert r["in_scope_income"] == "2030000.00"
    assert r["in_scope_share"] == pytest.approx(0.6767)
    assert r["offshore_income"] == "1220000.00"
    assert r["offshore_share"] == pytest.approx(0.4067)
    assert r["verdicts"]["in_scope"]["passed"] is True
    assert r["verdicts"]["offshore"]["passed"] is True
    worst = r["verdicts"]["in_scope"]["if_review_lines_out_of_scope"]
    assert worst == {"share": pytest.approx(0.5267), "passed": True}
    assert r["verdicts"]["in_scope"]["flips"] is False
    assert r["at_risk"] == {
        "needs_review_income": "470000.00",
        "in_scope": "450000.00",
        "offshore": "0.00",
        "needs_review_lines": 2,
        "possibly_in_scope": "20000.00",
    }
    assert r["unparsed_amounts"] == [
        {"row": 8, "value": "待定", "problem": "not an amount ('待定')"}
    ]
    assert r["total_rows"] == [{"row": 11, "text": "", "label": "合计"}]
    assert r["offshore_unknown"] == []
    by_code = {x["key"]: (x["lines"], x["income"]) for x in r["by_code"]}
    assert by_code == {
        "ITO-01": (2, "1100000.00"),
        "ITO-06": (1, "360000.00"),
        "KPO-01": (1, "120000.00"),
        "TRD-03": (1, "450000.00"),
        "NONE": (3, "970000.00"),
    }
    by_group = {x["key"]: x["income"] for x in r["by_group"]}
    assert by_group == {
        "信息技术外包服务（ITO）": "1460000.00",
        "技术性知识流程外包服务（KPO）": "120000.00",
        "服务贸易类·研究开发和技术服务": "450000.00",
        "不属于认定范围": "970000.00",
    }
    assert any("sum of the ledger" in n for n in r["notes"])


def test_given_total_income_makes_the_in_scope_verdict_flip_on_review_lines():
    # 2,030,000 / 3,500,000 = 0.58 passes; 1,580,000 / 3,500,000 = 0.4514 fails: the review
    # lines decide the verdict. Offshore 1,220,000 / 3,500,000 = 0.3486 fails either way.
    r = report_json("--total-income", "350万元")
    assert r["total_income_source"] == "given" and r["total_income"] == "3500000.00"
    in_scope, offshore = r["verdicts"]["in_scope"], r["verdicts"]["offshore"]
    assert in_scope["share"] == pytest.approx(0.58) and in_scope["passed"] is True
    assert in_scope["if_review_lines_out_of_scope"] == {
        "share": pytest.approx(0.4514),
        "passed": False,
    }
    assert in_scope["flips"] is True
    assert offshore["share"] == pytest.approx(0.3486) and offshore["passed"] is False
    assert offshore["flips"] is False


def test_thresholds_are_settings():
    r = report_json("--min-in-scope", "0.70", "--min-offshore", "0.45")
    assert r["verdicts"]["in_scope"]["passed"] is False  # 0.6767 < 0.70
    assert r["verdicts"]["offshore"]["passed"] is False  # 0.4067 < 0.45
    assert r["thresholds"] == {
        "track": None,
        "min_in_scope": 0.7,
        "min_offshore": 0.45,
        "basis": "服务外包类 财税〔2017〕79号 (overridden)",
    }


def test_without_offshore_column_the_offshore_test_is_not_assessed():
    res = run("report", FIXTURE, "--amount", "金额", "--json")
    r = json.loads(res.stdout)
    assert r["offshore_income"] is None and r["verdicts"]["offshore"]["passed"] is None
    assert any("offshore test is not assessed" in n for n in r["notes"])


def test_terminal_table_and_files(tmp_path):
    res = run("report", FIXTURE, "--amount", "金额", "--offshore", "是否境外",
              "--total-income", "3,500,000")  # fmt: skip
    assert res.exit_code == 0
    assert "58.00%" in res.stdout and "FLIPS" in res.stdout
    assert "row 8: '待定'" in res.stdout and "rows 11" in res.stdout
    html_path, xlsx_path = tmp_path / "r.html", tmp_path / "r.xlsx"
    assert run("report", FIXTURE, "--amount", "金额", "-o", html_path).exit_code == 0
    page = html_path.read_text("utf-8")
    assert page.startswith("<!doctype html>") and "<svg" in page and "<script" not in page
    assert "技术开发费" in page and "Lines to review: 2 lines in 2 groups" in page
    assert run("report", FIXTURE, "--amount", "金额", "-o", xlsx_path).exit_code == 0
    from openpyxl import load_workbook

    book = load_workbook(xlsx_path)
    assert book.sheetnames == ["summary", "subtotals", "review", "lines"]
    assert book["lines"].max_row == 11  # header + every ledger row, subtotal and unread included


def test_report_errors_name_the_column_or_value():
    res = run("report", FIXTURE, "--amount", "金额(元)")
    assert res.exit_code == 1 and "no column '金额(元)' (--amount)" in res.output
    res = run("report", FIXTURE, "--amount", "金额", "--total-income", "about 3m")
    assert res.exit_code == 2 and "--total-income" in res.output
    assert run("report", FIXTURE, "--amount", "金额", "-o", "r.pdf").exit_code == 2


def line(row, amount, code, review=False, offshore=None, total=False):
    return LedgerLine(row, "x", None if amount is None else Decimal(amount), code, 0.9, review,
                      offshore, "" if amount is not None else "blank", total_row=total)  # fmt: skip


def test_build_report_offshore_flip_and_zero_total():
    # in scope 100 + 60 (review, offshore) = 160 of 200; offshore 60 + 20 = 80 → 0.40;
    # without the review line offshore is 20 → 0.10: the offshore verdict flips.
    lines = [
        line(2, "100", "ITO-01"),
        line(3, "60", "BPO-02", review=True, offshore=True),
        line(4, "20", "TRD-02", offshore=True),
        line(5, "20", "NONE"),
        line(6, None, "ITO-01"),
        line(7, "200", "NONE", total=True),
    ]
    report = build_report(lines, has_offshore=True, thresholds=Thresholds())
    offshore = report.verdicts[1]
    assert report.ledger_sum == Decimal("200") and report.offshore_income == Decimal("80")
    assert (offshore.share, offshore.worst_share) == (Decimal("0.4"), Decimal("0.1"))
    assert offshore.passed and not offshore.worst_passed and offshore.flips
    assert [x.row for x in report.unparsed] == [6] and [x.row for x in report.total_rows] == [7]
    empty = build_report([line(2, "-5", "ITO-01")])
    assert empty.verdicts[0].passed is None and empty.verdicts[0].share is None
