"""Classifying a stream of chunks in this process, or across worker processes that each load the
model once — results come back in input order, with a bounded number of chunks in flight so memory
does not grow with the input."""

from __future__ import annotations

import gc
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from tas_classify.model.estimator import ResultMemo, TasClassifier, gc_paused, load
from tas_classify.model.shipped import default_model
from tas_classify.results import Result

_worker_model: TasClassifier | None = None
#: A worker's results by what a line reads, kept from one chunk to the next (bounded).
_worker_memo = ResultMemo()
#: What a worker does to a chunk's results before sending them back (a module-level function).
Converter = Callable[[list[Result]], list[Any]]


def _as_is(results: list[Result]) -> list[Any]:
    return results


def _load(model_dir: str | None) -> TasClassifier:
    return load(model_dir) if model_dir else default_model()


def _init_worker(model_dir: str | None) -> None:
    global _worker_model
    _worker_model = _load(model_dir)
    # The model's objects live as long as the worker: the collector need not look at them again
    # (each of its full passes would walk the ~87,000 terms and the rule tables).
    gc.freeze()


def _plain_rows(model: TasClassifier, texts: list[str], track: str | None) -> list[Any]:
    """The chunk's result rows with a blank text, as plain tuples (a named tuple is pickled and
    rebuilt through Python-level methods, a tuple in C; twice as quick both ways); lines that
    read the same share one tuple, which pickle then sends once."""
    rows = model.result_rows(texts, track, memo=_worker_memo)
    with gc_paused():
        plain = {id(row): tuple(row) for row in rows}
        return [plain[id(row)] for row in rows]


def _classify_in_worker(
    texts: list[str], track: str | None, convert: Converter | None
) -> list[Any]:
    assert _worker_model is not None, "the worker's initializer loads the model"
    if convert is None:
        return _plain_rows(_worker_model, texts, track)
    return convert(_worker_model.classify(texts, track=track, memo=_worker_memo))


class ChunkClassifier:
    """Classifies chunks of texts with the model in ``model_dir`` (None: the shipped model).

    ``n_jobs=1`` runs here; ``n_jobs>1`` uses that many worker processes of joblib's loky
    executor (started fresh, never forked from a host's threads, and without the
    ``if __name__ == "__main__"`` guard that plain multiprocessing needs), which load the model
    once from its path: the model itself is never sent.

    ``convert`` turns a chunk's results into what is sent back; ``None`` sends the result rows
    with a blank text as plain tuples (:func:`_plain_rows`), with no :class:`Result` made.
    """

    def __init__(
        self,
        model_dir: str | Path | None,
        track: str | None,
        n_jobs: int = 1,
        convert: Converter | None = _as_is,
    ) -> None:
        self.model_dir = str(model_dir) if model_dir else None
        self.track = track
        self.n_jobs = max(1, n_jobs)
        self.convert = convert
        self._model: TasClassifier | None = None
        # Services repeat from chunk to chunk in a ledger: each is analysed once (bounded).
        self._memo = ResultMemo()

    @property
    def model(self) -> TasClassifier:
        """The model, loaded in this process on first use."""
        if self._model is None:
            self._model = _load(self.model_dir)
        return self._model

    def map(self, chunks: Iterable[list[str]]) -> Iterator[list[Any]]:
        """The converted results of each chunk, in order."""
        if self.n_jobs == 1:
            for texts in chunks:
                if self.convert is None:
                    yield self.model.result_rows(texts, self.track, memo=self._memo)
                else:
                    yield self.convert(
                        self.model.classify(texts, track=self.track, memo=self._memo)
                    )
            return
        from joblib.externals.loky import get_reusable_executor

        pool = get_reusable_executor(
            self.n_jobs, initializer=_init_worker, initargs=(self.model_dir,), reuse=True
        )
        pending: deque[Future[list[Any]]] = deque()
        for texts in chunks:
            pending.append(pool.submit(_classify_in_worker, texts, self.track, self.convert))
            if len(pending) >= 2 * self.n_jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
