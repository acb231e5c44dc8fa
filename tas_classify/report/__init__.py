"""Reports built on classified lines: the income report (and its text, xlsx and html renderings),
the evaluation of a model on labeled lines, and the rule report.

Imports the core, the model and the ledger; nothing above.
"""

from tas_classify.report.evaluation import (
    ModelComparison,
    ModelEvaluation,
    compare_models,
    evaluate,
    evaluate_model,
)
from tas_classify.report.income import (
    IncomeReport,
    LedgerLine,
    Thresholds,
    build_report,
    report_ledger,
)
from tas_classify.report.render import render_html, render_text, write_html, write_xlsx
from tas_classify.report.rules import RuleReport, rule_report

__all__ = [
    "LedgerLine",
    "ModelComparison",
    "ModelEvaluation",
    "IncomeReport",
    "RuleReport",
    "Thresholds",
    "build_report",
    "compare_models",
    "evaluate",
    "evaluate_model",
    "render_html",
    "render_text",
    "report_ledger",
    "rule_report",
    "write_html",
    "write_xlsx",
]
