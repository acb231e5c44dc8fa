"""Ledgers as finance systems export them: a title (often merged), blank rows and notes above the
header, several sheets, .xls, full-width and Traditional column names, a long ASCII start before
the Chinese, and a tax-inclusive amount column. Every fixture is built here."""

import datetime
import time

import pytest
from openpyxl import Workbook

from tas_classify.ledger.columns import (
    ColumnError,
    choose_amount_column,
    choose_text_column,
    find_column,
    find_header_row,
    header_key,
)
from tas_classify.ledger.read import TableError, open_table

TITLE = "XX科技有限公司2024年度收入明细表"
HEADER = ["序号", "合同名称", "客户名称", "价税合计", "不含税金额(元)"]
DATA = [
    [1, "为某银行提供核心系统定制开发", "某银行", 106, 100],
    [2, "机房托管服务（年度）", "某证券", 212, 200],
]


def read(path, **kwargs):
    with open_table(str(path), **kwargs) as table:
        return table, list(table.rows)


def export_xlsx(path):
    """A 说明 sheet first, then the data sheet: merged title in row 1, row 2 blank, 单位：元 in
    row 3, the header in row 4, data in rows 5–6; then an empty third sheet."""
    book = Workbook()
    book.active.title = "说明"
    book.active["A1"] = "本工作簿由财务系统导出，第二张表为收入明细。"
    ws = book.create_sheet("收入明细")
    ws["A1"] = TITLE
    ws.merge_cells("A1:E1")
    ws["A3"] = "单位：元"
    ws["D3"] = "期间：2024年1-12月"
    ws.append(HEADER)
    for row in DATA:
        ws.append(row)
    book.create_sheet("Sheet3")
    book.save(path)
    return path


def test_xlsx_title_blank_and_note_rows_above_the_header_and_a_notes_sheet(tmp_path):
    table, rows = read(export_xlsx(tmp_path / "export.xlsx"))
    assert table.sheet == "收入明细" and table.sheets == ["说明", "收入明细", "Sheet3"]
    assert table.header_row == 4 and table.columns == HEADER
    assert table.skipped_rows == [(1, TITLE), (3, "单位：元 | 期间：2024年1-12月")]
    assert rows == [(5, DATA[0]), (6, DATA[1])]
    assert table.describe().startswith("sheet '收入明细' (2 of 3), header row 4: 序号, 合同名称")


def test_sheet_by_name_or_number_and_header_row_override(tmp_path):
    path = export_xlsx(tmp_path / "export.xlsx")
    table, rows = read(path, sheet="2", header_row=5)
    assert table.sheet == "收入明细" and table.header_row == 5
    assert table.columns[1] == DATA[0][1] and rows == [(6, DATA[1])]
    table, rows = read(path, sheet="说明")
    assert table.header_row == 1 and rows == []
    assert table.columns == ["本工作簿由财务系统导出，第二张表为收入明细。"]
    with pytest.raises(TableError, match=r"no sheet '明细'; the sheets are 1 '说明', 2 '收入明细'"):
        read(path, sheet="明细")
    with pytest.raises(TableError, match=r"sheet '收入明细' has no row 9 \(--header-row\)"):
        read(path, sheet="收入明细", header_row=9)


def test_gbk_csv_with_a_title_line_reads(tmp_path):
    """Was: "row 3: 2 cells but the header has 1 (an unquoted comma …)". Row 1 is the title,
    row 2 the notes, row 3 blank, row 4 the header; data are rows 5 and 6."""
    path = tmp_path / "收入明细.csv"
    text = (
        f"{TITLE}\n编制单位：XX科技有限公司,期间：2024年\n\n"
        "合同名称,金额\n软件开发,100\n服务器采购,300\n"
    )
    path.write_bytes(text.encode("gbk"))
    table, rows = read(path)
    assert table.encoding == "gb18030" and table.header_row == 4
    assert table.columns == ["合同名称", "金额"]
    assert table.skipped_rows[0] == (1, TITLE) and len(table.skipped_rows) == 2
    assert rows == [(5, ["软件开发", "100"]), (6, ["服务器采购", "300"])]
    table, rows = read(path, header_row=5)
    assert table.columns == ["软件开发", "100"] and rows == [(6, ["服务器采购", "300"])]
    with pytest.raises(TableError, match=r"has no row 40 \(--header-row\); it has 6 rows"):
        read(path, header_row=40)


def test_a_header_in_row_1_is_still_row_1():
    """Plain files keep their header: a blank header cell, numbers below, one column."""
    assert find_header_row([["a", "b", "c"], ["1", "2", "3"]]) == 0
    assert find_header_row([["序号", "", "金额"], ["1", "软件开发", "100"]]) == 0
    assert find_header_row([["text"], ["软件开发"]]) == 0
    assert find_header_row([["name", "note"], ["软件开发", "备注"]]) == 0
    assert find_header_row([[], [None, ""]]) is None


def test_note_rows_and_titles_are_not_headers_even_when_wide():
    rows = [
        [TITLE, None, None, None],
        ["编制单位：XX公司", "2024年12月31日", "", "单位：元"],
        ["项目", "说明", "收入", "备注"],
        ["软件开发", "定制", 100, ""],
    ]
    assert find_header_row(rows) == 2
    known_later = [["区域", "年度", "部门"], ["合同名称", "金额", "客户"], ["软件", "1", "某"]]
    assert find_header_row(known_later) == 1


def test_xls_through_xlrd(tmp_path):
    """An Excel 97–2003 file with a title row and a 说明 sheet: numbers are numbers (100, 12.5),
    dates are dates; 100 + 12.5 = 112.5."""
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    book.add_sheet("说明").write(0, 0, "说明：本表由财务系统导出")
    ws = book.add_sheet("收入")
    ws.write_merge(0, 0, 0, 2, TITLE)
    ws.write(2, 0, "合同名稱")  # Traditional
    ws.write(2, 1, "金額（元）")
    ws.write(2, 2, "日期")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    ws.write(3, 0, "軟體開發")
    ws.write(3, 1, 100)
    ws.write(3, 2, datetime.date(2024, 3, 1), date_style)
    ws.write(4, 0, "數據處理")
    ws.write(4, 1, 12.5)
    path = tmp_path / "ledger.xls"
    book.save(str(path))
    table, rows = read(path)
    assert (table.format, table.sheet, table.header_row) == ("xls", "收入", 3)
    assert table.skipped_rows == [(1, TITLE)]
    assert rows == [
        (4, ["軟體開發", 100, datetime.datetime(2024, 3, 1)]),
        (5, ["數據處理", 12.5, None]),
    ]
    assert sum(r[1][1] for r in rows) == 112.5
    assert choose_text_column(table.columns, None, source="x")[0] == 0
    assert find_column(table.columns, "金额(元)", source="x", option="--amount") == 1


def test_not_really_xls_is_a_clear_error(tmp_path):
    path = tmp_path / "export.xls"
    path.write_text("<html><table><tr><td>合同名称</td></tr></table></html>", "utf-8")
    with pytest.raises(TableError, match=r"export\.xls: not an Excel 97–2003 \.xls workbook"):
        read(path)


def test_column_names_match_across_width_case_script_and_spaces():
    columns = ["序号", "不含税金额(元)", "合同名稱", "Client Name"]
    assert find_column(columns, "不含税金额（元）", source="x", option="--amount") == 1
    assert find_column(columns, "不含税金额", source="x", option="--amount") == 1
    assert find_column(columns, "合同名称", source="x", option="--column") == 2
    assert find_column(columns, "ＣＬＩＥＮＴ ｎａｍｅ", source="x", option="--column") == 3
    assert choose_text_column(columns, None, source="x")[0] == 2
    assert header_key("合同名稱") == header_key("合同名称")
    with pytest.raises(ColumnError, match=r"no column '金额\(万元\)'"):
        find_column(["金额"], "金额(万元)", source="x", option="--amount")


def test_big5_csv_headers_are_recognised(tmp_path):
    path = tmp_path / "big5.csv"
    path.write_bytes("合同名稱,金額\n軟體開發服務,100\n資料庫維護,200\n".encode("big5"))
    table, rows = read(path)
    assert table.encoding == "big5" and table.header_row == 1
    assert choose_text_column(table.columns, None, source="x") == (0, "text column '合同名稱'")
    assert find_column(table.columns, "金额", source="x", option="--amount") == 1
    assert rows[1] == (3, ["資料庫維護", "200"])


@pytest.mark.parametrize("prefix_bytes", [50_000, 3_000_000])
def test_a_long_ascii_start_does_not_pass_for_utf8(tmp_path, prefix_bytes):
    """ASCII lines for 50 KB (and 3 MB, past the 1 MiB sample), then GBK Chinese: read as GB18030,
    no replacement characters."""
    path = tmp_path / "long.csv"
    ascii_row = b"item-0001,100\n"
    count = prefix_bytes // len(ascii_row)
    chinese = "软件开发服务,200\n数据中心托管,300\n" * 50
    path.write_bytes(b"text,amount\n" + ascii_row * count + chinese.encode("gbk"))
    start = time.perf_counter()
    table, rows = read(path)
    elapsed = time.perf_counter() - start
    assert table.encoding == "gb18030"
    assert rows[count] == (count + 2, ["软件开发服务", "200"])
    assert not any("\ufffd" in cell for _, cells in rows for cell in cells)
    assert elapsed < 10


def test_utf8_after_a_long_ascii_start_stays_utf8(tmp_path):
    path = tmp_path / "u.csv"
    path.write_bytes(b"text,amount\n" + b"abc,1\n" * 400_000 + "软件开发,2\n".encode())
    table, rows = read(path)
    assert table.encoding == "utf-8" and rows[-1][1] == ["软件开发", "2"]


def test_tax_inclusive_amount_column_warns_when_a_tax_exclusive_one_exists():
    columns = ["合同名称", "价税合计", "不含税金额(元)", "税额"]
    index, warnings = choose_amount_column(columns, "价税合计", source="l.xlsx")
    assert index == 1 and len(warnings) == 1
    assert "'价税合计' includes VAT" in warnings[0] and "'不含税金额(元)'" in warnings[0]
    assert "'税额'" not in warnings[0]
    assert choose_amount_column(columns, "不含税金额", source="x") == (2, [])
    assert choose_amount_column(["名称", "含税金额", "金额"], "含税金额", source="x")[1]
    assert choose_amount_column(["名称", "含税金额", "税额"], "含税金额", source="x")[1] == []
    with pytest.raises(ColumnError, match=r"no column '收入' \(--amount\)"):
        choose_amount_column(columns, "收入", source="x")


def test_a_one_cell_title_above_a_two_column_table_is_not_its_header():
    from tas_classify.ledger.columns import find_header_row

    rows = [["XX公司2024年收入复核表"], [], ["合同名称", "复核编码"], ["软件开发", "ITO-01"]]
    assert find_header_row(rows) == 2
    assert find_header_row([["合同名称"], ["软件开发", "x"]]) == 0  # a one-column header stays
