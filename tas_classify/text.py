"""Text normalisation: from a raw ledger line to the text the model reads.

Steps, in order: Unicode NFKC (full-width → half-width), Traditional → Simplified Chinese with
OpenCC's character-level ``t2s`` profile and, for lines that were in Traditional characters, the
regional terms of ``data/variants.txt`` (軟體 → 软件, 資料庫 → 数据库 …; OpenCC's phrase profiles
are not used because they also rewrite mainland words, e.g. 核心 → 内核), lower case, then
removal of ledger noise that says nothing about the service: contract and order
numbers, amounts and currencies, dates and quarters, phase markers (一期/二期, Phase 2), bracket
characters, invoice-prefix asterisks and the words listed in ``data/noise_words.txt``.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from tas_classify._resources import data_path

_CN_DIGITS = "一二三四五六七八九十百零〇两"

# Each pattern removes one kind of ledger noise; order matters (longest constructs first).
_NOISE_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        # contract / order / invoice numbers: HT-2024-0381, PO#4500012, No.12, SOW #3, 合同号:AB12
        r"(?:no\.?|sow|po|wo|inv|ht|contract|合同|订单|编号|发票)\s*[#:：\-]?\s*[a-z]*[-_/]?\d[a-z0-9_\-/]*",
        r"(?<![a-z0-9])[a-z]{1,6}[-_/]\d{2,}[a-z0-9_\-/]*|(?<![a-z0-9])[a-z]{1,6}\d{3,}[a-z0-9_\-/]*",
        r"[#№]\s*\d[a-z0-9_\-/]*",
        # amounts: ¥386,000.00  $12k  38.6万元  120,000 元  usd 5,000
        r"(?:[¥$€£]|rmb|cny|usd|eur|jpy|hkd)\s*-?\d[\d,]*(?:\.\d+)?\s*(?:k|m|万|亿)?",
        r"-?\d[\d,]*(?:\.\d+)?\s*(?:万元|亿元|元|万|rmb|cny|usd|美元|欧元|日元|港币)",
        # dates and periods: 2024-03-01, 2024/3, 2024年3月5日, 2025年度, 3月, q3, fy2024, h1
        r"\d{4}\s*[-/.]\s*\d{1,2}(?:\s*[-/.]\s*\d{1,2})?(?![\da-z])",
        r"\d{2,4}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?",
        r"\d{4}\s*年度?",
        r"\d{1,2}\s*月份?(?:\s*\d{1,2}\s*[日号])?",
        r"\b(?:fy\d{2,4}|q[1-4]|h[12])\b",
        # phase markers: 一期, 第二期, 3期, phase 2, stage ii
        rf"第?[{_CN_DIGITS}\d]+\s*期",
        r"\b(?:phase|stage|lot)\s*[\divx]+\b",
        # bare numbers that are not part of a term such as 5g, 3d, 4k
        r"(?<![a-z\d])\d+(?:[.,]\d+)*%?(?![a-z\d])",
    )
)
_BRACKETS = re.compile(r"[()\[\]{}<>《》〈〉【】〔〕「」『』“”\"'‘’*＊|]")
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202f\ufeff]")
_converter_lock = threading.Lock()


@dataclass(frozen=True)
class NormalisedText:
    """A line as given (``original``) and as the model reads it (``text``)."""

    original: str
    text: str


@lru_cache(maxsize=1)
def _opencc():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _variants() -> tuple[tuple[str, str], ...]:
    pairs = []
    for line in data_path("variants.txt").read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 2 and not line.startswith("#") and parts[0] != parts[1]:
            pairs.append((parts[0], parts[1]))
    # Longest first, so 资料库 wins over 资料.
    return tuple(sorted(pairs, key=lambda p: len(p[0]), reverse=True))


@lru_cache(maxsize=1)
def _noise_words() -> re.Pattern[str] | None:
    lines = data_path("noise_words.txt").read_text(encoding="utf-8").splitlines()
    words = [w.strip().lower() for w in lines if w.strip() and not w.lstrip().startswith("#")]
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))


def _simplify(text: str, separator: str | None = None) -> str:
    """NFKC, control characters, lone surrogates, Traditional → Simplified and lower case.

    With ``separator``, ``text`` is several lines joined by it, and the regional terms are
    replaced only in the lines OpenCC changed — as if each line were done alone.
    """
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL.sub(" ", text)
    # Lone surrogates cannot pass through OpenCC; replace them before conversion.
    text = text.encode("utf-8", "replace").decode("utf-8")
    with _converter_lock:
        simplified = _opencc().convert(text)
    if simplified != text:
        before = text.split(separator) if separator else [text]
        after = simplified.split(separator) if separator else [simplified]
        for i, (old, new) in enumerate(zip(before, after)):
            if old != new:
                for regional, mainland in _variants():
                    new = new.replace(regional, mainland)
                after[i] = new
        simplified = separator.join(after) if separator else after[0]
    return simplified.lower()


def to_simplified(text: str) -> str:
    """NFKC, Traditional → Simplified (Taiwan terms included) and lower case; no noise removal."""
    return _simplify(text)


def _remove_noise(text: str) -> str:
    noise = _noise_words()
    if noise is not None:
        text = noise.sub(" ", text)
    for pattern in _NOISE_PATTERNS:
        text = pattern.sub(" ", text)
    return _BRACKETS.sub(" ", text)


def normalise(text: str) -> NormalisedText:
    """Normalise one line; see the module docstring for the steps."""
    clean = _SPACES.sub(" ", _remove_noise(to_simplified(text))).strip()
    return NormalisedText(original=text, text=clean)


# Joins a batch into one string for the steps that work character by character or within a line.
# A private-use character: no Unicode normalisation, case mapping, OpenCC entry, whitespace or
# word-character class touches it, and no noise pattern can match across it.
_SEPARATOR = "\ue000"


def normalise_batch(texts: Sequence[str]) -> list[NormalisedText]:
    """``[normalise(t) for t in texts]``, with each step run once over the whole batch.

    Lines that contain the separator itself are normalised one by one.
    """
    if not texts or any(_SEPARATOR in t for t in texts):
        return [normalise(t) for t in texts]
    simplified = _simplify(_SEPARATOR.join(texts), _SEPARATOR)
    parts = _remove_noise(simplified).split(_SEPARATOR)
    if len(parts) != len(texts):  # pragma: no cover - defensive: never seen
        return [normalise(t) for t in texts]
    return [
        NormalisedText(original=t, text=_SPACES.sub(" ", part).strip())
        for t, part in zip(texts, parts)
    ]
