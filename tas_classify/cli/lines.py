"""Verbs over single lines: ``classify`` and ``taxonomy``."""

from __future__ import annotations

import json
import sys

import click

from tas_classify import taxonomy
from tas_classify.cli.common import MODEL_OPTION, TRACK, load_model


@click.command("classify")
@click.argument("texts", nargs=-1)
@click.option("--track", type=TRACK, default=None, help="Only this track's codes (and NONE).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@MODEL_OPTION
def classify_cmd(
    texts: tuple[str, ...], track: str | None, as_json: bool, model: str | None
) -> None:
    """Classify TEXTS, or each line of standard input when none are given.

    \b
    Example:
      tas-classify classify "为某银行提供核心系统定制开发"
      ITO-01  0.99  软件研发及开发服务  为某银行提供核心系统定制开发
    """
    lines = list(texts) if texts else [line.rstrip("\r\n") for line in sys.stdin]
    clf = load_model(model)
    for result in clf.classify(lines, track=track):
        if as_json:
            click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
            continue
        review = "  [需复核 review]" if result.needs_review else ""
        click.echo(f"{result.code}\t{result.confidence:.2f}\t{result.name}\t{result.text}{review}")
        why = result.evidence.summary()
        if why:
            click.echo(f"\t  why: {why}")


@click.command("taxonomy")
@click.option("--json", "as_json", is_flag=True, help="The categories as a JSON list.")
def taxonomy_cmd(as_json: bool) -> None:
    """Print the label codes with their names, groups, tracks and scope text."""
    cats = taxonomy.categories()
    if as_json:
        click.echo(json.dumps([c.to_dict() for c in cats], ensure_ascii=False, indent=2))
        return
    for c in cats:
        where = " · ".join(p for p in (c.group, c.subgroup) if p)
        click.echo(f"{c.code}\t{c.name}\t[{c.track or '-'}] {where}")
        click.echo(f"\t{c.scope}")
        for f in c.fields:
            click.echo(f"\t  - {f.key}: {f.name}")
