"""Reading an Excel 97–2003 ``.xls`` sheet with xlrd (2.x, which reads ``.xls`` only).

The sheet is chosen and its header row found as for ``.xlsx``
(:func:`~tas_classify.ledger.xlsx.choose_header`): a title, blank rows and notes above the
table are skipped and listed. Numbers come out as numbers (a whole number as an ``int``), dates as
``datetime``, booleans as ``bool``; a cell holding an Excel error (``#DIV/0!``) flags its row. xlrd
holds a whole sheet in memory, so the file is refused above :data:`MAX_XLS_BYTES` (an ``.xls`` has
at most 65,536 rows; a full ledger of twenty columns is some 15 MB).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from tas_classify.errors import TableError
from tas_classify.ledger.xlsx import MAX_AUTO_SHEETS, Sheet, choose_header, sheet_index

__all__ = ["MAX_XLS_BYTES", "open_xls"]

MAX_XLS_BYTES = 64 << 20
"""The largest ``.xls`` read (xlrd holds a sheet's cells in memory, some 60 bytes each)."""

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _letter(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(column))


def _value(cell: Any, datemode: int) -> tuple[Any, str]:
    """A cell's value as the ``.xlsx`` reader gives it, and a problem with it (or "")."""
    import xlrd

    kind, value = cell.ctype, cell.value
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None, ""
    if kind == xlrd.XL_CELL_NUMBER:
        return (int(value) if float(value).is_integer() else value), ""
    if kind == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate.xldate_as_datetime(value, datemode), ""
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return value, ""
    if kind == xlrd.XL_CELL_BOOLEAN:
        return bool(value), ""
    if kind == xlrd.XL_CELL_ERROR:
        return None, f"holds the Excel error {xlrd.error_text_from_code.get(value, value)}"
    return value, ""


class _Book:
    def __init__(self, book: Any, source: str) -> None:
        self.book, self.source = book, source

    def rows(self, index: int) -> list[tuple[list[Any], list[str]]]:
        """Every row of sheet ``index``: its values (up to its last one) and its problems."""
        sheet = self.book.sheet_by_index(index)
        out = []
        for r in range(sheet.nrows):
            values: list[Any] = []
            problems = []
            for c, cell in enumerate(sheet.row(r)):
                value, problem = _value(cell, self.book.datemode)
                values.append(value)
                if problem:
                    problems.append(f"cell {_letter(c + 1)}{r + 1} {problem}")
            while values and (values[-1] is None or values[-1] == ""):
                values.pop()
            out.append((values, problems))
        self.book.unload_sheet(index)
        return out


def _blank(values: list[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _choose(
    book: _Book, names: list[str], sheet: str | None, header_row: int | None
) -> tuple[int, list[tuple[list[Any], list[str]]]]:
    from tas_classify.ledger.columns import ColumnError, choose_text_column, find_header_row

    if sheet is not None:
        index = sheet_index(names, sheet, book.source)
        return index, book.rows(index)
    first: tuple[int, list[tuple[list[Any], list[str]]]] | None = None
    for index in range(min(len(names), MAX_AUTO_SHEETS)):
        rows = book.rows(index)
        sample = [values for values, _ in rows[:30]]
        if first is None and any(sample):
            first = index, rows
        row = header_row - 1 if header_row else find_header_row(sample)
        if row is None or row >= len(rows):
            continue
        try:
            names_in_row = [str(v) for v in rows[row][0] if v is not None and str(v).strip()]
            choose_text_column(names_in_row, None, source="")
        except ColumnError:
            continue
        return index, rows
    return first if first is not None else (0, book.rows(0))


@contextmanager
def open_xls(
    fh: IO[bytes], source: str, sheet: str | None, header_row: int | None = None
) -> Iterator[Sheet]:
    """The sheet called (or numbered) ``sheet`` of the ``.xls`` workbook in ``fh`` — by default
    the first whose header has a usual text column — with its header row found."""
    from tas_classify.ledger.columns import conventions

    data = fh.read(MAX_XLS_BYTES + 1)
    if len(data) > MAX_XLS_BYTES:
        raise TableError(
            f"{source}: the .xls file is larger than {MAX_XLS_BYTES >> 20} MiB; "
            "save it as .xlsx or CSV instead"
        )
    if not data.startswith(_OLE):
        what = data[:16].decode("utf-8", "replace").strip()
        kind = "an .xlsx workbook" if data.startswith(_ZIP) else f"text starting {what!r}"
        raise TableError(
            f"{source}: not an Excel 97–2003 .xls workbook ({kind}); finance systems often save "
            "a web page or text as .xls — open it in Excel and save it as .xlsx, or read it "
            "with --from xlsx / csv / tsv"
        )
    try:
        import xlrd
    except ImportError as exc:  # pragma: no cover - xlrd is a dependency
        raise TableError(f"{source}: reading .xls needs xlrd (pip install xlrd)") from exc
    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
    except Exception as exc:  # xlrd raises many kinds for a damaged file
        raise TableError(f"{source}: not a readable .xls workbook ({exc})") from exc
    try:
        names = list(book.sheet_names())
        if not names:
            raise TableError(f"{source}: the workbook has no sheet")
        try:
            index, rows = _choose(_Book(book, source), names, sheet, header_row)
        except TableError:
            raise
        except Exception as exc:  # a damaged sheet
            raise TableError(f"{source}: the workbook is damaged ({exc})") from exc
        scan = conventions().scan_rows
        sample = [values for values, _ in rows[: max(scan, header_row or 0)]]
        number, header, skipped = choose_header(
            sample, header_row, f"{source}: sheet '{names[index]}'"
        )
        body = rows[number:]
        while body and _blank(body[-1][0]) and not body[-1][1]:
            body.pop()
        width = max([len(header), *(len(values) for values, _ in body)])
        columns = []
        for i in range(width):
            value = header[i] if i < len(header) else None
            name = "" if value is None else str(value).strip()
            columns.append(name or f"column {i + 1}")
        result = Sheet(
            names[index], columns, iter(()), len(body),
            header_row=number, skipped_rows=skipped, sheets=names,
        )  # fmt: skip

        def data_rows() -> Iterator[tuple[int, list[Any]]]:
            for offset, (values, problems) in enumerate(body):
                row = number + 1 + offset
                if problems:
                    result.row_notes[row] = "; ".join(problems)
                yield row, (values + [None] * width)[:width]

        result.rows = data_rows()
        yield result
    finally:
        book.release_resources()
