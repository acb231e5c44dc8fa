"""``batch`` from .xlsx to .xlsx writes a copy of the input workbook with the result columns beside
the table: the other sheets, the title and note rows, merged cells, widths, number and date
formats, values and formulas of the input are kept; amounts stay numbers."""

import json
import re
import zipfile
from datetime import datetime
from decimal import Decimal

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

import tas_classify
from tas_classify.cli import main
from tas_classify.ledger import xlsx_copy
from tas_classify.ledger.result_columns import RESULT_COLUMNS
from tas_classify.ledger.write import REVIEW_FILL

TITLE = "XX科技有限公司2024年度收入明细表"
HEADER = ["序号", "合同名称", "客户名称", "不含税金额", "签订日期", "含税金额"]
LINES = [
    "为某银行提供核心系统定制开发",
    '=HYPERLINK("http://example.com","软件测试服务")',
    "",
    "机房托管服务（年度）",
    "服务器采购",
]
AMOUNTS = [1200.5, 3000, 450.25, 80000, 99.99]
FIRST_DATA_ROW = 5


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def make_export(path):
    """说明 sheet first; 收入明细: title merged over A1:F1, blank row 2, 单位：元 in row 3, the
    header in row 4, five lines from row 5 with amounts in '#,##0.00', dates in 'yyyy-mm-dd' and
    F = D × 1.06, in F5 as a formula whose value was saved (1,200.5 × 1.06 = 1,272.53); a 附注
    sheet last. Line 2's text looks like a formula but is a string cell; line 3 is blank."""
    book = Workbook()
    book.active.title = "说明"
    book.active["A1"] = "第二张表为收入明细，第三张为附注"
    ws = book.create_sheet("收入明细")
    ws["A1"] = TITLE
    ws.merge_cells("A1:F1")
    ws["A3"] = "单位：元"
    for column, name in enumerate(HEADER, start=1):
        ws.cell(4, column, name)
    for i, (text, amount) in enumerate(zip(LINES, AMOUNTS)):
        row = FIRST_DATA_ROW + i
        ws.cell(row, 1, i + 1)
        cell = ws.cell(row, 2, text or None)
        if text.startswith("="):
            cell.data_type = "s"  # text in the input, not a formula
        ws.cell(row, 3, f"客户{i + 1}")
        ws.cell(row, 4, amount).number_format = "#,##0.00"
        ws.cell(row, 5, datetime(2024, 3, i + 1)).number_format = "yyyy-mm-dd"
        total = f"=D{row}*1.06" if row == FIRST_DATA_ROW else round(amount * 1.06, 2)
        ws.cell(row, 6, total).number_format = "#,##0.00"
    ws.column_dimensions["B"].width = 42
    notes = book.create_sheet("附注")
    notes["A1"] = "本年收入合计"
    notes["B1"] = 84751.74
    notes["B1"].number_format = "#,##0.00"
    book.save(path)
    # openpyxl cannot save a formula's value: put F5's in, as Excel would have
    with zipfile.ZipFile(path) as src:
        parts = {i.filename: src.read(i) for i in src.infolist()}
    sheet = "xl/worksheets/sheet2.xml"
    parts[sheet], n = re.subn(rb"<f>D5\*1.06</f><v ?/>", b"<f>D5*1.06</f><v>1272.53</v>",
                              parts[sheet])  # fmt: skip
    assert n == 1
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in parts.items():
            dst.writestr(name, data)
    return path


@pytest.fixture
def export(tmp_path):
    return make_export(tmp_path / "收入明细.xlsx")


def snapshot(path):
    """Every cell of every sheet: value and number format, by sheet and coordinate."""
    book = load_workbook(path)
    return {
        (ws.title, c.coordinate): (c.value, c.number_format)
        for ws in book.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    }


def test_batch_to_xlsx_is_a_copy_of_the_workbook_with_the_results_beside_the_table(
    export, tmp_path
):
    """Table A–F, so the results go in G–M of the header row (4) and of rows 5–9."""
    out = tmp_path / "out.xlsx"
    before = snapshot(export)
    res = run("batch", export, "-o", out)
    assert res.exit_code == 0, res.output
    assert "sheet '收入明细' columns G–M" in res.stderr
    assert "warning" not in res.stderr
    assert not list(tmp_path.glob(".*partial"))

    book = load_workbook(out)
    assert book.sheetnames == ["说明", "收入明细", "附注"]
    ws = book["收入明细"]
    assert [str(r) for r in ws.merged_cells.ranges] == ["A1:F1"]
    assert ws["A1"].value == TITLE and ws["A3"].value == "单位：元"
    assert ws.column_dimensions["B"].width == 42
    assert ws.freeze_panes == "A5"
    # every cell of the input is there, with its value (formulas as formulas) and its format
    after = snapshot(out)
    assert {k: v for k, v in after.items() if k in before} == before
    added = {k for k in after if k not in before}
    assert {sheet for sheet, _ in added} == {"收入明细"}
    assert {re.sub(r"\d", "", coord) for _, coord in added} <= set("GHIJKLM")
    assert ws["F5"].value == "=D5*1.06"
    # the amounts are numbers in their format, the dates dates
    for i, amount in enumerate(AMOUNTS):
        cell = ws.cell(FIRST_DATA_ROW + i, 4)
        assert cell.data_type == "n" and cell.value == amount
        assert cell.number_format == "#,##0.00"
        assert ws.cell(FIRST_DATA_ROW + i, 5).value == datetime(2024, 3, i + 1)
    # the formula-looking text is still a string, not a formula
    assert ws["B6"].data_type == "s" and ws["B6"].value == LINES[1]
    assert book["附注"]["B1"].value == 84751.74

    # the results, on the header row and beside each line
    assert [ws.cell(4, 7 + i).value for i in range(len(RESULT_COLUMNS))] == list(RESULT_COLUMNS)
    assert ws.cell(4, 7).font.b == ws.cell(4, 6).font.b
    expected = [tas_classify.classify(t) for t in LINES]
    for i, result in enumerate(expected):
        row = FIRST_DATA_ROW + i
        values = [ws.cell(row, 7 + j).value for j in range(len(RESULT_COLUMNS))]
        assert values[0] == result.code, (row, values)
        assert values[3] is result.needs_review
        assert values[6] is None  # tas_reviewed: blank for the reviewer
        fills = {ws.cell(row, 7 + j).fill.fill_type for j in range(len(RESULT_COLUMNS))}
        if result.needs_review:
            assert ws.cell(row, 7).fill.start_color.rgb.endswith(REVIEW_FILL)
            assert fills == {"solid"}
        else:
            assert fills == {None}
        assert ws.cell(row, 2).fill.fill_type is None  # the input's cells keep their look
    assert ws.cell(FIRST_DATA_ROW + 2, 7).value == "NONE"  # the blank line
    assert ws.cell(FIRST_DATA_ROW + 2, 10).value is True
    assert ws.max_row == FIRST_DATA_ROW + len(LINES) - 1


def test_the_copy_can_be_reviewed_and_reported(export, tmp_path):
    """The copy is read back like the input (sheet 收入明细, header row 4) and ``report`` takes
    the codes in it: 5 lines, 1,200.5 + 3,000 + 450.25 + 80,000 + 99.99 = 84,750.74."""
    out = tmp_path / "out.xlsx"
    assert run("batch", export, "-o", out, "-q").exit_code == 0
    res = run("report", out, "--amount", "不含税金额", "--json")
    assert res.exit_code == 0, res.output
    assert "sheet '收入明细' (2 of 3), header row 4" in res.stderr
    data = json.loads(res.stdout)
    assert data["lines"] == 5 and Decimal(data["ledger_sum"]) == Decimal("84750.74")


def test_appended_text_that_looks_like_a_formula_stays_text(export, tmp_path, monkeypatch):
    """The appended cells are values: a text starting with = + - @ is a string cell with a quote
    prefix (here the name of a code, made to look like formulas), never a formula."""
    from tas_classify.ledger import result_columns

    def hostile(result):
        return ("=1+1", "+cmd|' /C calc'!A0", 0.5, True, "-2+3", "@SUM(A1)", "")

    monkeypatch.setattr(result_columns, "result_cells", hostile)
    out = tmp_path / "out.xlsx"
    res = run("batch", export, "-o", out, "-q")
    assert res.exit_code == 0, res.output
    ws = load_workbook(out)["收入明细"]
    for column in (7, 8, 11, 12):
        cell = ws.cell(FIRST_DATA_ROW, column)
        assert cell.data_type == "s" and cell.quotePrefix, cell.coordinate
    assert ws.cell(FIRST_DATA_ROW, 7).value == "=1+1"
    assert ws.cell(FIRST_DATA_ROW, 9).value == 0.5


def test_a_big_workbook_falls_back_to_the_sheet_alone_with_a_warning(export, tmp_path, monkeypatch):
    """With the limit at 20 cells the 60-odd cells of the fixture are too many: the output is
    the streamed one-sheet workbook (header in row 1, the 5 lines below) and stderr says the
    other sheets were not kept; the amounts are still numbers."""
    monkeypatch.setattr(xlsx_copy, "MAX_COPY_CELLS", 20)
    out = tmp_path / "out.xlsx"
    res = run("batch", export, "-o", out)
    assert res.exit_code == 0, res.output
    assert "more than 20 cells" in res.stderr
    assert "the other sheets and the rows above the header were not kept" in res.stderr
    book = load_workbook(out)
    assert book.sheetnames == ["tas_classify"]
    values = list(book.active.iter_rows(values_only=True))
    assert list(values[0]) == [*HEADER, *RESULT_COLUMNS]
    assert [v[3] for v in values[1:]] == AMOUNTS


def test_a_big_file_falls_back_too(export, tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_copy, "MAX_COPY_BYTES", 100)
    out = tmp_path / "out.xlsx"
    res = run("batch", export, "-o", out)
    assert res.exit_code == 0, res.output
    assert "(copied whole up to 0 MiB)" in res.stderr and "were not kept" in res.stderr
    assert load_workbook(out).sheetnames == ["tas_classify"]


def test_other_outputs_and_inputs_are_as_before(export, tmp_path):
    """.xlsx to .csv: the table alone (header + 5 lines); .csv to .xlsx: a new workbook."""
    out = tmp_path / "out.csv"
    assert run("batch", export, "-o", out, "-q").exit_code == 0
    assert len(out.read_text(encoding="utf-8-sig").splitlines()) == 6
    src = tmp_path / "in.csv"
    src.write_text("合同名称\n软件开发服务\n", encoding="utf-8")
    res = run("batch", src, "-o", tmp_path / "o.xlsx", "-q")
    assert res.exit_code == 0, res.output
    assert load_workbook(tmp_path / "o.xlsx").sheetnames == ["tas_classify"]


def test_writing_over_the_input_is_still_refused(export):
    before = export.read_bytes()
    res = run("batch", export, "-o", export)
    assert res.exit_code == 1 and "is the input file" in res.output
    assert export.read_bytes() == before
