"""One family of errors: everything the package raises about a user's files, data or model is a
:class:`TasClassifyError` (a ``ValueError``), with the file, row or column in its message.

Each error is also importable from the module that raises it
(``tas_classify.ledger.read.TableError`` …); the command line catches the family once, at
its top, and exits 1 with the message.
"""

from __future__ import annotations

__all__ = [
    "AmountError",
    "CalibrationError",
    "ColumnError",
    "CorpusError",
    "InvalidParameterError",
    "MissingDependencyError",
    "ModelFileError",
    "NotFittedError",
    "ReportFileError",
    "ReviewError",
    "ReviewNotFoundError",
    "UploadTooLargeError",
    "RulesFileError",
    "TableError",
    "TasClassifyError",
    "TrainingDataError",
    "WrappersFileError",
]


class TasClassifyError(ValueError):
    """Base of every error about the user's files, data or model."""


# ---------------------------------------------------------------- core
class RulesFileError(TasClassifyError):
    """A rules file that cannot be used, with the file and rule at fault."""


class WrappersFileError(TasClassifyError):
    """A wrappers file that cannot be used, with the file and wrapper at fault."""


class CalibrationError(TasClassifyError):
    """The ensemble could not be calibrated (non-finite inputs, or the optimiser failed)."""


# ---------------------------------------------------------------- model
class ModelFileError(TasClassifyError):
    """A model folder that is missing, altered, or from an incompatible version."""


class NotFittedError(TasClassifyError, AttributeError):
    """Prediction before ``fit`` (the same bases as scikit-learn's, so both catch it)."""


class InvalidParameterError(TasClassifyError, TypeError):
    """An estimator parameter of the wrong type or out of range (the bases of scikit-learn's)."""


class TrainingDataError(TasClassifyError):
    """Lines and labels ``fit`` cannot learn from (unknown codes, mismatched lengths, too few)."""


class MissingDependencyError(TasClassifyError, ImportError):
    """An optional extra (``[train]``, ``[pandas]``) is needed and not installed."""


# ---------------------------------------------------------------- ledger
class TableError(TasClassifyError):
    """A file that cannot be read as a table; the message names the file and, if known, the row."""


class ColumnError(TasClassifyError):
    """A column that was asked for, or needed, is not in the file; the message lists the columns."""


class AmountError(TasClassifyError):
    """A cell that is not an amount in yuan; the message says why."""


class CorpusError(TasClassifyError):
    """A labeled file that cannot be used; the message names the file and row."""


# ---------------------------------------------------------------- report
class ReviewError(TasClassifyError):
    """A workbench review that does not exist, or an action it cannot take in its state."""


class ReviewNotFoundError(ReviewError):
    """A review, or a group of one, that is not in the data folder."""


class UploadTooLargeError(ReviewError):
    """A ledger over the workbench's upload limit."""


class ReportFileError(TasClassifyError):
    """A file given as a report JSON that is not one; the message names the file and the key."""
