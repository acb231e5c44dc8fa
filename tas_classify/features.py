"""Turning a normalised line into a sparse TF-IDF vector.

Features are jieba words (``w:软件开发``) and character n-grams (``c:开发``) of the normalised
text: words carry the domain terms the dictionary keeps whole, character n-grams carry unseen
compounds, misspellings and short noisy lines. Weights are sublinear TF × smoothed IDF, L2-normed,
as in scikit-learn's ``TfidfVectorizer``; prediction needs only NumPy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tas_classify.tokenize import WordTokenizer


def line_features(text: str, tokenizer: WordTokenizer, char_ngrams: Sequence[int]) -> list[str]:
    """Feature strings of one normalised line (words, then character n-grams per chunk)."""
    feats = ["w:" + w for w in tokenizer.words(text)]
    for chunk in text.split():
        for n in char_ngrams:
            feats.extend("c:" + chunk[i : i + n] for i in range(len(chunk) - n + 1))
    return feats


@dataclass(frozen=True)
class SparseRows:
    """Rows of a CSR matrix as plain NumPy arrays (``indptr``, ``indices``, ``data``)."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    def dot(self, weights: np.ndarray) -> np.ndarray:
        """``rows @ weights`` for a dense ``(n_features, k)`` matrix."""
        out = np.zeros((self.n_rows, weights.shape[1]))
        if len(self.indices):
            contrib = weights[self.indices] * self.data[:, None]
            lengths = np.diff(self.indptr)
            nonempty = lengths > 0
            sums = np.add.reduceat(contrib, self.indptr[:-1][nonempty], axis=0)
            out[nonempty] = sums
        return out


class TfidfVocabulary:
    """Feature vocabulary with IDF weights; fit on training lines, then applied to any line."""

    def __init__(self, terms: Sequence[str], idf: np.ndarray) -> None:
        self.terms = list(terms)
        self.idf = np.asarray(idf, dtype=np.float64)
        self.index = {t: i for i, t in enumerate(self.terms)}

    @classmethod
    def fit(cls, docs: Sequence[Sequence[str]], min_df: int = 1) -> TfidfVocabulary:
        df: Counter[str] = Counter()
        for feats in docs:
            df.update(set(feats))
        terms = sorted(t for t, c in df.items() if c >= min_df)
        n = len(docs)
        idf = np.log((1 + n) / (1 + np.array([df[t] for t in terms], dtype=np.float64))) + 1.0
        return cls(terms, idf)

    def transform(self, docs: Sequence[Sequence[str]]) -> SparseRows:
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        for feats in docs:
            counts = Counter(self.index[f] for f in feats if f in self.index)
            if counts:
                cols = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
                tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
                vals = tf * self.idf[cols]
                vals /= np.sqrt(vals @ vals)
                order = np.argsort(cols)
                indices.extend(cols[order].tolist())
                data.extend(vals[order].tolist())
            indptr.append(len(indices))
        return SparseRows(
            np.asarray(indptr, dtype=np.int64),
            np.asarray(indices, dtype=np.int64),
            np.asarray(data, dtype=np.float64),
        )
