"""Reports built on classified lines: the income report (and its text, xlsx and html renderings),
the evaluation of a model on labeled lines, and the rule report.

Imports the core, the model and the ledger; nothing above.
"""

from tas_classify.report.evaluation import ModelEvaluation, evaluate, evaluate_model
from tas_classify.report.income import LedgerLine, RevenueReport, Thresholds, build_report
from tas_classify.report.render import render_html, render_text, write_html, write_xlsx
from tas_classify.report.rules import RuleReport, rule_report

__all__ = [
    "LedgerLine",
    "ModelEvaluation",
    "RevenueReport",
    "RuleReport",
    "Thresholds",
    "build_report",
    "evaluate",
    "evaluate_model",
    "render_html",
    "render_text",
    "rule_report",
    "write_html",
    "write_xlsx",
]
