"""``tas-classify batch`` on real files of every kind: rows out = rows in, in order."""

import csv
import io
import json
from datetime import datetime

import pytest
from click.testing import CliRunner

from tas_classify.cli import main
from tas_classify.ledger.result_columns import RESULT_COLUMNS

LINES = [
    "为某银行提供核心系统定制开发",
    "服务器销售",
    "",
    "IDC机柜托管费",
    "數據清洗服務（境外客戶）",
    "Offshore dubbing of a Chinese TV drama into Spanish",
]
CODES = ["ITO-01", "NONE", "NONE", "ITO-06", "TRD-02", "TRD-07"]


def run(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


def write_csv(path, encoding, rows, header=("合同编号", "合同名称", "金额")):
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def ledger_rows():
    return [[f"HT-{i:03d}", text, f"{(i + 1) * 1000:,}.00"] for i, text in enumerate(LINES)]


def read_csv_output(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "CSV output starts with a BOM so Excel reads UTF-8"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8-sig", "utf-8"])
def test_csv_any_encoding_keeps_rows_columns_and_order(tmp_path, encoding):
    src, out = tmp_path / "台账.csv", tmp_path / "out.csv"
    write_csv(src, encoding, ledger_rows())
    res = run("batch", src, "-o", out)
    assert res.exit_code == 0, res.output
    rows = read_csv_output(out)
    assert rows[0] == ["合同编号", "合同名称", "金额", *RESULT_COLUMNS]
    assert [r[:3] for r in rows[1:]] == ledger_rows()
    assert [r[3] for r in rows[1:]] == CODES
    review = dict(zip(rows[0], zip(*rows[1:])))["tas_needs_review"]
    assert review[2] == "true"  # the blank line
    assert "text column '合同名称'" in res.stderr


def test_xlsx_in_and_out_highlights_review_rows_and_freezes_header(tmp_path):
    from openpyxl import Workbook, load_workbook

    book = Workbook()
    ws = book.active
    ws.append(["序号", "项目名称", "金额", "签订日期"])
    for i, text in enumerate(LINES, start=1):
        ws.append([i, text or None, i * 1000.5, datetime(2025, 1, i)])
    book.save(tmp_path / "in.xlsx")
    res = run("batch", tmp_path / "in.xlsx", "-o", tmp_path / "out.xlsx")
    assert res.exit_code == 0, res.output
    out = load_workbook(tmp_path / "out.xlsx").active
    values = [list(r) for r in out.iter_rows(values_only=True)]
    assert values[0] == ["序号", "项目名称", "金额", "签订日期", *RESULT_COLUMNS]
    assert len(values) == len(LINES) + 1
    assert [v[0] for v in values[1:]] == list(range(1, len(LINES) + 1))
    assert values[2][2] == 2001.0 and values[2][3] == datetime(2025, 1, 2)
    assert [v[4] for v in values[1:]] == CODES
    assert out.freeze_panes == "A2"
    review_row = 4  # the blank line, sheet row 4
    assert values[review_row - 1][7] is True
    # the input is copied: its own cells keep their look, the appended cells (E…) are marked
    assert out.cell(review_row, 5).fill.start_color.rgb.endswith("FFF2CC")
    assert out.cell(review_row, 1).fill.fill_type is None
    assert out.cell(2, 5).fill.fill_type is None


def test_jsonl_in_and_out(tmp_path):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text(
        "".join(
            json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n" for i, t in enumerate(LINES)
        ),
        encoding="utf-8",
    )
    res = run("batch", src, "-o", out)
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [r["id"] for r in rows] == list(range(len(LINES)))
    assert [r["tas_code"] for r in rows] == CODES
    assert isinstance(rows[0]["tas_confidence"], float)
    assert rows[2]["tas_needs_review"] is True


def test_stdin_lines_to_stdout(tmp_path):
    res = run("batch", "-", input="\n".join(LINES) + "\n")
    assert res.exit_code == 0, res.output
    rows = list(csv.reader(io.StringIO(res.stdout)))
    assert rows[0] == ["text", *RESULT_COLUMNS]
    assert [r[0] for r in rows[1:]] == LINES
    assert [r[1] for r in rows[1:]] == CODES


def test_tsv_and_explicit_column_and_formats(tmp_path):
    src = tmp_path / "in.tsv"
    src.write_text("备注\t说明\n无\t服务器销售\n无\tIDC机柜托管费\n", encoding="utf-8")
    res = run("batch", src, "--column", "说明", "--to", "jsonl")
    assert res.exit_code == 0, res.output
    assert [json.loads(x)["tas_code"] for x in res.stdout.splitlines()] == ["NONE", "ITO-06"]


def test_jobs_2_gives_the_same_output_as_one(tmp_path):
    src = tmp_path / "in.csv"
    rows = [[f"HT{i}", f"{text}（第{i}期）", "1"] for i in range(30) for text in LINES]
    write_csv(src, "utf-8", rows)
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    assert run("batch", src, "-o", one).exit_code == 0
    res = run("batch", src, "-o", two, "--jobs", "2")
    assert res.exit_code == 0, res.output
    assert one.read_bytes() == two.read_bytes()


def test_undecodable_bytes_flag_the_row_and_keep_it(tmp_path):
    src = tmp_path / "bad.csv"
    good = "合同名称\n软件定制开发\n".encode()
    src.write_bytes(good + b"\xff\xfe\xfa\xfb\xfc\xfd bad row\n" + "数据清洗服务\n".encode())
    res = run("batch", src, "-o", tmp_path / "out.csv", "--encoding", "utf-8")
    assert res.exit_code == 0, res.output
    rows = read_csv_output(tmp_path / "out.csv")
    assert len(rows) == 4
    row = dict(zip(rows[0], rows[2]))
    assert row["tas_needs_review"] == "true" and "not valid utf-8" in row["tas_evidence"]
    assert row["tas_reviewed"] == ""  # left for the reviewer to mark
    assert "1 row(s) had bytes not valid utf-8 (rows 3" in res.stderr


def test_unknown_columns_stop_and_list_them(tmp_path):
    src = tmp_path / "in.csv"
    write_csv(src, "utf-8", [["a", "b"]], header=("编号", "说明"))
    res = run("batch", src, "-o", tmp_path / "out.csv")
    assert res.exit_code == 1
    assert "cannot tell which column" in res.output and "'编号', '说明'" in res.output
    assert not (tmp_path / "out.csv").exists()
    res = run("batch", src, "--column", "名称")
    assert res.exit_code == 1 and "no column '名称'" in res.output


def test_batch_output_fed_back_is_refused(tmp_path):
    src = tmp_path / "in.csv"
    write_csv(src, "utf-8", [["软件开发", "ITO-01"]], header=("合同名称", "tas_code"))
    res = run("batch", src)
    assert res.exit_code == 1 and "tas_code" in res.output


def test_ragged_row_leaves_no_output_file(tmp_path):
    src, out = tmp_path / "in.csv", tmp_path / "out.xlsx"
    rows = [["HT1", "软件开发", "1"]] * 5000 + [["HT2", "软件开发", "含税", "1"]]
    write_csv(src, "utf-8", rows)
    res = run("batch", src, "-o", out)
    assert res.exit_code == 1
    assert "row 5002: 4 cells but the header has 3" in res.output
    assert list(tmp_path.iterdir()) == [src], "no output and no temporary file left behind"


def test_header_only_file_gives_header_only_output(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("合同名称,金额\n", encoding="utf-8")
    res = run("batch", src)
    assert res.exit_code == 0
    assert res.stdout.splitlines() == ["合同名称,金额," + ",".join(RESULT_COLUMNS)]


def test_usage_and_data_errors_have_their_exit_codes(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("合同名称\n软件开发\n", encoding="utf-8")
    assert run("batch", src, "-o", tmp_path / "out.txt").exit_code == 2
    assert run("batch", src, "--to", "xlsx").exit_code == 2
    assert run("batch", src, "-o", tmp_path / "out.doc").exit_code == 2
    res = run("batch", tmp_path / "missing.csv")
    assert res.exit_code == 1 and "missing.csv" in res.output
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    res = run("batch", broken)
    assert res.exit_code == 1 and "broken.xlsx: not a readable .xlsx" in res.output
    assert "--jobs" in run("batch", "--help").output
