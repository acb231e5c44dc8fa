"""One error family: every error about the user's files, data or model is a TasClassifyError
(a ValueError), importable from the module that raises it, and the CLI turns it into exit 1."""

import pytest
from click.testing import CliRunner

from tas_classify import errors
from tas_classify.calibration import CalibrationError
from tas_classify.cli import main
from tas_classify.ledger.amounts import AmountError
from tas_classify.ledger.columns import ColumnError
from tas_classify.ledger.labeled import CorpusError
from tas_classify.ledger.read import TableError
from tas_classify.model.estimator import NotFittedError
from tas_classify.model.persistence import ModelFileError
from tas_classify.rules import RulesFileError
from tas_classify.text import WrappersFileError

OLD_HOMES = [
    CalibrationError,
    AmountError,
    ColumnError,
    CorpusError,
    TableError,
    NotFittedError,
    ModelFileError,
    RulesFileError,
    WrappersFileError,
]


@pytest.mark.parametrize("error", OLD_HOMES, ids=lambda e: e.__name__)
def test_every_error_is_in_the_family(error):
    assert issubclass(error, errors.TasClassifyError)
    assert issubclass(error, ValueError)
    assert getattr(errors, error.__name__) is error


def test_not_fitted_is_still_an_attribute_error():
    assert issubclass(NotFittedError, AttributeError)


def test_the_cli_reports_a_family_error_once_with_exit_1(tmp_path):
    bad = tmp_path / "not_a_model"
    bad.mkdir()
    result = CliRunner().invoke(main, ["classify", "--model", str(bad), "软件开发"])
    assert result.exit_code == 1
    assert "not a tas_classify model folder" in result.output
    assert "Traceback" not in result.output
