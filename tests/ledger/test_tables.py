import codecs

import pytest

from tas_classify.ledger.columns import (
    ColumnError,
    choose_text_column,
    is_total_row,
    parse_offshore,
)
from tas_classify.ledger.read import TableError, detect_encoding, open_table

LEDGER = (
    "合同名称,金额\n为某银行提供核心系统定制开发,100\n机房托管服务（年度）,200\n服务器采购,300\n"
)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (LEDGER.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + LEDGER.encode("utf-8"), "utf-8-sig"),
        (LEDGER.encode("gb18030"), "gb18030"),
        (LEDGER.encode("gbk"), "gb18030"),
        (LEDGER.encode("utf-16"), "utf-16"),
    ],
)
def test_detect_encoding(data, expected):
    assert detect_encoding(data) == expected


def test_detected_gb18030_reads_characters_outside_gbk(tmp_path):
    path = tmp_path / "ledger.csv"
    text = "合同名称,金额\n𠀀字号的软件定制开发,100\n数据清洗服务,200\n"
    path.write_bytes(text.encode("gb18030"))
    with open_table(str(path)) as table:
        assert table.encoding == "gb18030"
        rows = list(table.rows)
    assert rows == [(2, ["𠀀字号的软件定制开发", "100"]), (3, ["数据清洗服务", "200"])]


def test_short_rows_are_padded_and_numbered_as_spreadsheet_rows(tmp_path):
    path = tmp_path / "ledger.csv"
    path.write_text("a,b,c\n1,2,3\n4\n\n7,8\n", encoding="utf-8")
    with open_table(str(path)) as table:
        assert table.columns == ["a", "b", "c"]
        assert list(table.rows) == [
            (2, ["1", "2", "3"]),
            (3, ["4", "", ""]),
            (4, ["", "", ""]),
            (5, ["7", "8", ""]),
        ]


def test_ragged_long_row_names_file_and_row(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("合同名称,金额\n软件开发,100\n软件开发,含税,100\n", encoding="utf-8")
    message = r"ragged\.csv, row 3: 3 cells but the header has 2"
    with pytest.raises(TableError, match=message), open_table(str(path)) as table:
        list(table.rows)


def test_jsonl_columns_are_all_keys_in_first_seen_order(tmp_path):
    path = tmp_path / "lines.jsonl"
    path.write_text('{"id": 1, "text": "软件开发"}\n\n{"text": "采购", "amount": 5}\n', "utf-8")
    with open_table(str(path)) as table:
        assert table.columns == ["id", "text", "amount"]
        assert list(table.rows) == [(1, [1, "软件开发", None]), (3, [None, "采购", 5])]


def test_bad_jsonl_line_is_named(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "a"}\n{"text": \n', "utf-8")
    message = r"bad\.jsonl, line 2: not valid JSON"
    with pytest.raises(TableError, match=message), open_table(str(path)):
        pass


def test_empty_csv_and_unknown_extension(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(TableError, match="empty"), open_table(str(empty)):
        pass
    with pytest.raises(TableError, match="unknown file type"), open_table("ledger.doc"):
        pass


def test_broken_xlsx_is_a_table_error(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not a workbook")
    message = r"broken\.xlsx: not a readable \.xlsx"
    with pytest.raises(TableError, match=message), open_table(str(path)):
        pass


def test_xlsx_trailing_blank_rows_are_not_rows(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.append(["合同名称", "金额"])
    ws.append(["软件开发", 100])
    ws.append([None, None])
    ws.append(["数据服务", 2.5])
    ws["A9"] = "   "
    book.save(tmp_path / "l.xlsx")
    with open_table(str(tmp_path / "l.xlsx")) as table:
        rows = list(table.rows)
    assert rows == [(2, ["软件开发", 100]), (3, [None, None]), (4, ["数据服务", 2.5])]


def test_choose_text_column():
    index, how = choose_text_column(["序号", "摘要", "合同名称", "金额"], None, source="f.csv")
    assert index == 2 and "'合同名称'" in how and "'摘要'" in how
    assert choose_text_column(["A", " 服务 内容 "], "服务内容", source="f")[0] == 1
    with pytest.raises(ColumnError, match=r"f\.csv: cannot tell .* 'A', 'B'"):
        choose_text_column(["A", "B"], None, source="f.csv")
    with pytest.raises(ColumnError, match=r"no column 'X' \(--column\)"):
        choose_text_column(["A", "B"], "X", source="f.csv")


def test_total_rows_and_offshore_values():
    assert is_total_row("合计") and is_total_row(" 本页小计： ") and is_total_row("Total")
    assert not is_total_row("合计软件开发费")
    assert [parse_offshore(v) for v in ["是", "Y", "true", 1, "境外", "Offshore"]] == [True] * 6
    assert [parse_offshore(v) for v in ["否", "n", "FALSE", 0, "境内", "onshore"]] == [False] * 6
    assert parse_offshore("不详") is None and parse_offshore(None) is None
