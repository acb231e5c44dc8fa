"""Classifying every row of a table, streamed in chunks: each row comes out once, in order, with
its original cells untouched and the
:data:`~tas_classify.ledger.result_columns.RESULT_COLUMNS` appended."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from tas_classify import taxonomy
from tas_classify.ledger.cells import cell_text
from tas_classify.ledger.columns import is_reviewed
from tas_classify.ledger.read import Table
from tas_classify.ledger.result_columns import RESULT_COLUMNS, with_note
from tas_classify.parallel import ChunkClassifier

CHUNK_ROWS = 2000
UNDECODABLE = "\ufffd"
UNDECODABLE_NOTE = "row has bytes that are not valid"


@dataclass
class ClassifiedRow:
    """One input row: its number, its cells, and the cells appended for it
    (:data:`~tas_classify.ledger.result_columns.RESULT_COLUMNS`); ``note`` is a problem with
    the row itself."""

    number: int
    cells: list[Any]
    appended: tuple[Any, ...]
    note: str = ""

    @property
    def code(self) -> str:
        return str(self.appended[0])

    @property
    def confidence(self) -> float:
        return float(self.appended[2])

    @property
    def needs_review(self) -> bool:
        return bool(self.appended[3])


@dataclass
class BatchSummary:
    rows: int = 0
    needs_review: int = 0
    codes: Counter[str] = field(default_factory=Counter)
    undecodable_rows: list[int] = field(default_factory=list)
    flagged_rows: list[tuple[int, str]] = field(default_factory=list)
    """Rows with a problem of their own (the first 100), with the problem."""


def _progress(total: int | None, quiet: bool) -> Any:
    from tqdm import tqdm

    return tqdm(
        total=total,
        unit=" rows",
        file=sys.stderr,
        disable=quiet or not sys.stderr.isatty(),
        dynamic_ncols=True,
    )


def classify_rows(
    table: Table,
    text_index: int,
    classifier: ChunkClassifier,
    *,
    chunk_rows: int = CHUNK_ROWS,
    quiet: bool = False,
) -> Iterator[ClassifiedRow]:
    """Every row of ``table`` with its appended cells, in order; a progress bar on a terminal's
    stderr. ``classifier`` must convert results with
    :func:`~tas_classify.ledger.result_columns.results_cells`."""
    undecodable = f"{UNDECODABLE_NOTE} {table.encoding}; check the encoding"

    def chunks() -> Iterator[list[tuple[int, list[Any]]]]:
        while chunk := list(islice(table.rows, chunk_rows)):
            yield chunk

    pending: list[list[tuple[int, list[Any]]]] = []

    def texts() -> Iterator[list[str]]:
        for chunk in chunks():
            pending.append(chunk)
            yield [cell_text(cells[text_index]) for _, cells in chunk]

    def problem(number: int, cells: list[Any]) -> str:
        notes = [table.row_notes.pop(number, "")]
        if table.encoding is not None and any(
            isinstance(c, str) and UNDECODABLE in c for c in cells
        ):
            notes.append(undecodable)
        return "; ".join(n for n in notes if n)

    with _progress(table.size_hint, quiet) as bar:
        for appended in classifier.map(texts()):
            chunk = pending.pop(0)
            for (number, cells), row_cells in zip(chunk, appended):
                note = problem(number, cells)
                if note:
                    yield ClassifiedRow(number, cells, with_note(row_cells, note), note)
                else:
                    yield ClassifiedRow(number, cells, row_cells)
            bar.update(len(chunk))


def run_batch(
    table: Table,
    text_index: int,
    classifier: ChunkClassifier,
    writer: Any,
    *,
    quiet: bool = False,
) -> BatchSummary:
    """Classify ``table`` and write each row with its appended cells; needs-review rows are
    highlighted where the format can show it. A writer with ``write_row`` (a copy of the input
    workbook) is given the row's number and its appended cells only."""
    summary = BatchSummary()
    write_row = getattr(writer, "write_row", None)
    for row in classify_rows(table, text_index, classifier, quiet=quiet):
        if write_row is not None:
            write_row(row.number, row.appended, highlight=row.needs_review)
        else:
            writer.write([*row.cells, *row.appended], highlight=row.needs_review)
        summary.rows += 1
        summary.needs_review += row.needs_review
        summary.codes[row.code] += 1
        if UNDECODABLE_NOTE in row.note:
            summary.undecodable_rows.append(row.number)
        elif row.note and len(summary.flagged_rows) < 100:
            summary.flagged_rows.append((row.number, row.note))
    return summary


def reviewed_rows(table: Table, track: str | None = None) -> Iterator[ClassifiedRow]:
    """Every row of a ``tas-classify batch`` output with the codes written in it — the
    reviewer's corrections — instead of classifying again, in order.

    A row marked in ``tas_reviewed`` (``data/columns.toml``) keeps its ``tas_code`` with
    confidence 1 and needs no review, even with a problem of its own (noted); an unmarked row
    keeps its ``tas_code``, confidence and ``tas_needs_review``, and needs review when it has a
    problem of its own. A ``tas_code`` that is not a code of the taxonomy, or (with ``track``)
    is outside the track, counts as ``NONE`` and needs review, with a note saying why."""
    index = {name: table.columns.index(name) for name in RESULT_COLUMNS if name in table.columns}
    codes = set(taxonomy.codes())
    allowed = set(taxonomy.codes_for_track(track))

    def cell(cells: list[Any], name: str) -> str:
        i = index.get(name)
        return cell_text(cells[i]).strip() if i is not None and i < len(cells) else ""

    for number, cells in table.rows:
        code = cell(cells, "tas_code").upper()
        reviewed = is_reviewed(cell(cells, "tas_reviewed"))
        flagged = cell(cells, "tas_needs_review").casefold() in ("true", "1", "yes", "是")
        note = table.row_notes.pop(number, "")
        code_problem = True
        if code not in codes:
            problem = f"tas_code {code!r} is not a code: counted as NONE"
            note = "; ".join(n for n in (note, problem) if n)
            code = taxonomy.NONE
        elif code not in allowed:
            note = "; ".join(
                n for n in (note, f"{code} is outside the {track} track: counted as NONE") if n
            )
            code = taxonomy.NONE
        else:
            code_problem = False
        try:
            confidence = 1.0 if reviewed else float(cell(cells, "tas_confidence") or 0.0)
        except ValueError:
            confidence = 0.0
        # a person's mark settles the row (its own notes stay, as notes); a code that cannot
        # count as written does not
        needs_review = code_problem or (not reviewed and (bool(note) or flagged))
        appended = (
            code,
            taxonomy.get(code).name,
            confidence,
            needs_review,
            cell(cells, "tas_alternatives"),
            cell(cells, "tas_evidence"),
            cell(cells, "tas_reviewed"),
        )
        yield ClassifiedRow(number, cells, appended, note)
