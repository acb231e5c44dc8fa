"""The human-readable card written beside every model: what it was trained on, how, how it
scored on each held-out set (overall and by register), and where it is known to be weak."""

from __future__ import annotations

from typing import Any

_METHOD = [
    "- features: TF-IDF (sublinear, L2) over jieba words and character 1–3-grams of the",
    "  normalised line (NFKC, Traditional → Simplified, ledger noise and tender wrapping removed);",
    "- text model: multinomial logistic regression (class-balanced);",
    "- keyword rules (`rules.toml`) and the VAT invoice-category table",
    "  (`invoice_categories.csv`: `*简称*` goods → NONE) add votes;",
    "- calibration: `p = softmax((a + c·coverage)·z + b·rules)`, fitted on out-of-fold",
    "  predictions from folds that hold out whole sources (a corpus file's lines in one",
    "  register), so the confidence is that of text written by someone else; coverage is the",
    "  share of a line's character n-grams seen in training (0 for lines that do not say what",
    "  was delivered).",
]

_LIMITS = [
    "- Lines that do not say what service was delivered (`技术服务费`, `外包服务费`) get the",
    "  `vague` flag and a low confidence: a person has to decide them.",
    "- Bare system names in tender titles (`XX管理系统`) do not say whether software is",
    "  built (ITO-01) or bought (NONE); expect review flags there.",
    "- Long definitions that list goods beside services (`包括……，不包括……`) are the weakest",
    "  register; invoices with a goods category are NONE whatever the item says.",
    "- The corpus is written by the project in real registers; figures on text written by others",
    "  are the ones to trust (the real-world set below, when it was given to `--eval`).",
]


def _figure(value: Any) -> str:
    return f"{float(value):.3f}" if isinstance(value, (int, float)) else "–"


def _figure_rows(name: str, figures: dict[str, Any]) -> list[str]:
    keys = ("n", "accuracy", "none_recall", "in_scope_f1", "ece")
    rows = [f"| **{name}** | " + " | ".join(
        str(figures.get("n", "–")) if k == "n" else _figure(figures.get(k)) for k in keys
    ) + " |"]  # fmt: skip
    for register, sub in (figures.get("by_register") or {}).items():
        if len(figures.get("by_register") or {}) < 2:
            break
        rows.append(f"| {name} · {register} | " + " | ".join(
            str(sub.get("n", "–")) if k == "n" else _figure(sub.get(k)) for k in keys
        ) + " |")  # fmt: skip
    return rows


def _figures(metrics: dict[str, Any]) -> list[str]:
    lines = []
    if "training_lines" in metrics:
        lines.append(f"- training lines: {metrics['training_lines']}")
    registers = metrics.get("training_registers") or {}
    if registers:
        lines.append("- by register: " + ", ".join(f"{k} {v}" for k, v in registers.items()))
    if "cv_accuracy" in metrics:
        lines.append(
            "- cross-validated accuracy on the training lines (folds hold out whole sources, "
            f"file × register, when registers are given): {metrics['cv_accuracy']}"
        )
    evaluations = metrics.get("evaluations") or (
        {"held-out": metrics["eval"]} if metrics.get("eval") else {}
    )
    if evaluations:
        lines += [
            "",
            "Held-out sets (never trained on); accuracy counts any accepted code:",
            "",
            "| set · register | lines | accuracy | NONE recall | in-scope F1 | ECE |",
            "|---|---|---|---|---|---|",
        ]
        for name, figures in evaluations.items():
            lines += _figure_rows(name, figures)
    return lines or ["- no figures were recorded (trained from Python without metrics)"]


def render_card(meta: dict[str, Any]) -> str:
    """Markdown for ``card.md`` from a model's metadata (as written to ``model.json``)."""
    params = ", ".join(f"{k}={v}" for k, v in sorted(meta["params"].items()))
    scales = (
        f"- calibration: a={meta.get('text_scale', 0):.4f}, b={meta.get('rule_scale', 0):.4f},"
        f" c={meta.get('coverage_scale', 0):.4f}"
    )
    return "\n".join(
        [
            "# tas_classify model",
            "",
            f"- written by tas_classify {meta['package_version']}"
            f" (scikit-learn {meta['sklearn_version'] or 'n/a'}),"
            f" model format {meta['format_version']}",
            f"- codes: {', '.join(meta['classes'])}",
            f"- parameters: {params}",
            scales,
            f"- training data SHA-256: {meta['training_data_sha256'] or 'not recorded'}",
            f"- taxonomy SHA-256: {meta['taxonomy_sha256']}",
            f"- remembered training lines: {meta['remembered_lines']}",
            f"- extra dictionaries: {', '.join(meta['user_dicts']) or 'none'}",
            "",
            "## Method",
            "",
            *_METHOD,
            "",
            "## Data and figures",
            "",
            *_figures(meta.get("metrics") or {}),
            "",
            "## Limits",
            "",
            *_LIMITS,
            "",
            "Load with `tas_classify.TasClassifier.load(folder)` or `--model folder`;",
            "`model.json` holds the checksums that loading verifies.",
            "",
        ]
    )
