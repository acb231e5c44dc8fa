"""The reviewer workbench's domain, with no web in it: reviews of ledgers kept in a data folder
(:mod:`~tas_classify.review.store`, SQLite), grouped lines and the reviewer's corrections
(:mod:`~tas_classify.review.workbench`), and what a review hands on
(:mod:`~tas_classify.review.exports`).

Imports the core, the model, the ledger and the report layers; the web pages and the CLI sit
above it.
"""

from tas_classify.review.exports import EXPORTS, export, export_summary
from tas_classify.review.store import ReviewStore, StoredReview
from tas_classify.review.workbench import (
    EXPORT_COLUMNS,
    Group,
    Preview,
    ReviewOptions,
    Workbench,
)

__all__ = [
    "EXPORTS",
    "EXPORT_COLUMNS",
    "Group",
    "Preview",
    "ReviewOptions",
    "ReviewStore",
    "StoredReview",
    "Workbench",
    "export",
    "export_summary",
]
