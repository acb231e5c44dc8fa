"""Word segmentation with jieba's algorithm and the project dictionary.

Two interchangeable engines run the same dictionary and the same algorithm (dictionary DAG and
maximum-probability route, no HMM guessing):

- ``rjieba`` (jieba-rs, Rust), about 15–20× faster, used when installed;
- ``jieba`` (pure Python), the reference and the fallback.

Their tokens are tested equal on the whole corpus, the evaluation lines and generated ledger lines.
Each engine is a private instance loaded with ``data/dictionary.txt`` (domain terms such as
集成电路, 数据中心, 呼叫中心 stay whole); jieba's global tokenizer is never touched, so other jieba
users in the same process are unaffected.
"""

from __future__ import annotations

import io
import logging
import os
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from tas_classify._resources import data_path

_PUNCTUATION = frozenset(" \t\r\n,.;:!?()[]{}<>/\\|-_+=*&^%$#@~`'\"，。；：！？、（）【】《》—…·")
#: Set ``TAS_CLASSIFY_TOKENIZER=jieba`` to force the pure-Python engine.
ENGINE_VARIABLE = "TAS_CLASSIFY_TOKENIZER"
# jieba counts are machine integers: a larger frequency in a user dictionary is read as this.
_MAX_FREQ = 10**9


def _dictionary_entries(text: str) -> Iterable[tuple[str, int | None, str | None]]:
    """(word, frequency, tag) lines of a jieba user dictionary, as jieba's loader reads them."""
    for raw in text.splitlines():
        parts = raw.strip().split()
        if not parts or raw.lstrip().startswith("#"):
            continue
        word, rest = parts[0], parts[1:]
        # a frequency is decimal digits ("²" is a digit but no number), at most _MAX_FREQ
        freq = min(int(rest[0]), _MAX_FREQ) if rest and rest[0].isdecimal() else None
        tags = rest[1:] if freq is not None else rest
        yield word, freq, (tags[0] if tags else None)


def _is_word(token: str) -> bool:
    return not all(ch in _PUNCTUATION for ch in token)


class WordTokenizer:
    """Segments normalised text into words (punctuation and whitespace dropped).

    The dictionaries are read when the tokenizer is made, so a copy (pickled to a worker
    process or another machine) carries them; the engine is loaded again on first use there.
    """

    def __init__(self, user_dicts: Iterable[Path] = (), engine: str | None = None) -> None:
        paths = (data_path("dictionary.txt"), *user_dicts)
        self._dictionaries = tuple(Path(p).read_text(encoding="utf-8") for p in paths)
        self._requested = engine or os.environ.get(ENGINE_VARIABLE) or None
        self._engine: Any = None
        self.engine_name = ""
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {"_dictionaries": self._dictionaries, "_requested": self._requested}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._dictionaries = state["_dictionaries"]
        self._requested = state["_requested"]
        self._engine = None
        self.engine_name = ""
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = self._load_rjieba() if self._requested != "jieba" else None
                    if self._engine is None:
                        self._engine = self._load_jieba()
        return self._engine

    def _load_rjieba(self) -> Any:
        try:
            import rjieba
        except ImportError:
            if self._requested == "rjieba":
                raise
            return None
        engine = rjieba.Jieba()
        for text in self._dictionaries:
            for word, freq, tag in _dictionary_entries(text):
                engine.add_word(word, freq, tag)
        self.engine_name = "rjieba"
        return engine

    def _load_jieba(self) -> Any:
        import jieba

        tokenizer = jieba.Tokenizer()
        # jieba logs its dictionary loading at DEBUG to stderr; quiet it while we load, then
        # give its logger back as it was.
        level = jieba.default_logger.level
        jieba.default_logger.setLevel(logging.WARNING)
        try:
            for text in self._dictionaries:
                tokenizer.load_userdict(io.BytesIO(text.encode("utf-8")))
        finally:
            jieba.default_logger.setLevel(level)
        self.engine_name = "jieba"
        return tokenizer

    def _cut(self, text: str) -> list[str]:
        engine = self._load()
        if self.engine_name == "rjieba":
            return engine.cut(text, hmm=False)  # type: ignore[no-any-return]
        return engine.lcut(text, HMM=False)  # type: ignore[no-any-return]

    def words(self, text: str) -> list[str]:
        """Words of an already normalised text, without whitespace and punctuation."""
        return [w for w in self._cut(text) if _is_word(w)]

    def words_batch(
        self, texts: Sequence[str], *, keep_punctuation: bool = False
    ) -> list[list[str]]:
        """``[words(t) for t in texts]`` for normalised texts (which hold no newline), in one
        call to the engine: jieba never joins characters across a newline.

        ``keep_punctuation`` skips the punctuation filter, for callers that look words up in a
        vocabulary built from filtered words (punctuation is never found there).
        """
        if any("\n" in t for t in texts):
            return [self.words(t) for t in texts]
        out: list[list[str]] = [[]]
        for token in self._cut("\n".join(texts)):
            if token == "\n":
                out.append([])
            elif keep_punctuation or _is_word(token):
                out[-1].append(token)
        if len(out) != len(texts):  # pragma: no cover - defensive: never seen
            return [self.words(t) for t in texts]
        return out
