"""The model: the estimator, its files on disk, and the card written beside them.

Imports only the core (``taxonomy``, ``text``, ``tokenize``, ``rules``, ``features``,
``calibration``, ``results``).
"""

from tas_classify.model.card import render_card
from tas_classify.model.estimator import NotFittedError, TasClassifier
from tas_classify.model.persistence import ModelFileError, load, read_metadata, save

__all__ = [
    "ModelFileError",
    "NotFittedError",
    "TasClassifier",
    "load",
    "read_metadata",
    "render_card",
    "save",
]
