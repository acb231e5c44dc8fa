"""What every verb shares: the data-error exception (exit code 1), option types, model loading."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import click

TRACK = click.Choice(["outsourcing", "trade"])
FORMAT = click.Choice(["csv", "tsv", "txt", "xlsx", "jsonl"])
MODEL_OPTION = click.option(
    "--model",
    type=click.Path(exists=True, file_okay=False),
    default=None,
    help="Model folder (default: the shipped model).",
)


class DataError(click.ClickException):
    """A problem with the user's data; exit code 1."""

    exit_code = 1


def load_model(model: str | None) -> Any:
    """The model in folder ``model``, or the shipped one."""
    from tas_classify.model import default_model, load

    return load(model) if model else default_model()


def read_labeled(
    paths: Iterable[str], text_column: str | None = None, label_column: str | None = None
) -> Any:
    """Labeled lines from files or folders."""
    from tas_classify.ledger.labeled import read_labeled as read

    return read(paths, text_column=text_column, label_column=label_column)


def labeled_columns(command: Any) -> Any:
    """``--column`` and ``--label-column`` for a verb that reads labeled files."""
    command = click.option(
        "--label-column",
        default=None,
        metavar="NAME",
        help="Column holding the code (default: label, tas_code or gold).",
    )(command)
    return click.option(
        "--column",
        "text_column",
        default=None,
        metavar="NAME",
        help="Column holding the text (default: text, or a usual ledger header such as 合同名称).",
    )(command)
