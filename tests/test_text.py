import pytest

from tas_classify.text import (
    WrappersFileError,
    is_vague,
    load_wrappers,
    normalise,
    normalise_batch,
    to_simplified,
)


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


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # buyer, year range, notice type
        ("中国移动通信集团某省有限公司2026年至2028年网管平台维护服务采购项目_询比公告",
         "网管平台维护服务采购项目"),
        ("中国铁塔股份有限公司某省分公司2026-2027年边缘机房动环监控软件开发（比选）公告",
         "边缘机房动环监控软件开发"),
        # a call for comments keeps only what is bought
        ("关于征集中国联通某市分公司客服热线外包服务采购项目技术规范书及评分表意见的公告",
         "客服热线外包服务采购项目"),
        # lot markers go, the lot's title stays
        ("某信息产业公司服务采购项目标包2：档案整理服务招标公告",
         "某信息产业公司服务采购项目 档案整理服务"),
        # Taiwan years and quarters
        ("115年度第1季資訊系統維護", "信息系统维护"),
    ],
)  # fmt: skip
def test_tender_wrapping_is_removed(raw, expected):
    assert normalise(raw).text == expected


@pytest.mark.parametrize(
    "raw",
    [
        "专利许可给日本某有限公司",  # the party abroad decides TRD-05: never taken as a buyer
        "為德國公司開發軟體",
        "代收电费后与供电公司结算",
        "恒达科技有限公司",  # a line that is only a company name stays
    ],
)
def test_buyer_removal_keeps_parties_and_never_empties_a_line(raw):
    text = normalise(raw).text
    assert text and ("公司" in text)


def test_invoice_category_is_read_from_the_raw_prefix():
    assert normalise("*软件*财务管理软件V3.0").category == "软件"
    assert normalise("＊信息技術服務＊軟體維護").category == "信息技术服务"
    assert normalise("软件开发*2").category == ""
    assert normalise_batch(["*集成电路*芯片", "芯片设计"]) == [
        normalise("*集成电路*芯片"),
        normalise("芯片设计"),
    ]


@pytest.mark.parametrize(
    "line",
    ["技术服务费", "外包服务费", "平台服务费", "IT服务费", "咨询服务费", "某公司项目款",
     "Professional services – March 2026", "服务费（3月）",
     "中国移动某省公司2026年服务采购项目_询比公告"],
)  # fmt: skip
def test_lines_that_do_not_say_what_was_delivered_are_vague(line):
    assert is_vague(normalise(line).text)


@pytest.mark.parametrize(
    "line",
    ["软件开发服务费", "Oracle数据库维护", "审计服务", "IDC托管费", "QA automation, 160 hrs"],
)
def test_lines_that_name_the_service_are_not_vague(line):
    assert not is_vague(normalise(line).text)


def test_wrappers_file_errors_name_the_wrapper(tmp_path):
    bad = tmp_path / "w.toml"
    bad.write_text('[[wrapper]]\nname = "x"\npattern = "(unclosed"\n', encoding="utf-8")
    with pytest.raises(WrappersFileError, match=r"w\.toml: wrapper #1 \(x\)"):
        load_wrappers(bad)
    assert all(p.pattern for p in load_wrappers())
