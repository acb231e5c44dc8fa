"""The ``tas-classify`` command line: thin verbs over the library.

Exit codes: 0 success, 1 a data error (bad file, unknown label, damaged model), 2 a usage error.
"""

from __future__ import annotations

import sys

import click

from tas_classify.cli.common import DataError
from tas_classify.cli.ledger import batch_cmd, report_cmd
from tas_classify.cli.lines import classify_cmd, taxonomy_cmd
from tas_classify.cli.models import compare_cmd, evaluate_cmd, train_cmd
from tas_classify.cli.rules import rules_group
from tas_classify.cli.serve import serve_cmd
from tas_classify.cli.summary import summary_cmd
from tas_classify.errors import TasClassifyError


class _Group(click.Group):
    """The command group that turns any :class:`TasClassifyError` into exit code 1 and its
    message: the one place the CLI converts the library's errors."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except TasClassifyError as exc:
            raise DataError(str(exc)) from exc


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tas_classify")
def main() -> None:
    """Classify contract lines into the 技术先进型服务 (Annex 1) categories."""
    _tolerant_streams()


def _tolerant_streams() -> None:
    """Text that cannot be encoded (lone surrogates from broken input) is written as '?' on
    stdout / stderr instead of stopping the run halfway."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")


for _command in (
    classify_cmd,
    batch_cmd,
    report_cmd,
    taxonomy_cmd,
    train_cmd,
    evaluate_cmd,
    compare_cmd,
    rules_group,
    summary_cmd,
    serve_cmd,
):
    main.add_command(_command)
