import jieba

from tas_classify.tokenize import WordTokenizer


def test_dictionary_terms_stay_whole():
    words = WordTokenizer().words("提供数据标注和呼叫中心及集成电路设计服务")
    for term in ("数据标注", "呼叫中心", "集成电路"):
        assert term in words


def test_punctuation_and_spaces_are_dropped():
    assert WordTokenizer().words("软件开发，运维 服务!") == ["软件开发", "运维", "服务"]


def test_user_dictionary(tmp_path):
    extra = tmp_path / "words.txt"
    extra.write_text("鲲鹏迁移适配\n", encoding="utf-8")
    assert "鲲鹏迁移适配" in WordTokenizer([extra]).words("完成鲲鹏迁移适配")


def test_global_jieba_untouched():
    WordTokenizer().words("数据标注")
    # The project dictionary went into our own Tokenizer only.
    assert "数据标注" not in jieba.lcut("数据标注", HMM=False)
    # And a host application's own user words do not leak into ours.
    jieba.add_word("标注数据宝")
    try:
        assert "标注数据宝" not in WordTokenizer().words("标注数据宝")
    finally:
        jieba.del_word("标注数据宝")


def test_a_superscript_is_not_read_as_a_word_frequency(tmp_path):
    # "²".isdigit() is True but int("²") fails: such a column is a tag, not a frequency
    from tas_classify.tokenize import WordTokenizer

    words = tmp_path / "words.txt"
    words.write_text("云原生改造 ² n\n", encoding="utf-8")
    assert "云原生改造" in WordTokenizer(user_dicts=[words]).words("做云原生改造")
