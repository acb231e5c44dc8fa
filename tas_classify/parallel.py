"""Classifying a stream of chunks in this process, or across worker processes that each load the
model once — results come back in input order, with a bounded number of chunks in flight so memory
does not grow with the input."""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from tas_classify.results import Result

_worker_model: Any = None


def _load(model_dir: str | None) -> Any:
    from tas_classify.api import default_model
    from tas_classify.persistence import load

    return load(model_dir) if model_dir else default_model()


def _init_worker(model_dir: str | None) -> None:
    global _worker_model
    _worker_model = _load(model_dir)


def _classify_in_worker(texts: list[str], track: str | None) -> list[Result]:
    return _worker_model.classify(texts, track=track)  # type: ignore[no-any-return]


class ChunkClassifier:
    """Classifies chunks of texts with the model in ``model_dir`` (None: the shipped model).

    ``n_jobs=1`` runs here; ``n_jobs>1`` starts that many worker processes (spawned, so that a
    host's threads are never forked) and ships them the model's path, not the model.
    """

    def __init__(self, model_dir: str | Path | None, track: str | None, n_jobs: int = 1) -> None:
        self.model_dir = str(model_dir) if model_dir else None
        self.track = track
        self.n_jobs = max(1, n_jobs)
        self._model: Any = None

    @property
    def model(self) -> Any:
        """The model, loaded in this process on first use."""
        if self._model is None:
            self._model = _load(self.model_dir)
        return self._model

    def map(self, chunks: Iterable[list[str]]) -> Iterator[list[Result]]:
        """The results of each chunk, in order."""
        if self.n_jobs == 1:
            for texts in chunks:
                yield self.model.classify(texts, track=self.track)
            return
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            self.n_jobs, mp_context=context, initializer=_init_worker, initargs=(self.model_dir,)
        ) as pool:
            pending: deque[Future[list[Result]]] = deque()
            for texts in chunks:
                pending.append(pool.submit(_classify_in_worker, texts, self.track))
                if len(pending) >= 2 * self.n_jobs:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
