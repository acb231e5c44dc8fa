"""Verbs over ledger files: ``batch`` (classify every row), ``report`` (Annex 3 shares)."""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from tas_classify.cli.common import (
    ESCAPE_FORMULAS_OPTION,
    FORMAT,
    MODEL_OPTION,
    TRACK,
    DataError,
    Share,
)

READ_OPTIONS = [
    click.option("--column", default=None, help="Column with the text (default: a usual header)."),
    click.option("--encoding", default=None, help="Input encoding (default: detected)."),
    click.option(
        "--sheet",
        default=None,
        metavar="NAME|N",
        help="Excel sheet, by name or number from 1 (default: the first with a usual text "
        "header such as 合同名称).",
    ),
    click.option(
        "--header-row",
        default=None,
        type=click.IntRange(1),
        metavar="N",
        help="Row of the column names, as the spreadsheet numbers it (default: found below any "
        "title, blank and note rows such as 单位：元).",
    ),
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


def table_warnings(table: Any, flagged: list[tuple[int, str]]) -> None:
    """The file's own problems (rows skipped) and the rows flagged for a problem of their own."""
    for message in table.notes:
        note(f"warning: {table.source}: {message}", False)
    for number, problem in flagged[:10]:
        note(f"warning: {table.source}, row {number}: {problem}; flagged for review", False)
    if len(flagged) > 10:
        note("warning: … and more rows flagged (see tas_evidence)", False)


@contextmanager
def terminated_cleanly() -> Iterator[None]:
    """Turn SIGTERM (``kill``, a scheduler's timeout) into SystemExit while the block runs, so
    that a half-written output file is removed as on Ctrl-C; the previous handler comes back."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def opened(
    path: str,
    fmt: str | None,
    encoding: str | None,
    sheet: str | None,
    header_row: int | None = None,
    quiet: bool = True,
) -> Iterator[Any]:
    """The table at ``path``; where its header was found is said on stderr (unless quiet)."""
    from tas_classify.ledger.read import open_table

    with open_table(path, fmt=fmt, encoding=encoding, sheet=sheet, header_row=header_row) as table:
        if table.format in ("csv", "tsv", "xlsx", "xls"):
            note(f"{table.source}: {table.describe()}", quiet)
        yield table


def text_column(
    table: Any, column: str | None, quiet: bool, *, reviewed_output: bool = False
) -> int:
    """The text column; a batch output (tas_* columns) is refused unless ``reviewed_output``
    (``report`` reads the codes in it)."""
    from tas_classify.ledger.columns import choose_text_column
    from tas_classify.ledger.result_columns import clashing_columns

    clash = clashing_columns(table.columns)
    if clash and not (reviewed_output and "tas_code" in clash):
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
@ESCAPE_FORMULAS_OPTION
@read_options
def batch_cmd(
    input_path: str,
    output: str,
    to_fmt: str | None,
    jobs: int,
    escape_formulas: bool,
    column: str | None,
    encoding: str | None,
    sheet: str | None,
    header_row: int | None,
    from_fmt: str | None,
    track: str | None,
    model: str | None,
    quiet: bool,
) -> None:
    """Classify every row of INPUT (.csv .tsv .txt .xlsx .xls .jsonl, or - for stdin) and write it
    to -o with tas_code, tas_name, tas_confidence, tas_needs_review, tas_alternatives,
    tas_evidence and a blank tas_reviewed (for the reviewer's marks) appended. Every row comes
    out, in order; blank text gives NONE for review. From .xlsx to .xlsx the output is a copy of
    the workbook — other sheets, title rows, formats kept — with the columns added beside the
    table (a one-sheet workbook, with a warning, when it is too big to copy).

    \b
    Example:
      tas-classify batch 合同台账.csv -o 合同台账_分类.xlsx
    """
    from tas_classify.ledger.batch import run_batch
    from tas_classify.ledger.read import TableError, format_of
    from tas_classify.ledger.result_columns import RESULT_COLUMNS, results_cells
    from tas_classify.ledger.write import check_output, open_writer
    from tas_classify.ledger.xlsx_copy import open_copy_writer
    from tas_classify.parallel import ChunkClassifier

    try:
        out_fmt = to_fmt or ("csv" if output == "-" else format_of(output, None))
        if out_fmt in ("txt", "xls"):
            raise click.UsageError("output must be .csv, .tsv, .xlsx or .jsonl")
        if out_fmt == "xlsx" and output == "-":
            raise click.UsageError("an .xlsx workbook cannot go to stdout; use -o FILE.xlsx")
    except TableError as exc:
        raise click.UsageError(str(exc)) from exc
    if output != "-":
        check_output(output, not_same_as=[input_path])
    with (
        terminated_cleanly(),
        opened(input_path, from_fmt, encoding, sheet, header_row, quiet) as table,
    ):
        index = text_column(table, column, quiet)
        classifier = ChunkClassifier(model, track, jobs, convert=results_cells)
        columns = [*table.columns, *RESULT_COLUMNS]
        copy = _workbook_copy(input_path, table, out_fmt, output)
        if copy is not None:
            with open_copy_writer(
                copy, output, escape_formulas=escape_formulas, not_same_as=[input_path]
            ) as copy_writer:
                note(f"{output}: a copy of {input_path}, with the results in sheet "
                     f"'{table.sheet}' columns {copy_writer.columns}", quiet)  # fmt: skip
                summary = run_batch(table, index, classifier, copy_writer, quiet=quiet)
        else:
            with open_writer(
                output, out_fmt, columns, escape_formulas=escape_formulas, not_same_as=[input_path]
            ) as writer:
                summary = run_batch(table, index, classifier, writer, quiet=quiet)
    table_warnings(table, summary.flagged_rows)
    if summary.undecodable_rows:
        rows = ", ".join(map(str, summary.undecodable_rows[:10]))
        note(
            f"warning: {len(summary.undecodable_rows)} row(s) had bytes not valid "
            f"{table.encoding} (rows {rows}…); they are flagged for review",
            False,
        )
    where = "stdout" if output == "-" else output
    note(f"{summary.rows} rows written to {where}; {summary.needs_review} need review", quiet)


def _workbook_copy(input_path: str, table: Any, out_fmt: str, output: str) -> Any:
    """The input workbook loaded for an .xlsx output of an .xlsx input, or None (with a warning
    when it is too big or cannot be loaded: the output is then the classified sheet alone)."""
    from tas_classify.ledger.xlsx_copy import load_copy

    if out_fmt != "xlsx" or table.format != "xlsx":
        return None
    copy = load_copy(input_path, table)
    if isinstance(copy, str):
        note(
            f"warning: {input_path}: {copy}; {output} has only the classified sheet "
            f"'{table.sheet}' from its header row: the other sheets and the rows above the "
            "header were not kept",
            False,
        )
        return None
    return copy


def _total_income_option(value: str | None) -> Any:
    from tas_classify.ledger.amounts import AmountError, parse_amount

    if value is None:
        return None
    try:
        return parse_amount(value)
    except AmountError as exc:
        raise click.BadParameter(str(exc), param_hint="--total-income") from exc


@click.command("report")
@click.argument("ledger", type=click.Path(allow_dash=True))
@click.option("--amount", "amount_col", required=True, help="Column with the income amount.")
@click.option(
    "--offshore",
    "offshore_col",
    default=None,
    help="Column saying whether the line is offshore (是/否, Y/N, 境外/境内 …).",
)
@click.option(
    "--total-income",
    default=None,
    help="The enterprise's total income 总收入 (e.g. 12500000 or 1250万元); "
    "default: the ledger's sum.",
)
@click.option(
    "--min-in-scope",
    default=None,
    type=Share(),
    help="In-scope income share needed (default: the track's in data/thresholds.toml: "
    "0.50 outsourcing 财税〔2017〕79号, 0.70 trade 财税〔2018〕44号).",
)
@click.option(
    "--min-offshore",
    default=None,
    type=Share(),
    help="Offshore in-scope income share needed (default: the track's: 0.35 outsourcing; "
    "the trade track has no offshore test unless this is given).",
)
@click.option("--client", "client_col", default=None, help="Column with the client (optional).")
@click.option("--enterprise", default=None, help="The applicant's name, for the provenance.")
@click.option(
    "--credit-code", default=None, help="The applicant's 统一社会信用代码, for the provenance."
)
@click.option(
    "--force",
    is_flag=True,
    help="Report even when the figures are implausible (total income below the ledger's "
    "in-scope income); the warning stays in the report.",
)
@click.option(
    "-o",
    "--output",
    default=None,
    type=click.Path(dir_okay=False),
    help="Write the report to .xlsx (summary + lines) or .html.",
)
@click.option("--json", "as_json", is_flag=True, help="The summary as one JSON object.")
@ESCAPE_FORMULAS_OPTION
@read_options
def report_cmd(
    ledger: str,
    amount_col: str,
    offshore_col: str | None,
    total_income: str | None,
    min_in_scope: float | None,
    min_offshore: float | None,
    client_col: str | None,
    enterprise: str | None,
    credit_code: str | None,
    force: bool,
    output: str | None,
    as_json: bool,
    escape_formulas: bool,
    column: str | None,
    encoding: str | None,
    sheet: str | None,
    header_row: int | None,
    from_fmt: str | None,
    track: str | None,
    model: str | None,
    quiet: bool,
) -> None:
    """Classify every line of LEDGER and test its income against the Annex 3 thresholds of the
    track: outsourcing (服务外包类) in-scope income ≥ 50% of total income and offshore in-scope
    income ≥ 35%; trade (服务贸易类) in-scope income ≥ 70%, no offshore test.

    Prints the provenance (file, columns, track, model, date), the shares, pass / fail per
    threshold, the income on lines that need review (and whether a verdict flips if they were
    all out of scope), subtotals per category, group and location, and every amount and
    subtotal row left out. A total income below the ledger's in-scope income stops with exit 1
    unless --force.

    \b
    Example:
      tas-classify report 合同台账.xlsx --amount 金额 --offshore 是否境外 --total-income 1250万元 \\
          --track outsourcing --enterprise XX科技有限公司
    """
    from tas_classify.ledger.write import check_output
    from tas_classify.report.income import report_ledger, thresholds_for
    from tas_classify.report.render import render_text, write_html, write_xlsx

    given_total = _total_income_option(total_income)
    suffix = output.rsplit(".", 1)[-1].lower() if output else None
    if suffix not in (None, "xlsx", "html", "htm"):
        raise click.UsageError("-o must end in .xlsx or .html")
    if output:
        check_output(output, not_same_as=[ledger])
    with opened(ledger, from_fmt, encoding, sheet, header_row, quiet) as table:
        report = report_ledger(
            table,
            text_column(table, column, quiet, reviewed_output=True),
            amount_col,
            offshore_col,
            total_income=given_total,
            thresholds=thresholds_for(track, min_in_scope, min_offshore),
            model=model,
            track=track,
            quiet=quiet,
            client_column=client_col,
            enterprise=enterprise,
            credit_code=credit_code,
        )
    table_warnings(table, [(x.row, x.note) for x in report.lines if x.note])
    for problem in report.blocking:
        if not force:
            raise DataError(f"{table.source}: {problem.message} Pass --force to report anyway.")
        note(f"warning: {problem.message}", False)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False))
    elif output is None:
        click.echo(render_text(report), nl=False)
    if output:
        with terminated_cleanly():
            if suffix == "xlsx":
                write_xlsx(report, output, escape_formulas=escape_formulas)
            else:
                write_html(report, output)
        note(f"report written to {output}", quiet)
