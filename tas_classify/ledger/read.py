"""Reading ledgers row by row: CSV / TSV in any Chinese encoding, one-line-per-row text, Excel
``.xlsx`` and ``.xls``, and JSON lines, from a file or standard input — streamed (``.xls`` aside),
so memory does not grow with the file.

A ledger as finance software exports it has a title (often a merged cell), blank rows and notes
(``单位：元``, ``编制单位：…``) above the column names: the header row is found among the first rows
(:func:`~tas_classify.ledger.columns.find_header_row`) or given (``header_row``); the rows above
it are not data, and are listed in :attr:`Table.skipped_rows`.

Rows come with their number as a person would find it: the spreadsheet row (the file's own row,
counting the rows above the header) for CSV, TSV and Excel, the line number for ``.txt`` and
``.jsonl``.

The encoding of a text file is detected on the whole file, not its start: a file whose first
megabyte is ASCII and whose Chinese comes later is still read in the encoding of that Chinese.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
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

FORMATS = ("csv", "tsv", "txt", "xlsx", "xls", "jsonl")
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
    sheet: str | None = None
    """The sheet read, for a workbook."""
    header_row: int = 1
    """The row of the column names, 1-based, as the spreadsheet numbers it."""
    skipped_rows: list[tuple[int, str]] = field(default_factory=list)
    """The non-blank rows above the header (a title, notes): (row number, their text)."""
    sheets: list[str] = field(default_factory=list)
    """Every sheet of the workbook, in order (empty for a text file)."""

    def describe(self) -> str:
        """Where the table was found, for the user: sheet, header row and its first columns."""
        parts = []
        if self.sheet is not None:
            place = f" ({self.sheets.index(self.sheet) + 1} of {len(self.sheets)})" if (
                self.sheet in self.sheets and len(self.sheets) > 1) else ""  # fmt: skip
            parts.append(f"sheet '{self.sheet}'{place}")
        names = ", ".join(self.columns[:6]) + (" …" if len(self.columns) > 6 else "")
        parts.append(f"header row {self.header_row}: {names}")
        text = ", ".join(parts)
        if self.skipped_rows:
            above = "; ".join(f"row {n} '{t}'" for n, t in self.skipped_rows[:3])
            more = " …" if len(self.skipped_rows) > 3 else ""
            text += f" (above it, not data: {above}{more})"
        return text


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


def detect_encoding(sample: bytes, *, utf8: bool = True) -> str:
    """The encoding of ``sample``: a BOM, else strict UTF-8, else charset-normalizer's best guess
    among the encodings Chinese software writes (GB18030 when it cannot tell). ``utf8=False``:
    the file is known not to be UTF-8 (a later part failed), whatever the sample says."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if utf8:
        try:
            codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
            return "utf-8"
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes

    candidates = _CANDIDATES if utf8 else [c for c in _CANDIDATES if c != "utf_8"]
    best = from_bytes(sample, cp_isolation=candidates).best()
    name = best.encoding if best is not None else "gb18030"
    # GB2312 and GBK texts are GB18030 texts; the superset decodes the rare characters too.
    return "gb18030" if name in ("gb2312", "gbk", "gb18030", "utf_8") else name


def _scan(stream: IO[bytes], check_utf8: bool) -> tuple[int, int | None]:
    """The number of newlines in ``stream``, and (with ``check_utf8``) the offset of the first
    line that is not valid UTF-8 (None: the whole stream is) — read once, in blocks."""
    count, offset, bad = 0, 0, None
    decoder = codecs.getincrementaldecoder("utf-8")()
    for block in iter(lambda: stream.read(1 << 22), b""):
        count += block.count(b"\n")
        pending = decoder.getstate()[0]
        if check_utf8 and bad is None and (pending or not block.isascii()):
            try:
                decoder.decode(block, final=False)
            except UnicodeDecodeError as exc:
                bad = max(offset + exc.start - 3, 0)  # up to 3 bytes were held from before
        offset += len(block)
    if check_utf8 and bad is None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            bad = max(offset - 3, 0)
    if bad is not None:  # back to the start of that line: a character boundary
        start = max(bad - (1 << 16), 0)
        stream.seek(start)
        newline = stream.read(bad - start).rfind(b"\n")
        bad = start + newline + 1 if newline >= 0 else start
    stream.seek(0)
    return count, bad


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


def _text_stream(
    fh: IO[bytes], source: str, encoding: str | None, not_utf8: int | None = None
) -> tuple[io.TextIOWrapper, str]:
    """``fh`` decoded in ``encoding``, else in the one detected: on the first megabyte, or —
    when the first line that is not UTF-8 (``not_utf8``, from :func:`_scan`) lies past it — on
    a megabyte from that line, so that a long ASCII start cannot pass for UTF-8."""
    sample = fh.read(_SAMPLE)
    if encoding:
        chosen = _byte_order(encoding, sample)
    elif not_utf8 is not None and not_utf8 > len(sample) // 2:
        fh.seek(not_utf8)
        chosen = detect_encoding(fh.read(_SAMPLE), utf8=False)
    else:
        chosen = detect_encoding(sample, utf8=not_utf8 is None)
    fh.seek(0)
    try:
        # Undecodable bytes become U+FFFD and the row is flagged by the caller, not dropped.
        stream = io.TextIOWrapper(fh, encoding=chosen, errors="replace", newline="")
    except LookupError as exc:  # unknown, or not a text encoding (rot13, base64 …)
        raise TableError(f"{source}: '{chosen}' is not a text encoding ({exc})") from exc
    return stream, chosen


def _records(reader: Any, source: str) -> Iterator[tuple[int, list[str]]]:
    """The CSV records, numbered from 1 as a spreadsheet numbers its rows."""
    row = 0
    try:
        for cells in reader:
            row += 1
            yield row, cells
    except csv.Error as exc:
        raise TableError(f"{source}, row {row + 1}: {exc}") from exc


def _csv_rows(
    records: Iterator[tuple[int, list[str]]], width: int, source: str
) -> Iterator[tuple[int, list[Any]]]:
    """Rows padded to the header's width; a row with extra non-empty cells is an error, since
    which cell the stray delimiter split cannot be known."""
    for row, cells in records:
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            raise TableError(
                f"{source}, row {row}: {len(cells)} cells but the header has {width} "
                "(an unquoted comma or tab in a cell?); export the file again with quoting"
            )
        yield row, (cells + [""] * width)[:width]


def _csv_header(
    records: Iterator[tuple[int, list[str]]], source: str, header_row: int | None
) -> tuple[int, list[str], list[tuple[int, str]], list[tuple[int, list[str]]]]:
    """The header row (its number and cells), the non-blank rows above it, and the rows read
    past it while looking for it. The first ``scan_rows`` rows (at most 1 MiB of them) are held."""
    from tas_classify.ledger.columns import conventions, find_header_row
    from tas_classify.ledger.xlsx import row_summary

    scan = conventions().scan_rows
    held: list[tuple[int, list[str]]] = []
    if header_row is not None:
        for number, cells in records:
            if number == header_row:
                above = [(n, row_summary(c)) for n, c in held if any(x.strip() for x in c)]
                return number, cells, above, []
            if number <= scan:
                held.append((number, cells))
        raise TableError(
            f"{source}: has no row {header_row} (--header-row); it has {len(held)} rows"
            if len(held) < scan else f"{source}: has no row {header_row} (--header-row)"
        )
    chars = 0
    for number, cells in records:
        held.append((number, cells))
        chars += sum(map(len, cells))
        if len(held) >= scan or chars > 1 << 20:
            break
    index = find_header_row([cells for _, cells in held])
    if index is None:
        raise TableError(f"{source}: the file is empty (no header row)")
    above = [(n, row_summary(c)) for n, c in held[:index] if any(x.strip() for x in c)]
    number, cells = held[index]
    return number, cells, above, held[index + 1 :]


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
    header_row: int | None = None,
    name: str | None = None,
) -> Iterator[Table]:
    """Open ``path`` (``-`` for standard input) as a :class:`Table`.

    ``name``: what messages and the table's ``source`` call the file (default: ``path``), for a
    file stored under a name of the tool's own, such as an upload to the workbench.
    ``sheet``: a workbook's sheet by name or number (from 1); default, the first whose header has
    a usual text column. ``header_row``: the row of the column names (1-based); default, found
    among the first rows (title, blank and note rows above it are skipped)."""
    source = name or ("<stdin>" if path == "-" else path)
    fmt = format_of(path, fmt)
    if header_row is not None and header_row < 1:
        raise TableError(f"{source}: --header-row must be 1 or more, not {header_row}")
    if fmt in ("xlsx", "xls"):
        with _workbook_table(path, source, fmt, sheet, header_row) as table:
            yield table
        return
    with _binary(path) as fh:
        size_hint, not_utf8 = _scan(fh, check_utf8=encoding is None)
        stream, chosen = _text_stream(fh, source, encoding, not_utf8)
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
            records = _decoded(_records(reader, source), source, chosen)
            number, header, above, held = _csv_header(records, source, header_row)
            columns = _header(header)
            rows = _decoded(
                _csv_rows(itertools.chain(held, records), len(columns), source), source, chosen
            )
            yield Table(
                source, fmt, columns, rows, chosen, max(size_hint - number, 0),
                header_row=number, skipped_rows=above,
            )  # fmt: skip
        stream.detach()


@contextmanager
def _workbook_table(
    path: str, source: str, fmt: str, sheet: str | None, header_row: int | None
) -> Iterator[Table]:
    from tas_classify.ledger.xls import open_xls
    from tas_classify.ledger.xlsx import open_sheet

    opener = open_xls if fmt == "xls" else open_sheet
    with _binary(path) as fh, opener(fh, source, sheet, header_row) as ws:
        notes: dict[int, str] = ws.row_notes
        yield Table(
            source, fmt, ws.columns, ws.rows, None, ws.size_hint, notes, ws.notes,
            sheet=ws.title, header_row=ws.header_row, skipped_rows=ws.skipped_rows,
            sheets=ws.sheets,
        )  # fmt: skip
