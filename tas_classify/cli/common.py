"""What every verb shares: the data-error exception (exit code 1), option types, model loading."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from typing import Any

import click

TRACK = click.Choice(["outsourcing", "trade"])
FORMAT = click.Choice(["csv", "tsv", "txt", "xlsx", "xls", "jsonl"])
MODEL_OPTION = click.option(
    "--model",
    type=click.Path(exists=True, file_okay=False),
    default=None,
    help="Model folder (default: the shipped model).",
)


ESCAPE_FORMULAS_OPTION = click.option(
    "--no-escape-formulas",
    "escape_formulas",
    flag_value=False,
    default=True,
    help="Write text starting with = + - @ as it is, not escaped: only for trusted data "
    "(by default it is written as text in .xlsx and prefixed with ' in CSV / TSV, so that a "
    "spreadsheet cannot run it as a formula).",
)


class Share(click.FloatRange):
    """A share between 0 and 1; NaN and infinities are refused."""

    name = "share"

    def __init__(self) -> None:
        super().__init__(0, 1)

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a number between 0 and 1", param, ctx)
        return number


class DataError(click.ClickException):
    """A problem with the user's data; exit code 1."""

    exit_code = 1


def load_model(model: str | None) -> Any:
    """The model in folder ``model``, or the shipped one."""
    from tas_classify.model import default_model, load

    return load(model) if model else default_model()


def read_labeled(paths: Iterable[str], where: dict[str, Any] | None = None) -> Any:
    """Labeled lines from files or folders; ``where``: the options of :func:`labeled_options`."""
    from tas_classify.ledger.labeled import read_labeled as read

    return read(paths, **(where or {}))


def labeled_options(command: Any) -> Any:
    """``--column``, ``--label-column``, ``--sheet`` and ``--header-row`` for a verb that reads
    labeled files; the verb receives them together as ``where`` (a dict for read_labeled)."""

    verb = command

    def gather(**kwargs: Any) -> Any:
        where = {k: kwargs.pop(k) for k in ("text_column", "label_column", "sheet", "header_row")}
        return verb(where=where, **kwargs)

    gather = functools.update_wrapper(gather, verb)
    gather = click.option(
        "--header-row",
        type=click.IntRange(min=1),
        default=None,
        help="Row of the column names in the labeled files (default: found below titles).",
    )(gather)
    gather = click.option(
        "--sheet",
        default=None,
        help="Sheet of a labeled workbook, by name or number from 1 (default: found).",
    )(gather)
    gather = click.option(
        "--label-column",
        default=None,
        metavar="NAME",
        help="Column holding the code (default: label, tas_code or gold).",
    )(gather)
    return click.option(
        "--column",
        "text_column",
        default=None,
        metavar="NAME",
        help="Column holding the text (default: text, or a usual ledger header such as 合同名称).",
    )(gather)
