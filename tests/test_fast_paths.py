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


def test_readings_are_what_the_lines_normalise_to(lines):
    from tas_classify.text import readings_batch

    for batch in (lines, [*lines[:50], "含\ue000分隔符"], []):  # the separator: line by line
        expected = [(n.text, n.category, n.truncated) for n in map(normalise, batch)]
        assert readings_batch(batch) == expected


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


@pytest.mark.slow  # an exhaustive equality check; CI runs it
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


def _plain_results(model, texts, track=None):
    """Every line analysed on its own row of the chunk (no repeat found, no memo): the route
    before lines that read the same were analysed once."""
    from tas_classify import taxonomy
    from tas_classify.model.estimator import CHUNK_LINES
    from tas_classify.results import Result

    allowed = set(taxonomy.codes_for_track(track))
    out = []
    for start in range(0, len(texts), CHUNK_LINES):
        chunk = normalise_batch(texts[start : start + CHUNK_LINES])
        out.extend(Result.from_row(r) for r in model._chunk_rows(chunk, track, allowed))
    return out


def _ledger_stream(services, copies, seed=7):
    """Each service repeated with its own contract number and month, as a ledger repeats."""
    import random

    rng = random.Random(seed)
    out = []
    for i in range(copies):
        service = services[i % len(services)]
        number = f"HT{rng.randint(2019, 2026)}-{rng.randrange(100000):05d}"
        out.append(f"{number} {service} {rng.randint(2019, 2026)}年{rng.randint(1, 12)}月")
    rng.shuffle(out)
    return out


EDGE = [
    "", " ", "\t\n", "　", "x" * 5000, "软件开发" * 1200, "软件开发" * 1200 + "尾",
    "技术支持服务费", "外包服务费", "IDC机柜托管费", "*信息技术服务*软件开发服务",
    "*软件*财务软件", "HT2024-00381", "2024年3月",
]  # fmt: skip


@pytest.fixture(scope="module")
def repeated(lines):
    corpus = read_labeled([data_path("corpus")]).texts
    stream = _ledger_stream(corpus[:300], 6000)
    # exact repeats too, and the same normalised line reached by different raw lines
    return [*stream, *lines[:3000], *lines[:500], *EDGE, *EDGE, *stream[:100]]


@pytest.mark.parametrize("track", [None, "outsourcing", "trade"])
def test_lines_read_the_same_are_analysed_once_with_identical_results(repeated, track):
    model = TasClassifier.load(model_path("default"))
    fast = model.classify(repeated, track=track)
    plain = _plain_results(model, repeated, track)
    assert [r.text for r in fast] == repeated
    assert fast == plain
    assert _values(fast) == _values(plain)  # not only by Result.__eq__


def _values(results):
    """Every field of every result, as plain tuples (what Result.__eq__ should compare)."""
    return [tuple(r.row) for r in results]


def test_identical_results_on_the_corpus_eval_and_generated_lines(lines):
    model = TasClassifier.load(model_path("default"))
    fast, plain = model.classify(lines), _plain_results(model, lines)
    assert fast == plain and _values(fast) == _values(plain)


@pytest.mark.slow  # an exhaustive equality check; CI runs it
def test_readings_analysed_in_full_chunks_over_a_call_with_a_memo_trimmed_inside_it(lines):
    """More new readings than one chunk holds, lines repeated across chunks, and a memo so
    small that it is trimmed after every chunk analysed, within the call."""
    from tas_classify.model.estimator import CHUNK_LINES, ResultMemo

    model = TasClassifier.load(model_path("default"))
    stream = [*lines, *lines[::3], *EDGE, *lines[:50]]
    assert len(set(stream)) > 2 * CHUNK_LINES
    plain = _values(_plain_results(model, stream))
    assert _values(model.classify(stream)) == plain
    memo = ResultMemo(max_lines=3)
    assert _values(model.classify(stream, memo=memo)) == plain
    assert len(memo) <= 3 and len(memo._seen.lines) <= 3
    assert _values(model.classify(stream[::-1], memo=memo)) == plain[::-1]


def test_results_sharing_a_row_equal_a_row_each(repeated):
    """results_of (a row shared by lines that read the same, the text kept apart) gives what
    Result.from_row of each line's own row gives: fields, equality, hash, pickling, repr."""
    import pickle

    from tas_classify.results import Result, results_of

    model = TasClassifier.load(model_path("default"))
    rows = model.result_rows(repeated)
    shared = results_of(repeated, rows)
    own = [Result.from_row(row._replace(text=t)) for t, row in zip(repeated, rows)]
    assert len({id(r._row) for r in shared}) < len(shared) / 2  # rows are shared
    assert _values(shared) == _values(own) and shared == own
    assert [type(r.row) for r in shared] == [type(r.row) for r in own]
    assert all(a.text is t for a, t in zip(shared, repeated))
    assert [hash(r) for r in shared] == [hash(r) for r in own]
    assert [r.to_dict() for r in shared] == [r.to_dict() for r in own]
    assert [repr(r) for r in shared[:300]] == [repr(r) for r in own[:300]]
    twins = pickle.loads(pickle.dumps(shared))
    assert _values(twins) == _values(own) and twins == own
    # equal exactly when every field is: the text alone, or one other field alone, differs
    a = shared[0]
    assert a != Result.from_row(a.row._replace(text=a.text + "x"))
    assert a != Result.from_row(a.row._replace(confidence=a.confidence + 1e-12))
    assert a == Result.from_row(tuple.__new__(type(a.row), tuple(a.row)))
    own_row = a.row
    assert Result.from_row(own_row).row is own_row  # a row of its own is given as it is
    with pytest.raises(ValueError):
        results_of(repeated[:2], rows[:1])


def test_a_memo_across_calls_gives_identical_results(repeated):
    from tas_classify.model.estimator import ResultMemo

    model = TasClassifier.load(model_path("default"))
    memo = ResultMemo(max_lines=50)  # small: the oldest rows are forgotten as it goes
    got = []
    for start in range(0, len(repeated), 700):
        got.extend(model.classify(repeated[start : start + 700], memo=memo))
        assert len(memo) <= 50 and len(memo._seen.lines) <= 50
    assert got == model.classify(repeated)
    # another track or other review settings never reuse the rows of the first
    assert model.classify(repeated[:400], "trade", memo=memo) == model.classify(
        repeated[:400], "trade"
    )
    model.review_threshold = 0.9
    assert model.classify(repeated[:400], memo=memo) == _plain_results(model, repeated[:400])


def test_garbage_collection_is_restored_after_a_call():
    import gc

    model = TasClassifier.load(model_path("default"))
    assert gc.isenabled()
    model.classify(["软件开发"])
    assert gc.isenabled()
    gc.disable()
    try:
        model.classify(["软件开发"])
        assert not gc.isenabled()
    finally:
        gc.enable()

    def broken(*args, **kwargs):
        assert not gc.isenabled()
        raise RuntimeError("boom")

    model._chunk_rows = broken
    with pytest.raises(RuntimeError, match="boom"):
        model.classify(["软件开发"])
    assert gc.isenabled()


def test_vague_check_equals_character_by_character(lines):
    import re

    from tas_classify.text import _generic_words, is_vague

    cjk = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
    words = _generic_words()

    def by_character(text):
        if any(w not in words.latin for w in re.findall(r"[a-z]{3,}", text)):
            return False
        chars = [i for i, ch in enumerate(text) if cjk.match(ch)]
        if not chars:
            return True
        covered = bytearray(len(text))
        for end, (length, specific) in words.automaton.iter(text):
            if specific:
                return False
            covered[end - length + 1 : end + 1] = b"\x01" * length
        return all(covered[i] for i in chars)

    texts = [n.text for n in normalise_batch([*lines, *EDGE])]
    assert [is_vague(t) for t in texts] == [by_character(t) for t in texts]


@pytest.mark.parametrize("track", [None, "trade"])
def test_columns_equal_the_results(repeated, track):
    from tas_classify.api import classify_arrays
    from tas_classify.model.estimator import ResultMemo

    model = TasClassifier.load(model_path("default"))
    results = model.classify(repeated, track=track)
    for out in (
        model.classify_arrays(repeated, track=track),
        model.classify_arrays(repeated, track=track, memo=ResultMemo(max_lines=64)),
    ):
        assert out["code"].tolist() == [r.code for r in results]
        assert out["confidence"].tolist() == [r.confidence for r in results]
        assert out["needs_review"].tolist() == [r.needs_review for r in results]
        assert out["flags"].tolist() == [r.flags for r in results]
        assert out["confidence"].dtype == np.float64 and out["needs_review"].dtype == bool
    empty = classify_arrays([])
    assert {k: len(v) for k, v in empty.items()} == dict.fromkeys(empty, 0)


def test_hash_table_finds_what_the_sorted_keys_find(lines):
    from tas_classify.features import PackedIndex, _pack

    model = TasClassifier.load(model_path("default"))
    vocab = model.vocabulary_
    joined = "\n".join(n.text for n in normalise_batch(lines))
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    codes = codes.astype(np.int64)
    rng = np.random.default_rng(0)
    for n in (1, 2, 3):
        keys = np.concatenate(
            [_pack(codes, n, np.arange(len(codes) - n + 1)), vocab._char_keys,
             rng.integers(0, 2**62, 5000), np.array([0, 2**63 - 1])]
        )  # fmt: skip
        at = np.searchsorted(vocab._char_keys, keys)
        at[at == len(vocab._char_keys)] = 0
        expected = np.where(vocab._char_keys[at] == keys, vocab._char_cols[at], -1)
        assert np.array_equal(vocab._char_columns(keys), expected)  # the hash table
        assert np.array_equal(vocab._char_columns(keys[:1000]), expected[:1000])  # the search
    empty = PackedIndex(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    assert empty.lookup(np.array([0, 5])).tolist() == [-1, -1]
    crowded = PackedIndex(np.arange(0, 2**20, 64), np.arange(2**14))  # keys sharing slots
    assert crowded.lookup(np.arange(0, 2**20, 32)).tolist() == [
        i // 2 if i % 2 == 0 else -1 for i in range(2**15)
    ]


def test_rule_votes_of_a_chunk_equal_line_by_line_scores(lines):
    model = TasClassifier.load(model_path("default"))
    normalised = normalise_batch([*lines, *EDGE])
    matches, votes, vague = model._rule_votes(normalised)
    expected = np.array([model.rule_matcher_.scores(m) for m in matches])
    expected[vague] = 0.0
    assert np.array_equal(votes, expected)
    assert model._rule_votes([])[1].shape == (0, len(model.rule_matcher_.codes))


# ------------------------------------------------ tender wrappers (issue 15, round 3)


def _plain_wrappers(line):
    """The patterns of data/wrappers.toml as written, every one over the line, in file order."""
    from tas_classify.text import load_wrappers

    for pattern in load_wrappers():
        line = pattern.sub(" ", line)
    return line


def _wrapper_alphabet():
    """The characters the file's patterns spell (so fuzzing follows the file as it is edited),
    with spaces, digits, letters and the batch separator."""
    from tas_classify.text import load_wrappers

    chars = {c for p in load_wrappers() for c in p.pattern if not c.isascii()}
    return sorted(chars) + list(" \t_-:1a\ue000")


WRAPPER_TEXT = st.lists(
    st.sampled_from(_wrapper_alphabet())
    | st.sampled_from(["有限公司", "公告", "公示", "征集", "意见", "标包", "重新招标", "第二次"]),
    max_size=14,
).map("".join)


@pytest.mark.slow  # an exhaustive equality check; CI runs it
@settings(max_examples=3000, deadline=None)
@given(WRAPPER_TEXT)
def test_every_wrapper_match_holds_a_string_the_pattern_needs(line):
    from tas_classify.text import _wrappers

    for wrapper in _wrappers():
        if wrapper.needs is not None and wrapper.plain.search(line):
            assert any(s in line for s in wrapper.needs), (wrapper.plain.pattern, line)


@pytest.mark.slow  # an exhaustive equality check; CI runs it
@settings(max_examples=1000, deadline=None)
@given(st.lists(WRAPPER_TEXT, max_size=8))
def test_wrappers_tried_only_where_needed_equal_the_file_patterns(lines):
    from tas_classify.text import _remove_wrappers, _remove_wrappers_lines

    expected = [_plain_wrappers(t) for t in lines]
    assert [_remove_wrappers(t) for t in lines] == expected
    if not any("\ue000" in t for t in lines):
        assert _remove_wrappers_lines(list(lines)) == expected


@pytest.mark.slow  # an exhaustive equality check; CI runs it
def test_wrappers_equal_the_file_patterns_on_real_lines(lines):
    from tas_classify.text import _remove_noise, _remove_wrappers_lines, to_simplified

    noiseless = [_remove_noise(to_simplified(t)) for t in lines if "\ue000" not in t]
    assert _remove_wrappers_lines(list(noiseless)) == [_plain_wrappers(t) for t in noiseless]


def test_every_shipped_wrapper_has_a_shortcut():
    """Each pattern of data/wrappers.toml is skipped on lines without the strings it needs (a
    pattern edited into a form the reading does not follow still works, only slower)."""
    from tas_classify.text import _wrappers

    assert all(w.needs for w in _wrappers())


@pytest.mark.parametrize(
    ("pattern", "needs"),
    [
        ("公司", ("公司",)),
        ("关于征集|征集", ("征集",)),
        ("预?(?:公告|公示)", ("公告", "公示")),
        ("第[一二]{1,3}次|重新招标", ("次", "重新招标")),
        (r"(?:标包|子包)\s{0,2}\d?", ("子包", "标包")),
        ("[^a]b", ("b",)),
        ("a(?:bc)+d", ("bc",)),
        ("(?i:ab)c", ("c",)),
        ("(?i)abc", None),
        ("a?", None),
        (r"x|\d", None),
        (r"\d+", None),
        ("(?=ab)", None),
        ("(a)\\1", ("a",)),
        ("", None),
    ],
)
def test_required_strings_read_from_a_pattern(pattern, needs):
    import re

    from tas_classify._regex import required_strings

    assert required_strings(re.compile(pattern)) == needs


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet="abcxy", max_size=10))
def test_required_strings_are_in_every_match(line):
    import re

    from tas_classify._regex import required_strings

    for source in ("a(?:bc|cb)+", "x?(?:ab|[bc]a)y*", "(?:a|b)(?:c|x)", "a*b[xy]c?", "(?:ab)?c"):
        pattern = re.compile(source)
        needs = required_strings(pattern)
        if needs is not None and pattern.search(line):
            assert any(s in line for s in needs), (source, line)


# ------------------------------------------------- noise patterns and digits (issue 15, round 3)

NOISY_NO_DIGITS = st.lists(
    st.sampled_from(
        list(",.-—~ #:：_/%¥$nopswivhtcrafyqmkxgl")
        + ["合同", "订单", "发票", "第", "期", "年", "度", "月", "日", "号", "季", "至", "元"]
        + ["万", "亿", "一", "二", "三", "四", "份", "美元", "rmb", "no.", "phase", "lot", "\t"]
    ),
    max_size=16,
).map("".join)


@pytest.mark.slow  # an exhaustive equality check; CI runs it
@settings(max_examples=3000, deadline=None)
@given(NOISY_NO_DIGITS)
def test_noise_patterns_said_to_need_a_digit_never_match_without_one(line):
    from tas_classify.text import _NOISE_PATTERNS, _remove_noise

    assert not any(p.search(line) for p, _, needs_digit in _NOISE_PATTERNS if needs_digit)
    assert _remove_noise(line, digits=False) == _remove_noise(line)


@settings(max_examples=500, deadline=None)
@given(st.lists(NOISY_NO_DIGITS | st.text(max_size=12), max_size=8))
def test_noise_of_lines_split_by_digits_equals_line_by_line(lines):
    from tas_classify.text import _remove_noise, _remove_noise_lines

    lines = [t.replace("\ue000", "") for t in lines]
    assert _remove_noise_lines(list(lines)) == [_remove_noise(t) for t in lines]


def test_noise_of_real_lines_split_by_digits_equals_line_by_line(lines):
    from tas_classify.text import _remove_noise, _remove_noise_lines, to_simplified

    simplified = [to_simplified(t) for t in lines if "\ue000" not in t]
    assert _remove_noise_lines(list(simplified)) == [_remove_noise(t) for t in simplified]


# ---------------------------------------------- rules and vague lines by chunk (issue 15, round 3)


def test_rules_of_a_chunk_equal_line_by_line_on_real_lines(lines):
    model = TasClassifier.load(model_path("default"))
    matcher = model.rule_matcher_
    normalised = normalise_batch([*lines, *EDGE, "*软件*财务软件", "*信息技术服务*软件开发"])
    texts, categories = [n.text for n in normalised], [n.category for n in normalised]
    for size in (2048, 17, 3):
        for start in range(0, len(texts), size):
            chunk, cats = texts[start : start + size], categories[start : start + size]
            assert matcher.match_lines(chunk, cats) == [
                matcher.match(t, c) for t, c in zip(chunk, cats)
            ]


def _toy_matcher():
    from tas_classify import taxonomy
    from tas_classify.rules import Rule, RuleMatcher

    rules = [
        Rule("a", "ITO-01", 2.0, ("开发", "app", "定制开发")),
        Rule("b", "NONE", 1.5, ("销售", "开发"), unless=("定制",)),
        Rule("c", "ITO-02", 1.0, ("运维",), requires=("系统", "it")),
        Rule("d", "TRD-08", 3.0, ("中医",), not_inside=("中医院", "某中医")),
        Rule("e", "ITO-01", -1.0, ("it", "中医院"), unless=("app",)),
        Rule("inv", "NONE", 1.0, ("软件",), target="invoice_category"),
    ]
    return RuleMatcher(rules, taxonomy.codes())


TOY_LINE = st.lists(
    st.sampled_from(["开发", "定制", "app", "销售", "运维", "系统", "it", "中医", "院", "某", "x",
                     "1", " ", "中", "医", "a", "pp", "\ue000"]),  # fmt: skip
    max_size=10,
).map("".join)


@pytest.mark.slow  # an exhaustive equality check; CI runs it
@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(TOY_LINE, st.sampled_from(["", "软件", "其他"])), max_size=40))
def test_rules_of_a_chunk_equal_line_by_line_with_every_kind_of_rule(pairs):
    matcher = _toy_matcher()
    texts, categories = [t for t, _ in pairs], [c for _, c in pairs]
    texts, categories = texts + ["中医 某中医院 it运维"] * 16, categories + ["软件"] * 16
    assert matcher.match_lines(texts, categories) == [
        matcher.match(t, c) for t, c in zip(texts, categories)
    ]


@pytest.mark.slow  # an exhaustive equality check; CI runs it
@settings(max_examples=300, deadline=None)
@given(st.lists(TOY_LINE | st.text(max_size=12), min_size=16, max_size=40))
def test_vague_lines_equal_line_by_line_on_any_text(texts):
    from tas_classify.text import is_vague, vague_lines

    texts = [t.replace("\ue000", "") for t in texts]
    assert vague_lines(texts).tolist() == [is_vague(t) for t in texts]


def test_vague_lines_equal_line_by_line_on_real_lines(lines):
    from tas_classify.text import _generic_words, is_vague, vague_lines

    words = sorted(_generic_words().automaton.keys())
    texts = [n.text for n in normalise_batch([*lines, *EDGE])]
    texts += ["".join(words[i : i + 3]) for i in range(len(words))] + [w + "x" for w in words]
    got = vague_lines(texts)
    assert got.dtype == bool and got.tolist() == [is_vague(t) for t in texts]


# ------------------------------------------------------ what workers send back (issue 15, round 3)


def test_result_rows_are_the_rows_of_the_results_without_text(repeated):
    from tas_classify.model.estimator import ResultMemo
    from tas_classify.parallel import ChunkClassifier

    model = TasClassifier.load(model_path("default"))
    expected = [r.row._replace(text="") for r in model.classify(repeated, track="trade")]
    assert model.result_rows(repeated, "trade") == expected
    assert model.result_rows(repeated, "trade", memo=ResultMemo(max_lines=64)) == expected
    here = ChunkClassifier(model_path("default"), "trade", convert=None)
    chunks = [repeated[i : i + 1000] for i in range(0, len(repeated), 1000)]
    assert [row for rows in here.map(chunks) for row in rows] == expected


@pytest.mark.parametrize("track", [None, "outsourcing"])
def test_classify_batch_in_two_processes_equals_one(repeated, track):
    import gc

    from tas_classify import classify_batch

    lines = repeated[:4000] + repeated[-2000:]
    assert classify_batch(lines, track, n_jobs=2) == classify_batch(lines, track)
    assert gc.isenabled()


# ------------------------------------------------------------- result rows (issue 15, round 3)


def _reference_rows(model, normalised, track, allowed):
    """The result rows as _chunk_rows built them before round 3: a keyword ResultRow per line
    through Result, each line's values read from the arrays one by one."""
    from tas_classify import taxonomy
    from tas_classify.model.estimator import _line_flags
    from tas_classify.results import ResultRow

    normalised, proba, matches, rows, known, vague = model._analyse_normalised(
        normalised, allowed if track is not None else None
    )
    n_features = np.diff(rows.indptr)
    filtered = np.zeros(len(normalised), dtype=bool)
    if track is not None:
        proba, filtered = model._restrict_to_track(proba, allowed)
    order = np.argsort(-proba, axis=1, kind="stable")[:, :4]
    features = model._top_features(rows, order[:, 0])
    codes = [str(c) for c in model.classes_]
    names = {c.code: c.name for c in taxonomy.categories()}
    out = []
    for i, norm in enumerate(normalised):
        p, o = proba[i].tolist(), order[i].tolist()
        fired = [m for m in matches[i] if m.code in allowed]
        rules = tuple((m.rule, m.code, m.pattern, m.weight, m.field) for m in fired)
        flags = _line_flags(
            empty=not norm.text,
            no_evidence=not (n_features[i] or matches[i] or known[i]),
            known=bool(known[i]),
            vague=bool(vague[i]),
            filtered=bool(filtered[i]),
            truncated=norm.truncated,
        )
        kpo, alternatives, feats, review = (), (), features[i], True
        if flags and flags[0] in ("empty", "no_evidence"):
            code, confidence, feats = "NONE", 0.0, ()
        elif "vague" in flags:
            code, confidence = "NONE", p[codes.index("NONE")]
        else:
            code, confidence = codes[o[0]], p[o[0]]
            alternatives = tuple((codes[j], names[codes[j]], p[j]) for j in o[1:4] if p[j] >= 0.01)
            runner_up = p[o[1]] if len(o) > 1 else 0.0
            review = bool(
                p[o[0]] < model.review_threshold
                or p[o[0]] - runner_up < model.review_margin
                or set(flags) - {"known_line"}
            )
            if code == "KPO-01":
                field_names = {f.key: f.name for f in taxonomy.get("KPO-01").fields}
                kpo = tuple(dict.fromkeys(field_names[m.field] for m in fired if m.field))
        out.append(
            ResultRow(
                text=norm.original, code=code, name=names[code], confidence=confidence,
                alternatives=alternatives, rules=rules, features=feats, kpo_fields=kpo,
                needs_review=review, track=track, normalised=norm.text, flags=flags,
            )
        )  # fmt: skip
    return out


@pytest.mark.parametrize("track", [None, "outsourcing", "trade"])
def test_result_rows_equal_the_reference_construction(lines, track):
    from tas_classify import taxonomy

    model = TasClassifier.load(model_path("default"))
    allowed = set(taxonomy.codes_for_track(track))
    known = sorted(model.memory_)[:200] if getattr(model, "memory_", None) else []
    texts = [*lines[-3000:], *EDGE, *known, "*软件*财务软件", "软件开发" * 1200 + "尾"]
    normalised = normalise_batch(texts)
    for threshold in (model.review_threshold, 0.95):
        model.review_threshold = threshold
        got = model._chunk_rows(normalised, track, allowed)
        expected = _reference_rows(model, normalised, track, allowed)
        assert got == expected
        assert all(type(row).__name__ == "ResultRow" for row in got)
        flags = {flag for row in got for flag in row.flags}
        assert flags >= {"empty", "vague", "truncated", "known_line", "no_evidence"}


def test_unique_counts_equal_numpy_unique(lines):
    from tas_classify.features import _unique_counts

    rng = np.random.default_rng(5)
    model = TasClassifier.load(model_path("default"))
    texts = [n.text for n in normalise_batch(lines[:3000])]
    rows = model._rows(texts)
    real = np.repeat(np.arange(rows.n_rows), np.diff(rows.indptr)) * 100_000 + rows.indices
    for keys in (
        np.zeros(0, dtype=np.int64), np.array([7]), np.array([3, 3, 3]), real, real[::-1],
        rng.integers(0, 50, 10_000), rng.integers(-(2**62), 2**62, 10_000),
    ):  # fmt: skip
        expected = np.unique(keys, return_counts=True)
        got = _unique_counts(np.asarray(keys, dtype=np.int64))
        assert all(np.array_equal(a, b) for a, b in zip(got, expected))
        assert got[1].dtype == expected[1].dtype


def test_top_features_with_ties_empty_rows_and_no_positive_weight():
    """Equal contributions go lowest column first; rows without features or without a
    positive contribution get none (the rounds' row maxima come from reduceat)."""
    from types import SimpleNamespace

    from tas_classify.features import SparseRows

    rng = np.random.default_rng(3)
    n_rows, n_cols = 400, 30
    sizes = rng.integers(0, 9, n_rows)
    sizes[:3], sizes[-3:] = 0, 0  # empty rows first and last
    indptr = np.concatenate(([0], np.cumsum(sizes)))
    indices = np.concatenate([np.sort(rng.choice(n_cols, s, replace=False)) for s in sizes])
    data = rng.choice([-1.0, 0.0, 0.5, 1.0, 2.0], len(indices))  # many ties
    rows = SparseRows(indptr, indices.astype(np.int64), data)
    terms = [f"t{i}" for i in range(n_cols)]
    fake = SimpleNamespace(coef_=np.ones((n_cols, 2)), vocabulary_=SimpleNamespace(terms=terms))
    best = rng.integers(0, 2, n_rows)
    expected = []
    for i in range(n_rows):
        lo, hi = indptr[i], indptr[i + 1]
        top = np.argsort(-data[lo:hi], kind="stable")[:5]
        expected.append(tuple((f"t{indices[lo + j]}", float(data[lo + j])) for j in top
                              if data[lo + j] > 0))  # fmt: skip
    assert TasClassifier._top_features(fake, rows, best) == expected
    assert TasClassifier._top_features(fake, SparseRows(np.zeros(4, dtype=np.int64),
                                       np.zeros(0, dtype=np.int64), np.zeros(0)),
                                       np.zeros(3, dtype=np.int64)) == [(), (), ()]  # fmt: skip


def test_str_split_and_the_spaces_pattern_see_the_same_whitespace():
    """normalise_batch collapses spaces with " ".join(part.split()), normalise with
    _SPACES.sub(" ", …).strip(): the same characters are whitespace to both, every code point."""
    import re
    import sys

    space = re.compile(r"\s")
    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        assert bool(space.match(ch)) == ch.isspace() == (ch.split() == []), hex(code)
