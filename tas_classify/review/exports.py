"""What a review hands on: the annotated ledger (xlsx or csv), the report (json, html, xlsx), the
corrections as a file ``tas-classify train`` reads, and the 附件2-style summary over every
review of the data folder. Each is written atomically to a path the caller chooses; text a
spreadsheet would run as a formula is written as text.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from tas_classify.errors import ReviewError
from tas_classify.ledger.write import atomic_file, open_writer
from tas_classify.ledger.xlsx_copy import freeze_formulas, load_copy, open_copy_writer
from tas_classify.report.render import write_html, write_xlsx
from tas_classify.report.summary import summarise_reports, write_summary
from tas_classify.review.workbench import EXPORT_COLUMNS, Workbench

#: ``format`` of an export → (file suffix, media type, what it is).
EXPORTS: dict[str, tuple[str, str, str]] = {
    "xlsx": (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "the ledger with the tas_* columns and the reviewer's codes"),
    "csv": (".csv", "text/csv; charset=utf-8", "the same as CSV (UTF-8 with BOM)"),
    "json": (".json", "application/json", "the report, as report --json"),
    "html": (".html", "text/html; charset=utf-8", "the report as a page to print and sign"),
    "report-xlsx": (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "the report as a workbook (summary, subtotals, review, corrections, lines)"),
    "corrections": (".csv", "text/csv; charset=utf-8",
                    "the reviewed lines as labelled data for tas-classify train"),
}  # fmt: skip
SUMMARY_FORMATS = ("xlsx", "html", "csv")


def export(workbench: Workbench, review_id: str, fmt: str, path: str | Path) -> Path:
    """Write export ``fmt`` (a key of :data:`EXPORTS`) of a review to ``path``."""
    path = Path(path)
    if fmt not in EXPORTS:
        raise ReviewError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORTS)}")
    if fmt in ("xlsx", "csv"):
        _ledger(workbench, review_id, fmt, path)
    elif fmt == "corrections":
        rows = workbench.corrections_rows(review_id)
        with open_writer(str(path), "csv", ["text", "label", "tas_reviewed"]) as writer:
            for row in rows:
                writer.write([row["text"], row["label"], row["tas_reviewed"]])
    else:
        report = workbench.report(review_id)
        if fmt == "json":
            with atomic_file(path, "w", encoding="utf-8") as (fh, _):
                json.dump(report.to_dict(), fh, ensure_ascii=False, indent=1)
        elif fmt == "html":
            write_html(report, path)
        else:
            write_xlsx(report, path)
    return path


def _ledger(workbench: Workbench, review_id: str, fmt: str, path: Path) -> None:
    """The stored ledger with :data:`EXPORT_COLUMNS` on every row: for an .xlsx ledger a copy of
    the workbook (other sheets, title rows, formats kept; every formula replaced by its saved
    value) where it can be copied; otherwise the table alone."""
    stored = str(workbench.store.ledger_path(workbench.store.review(review_id)))
    with workbench.open_ledger(review_id) as table:
        rows = workbench.annotated_rows(review_id, table)
        copy = load_copy(stored, table, EXPORT_COLUMNS) if (
            fmt == "xlsx" and table.format == "xlsx") else None  # fmt: skip
        if copy is not None and not isinstance(copy, str):
            freeze_formulas(copy, stored)  # the applicant's formulas: their values, not live
            with open_copy_writer(copy, str(path), columns=EXPORT_COLUMNS) as writer:
                for number, _, appended, highlight in rows:
                    writer.write_row(number, appended, highlight=highlight)
            return
        columns = [*table.columns, *EXPORT_COLUMNS]
        with open_writer(str(path), fmt, columns, sheet=table.sheet or "ledger") as out:
            for _, cells, appended, highlight in rows:
                out.write([*cells, *appended], highlight=highlight)


def export_summary(workbench: Workbench, path: str | Path, fmt: str) -> Path:
    """The 附件2-style summary of every ready review of the data folder (one row per review,
    from its report as it stands) written to ``path`` as ``xlsx``, ``html`` or ``csv``."""
    if fmt not in SUMMARY_FORMATS:
        raise ReviewError(f"the summary is written as {', '.join(SUMMARY_FORMATS)}, not {fmt!r}")
    ready = [r for r in workbench.reviews() if r.status == "ready"]
    if not ready:
        raise ReviewError("no review is ready yet: the summary needs at least one")
    with tempfile.TemporaryDirectory(prefix="tas-summary-") as folder:
        files = []
        for number, review in enumerate(sorted(ready, key=lambda r: r.created), 1):
            file = Path(folder) / f"{number:04d}-{review.id}.json"
            file.write_text(json.dumps(workbench.report(review.id).to_dict(), ensure_ascii=False),
                            encoding="utf-8")  # fmt: skip
            files.append(file)
        summary = summarise_reports(files)
        write_summary(summary, path, fmt)
    return Path(path)
