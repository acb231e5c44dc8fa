"""Word segmentation with jieba and the project dictionary.

The package owns one ``jieba.Tokenizer`` instance loaded with ``data/dictionary.txt`` (domain
terms such as 集成电路, 数据中心, 呼叫中心 stay whole). jieba's global tokenizer is never touched,
so other jieba users in the same process are unaffected.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from pathlib import Path

from tas_classify._resources import data_path

_PUNCTUATION = frozenset(" \t\r\n,.;:!?()[]{}<>/\\|-_+=*&^%$#@~`'\"，。；：！？、（）【】《》—…·")


class WordTokenizer:
    """jieba segmentation (dictionary mode, no HMM guessing) with extra dictionary words."""

    def __init__(self, user_dicts: Iterable[Path] = ()) -> None:
        self._user_dicts = (data_path("dictionary.txt"), *user_dicts)
        self._jieba = None
        self._lock = threading.Lock()

    def _tokenizer(self):  # type: ignore[no-untyped-def]
        if self._jieba is None:
            with self._lock:
                if self._jieba is None:
                    import jieba

                    tokenizer = jieba.Tokenizer()
                    # jieba logs its dictionary loading at DEBUG to stderr; quiet it while we
                    # load, then give its logger back as it was.
                    level = jieba.default_logger.level
                    jieba.default_logger.setLevel(logging.WARNING)
                    try:
                        for path in self._user_dicts:
                            with open(path, "rb") as fh:
                                tokenizer.load_userdict(fh)
                    finally:
                        jieba.default_logger.setLevel(level)
                    self._jieba = tokenizer
        return self._jieba

    def words(self, text: str) -> list[str]:
        """Words of an already normalised text, without whitespace and punctuation."""
        return [
            w
            for w in self._tokenizer().lcut(text, HMM=False)
            if not all(ch in _PUNCTUATION for ch in w)
        ]
