import numpy as np
import pytest

from tas_classify import taxonomy
from tas_classify._resources import data_path
from tas_classify.rules import (
    Rule,
    RuleMatcher,
    RulesFileError,
    load_invoice_categories,
    load_rules,
)
from tas_classify.text import normalise


@pytest.fixture(scope="module")
def matcher():
    return RuleMatcher(load_rules(data_path("rules.toml")), taxonomy.codes())


def fired(matcher, text):
    return {m.rule for m in matcher.match(normalise(text).text)}


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("为某银行提供核心系统定制开发", "ito01.software-development"),
        # keyword followed by a digit, and two keywords touching (flashtext misses both)
        ("软件开发2期", "ito01.software-development"),
        ("数据标注数据清洗", "trd02.data-services"),
        ("IDC机柜托管费", "ito06.infrastructure"),
        ("呼叫中心外包", "bpo03.customer-operations"),
        ("劳务派遣费（IT人员）", "none.labour-dispatch"),
        ("Royalties from a patent licence to Acme GmbH", "trd05.cross-border-ip"),
        ("专利许可（被许可方：德国某公司）", "trd05.ip-deal-abroad"),
        ("专利许可使用费（授权苏州某公司）", "none.domestic-ip"),
        ("電梯維保服務", "none.equipment-repair"),
    ],
)
def test_rule_fires(matcher, text, rule):
    assert rule in fired(matcher, text)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("云服务器租赁", "none.rent"),  # unless: cloud
        ("current account reconciliation", "none.rent"),  # English word boundary
        ("专利许可（被许可方：德国某公司）", "none.domestic-ip"),  # unless: foreign party
        ("专利许可使用费（授权苏州某公司）", "trd05.ip-deal-abroad"),  # requires: foreign party
        ("数据清洗服务", "none.property-and-facilities"),  # unless: 数据清洗
    ],
)
def test_rule_stays_silent(matcher, text, rule):
    assert rule not in fired(matcher, text)


def test_kpo_rules_carry_fields(matcher):
    matches = matcher.match(normalise("某新药临床前药效研究及专利检索").text)
    assert {m.field for m in matches if m.code == "KPO-01"} >= {"pharma_biotech", "ip_research"}


def test_rule_votes_once_and_scores_by_code():
    rules = [Rule("a", "ITO-01", 2.0, ("开发", "定制")), Rule("b", "NONE", 1.5, ("销售",))]
    m = RuleMatcher(rules, taxonomy.codes())
    matches = m.match("定制开发开发与销售")
    assert [x.rule for x in matches] == ["a", "b"]
    scores = m.scores(matches)
    assert scores[0] == 2.0 and scores[-1] == 1.5 and np.count_nonzero(scores) == 2


def write(tmp_path, text):
    p = tmp_path / "rules.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_sets_expand(tmp_path):
    p = write(
        tmp_path,
        '[sets]\nx = ["甲", "乙"]\n[[rule]]\nname="r"\ncode="NONE"\nweight=1\n'
        'patterns=["@x", "丙"]\n',
    )
    assert load_rules(p)[0].patterns == ("甲", "乙", "丙")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[rule]]\nname="r"\ncode="XYZ-01"\nweight=1\npatterns=["a"]\n', "unknown code"),
        ('[[rule]]\nname="r"\ncode="NONE"\npatterns=["a"]\n', "missing or invalid"),
        ('[[rule]]\nname="r"\ncode="NONE"\nweight=1\npatterns=["@nope"]\n', "unknown set"),
        ('[[rule]]\nname="r"\ncode="NONE"\nweight=1\npatterns=[]\n', "non-empty"),
        ('[[rule]]\nname="r"\ncode="NONE"\nweight=1\npatterns=["a"]\n' * 2, "duplicate"),
        ('[[rule]]\nname="r"\ncode="ITO-01"\nweight=1\nfield="x"\npatterns=["a"]\n', "KPO-01"),
        ("[[rule]\n", "cannot read"),
    ],
)
def test_bad_rules_files(tmp_path, body, message):
    with pytest.raises(RulesFileError, match=message):
        load_rules(write(tmp_path, body))


@pytest.fixture(scope="module")
def invoice_matcher():
    rules = load_rules(data_path("rules.toml")) + load_invoice_categories(
        data_path("invoice_categories.csv")
    )
    return RuleMatcher(rules, taxonomy.codes())


@pytest.mark.parametrize(
    ("line", "rule", "code", "sign"),
    [
        ("*软件*游戏软件产品", "invoice.软件", "NONE", 1),
        ("*电子计算机*塔式服务器", "invoice.电子计算机", "NONE", 1),
        ("*集成电路*MCU芯片", "invoice.集成电路", "NONE", 1),
        ("*信息安全产品*下一代防火墙", "invoice.信息安全产品", "NONE", 1),
        ("*信息技术服务*软件维护服务", "invoice.信息技术服务", "NONE", -1),
    ],
)
def test_invoice_category_votes(invoice_matcher, line, rule, code, sign):
    norm = normalise(line)
    found = {m.rule: m for m in invoice_matcher.match(norm.text, norm.category)}
    assert found[rule].code == code and found[rule].pattern.startswith("*")
    assert np.sign(found[rule].weight) == sign


def test_invoice_category_only_from_the_prefix(invoice_matcher):
    norm = normalise("软件 游戏软件产品")  # the same words without the asterisks
    assert not any(m.rule.startswith("invoice.") for m in invoice_matcher.match(norm.text))


def test_goods_categories_of_the_table_all_vote_none():
    rules = load_invoice_categories(data_path("invoice_categories.csv"))
    assert {"invoice.软件", "invoice.集成电路", "invoice.电子出版物"} <= {r.name for r in rules}
    import csv

    with data_path("invoice_categories.csv").open(encoding="utf-8") as fh:
        goods = [row for row in csv.DictReader(fh) if row["kind"] == "goods"]
    assert goods and all(row["code"] == "NONE" and float(row["weight"]) > 0 for row in goods)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("category,kind\n", r"row 1: the header must be"),
        ("category,kind,code,weight,note\n软件,goods,GOODS,3,x\n", r"row 2, column code"),
        ("category,kind,code,weight,note\n软件,good,NONE,3,x\n", r"row 2, column kind"),
        ("category,kind,code,weight,note\n软件,goods,NONE,heavy,x\n", r"row 2, column weight"),
        ("category,kind,code,weight,note\n软件,goods,NONE,nan,x\n", r"row 2, column weight"),
        ("category,kind,code,weight,note\n软件,goods,NONE,3,x\n軟件,goods,NONE,3,x\n",
         r"row 3, column category"),
        ("category,kind,code,weight,note\n软件,goods,NONE\n", r"row 2: expected 5 columns"),
    ],
)  # fmt: skip
def test_bad_invoice_tables(tmp_path, body, message):
    f = tmp_path / "inv.csv"
    f.write_text(body, encoding="utf-8")
    with pytest.raises(RulesFileError, match=r"inv\.csv, " + message):
        load_invoice_categories(f)


def test_not_inside_masks_a_pattern_inside_a_longer_word(tmp_path):
    body = (
        '[[rule]]\nname="tcm"\ncode="TRD-08"\nweight=3\npatterns=["中医"]\n'
        'not_inside=["中医院"]\n'
    )
    m = RuleMatcher(load_rules(write(tmp_path, body)), taxonomy.codes())
    assert not m.match("某中医院停车场运营")
    assert [x.rule for x in m.match("某中医院中医远程会诊")] == ["tcm"]  # another occurrence
    assert [x.rule for x in m.match("中医培训")] == ["tcm"]


def test_shipped_tcm_rule_ignores_the_client_name(matcher):
    assert "trd08.tcm-services" not in fired(matcher, "某市中医院停车场运营管理项目")
    assert "trd08.tcm-services" in fired(matcher, "为县域医共体提供中医远程会诊服务")


def test_purchase_alone_is_not_goods(matcher):
    assert "none.goods-sale" not in fired(matcher, "某平台运维服务采购项目")
    assert "none.goods-purchase" in fired(matcher, "核心交换机设备采购项目")
