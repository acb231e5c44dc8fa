"""The workbench on small ledgers built here: preview, classification, grouping by normalised text,
filters, corrections and the verdict they give (checked against sums done by hand), undo, options,
uploads, and every input row in the export.

The CSV ledger below (GB18030, a title row and 单位：元 above the header in row 3), classified by
the shipped model on the outsourcing track (checked first, in
``test_ledger_is_classified_as_the_hand_computation_assumes``):

  row  text (short)                           amount      offshore  code    review
  4    日本保险 核心系统定制开发               1,200,000   是        ITO-01
  5    IDC机柜托管及带宽租用服务（年度）         360,000   否        ITO-06   } one group:
  6    服务器及网络设备采购                      800,000   否        NONE     } 3 rows,
  7    技术开发费                                450,000   否        KPO-01  yes  } 500,000
  8    IDC机柜托管及带宽租用服务 （年度）         40,000   否        ITO-06   }
  9    办公楼租金                                150,000   否        NONE     }
  10   信息化项目服务费                          300,000   否        NONE    yes
  11   ＩＤＣ机柜托管及带宽租用服务（年度）      100,000   否        ITO-06   }
  12   欧洲药企 临床试验数据管理                 120,000   是        KPO-01

  ledger sum        = 1,200,000 + 500,000 + 800,000 + 450,000 + 150,000 + 300,000 + 120,000
                    = 3,520,000
  in scope          = 1,200,000 + 500,000 + 450,000 + 120,000 = 2,270,000  (64.49%: pass)
  offshore in scope = 1,200,000 + 120,000 = 1,320,000                      (37.50%: pass)
  needs review      = 450,000 + 300,000 = 750,000, of it in scope 450,000
"""

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from tas_classify.cli import main
from tas_classify.errors import ReviewError, ReviewNotFoundError
from tas_classify.ledger.read import open_table
from tas_classify.ledger.write import escape_formula
from tas_classify.report.income import (
    LedgerLine,
    build_report,
    report_ledger,
    thresholds_for,
)
from tas_classify.review import EXPORT_COLUMNS, ReviewOptions, Workbench, export
from tas_classify.review.store import LEDGERS

TITLE = "XX科技有限公司2024年度收入明细表"
HEADER = ["序号", "合同名称", "客户", "金额", "是否境外"]
JAPAN = "为日本某保险公司提供核心系统定制开发服务"
IDC = "IDC机柜托管及带宽租用服务（年度）"
IDC_SPACE = "IDC机柜托管及带宽租用服务 （年度）"
IDC_WIDE = "ＩＤＣ机柜托管及带宽租用服务（年度）"
SERVERS = "服务器及网络设备采购"
TECH = "技术开发费"
RENT = "办公楼租金"
VAGUE = "信息化项目服务费"
PHARMA = "为欧洲药企提供临床试验数据管理与统计分析服务"
#: (text, client, amount as written, offshore, model code, needs review)
LINES = [
    (JAPAN, "东京某保险株式会社", "1,200,000.00", "是", "ITO-01", False),
    (IDC, "上海某证券公司", "360,000.00", "否", "ITO-06", False),
    (SERVERS, "苏州某制造企业", "800,000.00", "否", "NONE", False),
    (TECH, "杭州某科技公司", "450,000.00", "否", "KPO-01", True),
    (IDC_SPACE, "上海某证券公司", "40,000.00", "否", "ITO-06", False),
    (RENT, "本地物业公司", "150,000.00", "否", "NONE", False),
    (VAGUE, "某区政务中心", "300,000.00", "否", "NONE", True),
    (IDC_WIDE, "深圳某基金公司", "100,000.00", "否", "ITO-06", False),
    (PHARMA, "Basel Pharma AG", "120,000.00", "是", "KPO-01", False),
]
FIRST_ROW = 4
AMOUNT = {text: Decimal(amount.replace(",", "")) for text, _, amount, *_ in LINES}


def ledger_csv(lines=LINES, encoding="gb18030"):
    out = io.StringIO()
    out.write(f"{TITLE},,,,\r\n单位：元,,,,\r\n")
    out.write(",".join(HEADER) + "\r\n")
    for n, (text, client, amount, offshore, *_) in enumerate(lines, 1):
        out.write(f'{n},{text},{client},"{amount}",{offshore}\r\n')
    return out.getvalue().encode(encoding)


def ledger_xlsx(path, lines=LINES):
    """A title row above the header (row 2), amounts as numbers, a second sheet of notes."""
    book = Workbook()
    ws = book.active
    ws.title = "收入明细"
    ws["A1"] = TITLE
    ws.append(HEADER)
    for n, (text, client, amount, offshore, *_) in enumerate(lines, 1):
        ws.append([n, text, client, float(amount.replace(",", "")), offshore])
    book.create_sheet("附注")["A1"] = "金额为不含税金额"
    book.save(path)
    return path


@pytest.fixture
def bench(tmp_path):
    wb = Workbench(tmp_path / "data")
    yield wb
    wb.store.close()


@pytest.fixture
def review(bench):
    """The CSV ledger above, on the outsourcing track, classified."""
    r = bench.add_ledger(ledger_csv(), "收入台账.csv", {"track": "outsourcing"})
    bench.start(r.id, wait=True)
    return r.id


def by_text(bench, review_id):
    return {g.text: g for g in bench.groups(review_id)}


def hand_report(decisions=None, total_income=None):
    """The figures of the report summed here from LINES, with ``decisions`` {text of a group's
    first row: (code, reviewed)} applied to every row of that group."""
    decisions = decisions or {}
    group_of = {IDC_SPACE: IDC, IDC_WIDE: IDC}
    in_scope = offshore = at_risk = at_risk_in_scope = ledger_sum = Decimal(0)
    review_lines = 0
    for text, _, _, place, model_code, needs_review in LINES:
        code, reviewed = decisions.get(group_of.get(text, text), (model_code, False))
        amount = AMOUNT[text]
        ledger_sum += amount
        needs_review = needs_review and not reviewed
        if code != "NONE":
            in_scope += amount
            if place == "是":
                offshore += amount
        if needs_review:
            at_risk += amount
            review_lines += 1
            if code != "NONE":
                at_risk_in_scope += amount
    total = ledger_sum if total_income is None else total_income
    return {
        "ledger_sum": ledger_sum,
        "total_income": total,
        "in_scope_income": in_scope,
        "offshore_income": offshore,
        "in_scope_passed": in_scope >= Decimal("0.50") * total,
        "offshore_passed": offshore >= Decimal("0.35") * total,
        "needs_review_income": at_risk,
        "at_risk_in_scope": at_risk_in_scope,
        "needs_review_lines": review_lines,
    }


def assert_report_is(got, hand):
    assert Decimal(got["ledger_sum"]) == hand["ledger_sum"]
    assert Decimal(got["total_income"]) == hand["total_income"]
    assert Decimal(got["in_scope_income"]) == hand["in_scope_income"]
    assert Decimal(got["offshore_income"]) == hand["offshore_income"]
    assert got["in_scope_share"] == pytest.approx(
        float(hand["in_scope_income"] / hand["total_income"]), abs=1e-4
    )
    assert got["verdicts"]["in_scope"]["passed"] is hand["in_scope_passed"]
    assert got["verdicts"]["offshore"]["passed"] is hand["offshore_passed"]
    passed = hand["in_scope_passed"] and hand["offshore_passed"]
    assert got["verdict"] == ("pass" if passed else "fail")
    assert Decimal(got["at_risk"]["needs_review_income"]) == hand["needs_review_income"]
    assert Decimal(got["at_risk"]["in_scope"]) == hand["at_risk_in_scope"]
    assert got["at_risk"]["needs_review_lines"] == hand["needs_review_lines"]


# ---------------------------------------------------------------------- preview
def test_csv_preview_finds_the_header_below_the_title_and_proposes_columns(bench):
    r = bench.add_ledger(ledger_csv(), "收入台账.csv")
    assert r.status == "setup"
    assert r.file_name == "收入台账.csv"
    preview = bench.preview(r.id)
    assert preview.problem == ""
    assert preview.format == "csv"
    assert preview.encoding in ("gb18030", "gbk", "gb2312")
    assert preview.header_row == 3
    assert preview.above == [(1, TITLE), (2, "单位：元")]
    assert preview.columns == HEADER
    assert [n for n, _ in preview.rows] == list(range(FIRST_ROW, FIRST_ROW + 8))  # PREVIEW_ROWS
    assert preview.rows[0][1] == ["1", JAPAN, "东京某保险株式会社", "1,200,000.00", "是"]
    assert preview.proposed == {
        "text_column": "合同名称",
        "amount_column": "金额",
        "offshore_column": "是否境外",
        "client_column": "客户",
    }
    # the proposal is filled into the review's options, the choices given are kept
    assert r.options["text_column"] == "合同名称"
    assert r.options["amount_column"] == "金额"
    assert r.options["track"] is None


def test_xlsx_preview_finds_the_sheet_and_the_header_under_a_title(bench, tmp_path):
    path = ledger_xlsx(tmp_path / "台账.xlsx")
    r = bench.add_ledger(path, "台账.xlsx", {"track": "outsourcing", "client_column": ""})
    preview = bench.preview(r.id)
    assert preview.problem == ""
    assert (preview.format, preview.sheet, preview.header_row) == ("xlsx", "收入明细", 2)
    assert preview.sheets == ["收入明细", "附注"]
    assert preview.columns == HEADER
    assert preview.rows[0] == (3, ["1", JAPAN, "东京某保险株式会社", "1200000", "是"])
    assert r.options["sheet"] == "收入明细"
    assert r.options["amount_column"] == "金额"


def test_preview_with_other_options_reads_again(bench):
    r = bench.add_ledger(ledger_csv(), "收入台账.csv")
    wrong = bench.preview(r.id, ReviewOptions(header_row=1))
    assert wrong.header_row == 1
    assert wrong.columns[0] == TITLE


def test_an_unreadable_ledger_is_previewed_with_its_problem(bench):
    r = bench.add_ledger(b"\x00\x01\x02 not a workbook", "坏文件.xlsx")
    preview = bench.preview(r.id)
    assert preview.problem
    assert preview.columns == [] and preview.rows == []


# ---------------------------------------------------------------------- classify and group
def test_ledger_is_classified_as_the_hand_computation_assumes(bench, review):
    assert bench.progress(review).status == "ready"
    assert bench.progress(review).done == len(LINES)
    lines = [line for line, _, _ in bench.corrected_lines(review)]
    assert [x.row for x in lines] == list(range(FIRST_ROW, FIRST_ROW + len(LINES)))
    assert [x.text for x in lines] == [x[0] for x in LINES]
    assert [x.code for x in lines] == [x[4] for x in LINES]
    assert [x.needs_review for x in lines] == [x[5] for x in LINES]
    assert [x.amount for x in lines] == [AMOUNT[x[0]] for x in LINES]
    assert [x.offshore for x in lines] == [x[3] == "是" for x in LINES]


def test_rows_that_read_the_same_are_one_group(bench, review):
    groups = by_text(bench, review)
    assert len(groups) == 7
    idc = groups[IDC]
    assert IDC_SPACE not in groups and IDC_WIDE not in groups
    assert (idc.count, idc.amount) == (3, Decimal("500000"))
    assert idc.rows == [5, 8, 11]
    assert idc.clients == ["上海某证券公司", "深圳某基金公司"]
    assert (idc.code, idc.model_code, idc.reviewed) == ("ITO-06", "ITO-06", False)
    assert idc.name == "基础信息技术服务"
    assert sum(g.count for g in groups.values()) == len(LINES)
    assert sum(g.amount for g in groups.values()) == Decimal("3520000")
    assert {g.key for g in groups.values()} == {g.key for g in bench.groups(review)}
    assert all(len(g.key) == 16 for g in groups.values())
    assert bench.group(review, idc.key) == idc


def test_groups_are_sorted_income_at_risk_first(bench, review):
    order = [g.text for g in bench.groups(review)]
    assert order == [TECH, VAGUE, JAPAN, SERVERS, IDC, RENT, PHARMA]
    # a reviewed group is no longer at risk: it moves down among the others by amount
    bench.correct(review, by_text(bench, review)[TECH].key, None, True)
    assert [g.text for g in bench.groups(review)] == [VAGUE, JAPAN, SERVERS, IDC, TECH, RENT,
                                                      PHARMA]  # fmt: skip


def test_a_negative_amount_sorts_by_its_size(bench):
    refund = "红字冲销：软件开发服务费（退款）"
    lines = [*LINES[:3], (refund, "东京某保险株式会社", "-900,000.00", "是", "ITO-01", False)]
    r = bench.add_ledger(ledger_csv(lines), "a.csv", {"track": "outsourcing"})
    bench.start(r.id, wait=True)
    texts = [g.text for g in bench.groups(r.id) if not g.at_risk]
    assert texts == [JAPAN, refund, SERVERS, IDC]


# ---------------------------------------------------------------------- filters
def test_filters(bench, review):
    def texts(**filters):
        return {g.text for g in bench.groups(review, **filters)}

    everything = {JAPAN, IDC, SERVERS, TECH, RENT, VAGUE, PHARMA}
    assert texts() == everything
    assert texts(needs_review=True) == {TECH, VAGUE}
    assert texts(needs_review=False) == everything - {TECH, VAGUE}
    assert texts(reviewed=True) == set()
    assert texts(reviewed=False) == everything
    assert texts(code="ITO-06") == {IDC}
    assert texts(code="NONE") == {SERVERS, RENT, VAGUE}
    assert texts(q="idc") == {IDC}  # case folded
    assert texts(q="东京") == {JAPAN}  # the client
    assert texts(q="kpo-01") == {TECH, PHARMA}  # the code
    assert texts(q="基础信息技术") == {IDC}  # the code's name
    assert texts(q="没有这样的文本") == set()
    assert texts(subgroup="信息系统运营维护外包") == {IDC}
    assert texts(subgroup="软件研发及外包") == {JAPAN}
    assert texts(subgroup="技术性知识流程外包服务（KPO）") == {TECH, PHARMA}
    assert texts(needs_review=True, code="KPO-01") == {TECH}

    groups = by_text(bench, review)
    bench.correct(review, groups[VAGUE].key, "ITO-06", True)
    assert texts(code="ITO-06") == {IDC, VAGUE}  # the corrected code
    assert texts(code="NONE") == {SERVERS, RENT}
    assert texts(reviewed=True) == {VAGUE}
    assert texts(needs_review=True, reviewed=False) == {TECH}
    assert texts(subgroup="信息系统运营维护外包") == {IDC, VAGUE}


# ---------------------------------------------------------------------- corrections and verdict
def test_verdict_before_any_correction_is_the_hand_computed_one(bench, review):
    got = bench.report(review).to_dict()
    assert got["verdict"] == "pass"
    assert_report_is(got, hand_report())
    assert got["corrections"] == []
    assert got["provenance"]["file"] == "收入台账.csv"
    assert got["provenance"]["header_row"] == 3
    assert got["provenance"]["track"] == "outsourcing"


def test_a_correction_changes_the_verdict_as_summed_by_hand(bench, review):
    groups = by_text(bench, review)
    group = bench.correct(review, groups[JAPAN].key, "NONE", True)
    assert (group.code, group.model_code, group.reviewed) == ("NONE", "ITO-01", True)
    got = bench.report(review).to_dict()
    hand = hand_report({JAPAN: ("NONE", True)})
    assert hand["in_scope_income"] == Decimal("1070000")
    assert not hand["in_scope_passed"] and not hand["offshore_passed"]
    assert_report_is(got, hand)
    assert got["verdict"] == "fail"


def test_corrections_of_a_group_apply_to_every_row_of_it(bench, review):
    groups = by_text(bench, review)
    decisions = {IDC: ("NONE", True), TECH: ("NONE", True), VAGUE: ("ITO-05", True)}
    for text, (code, reviewed) in decisions.items():
        bench.correct(review, groups[text].key, code, reviewed)
    got = bench.report(review).to_dict()
    assert_report_is(got, hand_report(decisions))
    assert got["at_risk"]["needs_review_lines"] == 0
    codes = {line.row: line.code for line, _, _ in bench.corrected_lines(review)}
    assert [codes[r] for r in (5, 8, 11)] == ["NONE"] * 3
    by_code = {s["key"]: s for s in got["by_code"]}
    assert "ITO-06" not in by_code
    assert by_code["ITO-05"]["income"] == "300000.00"


def test_a_correction_not_marked_reviewed_still_needs_review(bench, review):
    groups = by_text(bench, review)
    bench.correct(review, groups[TECH].key, "ITO-01", False)
    got = bench.report(review).to_dict()
    assert_report_is(got, hand_report({TECH: ("ITO-01", False)}))
    assert got["at_risk"]["needs_review_lines"] == 2
    assert bench.group(review, groups[TECH].key).at_risk


def test_the_verdict_is_build_report_over_the_corrected_lines(bench, review):
    """The same figures as build_report over lines made here with the corrections applied."""
    groups = by_text(bench, review)
    bench.correct(review, groups[PHARMA].key, "NONE", True)
    bench.correct(review, groups[TECH].key, "ITO-02", True)
    final = {PHARMA: "NONE", TECH: "ITO-02"}
    lines = [
        LedgerLine(row=n, text=text, amount=AMOUNT[text], code=final.get(text, code),
                   confidence=1.0, needs_review=review_ and text not in final,
                   offshore=place == "是")
        for n, (text, _, _, place, code, review_) in enumerate(LINES, FIRST_ROW)
    ]  # fmt: skip
    mine = build_report(lines, thresholds=thresholds_for("outsourcing"), has_offshore=True)
    got = bench.report(review).to_dict()
    expected = mine.to_dict()
    for key in ("verdict", "worst_case_verdict", "total_income", "ledger_sum", "in_scope_income",
                "in_scope_share", "offshore_income", "offshore_share", "verdicts", "at_risk",
                "by_code", "by_group", "by_location"):  # fmt: skip
        assert got[key] == expected[key], key


def test_total_income_option_is_the_denominator(bench):
    r = bench.add_ledger(ledger_csv(), "a.csv", {"track": "outsourcing", "total_income": "500万元"})
    bench.start(r.id, wait=True)
    got = bench.report(r.id).to_dict()
    assert got["total_income_source"] == "given"
    assert_report_is(got, hand_report(total_income=Decimal("5000000")))
    assert got["verdict"] == "fail"  # 2,270,000 / 5,000,000 = 45.4% < 50%


def test_a_code_outside_the_track_is_refused(bench, review):
    key = by_text(bench, review)[TECH].key
    for code in ("TRD-03", "XYZ", "ito-01"):
        with pytest.raises(ReviewError):
            bench.correct(review, key, code)
    assert bench.store.corrections(review) == {}
    assert "TRD-03" not in bench.allowed_codes(review)
    assert "NONE" in bench.allowed_codes(review)
    with pytest.raises(ReviewNotFoundError):
        bench.correct(review, "0" * 16, "NONE")


def test_trade_track_refuses_outsourcing_codes(bench):
    r = bench.add_ledger(ledger_csv(), "a.csv", {"track": "trade"})
    bench.start(r.id, wait=True)
    key = by_text(bench, r.id)[JAPAN].key
    with pytest.raises(ReviewError, match="trade"):
        bench.correct(r.id, key, "ITO-01")
    assert bench.correct(r.id, key, "TRD-01").code == "TRD-01"


def test_undo(bench, review):
    groups = by_text(bench, review)
    key = groups[JAPAN].key
    bench.correct(review, key, "ITO-02", True)
    bench.correct(review, key, "NONE", True)
    bench.correct(review, groups[RENT].key, None, True)  # accepted as is
    assert bench.report(review).to_dict()["verdict"] == "fail"

    assert bench.undo(review) == groups[RENT].key
    assert bench.group(review, groups[RENT].key).reviewed is False
    assert bench.undo(review) == key
    undone = bench.group(review, key)
    assert (undone.key, undone.code, undone.reviewed) == (key, "ITO-02", True)
    assert_report_is(bench.report(review).to_dict(), hand_report({JAPAN: ("ITO-02", True)}))
    undone = bench.group(review, bench.undo(review))
    assert (undone.code, undone.reviewed) == ("ITO-01", False)
    assert bench.undo(review) is None
    assert_report_is(bench.report(review).to_dict(), hand_report())


def test_setting_a_group_back_to_the_model_code_unreviewed_leaves_no_correction(bench, review):
    key = by_text(bench, review)[TECH].key
    bench.correct(review, key, "ITO-01", True)
    group = bench.correct(review, key, "KPO-01", False)
    assert (group.code, group.reviewed) == ("KPO-01", False)
    assert bench.store.corrections(review) == {}


def test_report_json_lists_the_corrections(bench, review):
    groups = by_text(bench, review)
    bench.correct(review, groups[IDC].key, "ITO-05", True)
    bench.correct(review, groups[RENT].key, None, True)  # accepted: not a correction
    got = bench.report(review).to_dict()
    assert len(got["corrections"]) == 1
    c = got["corrections"][0]
    assert (c["text"], c["lines"], c["income"]) == (IDC, 3, "500000.00")
    assert (c["model_code"], c["code"], c["name"]) == ("ITO-06", "ITO-05", "信息系统运营和维护服务")
    assert c["at"]
    assert any("1 corrected" in n and "2 of 7" in n for n in got["notes"])


def test_corrections_and_state_survive_a_new_workbench(tmp_path):
    """A restarted server reads the classified rows and the corrections from the data folder."""
    first = Workbench(tmp_path / "data")
    r = first.add_ledger(ledger_csv(), "a.csv", {"track": "outsourcing"})
    first.start(r.id, wait=True)
    first.correct(r.id, by_text(first, r.id)[JAPAN].key, "NONE", True)
    before = first.report(r.id).to_dict()
    first.store.close()

    second = Workbench(tmp_path / "data")
    try:
        groups = by_text(second, r.id)
        assert (groups[JAPAN].code, groups[JAPAN].reviewed) == ("NONE", True)
        after = second.report(r.id).to_dict()
        for key in ("verdict", "in_scope_income", "offshore_income", "at_risk", "corrections"):
            assert after[key] == before[key], key
        assert second.group(r.id, second.undo(r.id)).code == "ITO-01"
    finally:
        second.store.close()


# ---------------------------------------------------------------------- report --json parity
def test_report_has_the_keys_of_report_ledger_and_cli_report_json(bench, review, tmp_path):
    path = tmp_path / "收入台账.csv"
    path.write_bytes(ledger_csv())
    with open_table(str(path)) as table:
        text_index = table.columns.index("合同名称")
        theirs = report_ledger(table, text_index, "金额", "是否境外", track="outsourcing",
                               client_column="客户").to_dict()  # fmt: skip
    ours = bench.report(review).to_dict()
    args = ["report", str(path), "--amount", "金额", "--offshore", "是否境外", "--client", "客户",
            "--track", "outsourcing", "--json"]  # fmt: skip
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    cli = json.loads(res.stdout)

    def shape(value):
        if isinstance(value, dict):
            return {k: shape(v) for k, v in value.items()}
        if isinstance(value, list):
            return [shape(v) for v in value[:1]]
        return None

    assert set(ours) == set(theirs) == set(cli)
    assert shape(ours) == shape(theirs) == shape(cli)
    for key in ("verdict", "worst_case_verdict", "ledger_sum", "in_scope_income",
                "offshore_income", "verdicts", "at_risk", "by_code", "by_location",
                "review_groups", "warnings", "thresholds"):  # fmt: skip
        assert ours[key] == theirs[key] == cli[key], key
    for key in ("header_row", "text_column", "amount_column", "offshore_column", "client_column",
                "track", "model", "model_sha256"):  # fmt: skip
        assert ours["provenance"][key] == cli["provenance"][key], key


# ---------------------------------------------------------------------- options
@pytest.mark.parametrize(
    "options",
    [
        {"colour": "red"},
        {"total_income": "abc"},
        {"total_income": "-5"},
        {"total_income": 0},
        {"total_income": True},
        {"total_income": [1]},
        {"total_income": float("nan")},
        {"header_row": 0},
        {"header_row": -1},
        {"header_row": "第三行"},
        {"header_row": 1.5},
        {"track": "x"},
        {"track": "Outsourcing"},
        {"text_column": ["合同名称"]},
        {"enterprise": "某" * 201},
        ["track", "outsourcing"],
    ],
)
def test_bad_options_are_a_review_error(bench, options):
    with pytest.raises(ReviewError):
        ReviewOptions.from_dict(options)
    with pytest.raises(ReviewError):
        bench.add_ledger(ledger_csv(), "a.csv", options)
    assert bench.reviews() == []
    assert list((bench.store.folder / LEDGERS).iterdir()) == []


def test_good_options_are_read(bench):
    raw = {"total_income": "1,250万元", "header_row": "3", "track": "trade", "sheet": "",
           "enterprise": " XX科技有限公司 "}  # fmt: skip
    opts = ReviewOptions.from_dict(raw)
    assert opts.total_income == Decimal("12500000")
    assert (opts.header_row, opts.track, opts.sheet) == (3, "trade", None)
    assert opts.enterprise == "XX科技有限公司"
    assert ReviewOptions.from_dict(opts.to_dict()) == opts
    r = bench.add_ledger(ledger_csv(), "a.csv")
    with pytest.raises(ReviewError):
        bench.set_options(r.id, {"header_row": 0})
    bench.set_options(r.id, {**bench.options(r.id).to_dict(), "track": "trade"})
    assert bench.options(r.id).track == "trade"


# ---------------------------------------------------------------------- uploads
def test_upload_over_the_limit_is_refused_and_leaves_nothing(tmp_path):
    data = ledger_csv()
    bench = Workbench(tmp_path / "data", max_upload_bytes=len(data) - 1)
    source = tmp_path / "big.csv"
    source.write_bytes(data)
    try:
        for given in (data, io.BytesIO(data), source, str(source)):
            with pytest.raises(ReviewError, match="limit"):
                bench.add_ledger(given, "big.csv")
        assert bench.reviews() == []
        assert list((tmp_path / "data" / LEDGERS).iterdir()) == []
        exact = Workbench(tmp_path / "data2", max_upload_bytes=len(data))
        assert exact.add_ledger(io.BytesIO(data), "ok.csv").status == "setup"
        exact.store.close()
    finally:
        bench.store.close()


@pytest.mark.parametrize(
    "name, shown",
    [
        ("../../etc/passwd.csv", "passwd.csv"),
        ("..\\..\\windows\\system.ini.csv", "system.ini.csv"),
        ("/etc/cron.d/job.csv", "job.csv"),
        ("收入 台账(2024).csv", "收入 台账(2024).csv"),
    ],
)
def test_an_uploaded_name_never_becomes_a_path(tmp_path, name, shown):
    bench = Workbench(tmp_path / "data")
    try:
        r = bench.add_ledger(ledger_csv(), name)
        assert r.file_name == shown
        stored = bench.store.ledger_path(r)
        assert stored.parent == (tmp_path / "data" / LEDGERS).resolve()
        assert stored.name == r.id + ".csv"
        assert stored.read_bytes() == ledger_csv()
        everything = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))
        assert all(p.startswith("data") for p in everything), everything
        assert not Path("/etc/passwd.csv").exists()
    finally:
        bench.store.close()


@pytest.mark.parametrize(
    "name", ["lines.jsonl", "lines.json", "setup.exe", "台账", "..", "x.csv.exe"]
)
def test_other_file_types_are_refused(bench, name):
    with pytest.raises(ReviewError):
        bench.add_ledger('{"text": "软件开发"}\n'.encode(), name)
    assert bench.reviews() == []
    assert list((bench.store.folder / LEDGERS).iterdir()) == []


def test_xlsm_is_stored_as_xlsx_and_tsv_is_taken(bench, tmp_path):
    path = ledger_xlsx(tmp_path / "a.xlsx")
    assert bench.add_ledger(path, "宏.xlsm").stored.endswith(".xlsx")
    tsv = ledger_csv().decode("gb18030").replace(",", "\t").encode("gb18030")
    assert bench.add_ledger(tsv, "a.tsv").stored.endswith(".tsv")


# ---------------------------------------------------------------------- states
def test_a_review_not_classified_has_no_groups(bench):
    r = bench.add_ledger(ledger_csv(), "a.csv")
    with pytest.raises(ReviewError, match="not ready"):
        bench.groups(r.id)
    with pytest.raises(ReviewNotFoundError):
        bench.groups("0123456789ab")
    with pytest.raises(ReviewNotFoundError):
        bench.groups("../x")


def test_classifying_without_an_amount_column_fails_with_a_reason(bench):
    text = "合同名称,客户\n软件开发服务,甲公司\n".encode()
    r = bench.add_ledger(text, "a.csv")
    bench.start(r.id, wait=True)
    progress = bench.progress(r.id)
    assert progress.status == "failed"
    assert "amount" in progress.error


def test_classifying_in_the_background(bench):
    r = bench.add_ledger(ledger_csv(), "a.csv", {"track": "outsourcing"})
    bench.start(r.id)
    assert bench.wait(r.id, timeout=60).status == "ready"
    assert len(bench.groups(r.id)) == 7


def test_delete_removes_the_review(bench, review):
    path = bench.store.ledger_path(bench.store.review(review))
    bench.delete(review)
    assert not path.exists()
    assert bench.reviews() == []
    with pytest.raises(ReviewNotFoundError):
        bench.groups(review)


# ---------------------------------------------------------------------- export rows
def test_every_input_row_is_in_the_export_in_order(bench, tmp_path):
    """Blank rows, a row whose amount cannot be read, a subtotal row and a formula-like text:
    none is dropped or moved."""
    lines = [
        *LINES[:3],
        ("", "", "", "", "NONE", True),
        (TECH, "杭州某科技公司", "待定", "否", "KPO-01", True),
        ("=1+2", "某客户", "1,000.00", "否", "NONE", True),
        *LINES[3:],
    ]
    data = ledger_csv(lines) + '合计,,,"3,521,000.00",\r\n'.encode("gb18030")
    r = bench.add_ledger(data, "a.csv", {"track": "outsourcing"})
    bench.start(r.id, wait=True)
    out = export(bench, r.id, "csv", tmp_path / "out.csv")
    import csv

    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == HEADER + list(EXPORT_COLUMNS)
    body = rows[1:]
    assert [row[0] for row in body] == [str(n) for n in range(1, len(lines) + 1)] + ["合计"]
    assert [row[1] for row in body] == [escape_formula(x[0]) for x in lines] + [""]
    assert all(len(row) == len(HEADER) + len(EXPORT_COLUMNS) for row in body)
    with bench.open_ledger(r.id) as table:
        assert len(list(table.rows)) == len(body)


def test_a_subtotal_row_is_its_own_group_and_not_at_risk(bench):
    """合计 rows are left out of every sum: listed, with a note, but nothing to decide."""
    data = "合同名称,金额\n软件定制开发服务,100000\n数据标注服务,50000\n合计,150000\n"
    r = bench.add_ledger(data.encode("gb18030"), "台账.csv", {"track": "outsourcing"})
    bench.start(r.id, wait=True)
    subtotal = [g for g in bench.groups(r.id) if g.text == "合计"]
    assert len(subtotal) == 1
    group = subtotal[0]
    assert not group.needs_review and not group.at_risk
    assert group.amount == 0
    assert group.notes == ["subtotal row (合计), left out of the sums"]
    assert bench.report(r.id).ledger_sum == 150000
