"""Verbs over models: ``train``, ``evaluate`` and ``compare``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from tas_classify import taxonomy
from tas_classify.cli.common import MODEL_OPTION, labeled_options, load_model, read_labeled
from tas_classify.ledger.labeled import calibration_groups
from tas_classify.report.evaluation import ModelEvaluation, evaluate_model


def _figure(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _print_evaluation(evaluation: ModelEvaluation, errors: int = 0) -> None:
    overall = evaluation.overall
    click.echo(f"lines            {overall.n}")
    click.echo(f"accuracy         {overall.accuracy:.3f}   (top-1 within the accepted codes)")
    click.echo(f"macro-F1         {overall.macro_f1:.3f}")
    click.echo(f"in-scope F1      {overall.in_scope_f1:.3f}   (in scope vs NONE)")
    click.echo(f"NONE recall      {_figure(overall.none_recall)}")
    click.echo(f"ECE              {overall.ece:.3f}   (expected calibration error, 10 bins)")
    click.echo(
        f"needs review     {evaluation.review_share:.3f}   (share of lines flagged; accuracy of"
        f" the others {evaluation.unflagged_accuracy:.3f})"
    )
    if len(evaluation.by_register) > 1:
        click.echo("\nby register")
        heads = f"{'lines':>6s}{'acc':>7s}{'NONE-R':>8s}{'in-F1':>7s}{'ECE':>7s}"
        click.echo(f"  {'register':16s}{heads}")
        for name, r in evaluation.by_register.items():
            click.echo(
                f"  {name:16s}{r.n:6d}{r.accuracy:7.3f}{_figure(r.none_recall):>8s}"
                f"{r.in_scope_f1:7.3f}{r.ece:7.3f}"
            )
    click.echo("\nrecall per code")
    for code, value in overall.recall.items():
        click.echo(f"  {code:7s} {value:.3f}")
    codes = [
        c
        for c in taxonomy.codes()
        if c in overall.confusion or any(c in row for row in overall.confusion.values())
    ]
    click.echo("\nconfusion matrix (rows: true, columns: predicted)")
    click.echo("        " + " ".join(f"{c[:3]}{c[-2:]:>3}" for c in codes))
    for t in codes:
        row = overall.confusion.get(t, {})
        click.echo(f"{t:7s} " + " ".join(f"{row.get(p, 0):6d}" for p in codes))
    if errors and evaluation.errors:
        shown = evaluation.errors if errors < 0 else evaluation.errors[:errors]
        click.echo(f"\nerrors ({len(evaluation.errors)}; R = flagged for review)")
        for e in shown:
            flag = "R" if e.needs_review else " "
            click.echo(
                f"{flag} {e.source}  [{e.register}] {e.label} → {e.predicted}"
                f" {e.confidence:.2f}  {e.text}"
            )
        if len(shown) < len(evaluation.errors):
            click.echo(f"… {len(evaluation.errors) - len(shown)} more (--errors -1 lists all)")


@click.command("evaluate")
@click.argument("labeled", nargs=-1, required=True, type=click.Path(exists=True))
@MODEL_OPTION
@click.option(
    "--errors",
    "errors",
    default=30,
    show_default=True,
    type=int,
    help="Wrong lines to list (-1: all, 0: none).",
)
@labeled_options
@click.option("--json", "as_json", is_flag=True, help="The figures and errors as one JSON object.")
def evaluate_cmd(
    labeled: tuple[str, ...],
    model: str | None,
    errors: int,
    where: dict[str, Any],
    as_json: bool,
) -> None:
    """Score a model on LABELED files or folders: CSV / TSV / XLSX with columns
    text,label[,accept][,register], or JSON lines with text, label (or gold), accept (a list)
    and register (or kind). Figures overall and by register, then the lines it got wrong.

    \b
    Example (the real-world set, never trained on):
      tas-classify evaluate ../shared/realworld/realworld.jsonl
    """
    data = read_labeled(labeled, where)
    evaluation = evaluate_model(load_model(model), data)
    if as_json:
        click.echo(json.dumps(evaluation.to_dict(), ensure_ascii=False))
    else:
        _print_evaluation(evaluation, errors)


@click.command("train")
@click.argument("corpus", nargs=-1, type=click.Path(exists=True))
@click.option(
    "--with-default-corpus",
    is_flag=True,
    help="Also train on the shipped corpus (data/corpus), e.g. to add reviewed corrections.",
)
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
    help="Labeled lines to evaluate on and record in the model card, each set on its own "
    "(repeatable; never trained on).",
)
@labeled_options
def train_cmd(
    corpus: tuple[str, ...],
    with_default_corpus: bool,
    output: str,
    cv: int,
    seed: int,
    rules: str | None,
    user_dict: tuple[str, ...],
    eval_paths: tuple[str, ...],
    where: dict[str, Any],
) -> None:
    """Train a model on CORPUS files or folders and write it to -o.

    CORPUS is CSV / TSV (any encoding), .xlsx or .jsonl with a text column (text, or a usual
    ledger header such as 合同名称) and a label column (label, or tas_code — so a reviewed
    `tas-classify batch` output can be used as it is). Unknown labels are listed and refused.
    --column, --label-column, --sheet and --header-row apply to the CORPUS files given here.

    In a file with a tas_reviewed column (a batch output), only rows a reviewer marked (x, ✓,
    是 …) are remembered as known lines; every labelled row is learned from.

    \b
    Example (the corrections loop):
      tas-classify batch 台账.xlsx -o 台账_分类.xlsx  # correct tas_code, mark tas_reviewed
      tas-classify train 台账_分类.xlsx --with-default-corpus -o models/ours
    """
    from tas_classify._resources import data_path
    from tas_classify.model.estimator import TasClassifier

    if not corpus and not with_default_corpus:
        raise click.UsageError("give CORPUS files or folders, or --with-default-corpus")
    parts = [read_labeled(corpus, where)] if corpus else []
    if with_default_corpus:
        parts.append(read_labeled([str(data_path("corpus"))]))
    data = sum(parts[1:], parts[0])
    clf = TasClassifier(cv=cv, random_state=seed, rules=rules, user_dict=user_dict)
    skipped = f"; {data.skipped} rows with blank text or label skipped" if data.skipped else ""
    click.echo(f"training on {len(data.texts)} lines ({cv}-fold calibration){skipped} …", err=True)
    reviewed = data.reviewed_of()
    if not all(reviewed):
        click.echo(
            f"{reviewed.count(False)} rows not marked in tas_reviewed: learned from, "
            "not remembered as known lines",
            err=True,
        )
    clf.fit(data.texts, data.labels, groups=calibration_groups(data), remember=reviewed)
    registers = data.register_of()
    metrics: dict[str, Any] = {
        "training_lines": len(data.texts),
        "training_registers": {g: registers.count(g) for g in sorted(set(registers))},
        "cv_accuracy": round(clf.oof_accuracy_, 4),
    }
    click.echo(f"cross-validated accuracy (whole sources held out)  {clf.oof_accuracy_:.3f}")
    evaluations = {}
    for path in eval_paths:  # each set on its own, named after its file or folder
        evaluation = evaluate_model(clf, read_labeled([path]))
        figures = evaluation.to_dict()
        figures.pop("confusion")
        figures.pop("errors")
        evaluations[Path(path).stem] = figures
        click.echo(f"\n== {path}")
        _print_evaluation(evaluation)
    if evaluations:
        metrics["eval"] = next(iter(evaluations.values()))
        metrics["evaluations"] = evaluations
    clf.save(output, metrics=metrics, data_sha256=data.digest())
    click.echo(f"model written to {Path(output)}", err=True)


def _model_arg(value: str) -> Any:
    return load_model(None if value == "default" else value)


@click.command("compare")
@click.argument("labeled", nargs=-1, required=True, type=click.Path(exists=True))
@click.option(
    "--model",
    "models",
    multiple=True,
    required=True,
    help="Model folder, or 'default' for the shipped model; give exactly two (A, then B).",
)
@labeled_options
@click.option("--json", "as_json", is_flag=True, help="Figures, deltas and changed lines as JSON.")
def compare_cmd(
    labeled: tuple[str, ...],
    models: tuple[str, ...],
    where: dict[str, Any],
    as_json: bool,
) -> None:
    """Compare model A with model B on LABELED lines: each figure, B − A, and every line whose
    prediction changed (with which of the two is right).

    \b
    Example:
      tas-classify compare data/eval --model default --model models/ours
    """
    from tas_classify.report.evaluation import FIGURES, compare_models

    if len(models) != 2:
        raise click.UsageError("give --model twice: the old model (A), then the new one (B)")
    data = read_labeled(labeled, where)
    comparison = compare_models(_model_arg(models[0]), _model_arg(models[1]), data)
    if as_json:
        click.echo(json.dumps(comparison.to_dict(models[0], models[1]), ensure_ascii=False))
        return
    click.echo(f"A = {models[0]}\nB = {models[1]}\n{comparison.lines} lines\n")
    click.echo(f"{'':13s}{'A':>8s}{'B':>8s}{'B − A':>9s}")
    for k in FIGURES:
        a, b = comparison.a[k], comparison.b[k]
        click.echo(f"{k:13s}{a:8.3f}{b:8.3f}{b - a:+9.3f}")
    changed = comparison.changed
    click.echo(
        f"\n{len(changed)} lines changed: {comparison.fixed} fixed by B, "
        f"{comparison.broken} broken by B"
    )
    for c in changed:
        mark = (
            "+"
            if c["b"]["right"] and not c["a"]["right"]
            else ("-" if c["a"]["right"] and not c["b"]["right"] else " ")
        )
        click.echo(
            f"{mark} {c['source']}  {c['label']}: {c['a']['code']} {c['a']['confidence']:.2f}"
            f" → {c['b']['code']} {c['b']['confidence']:.2f}  {c['text']}"
        )  # fmt: skip
