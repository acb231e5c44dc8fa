"""Output that cannot hurt, and clean errors for hostile paths and options: formula injection,
-o onto a device / FIFO / link / folder / the input, full disks, odd encodings and pipes."""

import csv
import errno
import io
import json
import os
import sys
import threading
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from tas_classify.cli import main
from tas_classify.ledger.read import TableError
from tas_classify.ledger.write import atomic_file, escape_formula, is_formula_like

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data" / "hostile"))
import make_ledger  # noqa: E402

INJECTION = make_ledger.INJECTION


def run(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


@pytest.mark.parametrize("text", INJECTION)
def test_formula_like_text_is_escaped(text):
    assert is_formula_like(text)
    assert escape_formula(text) == "'" + text


@pytest.mark.parametrize("text", ["-1,200.50", "+5%", "-3e5", "软件开发", "", "1-2", ".5"])
def test_numbers_and_plain_text_are_left_alone(text):
    assert escape_formula(text) == text


def test_batch_csv_escapes_formulas(tmp_path):
    src = make_ledger.injection_csv(tmp_path / "in.csv")
    out = tmp_path / "out.csv"
    assert run("batch", src, "-o", out, "-q").exit_code == 0
    texts = [row[0] for row in read_csv(out)[1:]]
    assert texts == ["'" + t for t in INJECTION]
    assert run("batch", src, "-o", out, "-q", "--no-escape-formulas").exit_code == 0
    assert [row[0] for row in read_csv(out)[1:]] == INJECTION


def _sheet_xml(path, part="xl/worksheets/sheet1.xml"):
    with zipfile.ZipFile(path) as z:
        return z.read(part).decode()


def test_batch_xlsx_writes_formulas_as_text(tmp_path):
    src = make_ledger.injection_csv(tmp_path / "in.csv")
    out = tmp_path / "out.xlsx"
    assert run("batch", src, "-o", out, "-q").exit_code == 0
    assert "<f>" not in _sheet_xml(out)
    ws = load_workbook(out).active
    cells = [ws.cell(row=r, column=1) for r in range(2, 2 + len(INJECTION))]
    # the text itself, unchanged (XML reads a carriage return as a line feed)
    assert [c.value for c in cells] == [t.replace("\r", "\n") for t in INJECTION]
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    assert run("batch", src, "-o", out, "-q", "--no-escape-formulas").exit_code == 0
    assert "<f>HYPERLINK" in _sheet_xml(out)


def test_report_xlsx_writes_formulas_and_control_characters_safely(tmp_path):
    src = tmp_path / "in.csv"
    rows = [[t, "100", "是"] for t in INJECTION] + [["软件\x01开发\x1f服务", "200", "否"]]
    with src.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["合同名称", "金额", "是否境外"], *rows])
    out = tmp_path / "r.xlsx"
    result = run("report", src, "--amount", "金额", "--offshore", "是否境外", "-o", out, "-q")
    assert result.exit_code == 0, result.output
    xml = _sheet_xml(out, "xl/worksheets/sheet2.xml")
    assert "<f>" not in xml
    ws = load_workbook(out)["lines"]
    texts = [ws.cell(row=r, column=2).value for r in range(2, ws.max_row + 1)]
    assert texts[: len(INJECTION)] == [t.replace("\r", "\n") for t in INJECTION]
    assert texts[-1] == "软件开发服务"


def test_output_onto_a_symlink_fifo_device_or_folder_is_refused(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("合同名称\n软件开发\n", encoding="utf-8")
    victim = tmp_path / "victim.csv"
    victim.write_text("keep me", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(victim)
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    for target, kind in [(link, "a symbolic link"), (fifo, "a FIFO"),
                         (Path(os.devnull), "a device"), (folder, "a folder")]:  # fmt: skip
        result = run("batch", src, "-o", target, "--to", "csv", "-q")
        assert result.exit_code == 1, (target, result.output)
        assert f"is {kind}; the output must be a regular file" in result.output
        assert "Traceback" not in result.output
    assert link.is_symlink() and victim.read_text(encoding="utf-8") == "keep me"
    assert os.path.exists(os.devnull) and not Path(os.devnull).is_file()


def test_output_onto_the_input_is_refused_and_the_workbook_kept(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["合同名称"])
    book.active.append(["软件开发"])
    book.create_sheet("other").append(["do not lose me"])
    path = tmp_path / "book.xlsx"
    book.save(path)
    before = path.read_bytes()
    result = run("batch", path, "-o", path, "-q")
    assert result.exit_code == 1
    assert "is the input file" in result.output
    assert path.read_bytes() == before
    hard = tmp_path / "hard.xlsx"
    os.link(path, hard)
    assert run("batch", path, "-o", hard, "-q").exit_code == 1
    result = run("report", path, "--amount", "合同名称", "-o", hard, "-q")
    assert result.exit_code == 1 and "is the input file" in result.output


def test_output_name_too_long_is_a_clean_error(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("合同名称\n软件开发\n", encoding="utf-8")
    result = run("batch", src, "-o", tmp_path / ("x" * 300 + ".csv"), "-q")
    assert result.exit_code == 1
    assert "cannot write the output there" in result.output and "Traceback" not in result.output


def test_full_disk_is_a_clean_error_and_leaves_no_file(tmp_path):
    target = tmp_path / "out.csv"
    message = r"out\.csv: could not write the output .*No space"
    with pytest.raises(TableError, match=message), atomic_file(target, "w") as (fh, _):
        fh.write("x")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert list(tmp_path.iterdir()) == []


def test_fifo_input_is_read(tmp_path):
    fifo = tmp_path / "in.csv"
    os.mkfifo(fifo)

    def feed():
        with open(fifo, "w", encoding="utf-8") as fh:
            fh.write("合同名称,金额\n软件开发,100\n")

    writer = threading.Thread(target=feed)
    writer.start()
    result = run("batch", fifo, "-q")
    writer.join(5)
    assert result.exit_code == 0, result.output
    assert "软件开发,100,ITO-01" in result.output


def test_folder_as_input_is_a_clean_error(tmp_path):
    result = run("batch", tmp_path, "-q", "--from", "csv")
    assert result.exit_code == 1 and "is a folder, not a file" in result.output


@pytest.mark.parametrize("encoding", ["rot13", "base64", "no-such-codec"])
def test_encodings_that_are_not_text_encodings(tmp_path, encoding):
    src = tmp_path / "in.csv"
    src.write_text("合同名称\n软件开发\n", encoding="utf-8")
    result = run("batch", src, "--encoding", encoding, "-q")
    assert result.exit_code == 1
    assert "is not a text encoding" in result.output


@pytest.mark.parametrize("order", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom(tmp_path, order):
    src = tmp_path / "in.csv"
    src.write_bytes("合同名称,金额\n软件开发,100\nIDC机柜托管费,200\n".encode(order))
    result = run("batch", src, "--encoding", "utf-16", "-q")
    assert result.exit_code == 0, result.output
    assert [r[:3] for r in csv.reader(io.StringIO(result.output))][1:] == [
        ["软件开发", "100", "ITO-01"],
        ["IDC机柜托管费", "200", "ITO-06"],
    ]


@pytest.mark.parametrize("value", ["nan", "inf", "-0.1", "1.5"])
def test_threshold_must_be_a_share(tmp_path, value):
    src = tmp_path / "in.csv"
    src.write_text("合同名称,金额\n软件开发,100\n", encoding="utf-8")
    result = run("report", src, "--amount", "金额", "--min-in-scope", value, "-q")
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_jsonl_output_keeps_objects_and_writes_nan_as_null(tmp_path):
    src = tmp_path / "in.jsonl"
    lines = [
        {"合同名称": "软件开发", "meta": {"客户": "甲", "tags": ["a", 1]}, "x": 1.5},
        {"合同名称": "云服务", "meta": [1, 2], "x": None},
    ]
    src.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert run("batch", src, "-o", out, "-q").exit_code == 0

    def refuse(constant):
        raise AssertionError(f"invalid JSON constant {constant}")

    got = [json.loads(x, parse_constant=refuse) for x in out.read_text("utf-8").splitlines()]
    assert got[0]["meta"] == {"客户": "甲", "tags": ["a", 1]}
    assert got[1]["meta"] == [1, 2]


def test_jsonl_writer_turns_non_finite_numbers_into_null():
    from tas_classify.ledger.write import _JsonlWriter

    fh = io.StringIO()
    _JsonlWriter(fh, ["a", "b", "c"]).write([float("nan"), float("inf"), {"k": float("nan")}])
    assert json.loads(fh.getvalue()) == {"a": None, "b": None, "c": {"k": None}}


def test_formula_without_saved_value_flags_the_row_and_warns(tmp_path):
    src = make_ledger.formula_without_value(tmp_path / "f.xlsx")
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(main, ["batch", str(src), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "row 3: cell B3 is a formula with no saved value" in result.output
    rows = read_csv(out)
    review = rows[0].index("tas_needs_review")
    assert [r[review] for r in rows[1:]] == ["false", "true", "true"]
    assert "cell B3 is a formula" in rows[2][rows[0].index("tas_evidence")]


def test_report_warns_about_skipped_rows(tmp_path):
    src = make_ledger.far_cells(tmp_path / "far.xlsx")
    result = CliRunner().invoke(main, ["report", str(src), "--amount", "金额"])
    assert result.exit_code == 0, result.output
    assert "rows 2–1,048,575 are blank (1,048,574 rows) and were skipped" in result.output
