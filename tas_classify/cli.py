"""The ``tas-classify`` command line: thin verbs over the library.

Exit codes: 0 success, 1 a data error (bad file, unknown label, damaged model), 2 a usage error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from tas_classify import taxonomy

TRACK = click.Choice(["outsourcing", "trade"])


class DataError(click.ClickException):
    """A problem with the user's data; exit code 1."""

    exit_code = 1


def _load_model(model: str | None) -> Any:
    from tas_classify.api import default_model
    from tas_classify.persistence import ModelFileError, load

    try:
        return load(model) if model else default_model()
    except ModelFileError as exc:
        raise DataError(str(exc)) from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tas_classify")
def main() -> None:
    """Classify contract lines into the 技术先进型服务 (Annex 1) categories."""


@main.command("classify")
@click.argument("texts", nargs=-1)
@click.option("--track", type=TRACK, default=None, help="Only this track's codes (and NONE).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option(
    "--model",
    type=click.Path(exists=True, file_okay=False),
    default=None,
    help="Model folder (default: the shipped model).",
)
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
    clf = _load_model(model)
    for result in clf.classify(lines, track=track):
        if as_json:
            click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
            continue
        review = "  [需复核 review]" if result.needs_review else ""
        click.echo(f"{result.code}\t{result.confidence:.2f}\t{result.name}\t{result.text}{review}")
        why = result.evidence.summary()
        if why:
            click.echo(f"\t  why: {why}")


@main.command("taxonomy")
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


def _read(paths: tuple[str, ...]) -> Any:
    from tas_classify.corpus import CorpusError, read_labeled

    try:
        return read_labeled(paths)
    except CorpusError as exc:
        raise DataError(str(exc)) from exc


def _report(clf: Any, data: Any) -> Any:
    from tas_classify.evaluation import evaluate

    results = clf.classify(list(data.texts))
    return evaluate(
        [r.code for r in results],
        [r.confidence for r in results],
        data.labels,
        data.accept,
        taxonomy.codes(),
    )


def _print_report(report: Any) -> None:
    click.echo(f"lines            {report.n}")
    click.echo(f"accuracy         {report.accuracy:.3f}   (top-1 within the accepted codes)")
    click.echo(f"macro-F1         {report.macro_f1:.3f}")
    click.echo(f"in-scope F1      {report.in_scope_f1:.3f}   (in scope vs NONE)")
    click.echo(f"ECE              {report.ece:.3f}   (expected calibration error, 10 bins)")
    click.echo("\nrecall per code")
    for code, value in report.recall.items():
        click.echo(f"  {code:7s} {value:.3f}")
    codes = [
        c
        for c in taxonomy.codes()
        if c in report.confusion or any(c in row for row in report.confusion.values())
    ]
    click.echo("\nconfusion matrix (rows: true, columns: predicted)")
    click.echo("        " + " ".join(f"{c[:3]}{c[-2:]:>3}" for c in codes))
    for t in codes:
        row = report.confusion.get(t, {})
        click.echo(f"{t:7s} " + " ".join(f"{row.get(p, 0):6d}" for p in codes))


@main.command("evaluate")
@click.argument("labeled", nargs=-1, required=True, type=click.Path(exists=True))
@click.option(
    "--model",
    type=click.Path(exists=True, file_okay=False),
    default=None,
    help="Model folder (default: the shipped model).",
)
@click.option("--json", "as_json", is_flag=True, help="The figures as one JSON object.")
def evaluate_cmd(labeled: tuple[str, ...], model: str | None, as_json: bool) -> None:
    """Score a model on LABELED CSV files or folders (columns text,label[,accept])."""
    report = _report(_load_model(model), _read(labeled))
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        _print_report(report)


@main.command("train")
@click.argument("corpus", nargs=-1, required=True, type=click.Path(exists=True))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder to write the model to.",
)
@click.option(
    "--cv",
    default=5,
    show_default=True,
    type=click.IntRange(2, 20),
    help="Folds for the out-of-fold calibration.",
)
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed.")
@click.option(
    "--rules",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Rules TOML file (default: the shipped data/rules.toml).",
)
@click.option(
    "--user-dict",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Extra jieba dictionary file (repeatable).",
)
@click.option(
    "--eval",
    "eval_paths",
    multiple=True,
    type=click.Path(exists=True),
    help="Labeled lines to evaluate on and record in the model card (repeatable).",
)
def train_cmd(
    corpus: tuple[str, ...],
    output: str,
    cv: int,
    seed: int,
    rules: str | None,
    user_dict: tuple[str, ...],
    eval_paths: tuple[str, ...],
) -> None:
    """Train a model on CORPUS CSV files or folders (columns text,label) and write it to -o."""
    from tas_classify.estimator import TasClassifier
    from tas_classify.persistence import save
    from tas_classify.rules import RulesFileError

    data = _read(corpus)
    clf = TasClassifier(cv=cv, random_state=seed, rules=rules, user_dict=user_dict)
    click.echo(f"training on {len(data.texts)} lines ({cv}-fold calibration) …", err=True)
    try:
        clf.fit(data.texts, data.labels)
    except (ValueError, RulesFileError) as exc:
        raise DataError(str(exc)) from exc
    metrics: dict[str, Any] = {
        "training_lines": len(data.texts),
        "cv_accuracy": round(clf.oof_accuracy_, 4),
    }
    click.echo(f"cross-validated accuracy  {clf.oof_accuracy_:.3f}")
    if eval_paths:
        report = _report(clf, _read(eval_paths))
        metrics["eval"] = {k: v for k, v in report.to_dict().items() if k != "confusion"}
        _print_report(report)
    save(clf, output, metrics=metrics, data_sha256=data.digest())
    click.echo(f"model written to {Path(output)}", err=True)
