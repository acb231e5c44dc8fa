"""Writing tables row by row: ``.csv`` (UTF-8 with a BOM so that Excel opens it), ``.tsv``,
``.xlsx`` (header frozen, rows that need review highlighted) and ``.jsonl``; ``-`` is standard
output.

A file is written under a temporary name in the same folder and renamed when complete, so an
interrupted run never leaves a file that looks finished. Only a regular file or a new path is
written: a folder, a device, a FIFO or a symbolic link is refused, and so is the input file.

Output cannot run code in a spreadsheet: a text cell that starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return (a formula to Excel, LibreOffice and Google Sheets) is written as text
in ``.xlsx`` (a string cell marked "quote prefix") and with a leading ``'`` in CSV / TSV, as the
OWASP guidance on CSV injection says; plain numbers such as ``-1200.50`` are left alone.
``escape_formulas=False`` (``--no-escape-formulas``) turns this off for trusted data.
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Protocol

from tas_classify.errors import TableError
from tas_classify.ledger.cells import cell_text

_UMASK = os.umask(0o022)
os.umask(_UMASK)
REVIEW_FILL = "FFF2CC"  # pale amber, the usual "check this" colour in Chinese finance sheets
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?")


class RowWriter(Protocol):
    def write(self, cells: Sequence[Any], *, highlight: bool = False) -> None: ...


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as a formula (OWASP's list of first characters);
    a plain number such as ``-1200.50`` or ``+5%`` is not one.

    >>> is_formula_like('=HYPERLINK("x")'), is_formula_like("-1,200.50"), is_formula_like("@A1")
    (True, False, True)
    """
    return text.startswith(FORMULA_START) and _PLAIN_NUMBER.fullmatch(text) is None


def escape_formula(text: str) -> str:
    """``text`` with a leading ``'`` if a spreadsheet would read it as a formula."""
    return "'" + text if is_formula_like(text) else text


def _json_value(value: Any, depth: int = 0) -> Any:
    """A cell as JSON: numbers, strings, booleans and null as they are, NaN and infinities as
    null, lists and objects kept as such; anything else as its text."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, (float, Decimal)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, (dict, list, tuple)) and depth < 100:
        if isinstance(value, dict):
            return {str(k): _json_value(v, depth + 1) for k, v in value.items()}
        return [_json_value(v, depth + 1) for v in value]
    if isinstance(value, (dict, list, tuple)):
        return "(nested more than 100 levels deep)"
    text = cell_text(value)
    return text if text or isinstance(value, (bytes, bytearray)) else None


class _DelimitedWriter:
    def __init__(
        self, fh: IO[str], columns: Sequence[str], delimiter: str, escape_formulas: bool = True
    ) -> None:
        self._csv = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n")
        self._escape = escape_formulas
        self._csv.writerow([escape_formula(c) if escape_formulas else c for c in columns])

    def write(self, cells: Sequence[Any], *, highlight: bool = False) -> None:
        texts = [cell_text(c) for c in cells]
        if self._escape:
            texts = [escape_formula(t) for t in texts]
        self._csv.writerow(texts)


class _JsonlWriter:
    def __init__(self, fh: IO[str], columns: Sequence[str]) -> None:
        self._fh = fh
        self._columns = list(columns)

    def write(self, cells: Sequence[Any], *, highlight: bool = False) -> None:
        obj = {k: _json_value(v) for k, v in zip(self._columns, cells)}
        self._fh.write(json.dumps(obj, ensure_ascii=False, allow_nan=False) + "\n")


def keep_text(cell: Any, value: Any, escape_formulas: bool) -> bool:
    """Make ``cell`` (holding ``value``) a string cell when the text would read as a formula:
    with ``escape_formulas`` a quoted string (Excel keeps it text when edited); without, only
    texts that do not start with ``=`` (a trusted ``=`` formula stays one). True if it applied."""
    if not (isinstance(value, str) and value.startswith(FORMULA_START)):
        return False
    if escape_formulas:
        cell.data_type = "s"  # openpyxl would make '=…' a formula
        cell.quotePrefix = True
    elif not value.startswith("="):
        cell.data_type = "s"
    return True


class XlsxCells:
    """Cells for a write-only openpyxl sheet: values made safe for XML, a text that a
    spreadsheet would read as a formula kept as text (a string cell with a quote prefix), a fill
    or a bold font where asked."""

    def __init__(self, ws: Any, escape_formulas: bool = True) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font, PatternFill

        self._ws = ws
        self._cell = WriteOnlyCell
        self._escape = escape_formulas
        self.fill = PatternFill("solid", start_color=REVIEW_FILL, end_color=REVIEW_FILL)
        self.bold = Font(bold=True)

    def row(self, values: Sequence[Any], *, fill: Any = None, font: Any = None) -> list[Any]:
        """The cells of one row, for ``ws.append``."""
        out: list[Any] = []
        for raw in values:
            value = xlsx_value(raw)
            text = isinstance(value, str) and value.startswith(FORMULA_START)
            if not (fill or font or text):
                out.append(value)
                continue
            cell = self._cell(self._ws, value=value)
            keep_text(cell, value, self._escape)
            if fill is not None:
                cell.fill = fill
            if font is not None:
                cell.font = font
            out.append(cell)
        return out


class _XlsxWriter:
    """A streaming (write-only) workbook: memory stays flat however many rows are written."""

    def __init__(self, columns: Sequence[str], sheet: str, escape_formulas: bool = True) -> None:
        from openpyxl import Workbook

        self.book = Workbook(write_only=True)
        self._ws = self.book.create_sheet(sheet)
        self._ws.freeze_panes = "A2"
        self._cells = XlsxCells(self._ws, escape_formulas)
        self._ws.append(self._cells.row(columns, font=self._cells.bold))

    def discard(self) -> None:
        """Close the half-written sheet so that openpyxl removes its temporary files."""
        discard_workbook(self.book)

    def write(self, cells: Sequence[Any], *, highlight: bool = False) -> None:
        self._ws.append(self._cells.row(cells, fill=self._cells.fill if highlight else None))


def discard_workbook(book: Any) -> None:
    """Close a half-written write-only workbook so that openpyxl removes its temporary files."""
    with contextlib.suppress(Exception), open(os.devnull, "wb") as sink:
        book.save(sink)


def xlsx_value(value: Any) -> Any:
    """A cell value openpyxl can write: Decimal as float, NaN and infinities blank, text without
    the characters XML 1.0 cannot hold (openpyxl would refuse the row)."""
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (bytes, bytearray)):
        value = cell_text(value)
    if isinstance(value, str):
        value = value.encode("utf-8", "replace").decode("utf-8")
        return "".join(ch for ch in value if ch in "\t\n\r" or ord(ch) >= 0x20)
    if isinstance(value, (dict, list, tuple)):
        return cell_text(value)
    return value


def check_output(path: str | Path, *, not_same_as: Sequence[str] = ()) -> None:
    """Refuse to write ``path`` unless it is a regular file or a new path, and not one of the
    files in ``not_same_as`` (the input)."""
    target = str(path)
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise TableError(f"{target}: cannot write the output there ({exc.strerror})") from exc
    kind = (
        "a symbolic link" if stat.S_ISLNK(mode)
        else "a folder" if stat.S_ISDIR(mode)
        else "a FIFO" if stat.S_ISFIFO(mode)
        else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "" if stat.S_ISREG(mode)
        else "not a regular file"
    )  # fmt: skip
    if kind:
        raise TableError(
            f"{target}: is {kind}; the output must be a regular file or a new path "
            "(use -o - to write to standard output)"
        )
    for other in not_same_as:
        if other != "-" and os.path.exists(other) and os.path.samefile(target, other):
            raise TableError(
                f"{target}: is the input file; writing it would destroy the input "
                "(and every other sheet of a workbook). Choose another -o"
            )


@contextmanager
def atomic_file(path: Path, mode: str, **kwargs: Any) -> Iterator[tuple[IO[Any], Path]]:
    """A temporary file beside ``path``, renamed onto it only if the block completes. ``path``
    must be a regular file or a new path (:func:`check_output`); an error of the file system (a
    full disk, a name too long, no permission) is a TableError naming ``path``."""
    check_output(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    except OSError as exc:
        raise TableError(f"{path}: cannot write the output there ({exc.strerror})") from exc
    tmp_path = Path(tmp)
    try:
        os.chmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the file the usual mode
        with open(fd, mode, **kwargs) as fh:
            yield fh, tmp_path
        check_output(path)  # again: it may have been replaced by a link while we wrote
        os.replace(tmp_path, path)
    except OSError as exc:
        tmp_path.unlink(missing_ok=True)
        raise TableError(f"{path}: could not write the output ({exc.strerror or exc})") from exc
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


@contextmanager
def open_writer(
    path: str,
    fmt: str,
    columns: Sequence[str],
    *,
    sheet: str = "tas_classify",
    escape_formulas: bool = True,
    not_same_as: Sequence[str] = (),
) -> Iterator[RowWriter]:
    """A writer of rows of ``columns`` to ``path`` (``-`` for standard output) in format ``fmt``.
    ``escape_formulas``: text a spreadsheet would run as a formula is written as text (see the
    module); ``not_same_as``: the input files, which ``path`` must not be."""
    if path == "-":
        if fmt == "xlsx":
            raise ValueError("an .xlsx workbook cannot be written to standard output; use -o FILE")
        yield _text_writer(sys.stdout, fmt, columns, escape_formulas)
        sys.stdout.flush()
        return
    check_output(path, not_same_as=not_same_as)
    target = Path(path)
    if fmt == "xlsx":
        with atomic_file(target, "wb") as (fh, _):
            writer = _XlsxWriter(columns, sheet, escape_formulas)
            try:
                yield writer
            except BaseException:
                writer.discard()
                raise
            writer.book.save(fh)
        return
    encoding = "utf-8-sig" if fmt in ("csv", "tsv") else "utf-8"
    with atomic_file(target, "w", encoding=encoding, errors="replace", newline="") as (fh, _):
        yield _text_writer(fh, fmt, columns, escape_formulas)


def _text_writer(
    fh: IO[str], fmt: str, columns: Sequence[str], escape_formulas: bool = True
) -> RowWriter:
    if fmt == "jsonl":
        return _JsonlWriter(fh, columns)
    if fmt == "txt":
        raise ValueError("output must be .csv, .tsv, .xlsx or .jsonl (a .txt has no columns)")
    return _DelimitedWriter(fh, columns, "\t" if fmt == "tsv" else ",", escape_formulas)
