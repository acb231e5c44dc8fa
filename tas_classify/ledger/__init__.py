"""Ledgers: reading tables, choosing columns, parsing amounts, classifying rows in batches,
adding the result columns, writing the output, and reading labeled lines.

Imports the core, the model (through :mod:`tas_classify.parallel`) and nothing above.
"""

from tas_classify.ledger.amounts import AmountError, parse_amount
from tas_classify.ledger.batch import BatchSummary, ClassifiedRow, classify_rows, run_batch
from tas_classify.ledger.cells import cell_text
from tas_classify.ledger.columns import ColumnError, choose_text_column, find_column
from tas_classify.ledger.frame import classify_frame
from tas_classify.ledger.labeled import CorpusError, LabeledLines, read_labeled
from tas_classify.ledger.read import FORMATS, Table, TableError, open_table
from tas_classify.ledger.result_columns import RESULT_COLUMNS, result_cells
from tas_classify.ledger.write import open_writer

__all__ = [
    "FORMATS",
    "RESULT_COLUMNS",
    "AmountError",
    "BatchSummary",
    "ClassifiedRow",
    "ColumnError",
    "CorpusError",
    "LabeledLines",
    "Table",
    "TableError",
    "cell_text",
    "choose_text_column",
    "classify_frame",
    "classify_rows",
    "find_column",
    "open_table",
    "open_writer",
    "parse_amount",
    "read_labeled",
    "result_cells",
    "run_batch",
]
