"""The model: the estimator, its files on disk, and the card written beside them.

Imports only the core (``taxonomy``, ``text``, ``tokenize``, ``rules``, ``features``,
``calibration``, ``results``).
"""

from tas_classify.model.card import render_card
from tas_classify.model.estimator import NotFittedError, TasClassifier, check_texts, load
from tas_classify.model.persistence import ModelFileError, read_metadata, save
from tas_classify.model.shipped import default_model

__all__ = [
    "ModelFileError",
    "NotFittedError",
    "TasClassifier",
    "check_texts",
    "default_model",
    "load",
    "read_metadata",
    "render_card",
    "save",
]
