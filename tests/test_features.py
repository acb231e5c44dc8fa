import numpy as np

from tas_classify.features import SparseRows, TfidfVocabulary, line_features
from tas_classify.tokenize import WordTokenizer


def test_line_features_have_words_and_char_ngrams():
    feats = line_features("软件开发 qa", WordTokenizer(), (1, 2))
    assert "w:软件开发" in feats and "c:开发" in feats and "c:软" in feats and "c:qa" in feats
    # n-grams never cross the space between chunks
    assert "c:发 " not in feats and "c:发q" not in feats


def test_vocabulary_transform_is_l2_normalised_and_skips_unknown():
    docs = [["a", "b", "b"], ["b", "c"], ["c"]]
    vocab = TfidfVocabulary.fit(docs)
    assert vocab.terms == ["a", "b", "c"]
    rows = vocab.transform([["a", "b"], ["zzz"], ["c", "c", "c"]])
    assert rows.n_rows == 3
    first = rows.data[rows.indptr[0] : rows.indptr[1]]
    assert np.isclose(np.linalg.norm(first), 1.0)
    assert rows.indptr[2] - rows.indptr[1] == 0  # unknown feature only: empty row


def test_min_df_drops_rare_features():
    vocab = TfidfVocabulary.fit([["a", "b"], ["a"]], min_df=2)
    assert vocab.terms == ["a"]


def test_sparse_dot_equals_dense_product():
    rng = np.random.default_rng(0)
    dense = rng.random((4, 6)) * (rng.random((4, 6)) > 0.5)
    dense[2] = 0.0  # an empty row in the middle
    indptr, indices, data = [0], [], []
    for row in dense:
        nz = np.flatnonzero(row)
        indices.extend(nz)
        data.extend(row[nz])
        indptr.append(len(indices))
    rows = SparseRows(np.array(indptr), np.array(indices, dtype=np.int64), np.array(data))
    weights = rng.random((6, 3))
    assert np.allclose(rows.dot(weights), dense @ weights)
