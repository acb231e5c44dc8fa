"""Writing tables row by row: ``.csv`` (UTF-8 with a BOM so that Excel opens it), ``.tsv``,
``.xlsx`` (header frozen, rows that need review highlighted) and ``.jsonl``; ``-`` is standard
output.

A file is written under a temporary name in the same folder and renamed when complete, so an
interrupted run never leaves a file that looks finished.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Protocol

from tas_classify.ledger.cells import cell_text

_UMASK = os.umask(0o022)
os.umask(_UMASK)
REVIEW_FILL = "FFF2CC"  # pale amber, the usual "check this" colour in Chinese finance sheets


class RowWriter(Protocol):
    def write(self, cells: Sequence[Any], *, highlight: bool = False) -> None: ...


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Decimal):
        return float(value)
    return cell_text(value)


class _DelimitedWriter:
    def __init__(self, fh: IO[str], columns: Sequence[str], delimiter: str) -> None:
        self._csv = csv.writer(fh, delimiter=delimiter, lineterminator="\r\n")
        self._csv.writerow(columns)

    def write(self, cells: Sequence[Any], *, highlight: bool = False) -> None:
        self._csv.writerow([cell_text(c) for c in cells])


class _JsonlWriter:
    def __init__(self, fh: IO[str], columns: Sequence[str]) -> None:
        self._fh = fh
        self._columns = list(columns)

    def write(self, cells: Sequence[Any], *, highlight: bool = False) -> None:
        obj = {k: _json_value(v) for k, v in zip(self._columns, cells)}
        self._fh.write(json.dumps(obj, ensure_ascii=False) + "\n")


class _XlsxWriter:
    """A streaming (write-only) workbook: memory stays flat however many rows are written."""

    def __init__(self, columns: Sequence[str], sheet: str) -> None:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font, PatternFill

        self.book = Workbook(write_only=True)
        self._ws = self.book.create_sheet(sheet)
        self._ws.freeze_panes = "A2"
        self._cell = WriteOnlyCell
        self._fill = PatternFill("solid", start_color=REVIEW_FILL, end_color=REVIEW_FILL)
        header = []
        for name in columns:
            cell = WriteOnlyCell(self._ws, value=name)
            cell.font = Font(bold=True)
            header.append(cell)
        self._ws.append(header)

    def discard(self) -> None:
        """Close the half-written sheet so that openpyxl removes its temporary files."""
        with contextlib.suppress(Exception), open(os.devnull, "wb") as sink:
            self.book.save(sink)

    def write(self, cells: Sequence[Any], *, highlight: bool = False) -> None:
        values = [_xlsx_value(v) for v in cells]
        if not highlight:
            self._ws.append(values)
            return
        row = []
        for value in values:
            cell = self._cell(self._ws, value=value)
            cell.fill = self._fill
            row.append(cell)
        self._ws.append(row)


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str):
        # Characters XML 1.0 cannot hold would make openpyxl refuse the row; drop only those.
        value = value.encode("utf-8", "replace").decode("utf-8")
        return "".join(ch for ch in value if ch in "\t\n\r" or ord(ch) >= 0x20)
    return value


@contextmanager
def atomic_file(path: Path, mode: str, **kwargs: Any) -> Iterator[tuple[IO[Any], Path]]:
    """A temporary file beside ``path``, renamed onto it only if the block completes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    tmp_path = Path(tmp)
    try:
        os.chmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the file the usual mode
        with open(fd, mode, **kwargs) as fh:
            yield fh, tmp_path
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


@contextmanager
def open_writer(
    path: str, fmt: str, columns: Sequence[str], *, sheet: str = "tas_classify"
) -> Iterator[RowWriter]:
    """A writer of rows of ``columns`` to ``path`` (``-`` for standard output) in format ``fmt``."""
    if path == "-":
        if fmt == "xlsx":
            raise ValueError("an .xlsx workbook cannot be written to standard output; use -o FILE")
        yield _text_writer(sys.stdout, fmt, columns)
        sys.stdout.flush()
        return
    target = Path(path)
    if fmt == "xlsx":
        with atomic_file(target, "wb") as (fh, _):
            writer = _XlsxWriter(columns, sheet)
            try:
                yield writer
            except BaseException:
                writer.discard()
                raise
            writer.book.save(fh)
        return
    encoding = "utf-8-sig" if fmt in ("csv", "tsv") else "utf-8"
    with atomic_file(target, "w", encoding=encoding, errors="replace", newline="") as (fh, _):
        yield _text_writer(fh, fmt, columns)


def _text_writer(fh: IO[str], fmt: str, columns: Sequence[str]) -> RowWriter:
    if fmt == "jsonl":
        return _JsonlWriter(fh, columns)
    if fmt == "txt":
        raise ValueError("output must be .csv, .tsv, .xlsx or .jsonl (a .txt has no columns)")
    return _DelimitedWriter(fh, columns, "\t" if fmt == "tsv" else ",")
