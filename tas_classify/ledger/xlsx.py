"""Reading an ``.xlsx`` sheet by the rows and cells that exist, not by what the file declares.

A workbook is a zip of XML parts. Before openpyxl parses anything, the archive's entries are
checked against size limits (the parts openpyxl reads whole — shared strings, styles — and the
total), so a 2 MB file that unpacks to gigabytes is refused at once. The sheet is then streamed
with openpyxl's worksheet parser, cell by cell:

- the header is the row :func:`~tas_classify.ledger.columns.find_header_row` finds among the first
  rows (a title, blank rows and notes such as ``单位：元`` above it are skipped and listed), or the
  row given; the sheet is the one given by name or number, else the first whose header has a
  usual text column (a ``说明`` sheet before the data is passed over);
- the sheet's ``<dimension>`` is only a hint: a stale ``A1:XFD1048576`` does not make 16,384
  columns or a million rows;
- the columns are the header's, up to its last non-blank name; columns with no name are kept only
  if some row has a value there (found by a first pass, made only when the sheet declares more
  columns than the header names); at most :data:`MAX_COLUMNS`;
- a blank row inside the data comes out as a row (so that output rows still line up with the
  sheet), but a run of more than :data:`MAX_BLANK_RUN` blank or missing rows is skipped, with a
  note; trailing blank rows are not rows;
- a formula whose value was never saved (a file written by a program that does not calculate), or
  a value beyond the last column, flags its row (:attr:`Sheet.row_notes`) instead of passing for a
  blank.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any
from xml.etree import ElementTree

from tas_classify.errors import TableError

__all__ = [
    "MAX_AUTO_SHEETS",
    "MAX_BLANK_RUN",
    "MAX_COLUMNS",
    "MAX_LOADED_PART",
    "MAX_UNCOMPRESSED",
    "Sheet",
    "check_archive",
    "choose_header",
    "open_sheet",
    "row_summary",
    "sheet_index",
]

MAX_COLUMNS = 1024
"""Columns read from one sheet; a header reaching further is refused (a stray cell far right)."""
MAX_BLANK_RUN = 1000
"""Consecutive blank rows still written out inside the data; a longer run is skipped."""
MAX_UNCOMPRESSED = 1 << 30
"""Bytes the whole archive may unpack to (1 GiB: about a million rows of ten columns)."""
MAX_LOADED_PART = 64 << 20
"""Bytes of any part openpyxl holds in memory whole (shared strings, styles, workbook …); the
sheets themselves are streamed. 64 MiB of shared strings is some 500,000 distinct lines."""
MAX_PARTS = 10_000
MAX_AUTO_SHEETS = 20
"""Sheets looked at for a usual header when no sheet is given; past these, the first is read."""
_SAMPLE_CHARS = 1 << 20  # characters of the first rows held while the header row is looked for
_WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_CONTENT_TYPES = "[Content_Types].xml"
_NO_VALUE = object()  # a formula cell without a saved value


def _mib(size: int) -> str:
    return f"{size / (1 << 20):,.0f} MiB"


def _streamed_parts(archive: zipfile.ZipFile, source: str) -> set[str]:
    """The worksheet parts, which openpyxl streams (every other part it reads whole)."""
    try:
        info = archive.getinfo(_CONTENT_TYPES)
    except KeyError:
        return set()
    if info.file_size > 1 << 20:
        raise TableError(f"{source}: not a readable .xlsx workbook ({_CONTENT_TYPES} is too big)")
    try:
        root = ElementTree.fromstring(archive.read(info))
    except (ElementTree.ParseError, zipfile.BadZipFile, OSError) as exc:
        raise TableError(f"{source}: not a readable .xlsx workbook ({exc})") from exc
    return {
        str(o.get("PartName", "")).lstrip("/")
        for o in root
        if o.tag.endswith("Override") and o.get("ContentType") == _WORKSHEET_TYPE
    }


def check_archive(fh: IO[bytes], source: str) -> None:
    """Refuse a workbook whose parts would unpack beyond the limits, before anything is parsed.

    Python's ``zipfile`` never yields more than an entry's declared size (a lie fails its CRC),
    so the declared sizes bound what openpyxl can be given."""
    try:
        archive = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise TableError(f"{source}: not a readable .xlsx workbook ({exc})") from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_PARTS:
            raise TableError(
                f"{source}: not a readable .xlsx workbook ({len(infos):,} parts; "
                f"at most {MAX_PARTS:,} are read)"
            )
        total = sum(i.file_size for i in infos)
        if total > MAX_UNCOMPRESSED:
            raise TableError(
                f"{source}: the workbook unpacks to {_mib(total)}, more than the "
                f"{_mib(MAX_UNCOMPRESSED)} read from one .xlsx; save the sheet as CSV instead"
            )
        streamed = _streamed_parts(archive, source)
        for info in infos:
            if info.filename not in streamed and info.file_size > MAX_LOADED_PART:
                raise TableError(
                    f"{source}: part '{info.filename}' of the workbook unpacks to "
                    f"{_mib(info.file_size)}, more than the {_mib(MAX_LOADED_PART)} held in "
                    "memory (shared strings, styles); save the sheet as CSV instead"
                )
    fh.seek(0)


def _parser_class() -> Any:
    """openpyxl's streaming worksheet parser (what its read-only sheets use), told to mark a
    formula without a saved value and not to keep every row's height in memory."""
    from openpyxl.worksheet._reader import FORMULA_TAG, INLINE_STRING, WorkSheetParser

    class Parser(WorkSheetParser):  # type: ignore[misc]
        def parse_cell(self, element: Any) -> dict[str, Any]:
            # An inline string (what Apache POI's streaming writer and openpyxl's write-only
            # mode produce) is read here: openpyxl builds a rich-text object per cell, ~10x slower.
            text = None
            if element.get("t") == "inlineStr" and element.find(FORMULA_TAG) is None:
                text = _inline_text(element.find(INLINE_STRING))
                if text is not None:
                    element.attrib.pop("t")
                    for value in element.findall(_MAIN + "v"):
                        element.remove(value)
            cell: dict[str, Any] = super().parse_cell(element)
            if text is not None:
                cell["value"], cell["data_type"] = text, "s"
            if cell["value"] is None and element.find(FORMULA_TAG) is not None:
                cell["value"] = _NO_VALUE
            return cell

        def parse_row(self, row: Any) -> Any:
            parsed = super().parse_row(row)
            self.row_dimensions.clear()
            return parsed

    return Parser


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _inline_text(child: Any) -> str | None:
    """The text of an inline string (``<is>``) as openpyxl reads it: the plain ``<t>`` and
    then each rich-text run's ``<t>``, phonetic runs (``<rPh>``) left out; None without ``<is>``."""
    if child is None:
        return None
    plain = child.find(_MAIN + "t")
    parts = [plain.text or ""] if plain is not None else []
    parts += [t.text for t in child.iterfind(_MAIN + "r/" + _MAIN + "t") if t.text is not None]
    return "".join(parts)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _letter(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(column))


@dataclass
class Sheet:
    """An open sheet: its columns and rows as :class:`~tas_classify.ledger.read.Table` wants
    them; ``row_notes`` holds a problem found in a row (by row number) once the row has been
    read; ``notes`` holds the file's own (rows skipped)."""

    title: str
    columns: list[str]
    rows: Iterator[tuple[int, list[Any]]]
    size_hint: int | None
    row_notes: dict[int, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    header_row: int = 1
    """The header's row number in the sheet (1-based); rows above it are not data."""
    skipped_rows: list[tuple[int, str]] = field(default_factory=list)
    """The non-blank rows above the header (title, notes), as (row number, their text)."""
    sheets: list[str] = field(default_factory=list)
    """Every sheet of the workbook, in order."""


def row_summary(values: list[Any]) -> str:
    """A row above the header as one short line of its non-blank cells."""
    text = " | ".join(str(v).strip() for v in values if not _blank(v))
    return text if len(text) <= 80 else text[:79] + "…"


def sheet_index(names: list[str], sheet: str, source: str) -> int:
    """The index of ``--sheet``: a sheet's name (exact, else with width, script and case
    folded), or its number counting from 1; else a TableError listing the sheets."""
    from tas_classify.ledger.columns import header_key

    if sheet in names:
        return names.index(sheet)
    folded = [header_key(n) for n in names]
    if header_key(sheet) in folded:
        return folded.index(header_key(sheet))
    if sheet.strip().isdigit() and 1 <= int(sheet) <= len(names):
        return int(sheet) - 1
    listing = ", ".join(f"{i} '{n}'" for i, n in enumerate(names, 1))
    raise TableError(f"{source}: no sheet '{sheet}'; the sheets are {listing}")


def choose_header(
    sample: list[list[Any]], header_row: int | None, where: str
) -> tuple[int, list[Any], list[tuple[int, str]]]:
    """The header (1-based row, values) among the first rows of a sheet, and the non-blank rows
    above it. ``header_row`` (``--header-row``) is taken as it is; ``sample[i]`` is row i + 1."""
    from tas_classify.ledger.columns import find_header_row

    if header_row is not None:
        if header_row > len(sample):
            raise TableError(
                f"{where} has no row {header_row} (--header-row); it has {len(sample)} rows"
            )
        index: int | None = header_row - 1
    else:
        index = find_header_row(sample)
    if index is None:
        raise TableError(f"{where} is empty (no header row)")
    values = list(sample[index])
    while values and _blank(values[-1]):
        values.pop()
    if not values:
        raise TableError(f"{where}: row {index + 1}, the header row (--header-row), is blank")
    skipped = [(i + 1, row_summary(r)) for i, r in enumerate(sample[:index]) if any(
        not _blank(v) for v in r)]  # fmt: skip
    return index + 1, values, skipped


def _has_text_header(values: list[Any]) -> bool:
    from tas_classify.ledger.columns import ColumnError, choose_text_column

    try:
        choose_text_column([str(v) for v in values if not _blank(v)], None, source="")
    except ColumnError:
        return False
    return True


class _Reader:
    def __init__(self, book: Any, ws: Any, source: str) -> None:
        self.book, self.ws, self.source = book, ws, source
        self.parser = _parser_class()
        self.widths: dict[int, int] = {}

    def parse(self) -> Iterator[tuple[int, list[dict[str, Any]]]]:
        with self.book._archive.open(self.ws._worksheet_path) as src:
            parser = self.parser(
                src,
                self.ws._shared_strings,
                data_only=True,
                epoch=self.book.epoch,
                date_formats=self.book._date_formats,
                timedelta_formats=self.book._timedelta_formats,
            )
            try:
                yield from parser.parse()
            except TableError:
                raise
            except Exception as exc:  # openpyxl / expat on a damaged or hostile sheet
                raise TableError(f"{self.source}: the workbook is damaged ({exc})") from exc

    def sample(self, rows: int, header_row: int | None = None) -> list[list[Any]]:
        """The values of rows 1 … ``rows`` (to ``header_row`` when given), a missing row as
        blank, each up to its last value within :data:`MAX_COLUMNS`; a header row reaching
        beyond is refused once chosen (:meth:`check_width`)."""
        last = header_row or rows
        out: list[list[Any]] = []
        blank: list[Any] = []  # one list shared by every row not kept
        chars = 0
        for number, cells in self.parse():
            if number > last:
                break
            while len(out) < number - 1:
                out.append(blank)
            if rows < number < last:
                out.append(blank)  # between the first rows and the --header-row: not kept
                continue
            named = [c for c in cells if not _blank(c["value"]) and c["value"] is not _NO_VALUE]
            width = max((c["column"] for c in named), default=0)
            self.widths[number] = width
            values: list[Any] = [None] * min(width, MAX_COLUMNS)
            for c in named:
                if c["column"] <= MAX_COLUMNS:
                    values[c["column"] - 1] = c["value"]
                    chars += len(str(c["value"]))
            out.append(values)
            if chars > _SAMPLE_CHARS and header_row is None:
                break
        return out

    def check_width(self, header_row: int) -> None:
        width = self.widths.get(header_row, 0)
        if width > MAX_COLUMNS:
            raise TableError(
                f"{self.source}: sheet '{self.ws.title}' has a column name in cell "
                f"{_letter(width)}{header_row} ({width:,} columns); at most {MAX_COLUMNS:,} are "
                "read. Delete the stray cell (Ctrl+End shows the last cell) or save the columns "
                "you need as CSV"
            )

    def survey(self, header_row: int) -> tuple[int, int]:
        """The last column holding a value below the header, and the number of rows holding one."""
        last, rows = 0, 0
        for number, cells in self.parse():
            if number <= header_row:
                continue
            used = [c["column"] for c in cells if not _blank(c["value"])]
            if used:
                rows += 1
                last = max(last, *used)
        return last, rows


class _BlankRun:
    """Consecutive blank (or missing) rows: kept while short, counted once too long."""

    def __init__(self) -> None:
        self.start = self.length = 0
        self.rows: list[tuple[int, list[Any] | None]] = []

    def add(self, first: int, last: int, values: list[Any] | None = None) -> None:
        if last < first:
            return
        if not self.length:
            self.start = first
        self.length += last - first + 1
        if self.length <= MAX_BLANK_RUN:
            self.rows.extend((n, values) for n in range(first, last + 1))
        else:
            self.rows.clear()

    def flush(self, sheet: Sheet, width: int) -> Iterator[tuple[int, list[Any]]]:
        if self.length > MAX_BLANK_RUN:
            end = self.start + self.length - 1
            sheet.notes.append(
                f"rows {self.start:,}–{end:,} are blank ({self.length:,} rows) and were skipped"
            )
        rows, self.rows, self.start, self.length = self.rows, [], 0, 0
        for number, values in rows:
            yield number, values if values is not None else [None] * width


def _row(
    cells: list[dict[str, Any]], number: int, width: int
) -> tuple[list[Any], list[str]]:
    """A row's values over ``width`` columns, and its problems."""
    values: list[Any] = [None] * width
    problems = []
    beyond = 0
    for c in cells:
        column, value = c["column"], c["value"]
        if value is _NO_VALUE:
            problems.append(
                f"cell {_letter(column)}{number} is a formula with no saved value (the file "
                "was never recalculated; open and save it in Excel)"
            )
        elif column <= width:
            values[column - 1] = value
        elif not beyond and not _blank(value):
            beyond = column
    if beyond:
        problems.append(
            f"cell {_letter(beyond)}{number} has a value beyond the last named column; "
            "it is not in the output"
        )
    return values, problems


def _data_rows(reader: _Reader, sheet: Sheet, width: int) -> Iterator[tuple[int, list[Any]]]:
    run = _BlankRun()
    previous = sheet.header_row
    for number, cells in reader.parse():
        if number <= sheet.header_row:
            continue
        run.add(previous + 1, number - 1)  # rows missing from the file
        previous = number
        values, problems = _row(cells, number, width)
        if not problems and all(_blank(v) for v in values):
            run.add(number, number, values)
            continue
        yield from run.flush(sheet, width)
        if problems:
            sheet.row_notes[number] = "; ".join(problems)
        yield number, values


def _worksheet(book: Any, name: str, source: str) -> Any:
    ws = book[name]
    if not hasattr(ws, "_worksheet_path"):
        raise TableError(f"{source}: sheet '{ws.title}' is not a worksheet (a chart?)")
    return ws


def _choose_sheet(
    book: Any, source: str, sheet: str | None, header_row: int | None
) -> tuple[_Reader, list[list[Any]]]:
    """The sheet given (by name or number), else the first worksheet whose header has a usual
    text column, else the first that is not blank; with the first rows of it."""
    from tas_classify.ledger.columns import conventions, find_header_row

    scan = conventions().scan_rows
    names = list(book.sheetnames)
    if sheet is not None:
        reader = _Reader(book, _worksheet(book, names[sheet_index(names, sheet, source)], source),
                         source)  # fmt: skip
        return reader, reader.sample(scan, header_row)
    first: tuple[_Reader, list[list[Any]]] | None = None
    worksheets = [n for n in names if hasattr(book[n], "_worksheet_path")]
    if not worksheets:
        raise TableError(f"{source}: the workbook has no worksheet (only charts?)")
    for name in worksheets[:MAX_AUTO_SHEETS]:
        reader = _Reader(book, book[name], source)
        sample = reader.sample(scan, header_row)
        if first is None and any(sample):
            first = reader, sample
        index = header_row - 1 if header_row else find_header_row(sample)
        if index is not None and index < len(sample) and _has_text_header(sample[index]):
            return reader, sample
    if first is None:
        reader = _Reader(book, book[worksheets[0]], source)
        return reader, reader.sample(scan, header_row)
    return first


@contextmanager
def open_sheet(
    fh: IO[bytes], source: str, sheet: str | None, header_row: int | None = None
) -> Iterator[Sheet]:
    """The sheet called (or numbered) ``sheet`` of the workbook in ``fh`` — by default the
    first whose header has a usual text column — with its header row found, or ``header_row``."""
    from openpyxl import load_workbook

    check_archive(fh, source)
    try:
        book = load_workbook(fh, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or non-Excel file
        raise TableError(f"{source}: not a readable .xlsx workbook ({exc})") from exc
    try:
        reader, sample = _choose_sheet(book, source, sheet, header_row)
        ws = reader.ws
        number, header, skipped = choose_header(sample, header_row, f"{source}: sheet '{ws.title}'")
        reader.check_width(number)
        width, size_hint = len(header), None
        declared_columns, declared_rows = ws.max_column, ws.max_row
        if declared_columns is not None and declared_columns > width:
            last, size_hint = reader.survey(number)
            if last > MAX_COLUMNS:
                raise TableError(
                    f"{source}: sheet '{ws.title}' has values up to column {_letter(last)} "
                    f"({last:,} columns); at most {MAX_COLUMNS:,} are read. Delete the stray "
                    "cells or save the columns you need as CSV"
                )
            width = max(width, last)
        elif declared_rows is not None and declared_rows <= 1 << 20:
            size_hint = max(declared_rows - number, 0)
        names = []
        for i in range(width):
            value = header[i] if i < len(header) else None
            names.append("" if value is None else str(value).strip() or f"column {i + 1}")
        result = Sheet(ws.title, [n or f"column {i}" for i, n in enumerate(names, 1)],
                       iter(()), size_hint, header_row=number, skipped_rows=skipped,
                       sheets=list(book.sheetnames))  # fmt: skip
        result.rows = _data_rows(reader, result, width)
        yield result
    finally:
        book.close()
