"""The human-readable card written beside every model: what it was trained on and how it scored."""

from __future__ import annotations

from typing import Any


def _figures(metrics: dict[str, Any]) -> list[str]:
    lines = []
    if "training_lines" in metrics:
        lines.append(f"- training lines: {metrics['training_lines']}")
    if "cv_accuracy" in metrics:
        lines.append(f"- cross-validated accuracy on the training lines: {metrics['cv_accuracy']}")
    held_out = metrics.get("eval") or {}
    for key in ("n", "accuracy", "macro_f1", "in_scope_f1", "ece"):
        if key in held_out:
            lines.append(f"- held-out {key.replace('_', '-')}: {held_out[key]}")
    return lines or ["- no figures were recorded (trained from Python without metrics)"]


def render_card(meta: dict[str, Any]) -> str:
    """Markdown for ``card.md`` from a model's metadata (as written to ``model.json``)."""
    params = ", ".join(f"{k}={v}" for k, v in sorted(meta["params"].items()))
    return "\n".join(
        [
            "# tas_classify model",
            "",
            f"- written by tas_classify {meta['package_version']}"
            f" (scikit-learn {meta['sklearn_version'] or 'n/a'}),"
            f" model format {meta['format_version']}",
            f"- codes: {', '.join(meta['classes'])}",
            f"- parameters: {params}",
            f"- training data SHA-256: {meta['training_data_sha256'] or 'not recorded'}",
            f"- taxonomy SHA-256: {meta['taxonomy_sha256']}",
            f"- remembered training lines: {meta['remembered_lines']}",
            f"- extra dictionaries: {', '.join(meta['user_dicts']) or 'none'}",
            "",
            "## Figures",
            "",
            *_figures(meta.get("metrics") or {}),
            "",
            "Load with `tas_classify.TasClassifier.load(folder)` or `--model folder`;",
            "`model.json` holds the checksums that loading verifies.",
            "",
        ]
    )
