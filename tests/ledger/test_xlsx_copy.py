"""The copy of an input workbook that ``batch`` writes its results into (``ledger/xlsx_copy.py``):
where the columns go, what is kept, the limits on what is loaded whole."""

import re
import time
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from tas_classify.ledger import xlsx_copy
from tas_classify.ledger.read import Table, open_table
from tas_classify.ledger.result_columns import RESULT_COLUMNS
from tas_classify.ledger.xlsx_copy import (
    XlsxCopyWriter,
    count_cells,
    load_copy,
    open_copy_writer,
)


def patch_sheet(path, sheet, old, new):
    """Replace ``old`` by ``new`` (once) in a worksheet's XML, as a hand-made file would have it."""
    with zipfile.ZipFile(path) as src:
        parts = {i.filename: src.read(i) for i in src.infolist()}
    parts[sheet], n = re.subn(old, new, parts[sheet])
    assert n == 1
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in parts.items():
            dst.writestr(name, data)


def table_of(path, columns, header_row=1, sheet="Sheet"):
    return Table(str(path), "xlsx", columns, iter(()), sheet=sheet, header_row=header_row)


def test_count_cells_counts_cells_rows_and_merged_areas(tmp_path):
    """3 rows × 2 cells = 6 cells + 3 rows; a merge C1:D2 covers 2 × 2 = 4 cells: 13."""
    book = Workbook()
    ws = book.active
    for row in ([1, 2], [3, 4], [5, 6]):
        ws.append(row)
    ws.merge_cells("C1:D2")
    path = tmp_path / "b.xlsx"
    book.save(path)
    assert count_cells(path, 1000) == 13
    assert count_cells(path, 5) == 6  # stops past the limit


def test_a_merge_over_the_whole_sheet_is_refused_before_loading(tmp_path):
    """A 5 KB file merging A1:XFD1048576 would make openpyxl create 17 billion objects; it is
    refused by counting, in well under a second."""
    book = Workbook()
    book.active.append(["合同名称"])
    book.active.append(["软件开发"])
    book.active.merge_cells("B1:C2")
    path = tmp_path / "merge.xlsx"
    book.save(path)
    patch_sheet(path, "xl/worksheets/sheet1.xml", rb'ref="B1:C2"', b'ref="B1:XFD1048576"')
    start = time.perf_counter()
    reason = load_copy(str(path), table_of(path, ["合同名称"]))
    assert time.perf_counter() - start < 5
    assert isinstance(reason, str) and "500,000 cells" in reason


def test_standard_input_is_not_copied(tmp_path):
    assert "read twice" in load_copy("-", table_of("-", ["a"]))


def test_the_columns_go_right_of_every_value_and_merge_below_the_header(tmp_path):
    """Table A–C from row 2; a stray value in E4 and a merge F3:G3 below the header: the results
    start at H. A merge above the header (the title, A1:J1) does not count."""
    book = Workbook()
    ws = book.active
    ws["A1"] = "标题"
    ws.merge_cells("A1:J1")
    ws.append(["序号", "合同名称", "金额"])
    ws.append([1, "软件开发", 100])
    ws.append([2, "机房托管", 200])
    ws["E4"] = "备注"
    ws.merge_cells("F3:G3")
    path = tmp_path / "b.xlsx"
    book.save(path)
    copy = load_copy(str(path), table_of(path, ["序号", "合同名称", "金额"], header_row=2))
    assert not isinstance(copy, str)
    assert copy.first_column == 8


def test_an_autofilter_is_widened_and_column_spans_are_not_overlapped(tmp_path):
    """The input's autofilter A1:B3 becomes A1:I3 (B + 7 columns); a <col> span giving A–D one
    width keeps D's width (no second, overlapping <col> for D)."""
    book = Workbook()
    ws = book.active
    ws.append(["序号", "合同名称"])
    ws.append([1, "软件开发"])
    ws.append([2, "机房托管"])
    ws.auto_filter.ref = "A1:B3"
    dim = ws.column_dimensions["A"]
    dim.min, dim.max, dim.width = 1, 4, 30
    path, out = tmp_path / "b.xlsx", tmp_path / "out.xlsx"
    book.save(path)
    with open_table(str(path)) as table:
        copy = load_copy(str(path), table)
        assert not isinstance(copy, str) and copy.first_column == 3
        with open_copy_writer(copy, str(out)) as writer:
            assert writer.columns == "C–I"
            for number, _ in table.rows:
                writer.write_row(number, ["ITO-01", "软件研发", 0.9, False, "", "", ""])
    result = load_workbook(out).active
    assert result.auto_filter.ref == "A1:I3"
    with zipfile.ZipFile(out) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    spans = [(int(a), int(b)) for a, b in re.findall(r'<col min="(\d+)" max="(\d+)"', xml)]
    covered = [c for low, high in spans for c in range(low, high + 1)]
    assert len(covered) == len(set(covered)), spans  # no column defined twice
    assert result.column_dimensions["A"].width == 30
    assert [result.cell(1, 3 + i).value for i in range(7)] == list(RESULT_COLUMNS)
    assert result["C2"].value == "ITO-01" and result["E3"].value == 0.9


def test_formula_like_results_are_text_unless_escaping_is_off(tmp_path):
    """Escaping (the default): '=1+1' and '-x' are string cells with a quote prefix. Off
    (``--no-escape-formulas``): '=1+1' is a formula, '-x' a plain string."""
    book = Workbook()
    book.active.append(["合同名称"])
    book.active.append(["软件开发"])
    path = tmp_path / "b.xlsx"
    book.save(path)
    for escape in (True, False):
        copy = load_copy(str(path), table_of(path, ["合同名称"]))
        assert not isinstance(copy, str)
        writer = XlsxCopyWriter(copy, escape_formulas=escape)
        writer.write_row(2, ["=1+1", "-x", 1.0, True, "", "", ""], highlight=True)
        formula, text = copy.ws["B2"], copy.ws["C2"]
        assert formula.value == "=1+1" and text.value == "-x"
        assert formula.data_type == ("s" if escape else "f")
        assert text.data_type == "s" and bool(text.quotePrefix) is escape
        assert formula.fill.fill_type == "solid"
    with pytest.raises(TypeError, match="write_row"):
        writer.write(["x"])


def test_a_failed_run_leaves_no_output(tmp_path):
    book = Workbook()
    book.active.append(["合同名称"])
    path, out = tmp_path / "b.xlsx", tmp_path / "out.xlsx"
    book.save(path)
    copy = load_copy(str(path), table_of(path, ["合同名称"]))
    assert not isinstance(copy, str)
    with pytest.raises(KeyboardInterrupt), open_copy_writer(copy, str(out)):
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == [path]


def test_the_limits_are_module_constants(monkeypatch, tmp_path):
    """A test (and a site) can lower them: 2 data rows of 1 cell + header = 3 cells + 3 rows."""
    book = Workbook()
    for text in ("合同名称", "软件开发", "机房托管"):
        book.active.append([text])
    path = tmp_path / "b.xlsx"
    book.save(path)
    assert not isinstance(load_copy(str(path), table_of(path, ["合同名称"])), str)
    monkeypatch.setattr(xlsx_copy, "MAX_COPY_CELLS", 5)
    assert "more than 5 cells" in load_copy(str(path), table_of(path, ["合同名称"]))


def test_no_room_or_an_unloadable_workbook_is_a_reason(tmp_path, monkeypatch):
    """A merge below the header reaching XFD leaves no column for the results; a workbook
    openpyxl fails to load whole gives the reason (``batch`` then writes the sheet alone)."""
    import openpyxl

    book = Workbook()
    book.active.append(["合同名称"])
    book.active.append(["软件开发"])
    book.active.merge_cells("B2:XFD2")
    path = tmp_path / "b.xlsx"
    book.save(path)
    assert "no room" in load_copy(str(path), table_of(path, ["合同名称"]))

    def broken(*args, **kwargs):
        raise KeyError("xl/drawings/drawing1.xml")

    monkeypatch.setattr(openpyxl, "load_workbook", broken)
    reason = load_copy(str(path), table_of(path, ["合同名称"]))
    assert reason.startswith("openpyxl cannot load it whole (KeyError")
