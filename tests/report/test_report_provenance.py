"""A report a reviewer can sign: provenance in every format, the JSON shape a summary reads, numeric
xlsx cells, subtotals by code, group and location, and the review list grouped by identical
normalised line, largest income first, with client and alternatives."""

import csv
import hashlib
import json
from datetime import datetime, timedelta

from click.testing import CliRunner
from openpyxl import load_workbook

import tas_classify
from tas_classify import classify_batch
from tas_classify._resources import model_path
from tas_classify.cli import main
from tas_classify.ledger.read import open_table
from tas_classify.report.income import report_ledger
from tas_classify.report.render import render_html, render_text
from tests.report.test_report import FIXTURE

PROVENANCE_KEYS = {
    "file", "sheet", "header_row", "text_column", "amount_column", "offshore_column",
    "client_column", "track", "thresholds", "model", "model_sha256", "tool_version", "created",
    "enterprise", "credit_code",
}  # fmt: skip
CARD_SHA = hashlib.sha256((model_path("default") / "card.md").read_bytes()).hexdigest()
SIGN = ["--enterprise", "某某科技有限公司", "--credit-code", "91110000MA01ABCD2X"]


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_json_has_provenance_verdict_and_the_fields_a_summary_reads():
    """ledger_fixture.csv with --track outsourcing: 技术开发费 is KPO-01 (needs review), so in
    scope = 2,030,000 (as without a track) → 67.67% ≥ 50%; offshore 1,220,000 → 40.67% ≥ 35%:
    verdict pass. Needs-review income 450,000 + 20,000 = 470,000 on 2 lines."""
    res = run("report", FIXTURE, "--amount", "金额", "--offshore", "是否境外", "--client", "客户",
              "--track", "outsourcing", "--json", "-q", *SIGN)  # fmt: skip
    assert res.exit_code == 0, res.output
    r = json.loads(res.stdout)
    p = r["provenance"]
    assert set(p) == PROVENANCE_KEYS
    assert p["file"] == str(FIXTURE) and p["sheet"] is None and p["header_row"] == 1
    assert (p["text_column"], p["amount_column"], p["offshore_column"], p["client_column"]) == (
        "合同名称", "金额", "是否境外", "客户")  # fmt: skip
    assert p["track"] == "outsourcing"
    assert p["thresholds"]["min_in_scope"] == 0.5 and p["thresholds"]["min_offshore"] == 0.35
    assert (p["model"], p["model_sha256"]) == ("shipped", CARD_SHA)
    assert p["tool_version"] == tas_classify.__version__
    created = datetime.fromisoformat(p["created"])
    assert abs(created - datetime.now().astimezone()) < timedelta(minutes=5)
    assert (p["enterprise"], p["credit_code"]) == ("某某科技有限公司", "91110000MA01ABCD2X")
    assert r["verdict"] == "pass"
    assert (r["total_income"], r["in_scope_income"], r["offshore_income"]) == (
        "3000000.00", "2030000.00", "1220000.00")  # fmt: skip
    assert (r["in_scope_share"], r["offshore_share"]) == (0.6767, 0.4067)
    assert r["at_risk"]["needs_review_income"] == "470000.00"
    assert r["at_risk"]["needs_review_lines"] == 2
    location = {x["key"]: (x["lines"], x["income"], x["in_scope_income"]) for x in r["by_location"]}
    # offshore: rows 2, 6, 10 = 1,200,000 - 100,000 + 120,000; onshore: the other five.
    assert location == {"offshore": (3, "1220000.00", "1220000.00"),
                        "onshore": (5, "1780000.00", "810000.00")}  # fmt: skip
    without = json.loads(run("report", FIXTURE, "--amount", "金额", "--json", "-q").stdout)
    assert without["verdict"] == "not_assessed"  # no offshore column: the offshore test is open


def test_model_folder_is_named_with_its_card_hash(tmp_path):
    import shutil

    folder = tmp_path / "m"
    shutil.copytree(model_path("default"), folder)
    res = run("report", FIXTURE, "--amount", "金额", "--model", folder, "--json", "-q")
    p = json.loads(res.stdout)["provenance"]
    assert p["model"] == str(folder) and p["model_sha256"] == CARD_SHA


def test_sheet_header_row_and_reader_warnings_come_from_the_table():
    """The reading helper's attributes (``sheet``, ``header_row``, ``warnings``) reach the
    provenance and the warnings list when present."""
    with open_table(str(FIXTURE)) as table:
        table.sheet, table.header_row = "收入明细", 3
        table.warnings = ["amount column '金额' is tax-inclusive (含税); '不含税金额' exists"]
        report = report_ledger(table, 1, "金额")
    d = report.to_dict()
    assert (d["provenance"]["sheet"], d["provenance"]["header_row"]) == ("收入明细", 3)
    assert d["warnings"][0] == {"code": "table", "blocking": False,
                                "message": table.warnings[0]}  # fmt: skip
    assert "tax-inclusive" in render_text(report) and "tax-inclusive" in render_html(report)
    assert "收入明细" in render_text(report)


REVIEW_ROWS = [
    ["合同名称", "金额", "客户"],
    ["2024年1月 技术开发费", "300", "甲公司"],
    ["2024年2月技术开发费 合同号HT-2024-002", "200", "乙公司"],
    ["技术开发费", "100", "甲公司"],
    ["信息化项目服务费", "700", '=HYPERLINK("http://x.example","y")'],
    ["软件开发服务", "1000", "丙公司"],
]


def review_ledger(tmp_path):
    texts = [row[0] for row in REVIEW_ROWS[1:]]
    results = classify_batch(texts)
    assert [(r.code, r.needs_review) for r in results] == [
        ("TRD-03", True),
        ("TRD-03", True),
        ("TRD-03", True),
        ("NONE", True),
        ("ITO-01", False),
    ]
    path = tmp_path / "review.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(REVIEW_ROWS)
    return path


def test_review_list_is_grouped_by_normalised_line_largest_income_first(tmp_path):
    """Rows 2-4 are 技术开发费 once dates and contract numbers are removed: one group of 3 lines,
    300 + 200 + 100 = 600, clients 甲公司, 乙公司. Row 5 (信息化项目服务费, 700) is its own
    group and comes first (700 > 600). Row 6 does not need review."""
    path = review_ledger(tmp_path)
    args = ["report", path, "--amount", "金额", "--client", "客户"]
    r = json.loads(run(*args, "--json", "-q").stdout)
    groups = [(g["normalised"], g["lines"], g["income"], g["rows"], g["clients"])
              for g in r["review_groups"]]  # fmt: skip
    assert groups == [
        ("信息化项目服务费", 1, "700.00", [5], ['=HYPERLINK("http://x.example","y")']),
        ("技术开发费", 3, "600.00", [2, 3, 4], ["甲公司", "乙公司"]),
    ]
    assert r["review_groups"][1]["alternatives"]  # e.g. "KPO-01 0.40"
    page_path = tmp_path / "r.html"
    assert run(*args, "-o", page_path).exit_code == 0
    page = page_path.read_text("utf-8")
    review = page[page.index("Lines to review: 4 lines in 2 groups") :]
    assert review.index("信息化项目服务费") < review.index("2024年1月 技术开发费")
    assert "2, 3, 4" in review and "甲公司, 乙公司" in review and "<script" not in page
    assert "某某" not in page and "Provenance" in page


def test_xlsx_has_numbers_label_value_summary_subtotals_and_grouped_review(tmp_path):
    """ledger_fixture.csv, --total-income 350万元: total 3,500,000 (a number, #,##0.00), in-scope
    share 2,030,000 / 3,500,000 = 0.58 (a number, 0.00%); review groups as in the JSON; the
    formula-like client stays text."""
    target = tmp_path / "r.xlsx"
    res = run("report", FIXTURE, "--amount", "金额", "--offshore", "是否境外", "--client", "客户",
              "--total-income", "350万元", "-o", target, "-q", *SIGN)  # fmt: skip
    assert res.exit_code == 0, res.output
    book = load_workbook(target)
    assert book.sheetnames == ["summary", "subtotals", "review", "lines"]
    summary = {row[0].value: row[1] for row in book["summary"].iter_rows() if row[0].value}
    assert summary["enterprise 企业名称"].value == "某某科技有限公司"
    assert summary["model card SHA-256"].value == CARD_SHA
    assert summary["amount column 金额列"].value == "金额"
    total = summary["total income 总收入"]
    assert total.value == 3_500_000 and total.number_format == "#,##0.00"
    share = summary["in-scope share 范围内收入占比"]
    assert abs(share.value - 0.58) < 1e-9 and share.number_format == "0.00%"
    assert summary["verdict 结论"].value == "FAIL 未达标"  # offshore 34.86% < 35%
    assert all(c.value is None for c in book["summary"]["C"][:15])  # label / value, not pasted text
    sub = [[c.value for c in row] for row in book["subtotals"].iter_rows()]
    assert ["ITO-01", "软件研发及开发服务", 2, 1_100_000, 1_100_000 / 3_500_000] in sub
    assert ["离岸 offshore", None, 3, 1_220_000, 1_220_000] in sub
    lines = list(book["lines"].iter_rows(min_row=2))
    assert lines[0][2].value == 1_200_000 and lines[0][2].number_format == "#,##0.00"
    assert lines[4][2].value == -100_000  # the credit note is a negative number
    review = [[c.value for c in row] for row in book["review"].iter_rows(min_row=2)]
    assert [row[0] for row in review] == [450_000, 20_000]  # largest income first
    assert review[0][7] == "杭州某科技公司"


def test_formula_like_client_stays_text_in_the_review_sheet(tmp_path):
    path = review_ledger(tmp_path)
    target = tmp_path / "r.xlsx"
    assert run("report", path, "--amount", "金额", "--client", "客户", "-o", target).exit_code == 0
    cell = load_workbook(target)["review"]["H2"]
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"
