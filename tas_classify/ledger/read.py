"""Reading ledgers row by row: CSV / TSV in any Chinese encoding, one-line-per-row text, Excel
``.xlsx`` and JSON lines, from a file or standard input — streamed, so memory does not grow with
the file.

Rows come with their number as a person would find it: the spreadsheet row (header = row 1) for
CSV, TSV and Excel, the line number for ``.txt`` and ``.jsonl``.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from tas_classify.errors import TableError as TableError

FORMATS = ("csv", "tsv", "txt", "xlsx", "jsonl")
_SAMPLE = 1 << 20
# Encodings a Chinese finance export comes in. GB18030 is a superset of GBK and GB2312.
_CANDIDATES = ["utf_8", "gb18030", "big5", "utf_16"]



@dataclass
class Table:
    """An open table: its columns, and its rows as ``(row_number, cells)``, read lazily once."""

    source: str
    format: str
    columns: list[str]
    rows: Iterator[tuple[int, list[Any]]]
    encoding: str | None = None
    size_hint: int | None = None


def format_of(path: str, given: str | None) -> str:
    """The table format from ``given`` (``--from`` / ``--to``) or the file's extension."""
    if given:
        return given
    if path == "-":
        return "txt"
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    if suffix in ("xlsm", "json"):
        return {"xlsm": "xlsx", "json": "jsonl"}[suffix]
    raise TableError(f"{path}: unknown file type '.{suffix}'; use one of {', '.join(FORMATS)}")


def detect_encoding(sample: bytes) -> str:
    """The encoding of ``sample``: a BOM, else strict UTF-8, else charset-normalizer's best guess
    among the encodings Chinese software writes (GB18030 when it cannot tell)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(sample, cp_isolation=_CANDIDATES).best()
    name = best.encoding if best is not None else "gb18030"
    # GB2312 and GBK texts are GB18030 texts; the superset decodes the rare characters too.
    return "gb18030" if name in ("gb2312", "gbk", "gb18030", "utf_8") else name


def _count_newlines(stream: IO[bytes]) -> int:
    count = 0
    for block in iter(lambda: stream.read(1 << 22), b""):
        count += block.count(b"\n")
    stream.seek(0)
    return count


@contextmanager
def _binary(path: str) -> Iterator[IO[bytes]]:
    """The file opened for binary reading; standard input is spooled first so it can be re-read."""
    if path != "-":
        try:
            fh = open(path, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise TableError(f"{path}: {exc.strerror}") from exc
        with fh:
            yield fh
        return
    with tempfile.SpooledTemporaryFile(max_size=16 << 20) as spool:
        shutil.copyfileobj(sys.stdin.buffer, spool)
        spool.seek(0)
        yield spool  # type: ignore[misc,unused-ignore]


def _text_stream(fh: IO[bytes], source: str, encoding: str | None) -> tuple[io.TextIOWrapper, str]:
    chosen = encoding or detect_encoding(fh.read(_SAMPLE))
    fh.seek(0)
    try:
        codecs.lookup(chosen)
    except LookupError as exc:
        raise TableError(f"{source}: unknown encoding '{chosen}'") from exc
    # Undecodable bytes become U+FFFD and the row is flagged by the caller, not dropped.
    return io.TextIOWrapper(fh, encoding=chosen, errors="replace", newline=""), chosen


def _csv_rows(reader: Any, width: int, source: str) -> Iterator[tuple[int, list[Any]]]:
    """Rows padded to the header's width; a row with extra non-empty cells is an error, since
    which cell the stray delimiter split cannot be known."""
    row = 1
    try:
        for cells in reader:
            row += 1
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                raise TableError(
                    f"{source}, row {row}: {len(cells)} cells but the header has {width} "
                    "(an unquoted comma or tab in a cell?); export the file again with quoting"
                )
            yield row, (cells + [""] * width)[:width]
    except csv.Error as exc:
        raise TableError(f"{source}, row {row + 1}: {exc}") from exc


def _lines(stream: io.TextIOWrapper) -> Iterator[tuple[int, list[Any]]]:
    for number, line in enumerate(stream, start=1):
        yield number, [line.rstrip("\r\n")]


def _jsonl_rows(stream: io.TextIOWrapper, source: str) -> tuple[list[str], Iterator[Any]]:
    """Columns are the keys of all objects in order of first appearance (one pass to find them)."""
    columns: dict[str, None] = {}
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TableError(f"{source}, line {number}: not valid JSON ({exc.msg})") from exc
        if not isinstance(obj, dict):
            raise TableError(f"{source}, line {number}: expected a JSON object, got {obj!r:.40}")
        columns.update(dict.fromkeys(obj))
    stream.seek(0)
    names = list(columns)

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for number, line in enumerate(stream, start=1):
            if line.strip():
                obj = json.loads(line)
                yield number, [obj.get(name) for name in names]

    return names, rows()


def _header(cells: list[Any]) -> list[str]:
    names = []
    for i, cell in enumerate(cells, start=1):
        name = "" if cell is None else str(cell).strip()
        names.append(name or f"column {i}")
    return names


def _xlsx_rows(ws: Any, width: int) -> Iterator[tuple[int, list[Any]]]:
    """Data rows; trailing blank rows (formatting left by Excel) are not rows."""
    blank: list[tuple[int, list[Any]]] = []
    for number, values in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        cells = (list(values) + [None] * width)[:width]
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells):
            blank.append((number, cells))
            continue
        yield from blank
        blank.clear()
        yield number, cells


@contextmanager
def open_table(
    path: str,
    *,
    fmt: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
) -> Iterator[Table]:
    """Open ``path`` (``-`` for standard input) as a :class:`Table`."""
    source = "<stdin>" if path == "-" else path
    fmt = format_of(path, fmt)
    if fmt == "xlsx":
        with _xlsx_table(path, source, sheet) as table:
            yield table
        return
    with _binary(path) as fh:
        size_hint = _count_newlines(fh)
        stream, chosen = _text_stream(fh, source, encoding)
        if fmt == "txt":
            yield Table(source, fmt, ["text"], _lines(stream), chosen, size_hint)
        elif fmt == "jsonl":
            names, rows = _jsonl_rows(stream, source)
            yield Table(source, fmt, names, rows, chosen, size_hint)
        else:
            # A cell may hold a whole contract; csv's default limit of 128 KiB is too small.
            csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))
            reader = csv.reader(stream, delimiter="\t" if fmt == "tsv" else ",")
            header = next(reader, None)
            if header is None:
                raise TableError(f"{source}: the file is empty (no header row)")
            columns = _header(header)
            rows = _csv_rows(reader, len(columns), source)
            yield Table(source, fmt, columns, rows, chosen, max(size_hint - 1, 0))
        stream.detach()


@contextmanager
def _xlsx_table(path: str, source: str, sheet: str | None) -> Iterator[Table]:
    from openpyxl import load_workbook

    with _binary(path) as fh:
        try:
            book = load_workbook(fh, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged or non-Excel file
            raise TableError(f"{source}: not a readable .xlsx workbook ({exc})") from exc
        try:
            if sheet and sheet not in book.sheetnames:
                raise TableError(f"{source}: no sheet '{sheet}'; the sheets are {book.sheetnames}")
            ws = book[sheet] if sheet else book.worksheets[0]
            first = next(_guarded(ws.iter_rows(max_row=1, values_only=True), source), None)
            if first is None:
                raise TableError(f"{source}: sheet '{ws.title}' is empty (no header row)")
            columns = _header(list(first))
            size = max((ws.max_row or 1) - 1, 0)
            rows = _guarded(_xlsx_rows(ws, len(columns)), source)
            yield Table(source, "xlsx", columns, rows, None, size)
        finally:
            book.close()


def _guarded(rows: Iterator[Any], source: str) -> Iterator[Any]:
    """Rows of a workbook, with openpyxl's errors on a damaged sheet turned into a TableError."""
    try:
        yield from rows
    except Exception as exc:
        raise TableError(f"{source}: the workbook is damaged ({exc})") from exc
