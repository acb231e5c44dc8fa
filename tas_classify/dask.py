"""Dask: classify a column of a Dask DataFrame across a cluster (extra: ``tas_classify[dask]``).

The model is sent to each worker once, not once per partition: with a ``distributed`` client it
is scattered to every worker before the work starts; without one it is a single piece of data
in the task graph that every partition's task depends on.
"""

from __future__ import annotations

from typing import Any

from tas_classify.ledger.result_columns import RESULT_COLUMNS


def _classify_partition(part: Any, column: str, track: str | None, model: Any) -> Any:
    from tas_classify.ledger.frame import classify_frame

    return classify_frame(part, column, track=track, model=model)


def _share(model: Any) -> Any:
    """The model scattered to every worker of the current client, or one delayed value."""
    try:
        from distributed import default_client

        client = default_client()  # type: ignore[no-untyped-call]
    except (ImportError, ValueError):
        from dask.delayed import delayed

        return delayed(model, traverse=False)
    return client.scatter(model, broadcast=True, hash=False)


def _meta(ddf: Any) -> Any:
    import pandas as pd

    meta = ddf._meta.copy()
    kinds = {
        "tas_code": "object",
        "tas_name": "object",
        "tas_confidence": "float64",
        "tas_needs_review": "bool",
        "tas_alternatives": "object",
        "tas_evidence": "object",
        "tas_reviewed": "object",
    }
    for name in RESULT_COLUMNS:
        meta[name] = pd.Series([], dtype=kinds[name])
    return meta


def classify_dataframe(
    ddf: Any, column: str, *, track: str | None = None, model: Any = None
) -> Any:
    """A Dask DataFrame: ``ddf``'s columns, then the columns ``tas-classify batch`` appends.

    Rows keep their partitions, order and index; the result equals
    :func:`tas_classify.classify_frame` on the whole frame. ``model`` is a fitted
    ``TasClassifier`` (default: the shipped model).

    >>> import dask.dataframe as dd, pandas as pd
    >>> df = pd.DataFrame({"合同名称": ["IDC机柜托管费", "服务器销售", "数据清洗服务"]})
    >>> out = classify_dataframe(dd.from_pandas(df, npartitions=2), "合同名称")
    >>> out["tas_code"].compute().tolist()
    ['ITO-06', 'NONE', 'TRD-02']
    """
    if column not in ddf.columns:
        listing = ", ".join(map(repr, ddf.columns))
        raise KeyError(f"no column {column!r} in the frame; the columns are: {listing}")
    if model is None:
        from tas_classify.model.shipped import default_model

        model = default_model()
    shared = _share(model)
    return ddf.map_partitions(
        _classify_partition, column, track, shared, meta=_meta(ddf), align_dataframes=False
    )
