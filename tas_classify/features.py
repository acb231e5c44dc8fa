"""Turning normalised lines into sparse TF-IDF rows.

Features are jieba words (``w:软件开发``) and character n-grams (``c:开发``) of the normalised
text: words carry the domain terms the dictionary keeps whole, character n-grams carry unseen
compounds, misspellings and short noisy lines. Weights are sublinear TF × smoothed IDF, L2-normed,
as in scikit-learn's ``TfidfVectorizer``; prediction needs only NumPy.

Training builds the vocabulary from feature strings (:func:`line_features`). Prediction finds the
same features without building strings: character n-grams are packed into integers (21 bits per
code point) and looked up in a sorted array, all lines of a batch at once. Both routes meet in
:func:`_tfidf_rows`, so they give the same numbers to the last bit (tested).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from operator import itemgetter

import numpy as np

from tas_classify.tokenize import WordTokenizer

_BITS = 21  # every Unicode code point fits in 21 bits
MAX_PACKED_NGRAM = 3  # 3 × 21 bits fit in an int64


def line_features(text: str, tokenizer: WordTokenizer, char_ngrams: Sequence[int]) -> list[str]:
    """Feature strings of one normalised line (words, then character n-grams per chunk)."""
    feats = ["w:" + w for w in tokenizer.words(text)]
    for chunk in text.split():
        for n in char_ngrams:
            feats.extend("c:" + chunk[i : i + n] for i in range(len(chunk) - n + 1))
    return feats


def _pack(codes: np.ndarray, n: int, positions: np.ndarray) -> np.ndarray:
    """Integer keys of the n-grams of ``codes`` starting at ``positions``."""
    key = np.zeros(len(positions), dtype=np.int64)
    for k in range(n):
        key = (key << _BITS) | codes[positions + k]
    return key


@dataclass(frozen=True)
class SparseRows:
    """Rows of a CSR matrix as plain NumPy arrays (``indptr``, ``indices``, ``data``), and each
    row's ``coverage``: the share of its character n-gram occurrences that the vocabulary knows
    (0 for a row with none) — how much of a line the model has seen before."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    coverage: np.ndarray | None = None

    @property
    def n_rows(self) -> int:
        return len(self.indptr) - 1

    @property
    def small(self) -> bool:
        """Few stored values (a line or a few): :meth:`dot_in_numpy` is as quick as SciPy and
        does not import it (0.15 s of a first answer)."""
        return len(self.data) <= SMALL_PRODUCT and "scipy.sparse" not in sys.modules

    def dot(self, weights: np.ndarray) -> np.ndarray:
        """``rows @ weights`` for a dense ``(n_features, k)`` float64 matrix (SciPy's CSR
        product: one C loop over the stored values, 10× faster than gathering rows in NumPy)."""
        from scipy.sparse import csr_matrix

        matrix = csr_matrix(
            (self.data, self.indices, self.indptr), shape=(self.n_rows, weights.shape[0])
        )
        return np.asarray(matrix @ weights, dtype=np.float64)

    def dot_in_numpy(self, weights: np.ndarray) -> np.ndarray:
        """``rows @ weights`` to the same bits as :meth:`dot` (each row's
        ``out += value * weights[col]`` over its stored values in order, from zero, as SciPy
        does), one stored position of all rows per step. ``weights`` may be float32: the rows
        used are widened to float64 (exactly) before the product."""
        out = np.zeros((self.n_rows, weights.shape[1]), dtype=np.float64)
        starts = self.indptr[:-1]
        lengths = np.diff(self.indptr)
        for k in range(int(lengths.max(initial=0))):
            rows = np.flatnonzero(lengths > k)
            at = starts[rows] + k
            out[rows] += self.data[at, None] * weights[self.indices[at]].astype(np.float64)
        return out


#: Up to this many n-grams, :meth:`TfidfVocabulary._char_columns` searches the sorted keys.
SMALL_LOOKUP = 1024

#: Up to this many stored values, :meth:`SparseRows.dot` sums in NumPy (no SciPy import).
SMALL_PRODUCT = 512


def _unique_counts(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(keys, return_counts=True)``, sorted with the stable sort: a chunk's keys come
    in a few runs already ordered by row, which it merges (2.5 times quicker than the default
    sort ``np.unique`` uses; the same values, tested)."""
    ordered = np.sort(keys, kind="stable")
    first = np.empty(len(ordered), dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    at = np.flatnonzero(first)
    return ordered[at], np.diff(np.append(at, len(ordered)))


def _tfidf_rows(rows: np.ndarray, cols: np.ndarray, n_rows: int, idf: np.ndarray) -> SparseRows:
    """CSR rows from feature occurrences ``(rows[i], cols[i])``: counts, sublinear TF × IDF,
    L2 norm per row, columns sorted within a row."""
    n_cols = max(len(idf), 1)
    keys, counts = _unique_counts(rows.astype(np.int64) * n_cols + cols)
    row_of, col_of = keys // n_cols, keys % n_cols
    vals = (1.0 + np.log(counts.astype(np.float64))) * idf[col_of]
    norms = np.sqrt(np.bincount(row_of, weights=vals * vals, minlength=n_rows))
    if len(vals):
        vals /= norms[row_of]
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(row_of, minlength=n_rows), out=indptr[1:])
    return SparseRows(indptr, col_of.astype(np.int64), vals)


def _picked(terms: Sequence[str], at: np.ndarray) -> list[str]:
    if not len(at):
        return []
    found = itemgetter(*at.tolist())(terms)
    return [found] if len(at) == 1 else list(found)


def _term_kinds(terms: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which terms are words (``w:``), which character n-grams (``c:``), and their lengths —
    in C loops (``map``), not Python ones: a model has ~100,000 terms to read at start-up."""
    count = len(terms)
    words = np.fromiter(map(str.startswith, terms, repeat("w:")), dtype=bool, count=count)
    grams = np.fromiter(map(str.startswith, terms, repeat("c:")), dtype=bool, count=count)
    lengths = np.fromiter(map(len, terms), dtype=np.int64, count=count)
    return words, grams, lengths


def _word_columns(terms: Sequence[str], words: np.ndarray) -> dict[str, int]:
    """Word (without ``w:``) → column of the word terms."""
    at = np.flatnonzero(words)
    return dict(zip(map(itemgetter(slice(2, None)), _picked(terms, at)), at.tolist()))


def _packed_char_terms(
    terms: Sequence[str], grams: np.ndarray, lengths: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The packed keys of the character n-gram terms of at most :data:`MAX_PACKED_NGRAM`
    characters, sorted, and their columns: ``TfidfVocabulary._pack_term`` of each, vectorised
    (the code points of all n-grams of one length in one array)."""
    keys, cols = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for n in range(1, MAX_PACKED_NGRAM + 1):
        at = np.flatnonzero(grams & (lengths == n + 2))
        if not len(at):
            continue
        joined = "".join(_picked(terms, at)).encode("utf-32-le", "surrogatepass")
        points = np.frombuffer(joined, dtype=np.uint32).astype(np.int64).reshape(-1, n + 2)
        key = np.zeros(len(at), dtype=np.int64)
        for k in range(2, n + 2):  # past the "c:"
            key = (key << _BITS) | points[:, k]
        keys.append(key)
        cols.append(at.astype(np.int64))
    all_keys, all_cols = np.concatenate(keys), np.concatenate(cols)
    order = np.argsort(all_keys, kind="stable")
    return all_keys[order], all_cols[order]


class PackedIndex:
    """Non-negative int64 keys → column, an open-addressing hash table probed for a whole array
    of keys at once (a few NumPy passes, each resolving most of what is left): 3–4× quicker than
    a binary search of the sorted keys for the 100,000 n-grams of a chunk."""

    _MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing

    def __init__(self, keys: np.ndarray, cols: np.ndarray) -> None:
        bits = max(4, (2 * len(keys)).bit_length())  # at most half full
        self._shift = np.uint64(64 - bits)
        self._mask = (1 << bits) - 1
        self._keys = np.full(1 << bits, -1, dtype=np.int64)
        self._cols = np.full(1 << bits, -1, dtype=np.int64)
        pending = np.arange(len(keys))
        slot = self._slots(keys)
        while len(pending):
            free = self._keys[slot] == -1
            # of the keys wanting one free slot, the first takes it; the others probe on
            _, first = np.unique(slot[free], return_index=True)
            placed = np.zeros(len(pending), dtype=bool)
            placed[np.flatnonzero(free)[first]] = True
            self._keys[slot[placed]] = keys[pending[placed]]
            self._cols[slot[placed]] = cols[pending[placed]]
            pending, slot = pending[~placed], (slot[~placed] + 1) & self._mask

    def _slots(self, keys: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            hashed = keys.astype(np.uint64) * self._MULTIPLIER
        slots: np.ndarray = (hashed >> self._shift).astype(np.int64)
        return slots

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """The column of each key, -1 for a key not in the table."""
        out = np.full(len(keys), -1, dtype=np.int64)
        pending = np.arange(len(keys))
        slot = self._slots(keys)
        while len(pending):
            stored = self._keys[slot]
            found = stored == keys[pending]
            out[pending[found]] = self._cols[slot[found]]
            going_on = ~found & (stored != -1)
            pending, slot = pending[going_on], (slot[going_on] + 1) & self._mask
        return out


class TfidfVocabulary:
    """Feature vocabulary with IDF weights; fit on training lines, then applied to any line."""

    def __init__(self, terms: Sequence[str], idf: np.ndarray) -> None:
        self.terms = list(terms)
        self.idf = np.asarray(idf, dtype=np.float64)
        self._index: dict[str, int] | None = None
        words, grams, lengths = _term_kinds(self.terms)
        self._words = _word_columns(self.terms, words)
        self._char_keys, self._char_cols = _packed_char_terms(self.terms, grams, lengths)
        self._char_index: PackedIndex | None = None

    @property
    def index(self) -> dict[str, int]:
        """Feature string → column (built on first use: only the training route reads it)."""
        if self._index is None:
            self._index = {t: i for i, t in enumerate(self.terms)}
        return self._index

    @staticmethod
    def _pack_term(gram: str) -> int:
        key = 0
        for ch in gram:
            key = (key << _BITS) | ord(ch)
        return key

    @classmethod
    def fit(cls, docs: Sequence[Sequence[str]], min_df: int = 1) -> TfidfVocabulary:
        from collections import Counter

        df: Counter[str] = Counter()
        for feats in docs:
            df.update(set(feats))
        terms = sorted(t for t, c in df.items() if c >= min_df)
        n = len(docs)
        idf = np.log((1 + n) / (1 + np.array([df[t] for t in terms], dtype=np.float64))) + 1.0
        return cls(terms, idf)

    def transform(self, docs: Sequence[Sequence[str]]) -> SparseRows:
        """Rows of feature-string lists (the training route)."""
        rows: list[int] = []
        cols: list[int] = []
        grams = np.zeros(len(docs))
        known = np.zeros(len(docs))
        for r, feats in enumerate(docs):
            for f in feats:
                col = self.index.get(f)
                is_gram = f.startswith("c:")
                grams[r] += is_gram
                if col is not None:
                    known[r] += is_gram
                    rows.append(r)
                    cols.append(col)
        out = _tfidf_rows(
            np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64), len(docs), self.idf
        )
        return _with_coverage(out, known, grams)

    def _char_columns(self, keys: np.ndarray) -> np.ndarray:
        """The column of each packed n-gram key, -1 if unknown: a binary search of the sorted
        keys for a few (a line), the hash table (built on first use) for a chunk."""
        if len(keys) <= SMALL_LOOKUP:
            at = np.searchsorted(self._char_keys, keys)
            at[at == len(self._char_keys)] = 0
            return np.where(self._char_keys[at] == keys, self._char_cols[at], -1)
        if self._char_index is None:
            self._char_index = PackedIndex(self._char_keys, self._char_cols)
        return self._char_index.lookup(keys)

    def transform_texts(
        self, texts: Sequence[str], words: Sequence[Sequence[str]], char_ngrams: Sequence[int]
    ) -> SparseRows:
        """Rows of normalised ``texts`` with their ``words``, without building feature strings.

        Equal to ``transform([line_features(t, …) for t in texts])``; needs n-grams of at most
        :data:`MAX_PACKED_NGRAM` characters and texts whose only whitespace is a single space.
        """
        # each word's column (-1: unknown) and line, in order, looked up in C loops (map)
        sizes = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
        word_cols = np.fromiter(
            map(self._words.get, chain.from_iterable(words), repeat(-1)),
            dtype=np.int64,
            count=int(sizes.sum()),
        )
        word_rows = np.repeat(np.arange(len(words), dtype=np.int64), sizes)
        known_word = word_cols >= 0
        rows = [word_rows[known_word]]
        cols = [word_cols[known_word]]
        joined = "\n".join(texts)
        codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        codes = codes.astype(np.int64)
        newline = codes == 10
        line_of = np.cumsum(newline)
        gap = newline | (codes == 32)
        grams = np.zeros(len(texts))
        known = np.zeros(len(texts))
        for n in char_ngrams:
            starts = len(codes) - n + 1
            if starts <= 0:
                continue
            valid = ~gap[:starts]
            for k in range(1, n):
                valid &= ~gap[k : starts + k]
            positions = np.flatnonzero(valid)
            grams += np.bincount(line_of[positions], minlength=len(texts))
            if not len(self._char_keys):
                continue
            found = self._char_columns(_pack(codes, n, positions))
            hit = found >= 0
            rows.append(line_of[positions[hit]])
            cols.append(found[hit])
            known += np.bincount(line_of[positions[hit]], minlength=len(texts))
        out = _tfidf_rows(np.concatenate(rows), np.concatenate(cols), len(texts), self.idf)
        return _with_coverage(out, known, grams)


def _with_coverage(rows: SparseRows, known: np.ndarray, grams: np.ndarray) -> SparseRows:
    coverage = np.divide(known, grams, out=np.zeros_like(known), where=grams > 0)
    return SparseRows(rows.indptr, rows.indices, rows.data, coverage)
