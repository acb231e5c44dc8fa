"""``batch`` and ``report`` on ledgers as finance systems export them: title, blank and note rows
above the header, a 说明 sheet first, full-width column names, a GBK CSV with a title line, .xls."""

import csv
import json
from decimal import Decimal

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from tas_classify.cli import main
from tas_classify.ledger.result_columns import RESULT_COLUMNS

TITLE = "XX科技有限公司2024年度收入明细表"
HEADER = ["序号", "合同名称", "客户名称", "价税合计", "不含税金额(元)"]


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def export(tmp_path):
    """说明 sheet, then 收入明细: merged title (row 1), blank row 2, 单位：元 (row 3), header
    (row 4), three lines of 100, 200 and 300 yuan without VAT (600 in all), 106 + 212 + 318 =
    636 with VAT."""
    book = Workbook()
    book.active.title = "说明"
    book.active["A1"] = "第二张表为收入明细"
    ws = book.create_sheet("收入明细")
    ws["A1"] = TITLE
    ws.merge_cells("A1:E1")
    ws["A3"] = "单位：元"
    ws.append(HEADER)
    ws.append([1, "为某银行提供核心系统定制开发", "某银行", 106, 100])
    ws.append([2, "机房托管服务（年度）", "某证券", 212, 200])
    ws.append([3, "服务器采购", "某公司", 318, 300])
    path = tmp_path / "收入明细.xlsx"
    book.save(path)
    return path


def test_batch_reads_the_table_below_the_title_and_says_where(export, tmp_path):
    out = tmp_path / "out.csv"
    res = run("batch", export, "-o", out)
    assert res.exit_code == 0, res.output
    assert "sheet '收入明细' (2 of 2), header row 4: 序号, 合同名称" in res.stderr
    assert f"row 1 '{TITLE}'" in res.stderr and "text column '合同名称'" in res.stderr
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == [*HEADER, *RESULT_COLUMNS]
    texts = ["为某银行提供核心系统定制开发", "机房托管服务（年度）", "服务器采购"]
    assert [r[1] for r in rows[1:]] == texts


def test_report_matches_a_full_width_amount_name_and_warns_on_tax_inclusive(export):
    """不含税金额（元） (full-width brackets) finds 不含税金额(元): ledger sum
    100 + 200 + 300 = 600. With 价税合计: 106 + 212 + 318 = 636, and a warning naming the
    tax-exclusive column."""
    res = run("report", export, "--amount", "不含税金额（元）", "--json", "-q")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert Decimal(data["ledger_sum"]) == 600 and data["lines"] == 3
    assert not any("includes VAT" in w["message"] for w in data["warnings"])
    res = run("report", export, "--amount", "价税合计", "--json", "-q")
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert Decimal(data["ledger_sum"]) == 636
    (vat,) = [w["message"] for w in data["warnings"] if "includes VAT" in w["message"]]
    assert "'价税合计' includes VAT" in vat and "'不含税金额(元)' looks tax-exclusive" in vat


def test_sheet_and_header_row_options(export):
    """--header-row 5 makes line 1 the header: 2 lines left, 200 + 300 = 500 without VAT."""
    res = run("report", export, "--sheet", "2", "--header-row", "5", "--amount", "100",
              "--column", "为某银行提供核心系统定制开发", "--json")  # fmt: skip
    assert res.exit_code == 0, res.output
    assert Decimal(json.loads(res.stdout)["ledger_sum"]) == 500
    assert "header row 5" in res.stderr
    res = run("batch", export, "--sheet", "9")
    assert res.exit_code == 1
    assert "no sheet '9'; the sheets are 1 '说明', 2 '收入明细'" in res.output
    res = run("batch", export, "--header-row", "0")
    assert res.exit_code == 2


def test_gbk_csv_with_a_title_line_goes_through_batch(tmp_path):
    """Was exit 1, "row 3: 2 cells but the header has 1 (an unquoted comma …)"."""
    path = tmp_path / "台账.csv"
    text = f"{TITLE}\n单位：元\n合同名称,金额\n软件开发服务,100\n服务器采购,300\n"
    path.write_bytes(text.encode("gbk"))
    out = tmp_path / "out.csv"
    res = run("batch", path, "-o", out)
    assert res.exit_code == 0, res.output
    assert "header row 3: 合同名称, 金额" in res.stderr
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    expected = [["合同名称", "金额"], ["软件开发服务", "100"], ["服务器采购", "300"]]
    assert [r[:2] for r in rows] == expected


def test_xls_input_and_no_xls_output(tmp_path):
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    ws = book.add_sheet("台账")
    ws.write(0, 0, TITLE)
    for col, name in enumerate(["合同名稱", "金額"]):
        ws.write(2, col, name)
    ws.write(3, 0, "軟體開發服務")
    ws.write(3, 1, 100)
    path = tmp_path / "l.xls"
    book.save(str(path))
    res = run("report", path, "--amount", "金额", "--json")
    assert res.exit_code == 0, res.output
    assert Decimal(json.loads(res.stdout)["ledger_sum"]) == 100
    assert "sheet '台账', header row 3: 合同名稱, 金額" in res.stderr
    res = run("batch", path, "-o", tmp_path / "out.xls")
    assert res.exit_code == 2 and "output must be" in res.output
