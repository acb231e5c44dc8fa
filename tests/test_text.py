import pytest

from tas_classify.text import normalise, to_simplified


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # full-width to half-width, lower case
        ("ＥＲＰ系统实施", "erp系统实施"),
        # Traditional to Simplified, with Taiwan terms mapped
        ("軟體開發", "软件开发"),
        ("資料庫維運服務", "数据库运维服务"),
        ("積體電路設計", "集成电路设计"),
        # mainland words are left alone (OpenCC's phrase tables would give 内核)
        ("核心业务系统", "核心业务系统"),
        # invoice prefix asterisks and tax notes
        ("*信息技术服务*软件开发服务（含税）", "信息技术服务 软件开发服务"),
        # contract numbers, amounts, dates, phase markers
        ("HT-2024-0381 设备健康管理平台二期开发 尾款 ¥386,000", "设备健康管理平台 开发"),
        ("2024年3月 3D建模服务 38.6万元", "3d建模服务"),
        ("PO#4500012 ERP实施 2023.12.01", "erp实施"),
        ("Phase 2 firmware QA, USD 12,000", "firmware qa,"),
        # terms with digits survive
        ("5G专网运维", "5g专网运维"),
        ("K12数学课件研发", "k12数学课件研发"),
    ],
)
def test_normalise(raw, expected):
    result = normalise(raw)
    assert result.text == expected
    assert result.original == raw


@pytest.mark.parametrize("raw", ["", "   ", "\x00\x01", "\ud800", "🙂" * 3, "a" * 10000])
def test_normalise_never_fails(raw):
    assert isinstance(normalise(raw).text, str)


def test_simplified_text_is_not_rewritten_by_variants():
    # 资料 means "materials" in the mainland; only Traditional lines get the Taiwan mapping.
    assert to_simplified("资料整理") == "资料整理"
    assert to_simplified("資料整理") == "数据整理"
