"""The fast routes give exactly what the plain routes give: a speed-up must not change an output.

- ``normalise_batch`` (one pass over a joined batch) vs ``normalise`` line by line;
- rjieba (jieba-rs) vs jieba, with the project dictionary;
- ``transform_texts`` (packed n-grams) vs ``transform`` of feature strings;
- the whole classifier on the rjieba engine vs on the jieba engine.
"""

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tas_classify import TasClassifier
from tas_classify._resources import data_path, model_path
from tas_classify.features import line_features
from tas_classify.ledger.labeled import read_labeled
from tas_classify.text import normalise, normalise_batch
from tas_classify.tokenize import WordTokenizer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from ledger_lines import ledger_lines  # noqa: E402

ODD = [
    "", " ", "\n\t", "ΑΣ Σ", "İstanbul", "e\u0301", "\u0301x", "a\ud800b", "ｆｕｌｌ　ｗｉｄｔｈ",
    "2024\n年", "軟體開發", "q3\nq4", "\ue000私用", "x\x00y", "🙂服务", "㐀㐁 𠀀", "Ⅻ ﬁ ㎏",
]  # fmt: skip


@pytest.fixture(scope="module")
def lines():
    corpus = read_labeled([data_path("corpus")]).texts
    held_out = read_labeled([data_path("eval")]).texts
    return [*corpus, *held_out, *ledger_lines(5000, seed=11), *ODD]


@pytest.fixture(scope="module")
def engines():
    pytest.importorskip("rjieba")
    fast, plain = WordTokenizer(engine="rjieba"), WordTokenizer(engine="jieba")
    fast.words("预热")
    plain.words("预热")
    assert (fast.engine_name, plain.engine_name) == ("rjieba", "jieba")
    return fast, plain


def test_normalise_batch_equals_line_by_line(lines):
    assert normalise_batch(lines) == [normalise(t) for t in lines]
    assert normalise_batch([]) == []


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.characters(codec="utf-8")
            | st.sampled_from("軟體開發資料庫 \n\t０１２３（）年月期万元"),
            max_size=30,
        ),
        max_size=8,
    )
)
def test_normalise_batch_equals_line_by_line_on_any_text(texts):
    assert normalise_batch(texts) == [normalise(t) for t in texts]


def test_rjieba_tokens_equal_jieba_tokens(lines, engines):
    fast, plain = engines
    texts = [n.text for n in normalise_batch(lines)]
    assert [fast.words(t) for t in texts] == [plain.words(t) for t in texts]
    assert fast.words_batch(texts) == [plain.words(t) for t in texts]
    assert plain.words_batch(texts) == [plain.words(t) for t in texts]


def test_packed_ngrams_equal_feature_strings(lines):
    model = TasClassifier.load(model_path("default"))
    texts = [n.text for n in normalise_batch(lines)]
    words = model.tokenizer_.words_batch(texts, keep_punctuation=True)
    fast = model.vocabulary_.transform_texts(texts, words, model.char_ngrams)
    plain = model.vocabulary_.transform(
        [line_features(t, model.tokenizer_, model.char_ngrams) for t in texts]
    )
    for part in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(fast, part), getattr(plain, part)), part


def test_classifier_on_either_engine_gives_identical_results(lines, engines):
    fast = TasClassifier.load(model_path("default"))
    plain = TasClassifier.load(model_path("default"))
    fast.tokenizer_, plain.tokenizer_ = engines
    assert fast.classify(lines) == plain.classify(lines)
    assert np.array_equal(fast.predict_proba(lines), plain.predict_proba(lines))


def test_vectorised_evidence_equals_a_per_line_sort(lines):
    model = TasClassifier.load(model_path("default"))
    texts = [n.text for n in normalise_batch(lines[-2000:])]
    rows = model._rows(texts)
    best = model.predict_proba(lines[-2000:]).argmax(axis=1)
    expected = []
    for i in range(rows.n_rows):
        lo, hi = rows.indptr[i], rows.indptr[i + 1]
        cols = rows.indices[lo:hi]
        contrib = rows.data[lo:hi] * model.coef_[cols, best[i]]
        top = np.argsort(-contrib, kind="stable")[:5]
        expected.append(
            tuple(
                (model.vocabulary_.terms[cols[j]], float(contrib[j]))
                for j in top
                if contrib[j] > 0
            )
        )
    assert model._top_features(rows, best) == expected


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.sampled_from(
                list("中国移动某有限分公司关于征集意见的公告询比标包1：为给 _-*\ue000")
            ),
            max_size=24,
        ),
        max_size=8,
    )
)
def test_tender_wrappers_on_a_joined_batch_equal_line_by_line(texts):
    """The wrapper patterns run once over the joined batch; no match may reach into the next
    line, and a line that is only a company name stays whole, as it does alone."""
    assert normalise_batch(texts) == [normalise(t) for t in texts]


def test_wrappers_do_not_cross_lines():
    lines = ["短行", "中国移动某某有限公司运维服务采购", "A", "恒达科技有限公司", "某有限公司"]
    assert [n.text for n in normalise_batch(lines)] == [
        "短行", "运维服务采购", "a", "恒达科技有限公司", "某有限公司"
    ]  # fmt: skip


def test_vocabulary_packing_equals_term_by_term():
    """The vectorised start-up reading of the terms gives the keys, columns and word lookup the
    term-by-term code gave, odd terms included (lone surrogates, 4-character grams, empty)."""
    from tas_classify.features import TfidfVocabulary

    model = TasClassifier.load(model_path("default"))
    extra = ["c:\ud800", "c:a\ud800b", "w:\ud801", "c:abcd", "c:", "w:", "x:ab", "c:🙂", "w:w:"]
    for terms in (model.vocabulary_.terms + extra, ["c:a"], ["w:a"], [], extra):
        vocab = TfidfVocabulary(terms, np.ones(len(terms)))
        packed = sorted(
            (TfidfVocabulary._pack_term(t[2:]), i)
            for i, t in enumerate(terms)
            if t.startswith("c:") and 0 < len(t) - 2 <= 3
        )
        assert vocab._char_keys.tolist() == [k for k, _ in packed]
        assert vocab._char_cols.tolist() == [i for _, i in packed]
        assert vocab._words == {t[2:]: i for i, t in enumerate(terms) if t.startswith("w:")}
        assert vocab.index == {t: i for i, t in enumerate(terms)}


def test_numpy_product_equals_scipy_product_to_the_bit(lines):
    """A first answer sums its few features in NumPy (no SciPy import): same bits as SciPy."""
    model = TasClassifier.load(model_path("default"))
    texts = [n.text for n in normalise_batch(lines)]
    rows = model._rows(texts)
    scipy_product = rows.dot(model._coef64())
    assert np.array_equal(rows.dot_in_numpy(model._coef64()), scipy_product)
    assert np.array_equal(rows.dot_in_numpy(model.coef_), scipy_product)
    one = model._rows(texts[:1])
    assert np.array_equal(one.dot_in_numpy(model.coef_), scipy_product[:1])
