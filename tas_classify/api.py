"""The facade of SPEC §3: ``classify`` and ``classify_batch`` over a lazily loaded default model."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from tas_classify._resources import model_path
from tas_classify.model.estimator import check_texts, gc_paused
from tas_classify.model.shipped import default_model
from tas_classify.parallel import ChunkClassifier
from tas_classify.results import Result, ResultRow, results_of
from tas_classify.taxonomy import Track

__all__ = ["classify", "classify_arrays", "classify_batch", "default_model"]


def classify(text: str, track: Track | str | None = None) -> Result:
    """Classify one line.

    >>> r = classify("为某商业银行提供核心业务系统定制开发服务")
    >>> r.code, r.name
    ('ITO-01', '软件研发及开发服务')
    >>> classify("服务器销售").code
    'NONE'
    """
    if not isinstance(text, str):
        raise TypeError(f"classify() takes a str, not {type(text).__name__}")
    return default_model().classify([text], track=track)[0]


def classify_batch(
    texts: Iterable[str], track: Track | str | None = None, n_jobs: int = 1
) -> list[Result]:
    """Classify many lines; one result per line, in the same order.

    ``n_jobs > 1`` splits the lines over that many worker processes, each loading the model
    once (worth it from some tens of thousands of lines); results are identical.

    >>> lines = ["IDC机柜托管费", "Offshore dubbing of a Chinese TV drama into Spanish"]
    >>> [r.code for r in classify_batch(lines)]
    ['ITO-06', 'TRD-07']
    """
    if n_jobs <= 1:
        return default_model().classify(texts, track=track)
    lines = check_texts(texts)
    size = max(2048, -(-len(lines) // (4 * n_jobs)))
    chunks = (lines[i : i + size] for i in range(0, len(lines), size))
    # the workers send each chunk's rows with a blank text, as plain tuples (lines that read
    # the same share one, sent once per chunk): each becomes a ResultRow once
    workers = ChunkClassifier(model_path("default"), track, n_jobs, convert=None)
    with gc_paused():  # also while the results are unpickled: many small objects, no cycles
        rows: list[ResultRow] = []
        for chunk in workers.map(chunks):
            distinct = {id(row): row for row in chunk}
            named = {key: tuple.__new__(ResultRow, row) for key, row in distinct.items()}
            rows.extend(map(named.__getitem__, map(id, chunk)))
        return results_of(lines, rows)


def classify_arrays(
    texts: Iterable[str], track: Track | str | None = None
) -> dict[str, np.ndarray]:
    """Classify many lines into columns — ``code``, ``confidence``, ``needs_review``, ``flags``
    (NumPy arrays, one entry per line) — without a :class:`Result` per line; the values are
    those of :func:`classify_batch`.

    >>> out = classify_arrays(["IDC机柜托管费", "IDC机柜托管费 2024年3月", ""])
    >>> out["code"].tolist(), out["flags"][2]
    (['ITO-06', 'ITO-06', 'NONE'], ('empty',))
    """
    return default_model().classify_arrays(texts, track=track)
