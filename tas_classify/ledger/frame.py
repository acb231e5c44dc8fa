"""pandas: classify a DataFrame column, appending the same columns as ``tas-classify batch``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tas_classify.errors import ColumnError
from tas_classify.ledger.cells import cell_text
from tas_classify.ledger.result_columns import (
    RESULT_COLUMNS,
    clashing_columns,
    result_cells,
    with_note,
)

BYTES_NOTE = "the cell holds bytes, not text (read as UTF-8)"


def classify_frame(
    df: Any,
    column: str,
    *,
    track: str | None = None,
    model: Any = None,
) -> Any:
    """A new DataFrame: ``df``'s columns untouched, then ``tas_code``, ``tas_name``,
    ``tas_confidence``, ``tas_needs_review``, ``tas_alternatives`` and ``tas_evidence``.

    Every row is kept, in order, with its index. Cells that are None, NaN, numbers or dates are
    read as text (blank → ``NONE`` needing review); a bytes cell is read as UTF-8 and its row
    flagged. ``model`` is a fitted ``TasClassifier`` or a model folder (default: the shipped
    model).

    >>> import pandas as pd
    >>> df = pd.DataFrame({"合同名称": ["IDC机柜托管费", None], "金额": [1200, 300]})
    >>> out = classify_frame(df, "合同名称")
    >>> out[["tas_code", "tas_needs_review"]].values.tolist()
    [['ITO-06', False], ['NONE', True]]
    >>> list(out.columns[:2]) == list(df.columns)
    True
    """
    if column not in df.columns:
        listing = ", ".join(map(repr, df.columns))
        raise KeyError(f"no column {column!r} in the frame; the columns are: {listing}")
    same_name = int((df.columns == column).sum())
    if same_name > 1:
        raise ColumnError(
            f"the frame has {same_name} columns named {column!r}; rename them so that the text "
            "column is one"
        )
    clash = clashing_columns([str(c) for c in df.columns])
    if clash:
        raise ValueError(f"the frame already has column(s) {clash}; rename or drop them first")
    if model is None:
        from tas_classify.model.shipped import default_model

        model = default_model()
    elif isinstance(model, (str, os.PathLike)):
        from tas_classify.model.estimator import load

        model = load(Path(model))
    values = df[column].tolist()
    texts = [cell_text(v) for v in values]
    cells = [result_cells(r) for r in model.classify(texts, track=track)]
    cells = [
        with_note(c, BYTES_NOTE) if isinstance(v, (bytes, bytearray)) else c
        for c, v in zip(cells, values)
    ]
    appended = {name: [row[i] for row in cells] for i, name in enumerate(RESULT_COLUMNS)}
    out = df.copy()
    for name, values in appended.items():
        out[name] = values
    return out
