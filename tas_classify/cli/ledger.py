"""Verbs over ledger files: ``batch`` (classify every row), ``report`` (Annex 3 shares)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from tas_classify.cli.common import FORMAT, MODEL_OPTION, TRACK, DataError

READ_OPTIONS = [
    click.option("--column", default=None, help="Column with the text (default: a usual header)."),
    click.option("--encoding", default=None, help="Input encoding (default: detected)."),
    click.option("--sheet", default=None, help="Excel sheet (default: the first)."),
    click.option(
        "--from",
        "from_fmt",
        type=FORMAT,
        default=None,
        help="Input format (default: from the extension; txt for stdin).",
    ),
    click.option("--track", type=TRACK, default=None, help="Only this track's codes (and NONE)."),
    MODEL_OPTION,
    click.option("-q", "--quiet", is_flag=True, help="No progress bar or notes on stderr."),
]


def read_options(func: Any) -> Any:
    for option in reversed(READ_OPTIONS):
        func = option(func)
    return func


def note(message: str, quiet: bool) -> None:
    if not quiet:
        click.echo(message, err=True)


@contextmanager
def opened(path: str, fmt: str | None, encoding: str | None, sheet: str | None) -> Iterator[Any]:
    """The table at ``path``; unreadable files and rows become DataErrors (exit code 1)."""
    from tas_classify.columns import ColumnError
    from tas_classify.tables import TableError, open_table

    try:
        with open_table(path, fmt=fmt, encoding=encoding, sheet=sheet) as table:
            yield table
    except (TableError, ColumnError) as exc:
        raise DataError(str(exc)) from exc


def text_column(table: Any, column: str | None, quiet: bool) -> int:
    from tas_classify.annotate import clashing_columns
    from tas_classify.columns import choose_text_column

    clash = clashing_columns(table.columns)
    if clash:
        raise DataError(
            f"{table.source}: already has column(s) {clash} (a batch output?); "
            "rename or remove them first"
        )
    index, how = choose_text_column(table.columns, column, source=table.source)
    encoding = f" ({table.encoding})" if table.encoding else ""
    note(f"{table.source}{encoding}: {how}", quiet)
    return index


@click.command("batch")
@click.argument("input_path", metavar="INPUT", type=click.Path(allow_dash=True))
@click.option(
    "-o",
    "--output",
    default="-",
    show_default=True,
    type=click.Path(allow_dash=True),
    help="Output file: .csv (UTF-8 with BOM), .tsv, .xlsx or .jsonl; - for stdout.",
)
@click.option(
    "--to",
    "to_fmt",
    type=FORMAT,
    default=None,
    help="Output format (default: from the extension; csv for stdout).",
)
@click.option(
    "-j",
    "--jobs",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes.",
)
@read_options
def batch_cmd(
    input_path: str,
    output: str,
    to_fmt: str | None,
    jobs: int,
    column: str | None,
    encoding: str | None,
    sheet: str | None,
    from_fmt: str | None,
    track: str | None,
    model: str | None,
    quiet: bool,
) -> None:
    """Classify every row of INPUT (.csv .tsv .txt .xlsx .jsonl, or - for stdin) and write it to
    -o with tas_code, tas_name, tas_confidence, tas_needs_review, tas_alternatives and
    tas_evidence appended. Every row comes out, in order; blank text gives NONE for review.

    \b
    Example:
      tas-classify batch 合同台账.csv -o 合同台账_分类.xlsx
    """
    from tas_classify.annotate import RESULT_COLUMNS
    from tas_classify.batch import run_batch
    from tas_classify.columns import ColumnError
    from tas_classify.parallel import ChunkClassifier
    from tas_classify.tables import TableError, format_of
    from tas_classify.writers import open_writer

    try:
        out_fmt = to_fmt or ("csv" if output == "-" else format_of(output, None))
        if out_fmt == "txt":
            raise click.UsageError("output must be .csv, .tsv, .xlsx or .jsonl")
        if out_fmt == "xlsx" and output == "-":
            raise click.UsageError("an .xlsx workbook cannot go to stdout; use -o FILE.xlsx")
    except TableError as exc:
        raise click.UsageError(str(exc)) from exc
    with opened(input_path, from_fmt, encoding, sheet) as table:
        try:
            index = text_column(table, column, quiet)
            classifier = ChunkClassifier(model, track, jobs)
            with open_writer(output, out_fmt, [*table.columns, *RESULT_COLUMNS]) as writer:
                summary = run_batch(table, index, classifier, writer, quiet=quiet)
        except (TableError, ColumnError) as exc:
            raise DataError(str(exc)) from exc
    if summary.undecodable_rows:
        rows = ", ".join(map(str, summary.undecodable_rows[:10]))
        note(
            f"warning: {len(summary.undecodable_rows)} row(s) had bytes not valid "
            f"{table.encoding} (rows {rows}…); they are flagged for review",
            False,
        )
    where = "stdout" if output == "-" else output
    note(f"{summary.rows} rows written to {where}; {summary.needs_review} need review", quiet)


@click.command("report")
def report_cmd() -> None:
    """Income shares against the Annex 3 thresholds."""
