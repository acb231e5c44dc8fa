"""``batch`` from ``.xlsx`` to ``.xlsx``: the output is the input workbook with the result columns
added to the right of the table, so a reviewer gets back the file they gave.

The input is loaded whole with openpyxl (normal mode) and the classified sheet gets
:data:`~tas_classify.ledger.result_columns.RESULT_COLUMNS` in its header row and in each data row,
as the rows come out of the classifier; the row numbers of
:attr:`~tas_classify.ledger.read.Table.rows` are the sheet's own, so each result goes beside its
row. Everything else is the input's: every sheet in its order, the title and note rows above the
header, merged cells, column widths, number and date formats, values, and formulas (as formulas;
Excel recalculates them on opening — openpyxl cannot save their last values). A sheet with no
frozen panes gets its header row frozen, as in the streamed output. The appended cells
are values, written as :mod:`~tas_classify.ledger.write` writes ``.xlsx`` cells (a text that a
spreadsheet would read as a formula stays text); the appended cells of a row that needs review
get :data:`~tas_classify.ledger.write.REVIEW_FILL`. The columns go right of the last cell holding
a value (or merged) at or below the header, so nothing of the input is overwritten. Macros of an
``.xlsm`` and drawings openpyxl does not read (shapes, text boxes) are not kept.

A workbook loaded whole costs memory: about 0.55 KiB a cell (measured: 200,000 cells 143 MiB and
4 s to load and save; 1,000,000 cells 550 MiB and 22 s). Above :data:`MAX_COPY_BYTES` of file,
:data:`MAX_COPY_UNPACKED` unpacked or :data:`MAX_COPY_CELLS` cells in all the sheets (counted in
the sheets' XML, not trusted from their ``<dimension>``), or when the input is not a regular file
(standard input, a pipe) or openpyxl cannot load it whole, :func:`load_copy` says why and
``batch`` writes today's streamed one-sheet workbook instead, with a warning.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tas_classify.ledger.read import Table
from tas_classify.ledger.result_columns import RESULT_COLUMNS
from tas_classify.ledger.write import (
    REVIEW_FILL,
    atomic_file,
    check_output,
    keep_text,
    xlsx_value,
)

__all__ = [
    "MAX_COPY_BYTES",
    "MAX_COPY_CELLS",
    "MAX_COPY_UNPACKED",
    "WorkbookCopy",
    "XlsxCopyWriter",
    "count_cells",
    "load_copy",
    "open_copy_writer",
]

MAX_COPY_BYTES = 20 << 20
"""Size of an ``.xlsx`` input copied whole into the output (20 MiB); a bigger one gets the
streamed one-sheet output."""
MAX_COPY_UNPACKED = 256 << 20
"""Bytes the input workbook may unpack to (all parts) and still be copied whole (256 MiB)."""
MAX_COPY_CELLS = 500_000
"""Cells in all the sheets of an input copied whole, counting rows, column definitions and the
cells merged ranges cover. Measured at the limit (495,000: 55,000 rows of 8 cells), ``batch``
takes 22.7 s and 529 MiB peak, against 15.3 s and 178 MiB for the streamed output."""
_PREFIX = rb"<(?:[A-Za-z_][\w.-]*:)?"
_ELEMENT = re.compile(_PREFIX + rb"(?:c|row|col)[\s/>]")
_MERGE = re.compile(_PREFIX + rb'mergeCell\s[^>]*?ref="\$?([A-Za-z]{1,3})\$?(\d{1,7})'
                    rb':\$?([A-Za-z]{1,3})\$?(\d{1,7})"')  # fmt: skip
_LAST_COLUMN = 16_384  # XFD, Excel's last column
_WIDTHS = (10, 24, 12, 14, 24, 40, 12)  # of the appended columns, where the input sets none


def _weight(data: bytes, end: int) -> int:
    """Cells, rows and columns declared in ``data[:end]``, and the cells merged ranges cover
    (openpyxl makes an object of each)."""
    from openpyxl.utils import column_index_from_string

    count = len(_ELEMENT.findall(data, 0, end))
    for match in _MERGE.finditer(data, 0, end):
        left, top, right, bottom = (g.decode("ascii") for g in match.groups())
        try:
            columns = abs(column_index_from_string(right.upper())
                          - column_index_from_string(left.upper())) + 1  # fmt: skip
        except ValueError:
            continue
        count += columns * (abs(int(bottom) - int(top)) + 1)
    return count


def count_cells(path: str | Path, limit: int) -> int:
    """What loading the workbook at ``path`` whole makes objects of: the cells, rows and column
    definitions of its worksheets, and the cells their merged ranges cover; counting stops past
    ``limit`` (the answer is then ``limit + 1``)."""
    count = 0
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            name = info.filename
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            with archive.open(info) as part:
                carry = b""
                for block in iter(lambda: part.read(1 << 20), b""):
                    data = carry + block
                    cut = data.rfind(b"<")  # a tag cannot span a cut made at a "<"
                    cut = len(data) if cut < 0 else cut
                    count += _weight(data, cut)
                    carry = data[cut : cut + 1024]  # enough to tell any tag counted here
                    if count > limit:
                        return limit + 1
                count += _weight(carry, len(carry))
            if count > limit:
                return limit + 1
    return count


@dataclass
class WorkbookCopy:
    """The input workbook loaded whole, the classified sheet, and where the columns go."""

    book: Any
    ws: Any
    header_row: int
    first_column: int
    """The 1-based column of ``tas_code``; the other result columns follow it."""


def _too_big(path: str) -> str | None:
    size = os.path.getsize(path)
    if size > MAX_COPY_BYTES:
        return f"the file is {size / (1 << 20):,.1f} MiB (copied whole up to " \
               f"{MAX_COPY_BYTES >> 20} MiB)"  # fmt: skip
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(i.file_size for i in archive.infolist())
        if unpacked > MAX_COPY_UNPACKED:
            return f"the workbook unpacks to {unpacked >> 20:,} MiB (copied whole up to " \
                   f"{MAX_COPY_UNPACKED >> 20} MiB)"  # fmt: skip
        cells = count_cells(path, MAX_COPY_CELLS)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        return f"it cannot be copied ({exc})"
    if cells > MAX_COPY_CELLS:
        return f"its sheets have more than {MAX_COPY_CELLS:,} cells (copied whole up to that)"
    return None


def _first_free_column(ws: Any, header_row: int, width: int) -> int:
    """The column right of the table and of every value or merged cell at or below the header."""
    last = width
    for (row, column), cell in ws._cells.items():
        if row >= header_row and column > last and cell.value is not None:
            last = column
    for merged in ws.merged_cells.ranges:
        if merged.max_row >= header_row:
            last = max(last, merged.max_col)
    return last + 1


def load_copy(
    input_path: str, table: Table, columns: Sequence[str] = RESULT_COLUMNS
) -> WorkbookCopy | str:
    """The workbook at ``input_path`` (read as ``table``) loaded for the output with ``columns``
    appended, or why not."""
    if input_path == "-" or not os.path.isfile(input_path) or table.sheet is None:
        return "the input is not a file that can be read twice"
    reason = _too_big(input_path)
    if reason:
        return reason
    from openpyxl import load_workbook

    try:
        book = load_workbook(input_path, keep_vba=False, keep_links=True)
        ws = book[table.sheet]
    except Exception as exc:  # openpyxl raises many kinds for what it cannot load whole
        return f"openpyxl cannot load it whole ({type(exc).__name__}: {exc})"
    first = _first_free_column(ws, table.header_row, len(table.columns))
    if first + len(columns) - 1 > _LAST_COLUMN:
        return "there is no room right of the table (a cell or merge reaches column XFD)"
    return WorkbookCopy(book, ws, table.header_row, first)


def freeze_formulas(copy: WorkbookCopy, input_path: str) -> int:
    """Replace every formula of the copy, on every sheet, by the value the file saved for it
    (read again with openpyxl's ``data_only``), or by the formula's text as a string cell when
    none was saved: a workbook handed on from an applicant then computes nothing and fetches
    nothing when opened (``=WEBSERVICE(…)``, ``=HYPERLINK(…)``). The number of cells changed."""
    from openpyxl import load_workbook

    values = load_workbook(input_path, data_only=True, keep_links=False)
    changed = 0
    try:
        for ws in copy.book.worksheets:
            saved = values[ws.title] if ws.title in values.sheetnames else None
            for (row, column), cell in list(ws._cells.items()):
                if cell.data_type != "f":
                    continue
                value = saved.cell(row, column).value if saved is not None else None
                if value is None:
                    formula = cell.value if isinstance(cell.value, str) else str(
                        getattr(cell.value, "text", "") or "")  # fmt: skip
                    cell.value = formula
                    cell.data_type = "s"
                else:
                    cell.value = value
                changed += 1
    finally:
        values.close()
    return changed


class XlsxCopyWriter:
    """Writes the result columns of each row into the copy (:meth:`write_row`)."""

    def __init__(
        self,
        copy: WorkbookCopy,
        escape_formulas: bool = True,
        columns: Sequence[str] = RESULT_COLUMNS,
    ) -> None:
        from copy import copy as shallow

        from openpyxl.styles import PatternFill
        from openpyxl.utils import get_column_letter

        self.copy = copy
        self._ws = copy.ws
        self._escape = escape_formulas
        self._fill = PatternFill("solid", start_color=REVIEW_FILL, end_color=REVIEW_FILL)
        first, row = copy.first_column, copy.header_row
        model = self._ws.cell(row, max(first - 1, 1))  # the table's last header cell
        self._columns = tuple(columns)
        for i, name in enumerate(self._columns):
            cell = self._ws.cell(row, first + i)
            self._set(cell, name)
            for attribute in ("font", "fill", "border", "alignment"):
                setattr(cell, attribute, shallow(getattr(model, attribute)))
            if not self._has_width(first + i):
                width = _WIDTHS[i] if i < len(_WIDTHS) else _WIDTHS[0]
                self._ws.column_dimensions[get_column_letter(first + i)].width = width
        self._extend_filter(first + len(self._columns) - 1)
        if self._ws.freeze_panes is None:  # as in the streamed output: the header stays in view
            self._ws.freeze_panes = f"A{row + 1}"
        # openpyxl saves formulas without their last values: have Excel compute them on opening
        self.copy.book.calculation.fullCalcOnLoad = True

    @property
    def columns(self) -> str:
        """The letters of the appended columns, e.g. ``H–N``."""
        from openpyxl.utils import get_column_letter

        first = self.copy.first_column
        return f"{get_column_letter(first)}–{get_column_letter(first + len(self._columns) - 1)}"

    def _has_width(self, column: int) -> bool:
        """Whether the input defines the width of ``column`` (a ``<col>`` may span columns)."""
        from openpyxl.utils import column_index_from_string

        for key, dimension in self._ws.column_dimensions.items():
            low = dimension.min or column_index_from_string(key)
            if low <= column <= (dimension.max or low):
                return True
        return False

    def _extend_filter(self, last: int) -> None:
        """An autofilter on the header row is widened over the appended columns."""
        from openpyxl.worksheet.cell_range import CellRange

        ref = self._ws.auto_filter.ref
        if not ref:
            return
        try:
            span = CellRange(ref)
        except (ValueError, TypeError):
            return
        if span.min_row == self.copy.header_row and span.max_col == self.copy.first_column - 1:
            span.expand(right=last - span.max_col)
            self._ws.auto_filter.ref = span.coord

    def _set(self, cell: Any, raw: Any) -> None:
        value = xlsx_value(raw)
        cell.value = value
        keep_text(cell, value, self._escape)

    def write_row(self, number: int, appended: Sequence[Any], *, highlight: bool = False) -> None:
        """The appended cells of the sheet's row ``number``."""
        first = self.copy.first_column
        for i, raw in enumerate(appended):
            cell = self._ws.cell(number, first + i)
            self._set(cell, raw)
            if highlight:
                cell.fill = self._fill

    def write(self, cells: Sequence[Any], *, highlight: bool = False) -> None:
        raise TypeError("a workbook copy is written by row number: use write_row")


@contextmanager
def open_copy_writer(
    copy: WorkbookCopy,
    output: str,
    *,
    escape_formulas: bool = True,
    not_same_as: Sequence[str] = (),
    columns: Sequence[str] = RESULT_COLUMNS,
) -> Iterator[XlsxCopyWriter]:
    """A writer into ``copy``, saved to ``output`` (through a temporary file, renamed when
    complete) when the block ends without an error."""
    check_output(output, not_same_as=not_same_as)
    with atomic_file(Path(output), "wb") as (fh, _):
        writer = XlsxCopyWriter(copy, escape_formulas, columns)
        yield writer
        copy.book.save(fh)
