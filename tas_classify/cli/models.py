"""Verbs over models: ``train``, ``evaluate`` and ``compare``."""

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
    help="Labeled lines to evaluate on and record in the model card (repeatable).",
)
def train_cmd(
    corpus: tuple[str, ...],
    with_default_corpus: bool,
    output: str,
    cv: int,
    seed: int,
    rules: str | None,
    user_dict: tuple[str, ...],
    eval_paths: tuple[str, ...],
) -> None:
    """Train a model on CORPUS files or folders and write it to -o.

    CORPUS is CSV / TSV (any encoding), .xlsx or .jsonl with a text column (text, or a usual
    ledger header such as 合同名称) and a label column (label, or tas_code — so a reviewed
    `tas-classify batch` output can be used as it is). Unknown labels are listed and refused.

    \b
    Example (the corrections loop):
      tas-classify batch 台账.xlsx -o 台账_分类.xlsx      # then correct tas_code by hand
      tas-classify train 台账_分类.xlsx --with-default-corpus -o models/ours
    """
    from tas_classify._resources import data_path
    from tas_classify.estimator import TasClassifier
    from tas_classify.rules import RulesFileError

    if not corpus and not with_default_corpus:
        raise click.UsageError("give CORPUS files or folders, or --with-default-corpus")
    paths = (*corpus, str(data_path("corpus"))) if with_default_corpus else corpus
    data = read_labeled(paths)
    clf = TasClassifier(cv=cv, random_state=seed, rules=rules, user_dict=user_dict)
    skipped = f"; {data.skipped} rows with blank text or label skipped" if data.skipped else ""
    click.echo(f"training on {len(data.texts)} lines ({cv}-fold calibration){skipped} …", err=True)
    try:
        clf.fit(data.texts, data.labels, groups=data.register_of())
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
    clf.save(output, metrics=metrics, data_sha256=data.digest())
    click.echo(f"model written to {Path(output)}", err=True)


FIGURES = ("accuracy", "macro_f1", "in_scope_f1", "ece")


def _model_arg(value: str) -> Any:
    return load_model(None if value == "default" else value)


def _changed_lines(data: Any, a: list[Any], b: list[Any]) -> list[dict[str, Any]]:
    out = []
    for i, (ra, rb) in enumerate(zip(a, b)):
        if ra.code != rb.code:
            out.append(
                {
                    "source": data.sources[i],
                    "text": data.texts[i],
                    "label": data.labels[i],
                    "a": {"code": ra.code, "confidence": round(ra.confidence, 4),
                          "right": ra.code in data.accept[i]},
                    "b": {"code": rb.code, "confidence": round(rb.confidence, 4),
                          "right": rb.code in data.accept[i]},
                }
            )  # fmt: skip
    return out


@click.command("compare")
@click.argument("labeled", nargs=-1, required=True, type=click.Path(exists=True))
@click.option(
    "--model",
    "models",
    multiple=True,
    required=True,
    help="Model folder, or 'default' for the shipped model; give exactly two (A, then B).",
)
@click.option("--json", "as_json", is_flag=True, help="Figures, deltas and changed lines as JSON.")
def compare_cmd(labeled: tuple[str, ...], models: tuple[str, ...], as_json: bool) -> None:
    """Compare model A with model B on LABELED lines: each figure, B − A, and every line whose
    prediction changed (with which of the two is right).

    \b
    Example:
      tas-classify compare data/eval --model default --model models/ours
    """
    from tas_classify.evaluation import evaluate

    if len(models) != 2:
        raise click.UsageError("give --model twice: the old model (A), then the new one (B)")
    data = read_labeled(labeled)
    figures: list[dict[str, float]] = []
    results = []
    for name in models:
        found = _model_arg(name).classify(list(data.texts))
        results.append(found)
        report = evaluate([r.code for r in found], [r.confidence for r in found], data.labels,
                          data.accept, taxonomy.codes())  # fmt: skip
        figures.append({k: round(float(getattr(report, k)), 4) for k in FIGURES})
    keys = FIGURES
    changed = _changed_lines(data, results[0], results[1])
    if as_json:
        payload = {
            "a": {"model": models[0], **{k: figures[0][k] for k in keys}},
            "b": {"model": models[1], **{k: figures[1][k] for k in keys}},
            "delta": {k: round(figures[1][k] - figures[0][k], 4) for k in keys},
            "changed": changed,
        }
        click.echo(json.dumps(payload, ensure_ascii=False))
        return
    click.echo(f"A = {models[0]}\nB = {models[1]}\n{len(data.texts)} lines\n")
    click.echo(f"{'':13s}{'A':>8s}{'B':>8s}{'B − A':>9s}")
    for k in keys:
        a, b = figures[0][k], figures[1][k]
        click.echo(f"{k:13s}{a:8.3f}{b:8.3f}{b - a:+9.3f}")
    fixed = sum(c["b"]["right"] and not c["a"]["right"] for c in changed)
    broken = sum(c["a"]["right"] and not c["b"]["right"] for c in changed)
    click.echo(f"\n{len(changed)} lines changed: {fixed} fixed by B, {broken} broken by B")
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
