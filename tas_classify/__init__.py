"""tas_classify: which 技术先进型服务 (Annex 1) category a contract line belongs to, or none.

>>> import tas_classify
>>> tas_classify.classify("为某银行提供核心系统定制开发").code
'ITO-01'
"""

from typing import TYPE_CHECKING, Any

from tas_classify._version import __version__
from tas_classify.api import classify, classify_batch, default_model
from tas_classify.model.estimator import NotFittedError, TasClassifier
from tas_classify.results import Candidate, Evidence, FeatureWeight, Result, ResultRow
from tas_classify.rules import RuleMatch

if TYPE_CHECKING:
    from tas_classify.ledger.frame import classify_frame

__all__ = [
    "Candidate",
    "Evidence",
    "FeatureWeight",
    "NotFittedError",
    "Result",
    "ResultRow",
    "RuleMatch",
    "TasClassifier",
    "__version__",
    "classify",
    "classify_batch",
    "classify_frame",
    "default_model",
]


def __getattr__(name: str) -> Any:
    """``classify_frame`` is imported on first use: the ledger layer is not needed to classify
    a line, and importing it costs start-up time."""
    if name == "classify_frame":
        from tas_classify.ledger.frame import classify_frame

        return classify_frame
    raise AttributeError(f"module 'tas_classify' has no attribute {name!r}")
