"""Report correctness on ledgers built the way finance software exports them: subtotal rows in any
column and spelling, credit notes in every spelling, 40-digit amounts, a total income typed without
its unit, and the trade track's thresholds. Each figure is computed by hand in the docstring."""

import csv
import json
from decimal import Decimal

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from tas_classify import classify_batch
from tas_classify.cli import main
from tas_classify.ledger.columns import is_total_row
from tas_classify.report.income import build_report, thresholds_for


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def write_csv(path, rows):
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def report_json(path, *extra):
    res = run("report", path, "--amount", "金额", "--json", "-q", *extra)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


@pytest.mark.parametrize(
    "label",
    ["合计", "小计", "总计", "本月合计", "本页小计", "累计", "本年累计", "合计（含税）",
     "小计（含税）", "合计(不含税)", "合计：", "合 计", "1月小计", "合计金额",
     "合计（大写）：叁佰万元整", "承前页",
     "Total", "TOTAL:", "Subtotal", "Grand total", "Total (incl. VAT)", "【本月】合计"],
)  # fmt: skip
def test_total_labels_with_prefixes_suffixes_and_notes(label):
    assert is_total_row(label)


@pytest.mark.parametrize(
    "text",
    ["合计软件开发费", "软件开发合计服务", "小计算器采购", "累计折旧计算服务", "技术服务费（合计）",
     "Totally managed IT services", "total solutions consulting", "", "合计（" + "长" * 30 + "）"],
)  # fmt: skip
def test_a_longer_text_that_contains_the_word_is_an_ordinary_line(text):
    assert not is_total_row(text)


SUBTOTAL_ROWS = [
    ["序号", "合同名称", "金额", "备注"],
    [1, "为日本某保险公司提供核心系统定制开发服务", 1000, ""],
    [2, "服务器及网络设备采购", 2000, ""],
    ["本月合计", None, 3000, None],
    [None, "合计（含税）", 3390, None],
    [3, "合计软件开发费", 500, ""],
    [None, "小计（含税）", 565, None],
    [None, "Total (incl. VAT)", 4000, None],
    [4, "办公楼租金", 1500, ""],
    [None, None, 5000, "合计："],
    ["累计", None, 9999, None],
    [None, "Grand total", 5000, None],
]


def test_subtotal_rows_in_any_column_are_listed_never_counted(tmp_path):
    """Counted lines: row 2 (ITO-01, 1,000), row 3 (NONE, 2,000), row 6 (合计软件开发费 is an
    item: ITO-01, 500), row 9 (NONE, 1,500). Ledger sum = 1,000 + 2,000 + 500 + 1,500 = 5,000;
    in scope = 1,000 + 500 = 1,500; share = 1,500 / 5,000 = 30% → FAIL (≥ 50% needed).
    Rows 4, 5, 7, 8, 10, 11, 12 are subtotal rows (label in 序号, 合同名称 or 备注). Counting
    them would give 5,000 + 3,000 + 3,390 + 565 + 4,000 + 5,000 + 9,999 + 5,000 = 35,954."""
    texts = ["为日本某保险公司提供核心系统定制开发服务", "服务器及网络设备采购", "合计软件开发费",
             "办公楼租金"]  # fmt: skip
    assert [r.code for r in classify_batch(texts, track="outsourcing")] == [
        "ITO-01", "NONE", "ITO-01", "NONE"]  # fmt: skip
    book = Workbook()
    for row in SUBTOTAL_ROWS:
        book.active.append(row)
    path = tmp_path / "subtotals.xlsx"
    book.save(path)
    r = report_json(path, "--track", "outsourcing")
    assert (r["ledger_sum"], r["in_scope_income"]) == ("5000.00", "1500.00")
    assert r["in_scope_share"] == 0.3
    assert r["verdicts"]["in_scope"]["passed"] is False
    assert [(x["row"], x["label"]) for x in r["total_rows"]] == [
        (4, "本月合计"), (5, "合计（含税）"), (7, "小计（含税）"), (8, "Total (incl. VAT)"),
        (10, "合计："), (11, "累计"), (12, "Grand total")]  # fmt: skip
    assert r["counted_lines"] == 4


CREDIT_AMOUNTS = ["-5", "\u22125", "(5)", "(\u22125)", "(-5)", "－5", "5-", "￥-500", "-￥500",
                  "¥(500.00)", "红字100"]  # fmt: skip


def test_credit_notes_reduce_income_and_double_signs_are_listed(tmp_path):
    """软件开发服务 (ITO-01, in scope) 10,000.00, then credit notes on the same service:
    seven of 5 (-5, −5, (5), (−5), (-5), －5, 5-) = 35, three of 500 (￥-500, -￥500, ¥(500.00))
    = 1,500, and 红字100 = 100: 1,635 in all. In scope = 10,000 - 1,635 = 8,365.00.
    办公楼租金 (NONE) 1,635 → ledger sum 10,000.00; share 8,365 / 10,000 = 0.8365.
    --5 and -￥-500 are malformed: listed as unread, never counted (as +5 / +500 they would give
    8,870 in scope)."""
    rows = [["合同名称", "金额"], ["软件开发服务", "10,000.00"]]
    rows += [["软件开发服务", a] for a in CREDIT_AMOUNTS]
    rows += [["办公楼租金", "1,635"], ["软件开发服务", "--5"], ["软件开发服务", "-￥-500"]]
    r = report_json(write_csv(tmp_path / "credit.csv", rows), "--track", "outsourcing")
    assert r["in_scope_income"] == "8365.00" and r["ledger_sum"] == "10000.00"
    assert r["in_scope_share"] == 0.8365
    assert [(x["row"], x["value"]) for x in r["unparsed_amounts"]] == [(15, "--5"), (16, "-￥-500")]
    assert all("more than one minus sign" in x["problem"] for x in r["unparsed_amounts"])
    assert any(w["code"] == "unparsed_amounts" for w in r["warnings"])


def test_forty_digit_amounts_are_summed_exactly(tmp_path):
    """软件开发服务 (ITO-01) 1234567890123456789012345678901234567890.12 and 办公楼租金 (NONE)
    9876543210987654321098765432109876543210.99: ledger sum, digit by digit,
    = 11111111101111111110111111111011111111101.11; in scope = the first amount exactly; share
    = 1.2345678901e39 / 1.1111111101e40 = 0.1111."""
    a = "1234567890123456789012345678901234567890.12"
    b = "9876543210987654321098765432109876543210.99"
    rows = [["合同名称", "金额"], ["软件开发服务", a], ["办公楼租金", b]]
    path = write_csv(tmp_path / "big.csv", rows)
    r = report_json(path, "--track", "outsourcing")
    assert r["ledger_sum"] == "11111111101111111110111111111011111111101.11"
    assert r["in_scope_income"] == a and r["in_scope_share"] == 0.1111
    cents = int(a.replace(".", "")) + int(b.replace(".", ""))  # integer arithmetic cross-check
    assert int(r["ledger_sum"].replace(".", "")) == cents
    res = run("report", path, "--amount", "金额", "-q", "--track", "outsourcing")
    assert "11,111,111,101,111,111,110,111,111,111,011,111,111,101.11" in res.stdout


def test_total_income_without_its_unit_fails_loudly_unless_forced(tmp_path):
    """tests/data/ledger_fixture.csv: in-scope income 2,030,000 (test_report.py). --total-income
    350 (万元 forgotten) would give 2,030,000 / 350 = 580,000%: exit 1 and say so. With --force
    the report comes out with the blocking warning in it. 2,500,000 is above the in-scope income
    but below the ledger sum 3,000,000: a warning only."""
    from tests.report.test_report import FIXTURE

    res = run("report", FIXTURE, "--amount", "金额", "--total-income", "350", "-q")
    assert res.exit_code == 1 and "总收入" not in res.stdout
    assert "below the ledger's in-scope income 2030000.00" in res.output
    assert "--force" in res.output and "350万元" in res.output
    r = report_json(FIXTURE, "--total-income", "350", "--force")
    blocking = [w for w in r["warnings"] if w["blocking"]]
    assert [w["code"] for w in blocking] == ["total_income_below_in_scope"]
    res = run("report", FIXTURE, "--amount", "金额", "--total-income", "350", "--force", "-q")
    assert res.exit_code == 0 and "WARNING 警告: total income 350.00 is below" in res.stdout
    r = report_json(FIXTURE, "--total-income", "2,500,000")
    assert [w["code"] for w in r["warnings"] if w["code"].startswith("total")] == [
        "total_income_below_ledger_sum"
    ]
    assert not any(w["blocking"] for w in r["warnings"])
    assert "below" not in json.dumps(report_json(FIXTURE, "--total-income", "350万元")["warnings"])


TRADE_ROWS = [
    ["合同名称", "金额", "是否境外"],
    ["2024年1月 技术开发费", "400,000", "否"],
    ["技术开发费", "350,000", "否"],
    ["服务器及网络设备采购", "200,000", "否"],
    ["办公楼租金", "50,000", "否"],
]


def test_trade_track_needs_70_percent_and_has_no_offshore_test(tmp_path):
    """With --track trade: 技术开发费 lines are TRD-03 (checked), in scope 400,000 + 350,000 =
    750,000 of the ledger sum 1,000,000 = 75% ≥ 70% → pass; no offshore test, so the overall
    verdict is pass although offshore in-scope income is 0. With --total-income 1,100,000:
    750,000 / 1,100,000 = 68.18% < 70% → fail (it would pass the outsourcing track's 50%)."""
    texts = [row[0] for row in TRADE_ROWS[1:]]
    assert [r.code for r in classify_batch(texts, track="trade")] == [
        "TRD-03", "TRD-03", "NONE", "NONE"]  # fmt: skip
    path = write_csv(tmp_path / "trade.csv", TRADE_ROWS)
    r = report_json(path, "--offshore", "是否境外", "--track", "trade")
    assert r["in_scope_income"] == "750000.00" and r["in_scope_share"] == 0.75
    assert r["thresholds"]["min_in_scope"] == 0.7 and r["thresholds"]["min_offshore"] is None
    assert r["verdicts"]["offshore"]["threshold"] is None
    assert r["verdicts"]["offshore"]["passed"] is None
    assert r["verdict"] == "pass" and r["provenance"]["track"] == "trade"
    assert "财税〔2018〕44号" in r["thresholds"]["basis"]
    r = report_json(path, "--track", "trade", "--total-income", "1,100,000")
    assert r["in_scope_share"] == pytest.approx(0.6818) and r["verdict"] == "fail"
    r = report_json(path, "--track", "trade", "--total-income", "1,100,000",
                    "--min-in-scope", "0.6")  # fmt: skip
    assert r["verdict"] == "pass" and r["thresholds"]["min_in_scope"] == 0.6
    res = run("report", path, "--amount", "金额", "--track", "trade", "-q")
    assert "no test for this track" in res.stdout


def test_outsourcing_track_thresholds_and_overrides_come_from_the_data_file():
    t = thresholds_for("outsourcing")
    assert (t.min_in_scope, t.min_offshore) == (Decimal("0.50"), Decimal("0.35"))
    assert "财税〔2017〕79号" in t.basis
    t = thresholds_for("trade", min_offshore=0.2)
    assert (t.min_in_scope, t.min_offshore) == (Decimal("0.70"), Decimal("0.2"))
    assert thresholds_for(None).min_in_scope == Decimal("0.50")


def test_shares_at_the_threshold_are_decided_exactly():
    """1 in scope of 2 is exactly 50%: passes; 4999999999999999999999999999999 of
    10^31 is 0.4999… (31 digits): fails, though a 28-digit quotient rounds it to 0.5."""
    from tas_classify.report.income import LedgerLine

    def lines(a, b):
        return [LedgerLine(2, "x", Decimal(a), "ITO-01", 1.0, False),
                LedgerLine(3, "y", Decimal(b), "NONE", 1.0, False)]  # fmt: skip

    assert build_report(lines(1, 1)).verdicts[0].passed is True
    near = build_report(lines("4999999999999999999999999999999", "5000000000000000000000000000001"))
    assert near.verdicts[0].passed is False


def test_credit_note_wording_with_a_positive_amount_is_flagged(tmp_path):
    """A refund written with a positive amount (the minus lost in the export) is flagged for
    review, with the reason; the same line with a negative amount, and an ordinary line, are not.
    Amounts: 1,000 (ordinary) + 200 (红字冲销, positive: flagged) − 300 (退款, negative) = 900."""
    path = write_csv(tmp_path / "l.csv", [
        ["合同名称", "金额"],
        ["为日本某保险公司提供核心系统定制开发服务", 1000],
        ["红字冲销：核心系统定制开发服务费", 200],
        ["定制开发服务费退款", -300],
    ])  # fmt: skip
    data = report_json(path)
    assert Decimal(data["ledger_sum"]) == 900
    flagged = [w for w in data["warnings"] if w["code"] == "rows_flagged"]
    assert flagged and "row 3: the text says '红字'" in flagged[0]["message"]
    assert "row 4" not in flagged[0]["message"] and "row 2" not in flagged[0]["message"]
