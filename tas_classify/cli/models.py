"""Verbs over models: ``train`` and ``evaluate``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from tas_classify import taxonomy
from tas_classify.cli.common import MODEL_OPTION, DataError, load_model, read_labeled


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


@click.command("evaluate")
@click.argument("labeled", nargs=-1, required=True, type=click.Path(exists=True))
@MODEL_OPTION
@click.option("--json", "as_json", is_flag=True, help="The figures as one JSON object.")
def evaluate_cmd(labeled: tuple[str, ...], model: str | None, as_json: bool) -> None:
    """Score a model on LABELED CSV files or folders (columns text,label[,accept])."""
    report = _report(load_model(model), read_labeled(labeled))
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        _print_report(report)


@click.command("train")
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

    data = read_labeled(corpus)
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
        report = _report(clf, read_labeled(eval_paths))
        metrics["eval"] = {k: v for k, v in report.to_dict().items() if k != "confusion"}
        _print_report(report)
    save(clf, output, metrics=metrics, data_sha256=data.digest())
    click.echo(f"model written to {Path(output)}", err=True)
