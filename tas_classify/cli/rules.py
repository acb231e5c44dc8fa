"""``tas-classify rules``: check keyword rules against labeled lines."""

from __future__ import annotations

import json
from typing import Any

import click

from tas_classify.cli.common import labeled_options, read_labeled


@click.group("rules")
def rules_group() -> None:
    """Keyword rules: see how they behave on labeled lines."""


def _percent(value: float | None) -> str:
    return "    —" if value is None else f"{value:5.1%}"


@rules_group.command("report")
@click.argument("labeled", nargs=-1, required=True, type=click.Path(exists=True))
@click.option(
    "--rules",
    "rules_file",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Rules TOML file (default: the shipped data/rules.toml).",
)
@click.option("--json", "as_json", is_flag=True, help="The figures as one JSON object.")
@click.option("--examples", default=3, show_default=True, help="Wrong lines shown per rule.")
@labeled_options
def report_cmd(
    labeled: tuple[str, ...],
    rules_file: str | None,
    as_json: bool,
    examples: int,
    where: dict[str, Any],
) -> None:
    """Each rule's coverage, precision, overlaps and conflicts on LABELED lines.

    Precision counts a firing as right when the rule's code is among the line's accepted codes.
    Low-precision rules mislead the model; rules that never fire are dead weight.

    \b
    Example:
      tas-classify rules report data/eval --rules my_rules.toml
    """
    from pathlib import Path

    from tas_classify._resources import data_path
    from tas_classify.report.rules import rule_report
    from tas_classify.rules import load_rules

    rules = load_rules(Path(rules_file) if rules_file else data_path("rules.toml"))
    data = read_labeled(labeled, where)
    report = rule_report(rules, data, examples=examples)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False))
        return
    share = report.covered / report.lines if report.lines else 0.0
    click.echo(f"{report.lines} lines, {report.covered} ({share:.1%}) fire at least one rule\n")
    click.echo(f"{'rule':40s} {'code':7s} {'weight':>6s} {'fired':>6s} {'cover':>6s} {'prec':>6s}")
    for r in sorted(report.rules, key=lambda r: (r.precision is None, r.precision or 0.0)):
        cover = r.fired / report.lines if report.lines else 0.0
        click.echo(
            f"{r.name:40s} {r.code:7s} {r.weight:6.1f} {r.fired:6d} {cover:6.1%} "
            f"{_percent(r.precision)}"
        )
        for line in r.wrong:
            click.echo(f"    wrong: {line}")
    if report.conflicts:
        click.echo("\nconflicts (rules for different codes firing on the same line)")
        for (a, b), n in report.conflicts.most_common():
            click.echo(f"  {n:5d}  {a} × {b}")
    same = {k: n for k, n in report.overlaps.items() if k not in report.conflicts}
    if same:
        click.echo("\noverlaps (rules for the same code firing together)")
        for (a, b), n in sorted(same.items(), key=lambda kv: -kv[1])[:20]:
            click.echo(f"  {n:5d}  {a} × {b}")
    dead = [r.name for r in report.rules if not r.fired]
    if dead:
        click.echo("\nnever fired: " + ", ".join(dead))
