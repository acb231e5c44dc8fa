"""The ``summary`` verb: the Annex 2 table across applicants, from their ``report --json``."""

from __future__ import annotations

import click

from tas_classify.cli.common import ESCAPE_FORMULAS_OPTION


@click.command("summary")
@click.argument("reports", metavar="REPORT.json…", nargs=-1, required=True, type=click.Path())
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="The table: .xlsx (numbers with number formats, header frozen, a sources sheet), "
    ".html (one offline page) or .csv (UTF-8 with BOM).",
)
@ESCAPE_FORMULAS_OPTION
@click.option("-q", "--quiet", is_flag=True, help="No notes on stderr (warnings still shown).")
def summary_cmd(reports: tuple[str, ...], output: str, escape_formulas: bool, quiet: bool) -> None:
    """Write the 附件2-style 申报推荐汇总表 (Annex 2 summary) of several enterprises from their
    `report --json` outputs (a folder stands for its *.json files): one row per enterprise with
    序号, name, 统一社会信用代码, track, total income, in-scope and offshore income and shares,
    verdict, income and lines to review; totals at the foot.

    \b
    Example:
      tas-classify report A公司台账.xlsx --amount 金额 --offshore 是否境外 \\
          --enterprise A公司 --credit-code 91350100M000100Y43 --json > A.json
      tas-classify summary A.json B.json C.json -o 汇总表.xlsx
    """
    from tas_classify.ledger.write import check_output
    from tas_classify.report.summary import summarise_reports, summary_labels, write_summary

    if not output.lower().endswith((".xlsx", ".html", ".htm", ".csv")):
        raise click.UsageError("-o must end in .xlsx, .html or .csv")
    check_output(output, not_same_as=list(reports))
    summary = summarise_reports(reports)
    write_summary(summary, output, escape_formulas=escape_formulas)
    for a in summary.applicants:
        for message in a.notes:
            click.echo(f"warning: {a.source}: {message}", err=True)
    for message in summary.notes:
        click.echo(f"warning: {message}", err=True)
    if not quiet:
        passed = summary_labels().totals_passed.format(
            passed=summary.totals.verdicts["pass"], count=summary.totals.count
        )
        click.echo(f"{passed}; summary written to {output}", err=True)
