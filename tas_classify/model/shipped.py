"""The shipped model (``models/default``), loaded once on first use, thread-safely."""

from __future__ import annotations

import threading

from tas_classify._resources import model_path
from tas_classify.model import estimator
from tas_classify.model.estimator import TasClassifier

_lock = threading.Lock()
_default: TasClassifier | None = None


def default_model() -> TasClassifier:
    """The shipped model (``models/default``), loaded once on first use, thread-safely."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                _default = estimator.load(model_path("default"))
    return _default
