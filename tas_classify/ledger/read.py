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
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
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
    row_notes: dict[int, str] = field(default_factory=dict)
    """A problem found in a row, by row number, set once the row has been read (a formula with
    no saved value …); the row must be flagged for review."""
    notes: list[str] = field(default_factory=list)
    """Problems with the file as a whole, known once the rows have been read (rows skipped)."""


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


def _kind(path: str) -> str:
    """What ``path`` is: "file", "pipe" (a FIFO, ``<(…)``) or a word for what cannot be read."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return "file"  # open() gives the clear error
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        return "pipe"
    return "a folder" if stat.S_ISDIR(mode) else "a device"


@contextmanager
def _spooled(stream: IO[bytes]) -> Iterator[IO[bytes]]:
    with tempfile.SpooledTemporaryFile(max_size=16 << 20) as spool:
        shutil.copyfileobj(stream, spool)
        spool.seek(0)
        yield spool  # type: ignore[misc,unused-ignore]


@contextmanager
def _binary(path: str) -> Iterator[IO[bytes]]:
    """The file opened for binary reading; standard input and pipes are spooled first so that
    they can be read twice. A folder or a device is refused."""
    if path == "-":
        with _spooled(sys.stdin.buffer) as spool:
            yield spool
        return
    kind = _kind(path)
    if kind not in ("file", "pipe"):
        raise TableError(f"{path}: is {kind}, not a file")
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise TableError(f"{path}: {exc.strerror}") from exc
    with fh:
        if kind == "pipe":
            with _spooled(fh) as spool:
                yield spool
        else:
            yield fh


def _byte_order(encoding: str, sample: bytes) -> str:
    """``utf-16`` / ``utf-32`` given for a file without a byte-order mark: the byte order read
    from where the zero bytes of ASCII and common CJK characters fall (Python's decoder would
    stop at the first line)."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return encoding
    width = {"utf-16": 2, "utf-32": 4}.get(name)
    if width is None or sample.startswith(
        (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)
    ):
        return encoding
    first = sample[0 : len(sample) - len(sample) % width : width].count(0)
    last = sample[width - 1 :: width].count(0)
    return f"{name}-be" if first > last else f"{name}-le"


def _text_stream(fh: IO[bytes], source: str, encoding: str | None) -> tuple[io.TextIOWrapper, str]:
    sample = fh.read(_SAMPLE)
    chosen = _byte_order(encoding, sample) if encoding else detect_encoding(sample)
    fh.seek(0)
    try:
        # Undecodable bytes become U+FFFD and the row is flagged by the caller, not dropped.
        stream = io.TextIOWrapper(fh, encoding=chosen, errors="replace", newline="")
    except LookupError as exc:  # unknown, or not a text encoding (rot13, base64 …)
        raise TableError(f"{source}: '{chosen}' is not a text encoding ({exc})") from exc
    return stream, chosen


def _csv_rows(
    reader: Any, width: int, source: str, header: int = 0
) -> Iterator[tuple[int, list[Any]]]:
    """Rows padded to the header's width; a row with extra non-empty cells is an error, since
    which cell the stray delimiter split cannot be known. ``header=1``: the header row alone,
    as it is."""
    row = 1 - header
    try:
        for cells in reader:
            row += 1
            if header:
                yield row, cells
                return
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


def _decoded(rows: Iterator[Any], source: str, encoding: str) -> Iterator[Any]:
    """Rows, with a decoder that stops (an encoding that cannot be replaced) as a TableError."""
    number = 0
    try:
        for number, cells in rows:
            yield number, cells
    except UnicodeError as exc:
        raise TableError(
            f"{source}, after row {number}: cannot be read as {encoding} ({exc}); "
            "give the right --encoding"
        ) from exc


def _jsonl_rows(
    stream: io.TextIOWrapper, source: str, encoding: str
) -> tuple[list[str], Iterator[Any]]:
    """Columns are the keys of all objects in order of first appearance (one pass to find them)."""
    columns: dict[str, None] = {}
    lines = _decoded(enumerate(stream, start=1), source, encoding)
    for number, line in lines:
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TableError(f"{source}, line {number}: not valid JSON ({exc.msg})") from exc
        except RecursionError as exc:
            raise TableError(f"{source}, line {number}: JSON nested too deeply") from exc
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
            rows = _decoded(_lines(stream), source, chosen)
            yield Table(source, fmt, ["text"], rows, chosen, size_hint)
        elif fmt == "jsonl":
            names, rows = _jsonl_rows(stream, source, chosen)
            yield Table(source, fmt, names, _decoded(rows, source, chosen), chosen, size_hint)
        else:
            # A cell may hold a whole contract; csv's default limit of 128 KiB is too small.
            csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))
            reader = csv.reader(stream, delimiter="\t" if fmt == "tsv" else ",")
            header = next(_decoded(_csv_rows(reader, 0, source, 1), source, chosen), None)
            if header is None:
                raise TableError(f"{source}: the file is empty (no header row)")
            columns = _header(header[1])
            rows = _decoded(_csv_rows(reader, len(columns), source), source, chosen)
            yield Table(source, fmt, columns, rows, chosen, max(size_hint - 1, 0))
        stream.detach()


@contextmanager
def _xlsx_table(path: str, source: str, sheet: str | None) -> Iterator[Table]:
    from tas_classify.ledger.xlsx import open_sheet

    with _binary(path) as fh, open_sheet(fh, source, sheet) as ws:
        notes: dict[int, str] = ws.row_notes
        yield Table(source, "xlsx", ws.columns, ws.rows, None, ws.size_hint, notes, ws.notes)
