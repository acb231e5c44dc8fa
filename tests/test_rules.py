import numpy as np
import pytest

from tas_classify import taxonomy
from tas_classify._resources import data_path
from tas_classify.rules import Rule, RuleMatcher, RulesFileError, load_rules
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
