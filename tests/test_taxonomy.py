import pytest

from tas_classify import taxonomy

SPEC_CODES = [
    "ITO-01",
    "ITO-02",
    "ITO-03",
    "ITO-04",
    "ITO-05",
    "ITO-06",
    "BPO-01",
    "BPO-02",
    "BPO-03",
    "BPO-04",
    "KPO-01",
    "TRD-01",
    "TRD-02",
    "TRD-03",
    "TRD-04",
    "TRD-05",
    "TRD-06",
    "TRD-07",
    "TRD-08",
    "NONE",
]


def test_codes_are_spec_codes_in_order():
    assert list(taxonomy.codes()) == SPEC_CODES


@pytest.mark.parametrize(
    ("code", "name", "track"),
    [
        ("ITO-01", "软件研发及开发服务", "outsourcing"),
        ("ITO-04", "测试平台", "outsourcing"),
        ("BPO-03", "企业运营服务", "outsourcing"),
        ("TRD-05", "知识产权跨境许可与转让", "trade"),
        ("TRD-08", "中医药医疗保健及相关服务", "trade"),
        ("NONE", "不属于认定范围", ""),
    ],
)
def test_category_fields(code, name, track):
    cat = taxonomy.get(code)
    assert (cat.name, cat.track) == (name, track)
    assert cat.scope


def test_kpo_has_eight_fields():
    fields = taxonomy.get("KPO-01").fields
    assert [f.name for f in fields] == [
        "知识产权研究",
        "医药和生物技术研发和测试",
        "产品技术研发",
        "工业设计",
        "分析学和数据挖掘",
        "动漫及网游设计研发",
        "教育课件研发",
        "工程设计",
    ]


def test_unknown_code_names_valid_codes():
    with pytest.raises(KeyError, match="ITO-01"):
        taxonomy.get("ITO-99")


def test_tracks():
    trade = taxonomy.codes_for_track("trade")
    outsourcing = taxonomy.codes_for_track("outsourcing")
    assert all(c.startswith("TRD") for c in trade if c != "NONE") and "NONE" in trade
    assert not any(c.startswith("TRD") for c in outsourcing) and "NONE" in outsourcing
    assert set(trade) | set(outsourcing) == set(SPEC_CODES)
    assert taxonomy.codes_for_track(None) == taxonomy.codes()
    with pytest.raises(ValueError, match="track"):
        taxonomy.codes_for_track("services")


def test_to_dict_and_hash():
    d = taxonomy.get("KPO-01").to_dict()
    assert d["code"] == "KPO-01" and len(d["fields"]) == 8
    assert len(taxonomy.taxonomy_hash()) == 64
