"""The facade of SPEC §3: ``classify`` and ``classify_batch`` over a lazily loaded default model."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from tas_classify._resources import model_path
from tas_classify.results import Result

_lock = threading.Lock()
_default: Any = None


def default_model() -> Any:
    """The shipped model (``models/default``), loaded once on first use, thread-safely."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                from tas_classify.persistence import load

                _default = load(model_path("default"))
    return _default


def classify(text: str, track: str | None = None) -> Result:
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


def classify_batch(texts: Iterable[str], track: str | None = None) -> list[Result]:
    """Classify many lines; one result per line, in the same order.

    >>> lines = ["IDC机柜托管费", "Offshore dubbing of a Chinese TV drama into Spanish"]
    >>> [r.code for r in classify_batch(lines)]
    ['ITO-06', 'TRD-07']
    """
    return default_model().classify(texts, track=track)
