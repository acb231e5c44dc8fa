"""Hostile workbooks: read by the rows and cells that exist, within size limits, in bounded time
and memory (measured figures: ``benchmarks/hostile_ledger.py``)."""

import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from tas_classify.ledger import xlsx
from tas_classify.ledger.read import TableError, open_table

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data" / "hostile"))
import make_ledger  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def read(path, **kwargs):
    with open_table(str(path), **kwargs) as table:
        rows = list(table.rows)
        return table, rows


def run_limited(code, limit_mb=1024, timeout=60):
    """``code`` in a fresh Python whose address space is capped at ``limit_mb``."""
    prelude = (
        "import resource\n"
        f"resource.setrlimit(resource.RLIMIT_AS, ({limit_mb << 20}, {limit_mb << 20}))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_far_cells_make_one_row_not_a_million(tmp_path):
    path = make_ledger.far_cells(tmp_path / "far.xlsx")
    assert path.stat().st_size < 8000
    start = time.perf_counter()
    table, rows = read(path)
    assert time.perf_counter() - start < 5  # was 53 s for 20,000 of the million rows
    assert table.columns == ["合同名称", "金额"]  # the styled blank XFD1 is not a column
    assert rows == [(1048576, ["软件开发服务", 100])]
    assert table.notes == ["rows 2–1,048,575 are blank (1,048,574 rows) and were skipped"]


def test_a_column_name_at_xfd_is_refused_naming_the_cell(tmp_path):
    path = make_ledger.far_cells(tmp_path / "far.xlsx", named=True)
    with pytest.raises(TableError, match=r"far\.xlsx: .*cell XFD1 \(16,384 columns\)"):
        read(path)


def test_far_cells_run_in_bounded_memory(tmp_path):
    path = make_ledger.far_cells(tmp_path / "far.xlsx")
    out = tmp_path / "out.csv"
    result = run_limited(
        f"""
        from tas_classify.cli import main
        main(["batch", {str(path)!r}, "-o", {str(out)!r}, "-q"])
        """,
        limit_mb=1500,
    )
    assert result.returncode == 0, result.stderr
    assert len(out.read_text(encoding="utf-8-sig").splitlines()) == 2


def test_stale_dimension_gives_the_real_columns_and_rows(tmp_path):
    path = make_ledger.stale_dimension(tmp_path / "stale.xlsx", rows=2000)
    start = time.perf_counter()
    table, rows = read(path)
    assert time.perf_counter() - start < 10
    assert table.columns == ["合同名称", "金额", "是否境外"]
    assert len(rows) == 2000 and all(len(cells) == 3 for _, cells in rows)
    assert table.size_hint == 2000  # counted, not the declared 1,048,575


def test_unnamed_column_with_values_is_kept(tmp_path):
    book = Workbook()
    ws = book.active
    ws.append(["合同名称", "金额"])
    ws.append(["软件开发", 100, "备注"])
    book.save(tmp_path / "l.xlsx")
    table, rows = read(tmp_path / "l.xlsx")
    assert table.columns == ["合同名称", "金额", "column 3"]
    assert rows == [(2, ["软件开发", 100, "备注"])]


def test_value_beyond_the_header_without_dimension_flags_the_row(tmp_path):
    path = tmp_path / "l.xlsx"
    make_ledger._base_workbook(path)
    rows = (
        f'<row r="1">{make_ledger._cell("A1", "合同名称")}</row>'
        f'<row r="2">{make_ledger._cell("A2", "软件开发")}{make_ledger._cell("C2", "x")}</row>'
    )
    make_ledger._replace_part(path, "xl/worksheets/sheet1.xml", lambda _: make_ledger._sheet(rows))
    table, got = read(path)
    assert got == [(2, ["软件开发"])]
    assert "cell C2 has a value beyond the last named column" in table.row_notes[2]


def test_short_blank_runs_are_kept_long_ones_skipped(tmp_path):
    book = Workbook()
    ws = book.active
    ws.append(["合同名称"])
    ws["A2"] = "软件开发"
    ws["A5"] = "云服务"  # rows 3-4: a short blank run, kept
    ws.cell(row=5 + xlsx.MAX_BLANK_RUN + 2, column=1, value="数据中心托管")
    book.save(tmp_path / "l.xlsx")
    table, rows = read(tmp_path / "l.xlsx")
    assert [n for n, _ in rows] == [2, 3, 4, 5, 5 + xlsx.MAX_BLANK_RUN + 2]
    assert rows[1] == (3, [None])
    assert len(table.notes) == 1 and "were skipped" in table.notes[0]


def test_shared_strings_bomb_is_refused_before_parsing(tmp_path):
    path = make_ledger.shared_strings_bomb(tmp_path / "bomb.xlsx", unpacked=80 << 20)
    start = time.perf_counter()
    with pytest.raises(TableError, match=r"bomb\.xlsx: part 'xl/sharedStrings\.xml' .* 80 MiB"):
        read(path)
    assert time.perf_counter() - start < 2


def test_total_unpacked_size_is_limited(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_UNCOMPRESSED", 1000)
    path = make_ledger.far_cells(tmp_path / "far.xlsx")
    with pytest.raises(TableError, match=r"unpacks to .* save the sheet as CSV"):
        read(path)


def test_shared_strings_renamed_as_a_sheet_part_is_still_limited(tmp_path, monkeypatch):
    """A part is streamed only if the content types say it is a worksheet, whatever its name."""
    monkeypatch.setattr(xlsx, "MAX_LOADED_PART", 20_000)
    path = tmp_path / "l.xlsx"
    make_ledger._base_workbook(path)
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("xl/worksheets/big.xml", b"<x/>" * 10_000)
    with pytest.raises(TableError, match="xl/worksheets/big.xml"):
        read(path)


def test_formula_without_saved_value_flags_the_row(tmp_path):
    path = make_ledger.formula_without_value(tmp_path / "f.xlsx")
    table, rows = read(path)
    assert rows == [(2, ["软件开发服务", 100]), (3, ["数据中心托管", None]), (4, [None, 7])]
    assert set(table.row_notes) == {3, 4}
    assert "cell B3 is a formula with no saved value" in table.row_notes[3]


def test_not_a_zip_is_a_table_error(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(TableError, match=r"x\.xlsx: not a readable \.xlsx"):
        read(path)


def test_blank_first_row_is_skipped_and_a_blank_sheet_is_a_clear_error(tmp_path):
    """A blank row above the header is no longer an error (finance exports have them): the header
    is row 2. A sheet with nothing in it is still refused by name."""
    book = Workbook()
    book.active["A2"] = "合同名称"
    book.active["A3"] = "软件开发"
    book.save(tmp_path / "l.xlsx")
    table, rows = read(tmp_path / "l.xlsx")
    assert (table.columns, table.header_row, rows) == (["合同名称"], 2, [(3, ["软件开发"])])
    Workbook().save(tmp_path / "empty.xlsx")
    with pytest.raises(TableError, match="sheet 'Sheet' is empty"):
        read(tmp_path / "empty.xlsx")


def test_chart_sheet_is_a_clear_error(tmp_path):
    book = Workbook()
    book.active.append(["合同名称"])
    book.create_chartsheet("chart", 0)
    book.save(tmp_path / "l.xlsx")
    message = r"l\.xlsx: (sheet 'chart' is not a worksheet|not a readable)"
    with pytest.raises(TableError, match=message):
        read(tmp_path / "l.xlsx", sheet="chart")
