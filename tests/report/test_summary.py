"""The Annex 2 summary across applicants (report/summary.py), against hand-computed figures.

Three enterprises, written as `report --json` would (amounts as exact decimal strings):

  no  enterprise   track        total          in scope       offshore      verdict  at risk   lines
  1   甲科技       outsourcing  1,000,000.00     600,000.00   400,000.00    pass      50,000.10   2
  2   乙贸易       trade        3,000,000.00   2,400,000.00   (900,000 in the JSON: blank, trade)
                                                                           pass     100,000.20   3
  3   丙数据       outsourcing    500,000.00     200,000.00    50,000.00    fail           0.00   0

  rows:  甲 in scope 600,000 / 1,000,000 = 60.00%; offshore 400,000 / 1,000,000 = 40.00%
         乙 2,400,000 / 3,000,000 = 80.00%; offshore blank (服务贸易类 has no offshore test)
         丙 200,000 / 500,000 = 40.00%; offshore 50,000 / 500,000 = 10.00%
  foot:  total    = 1,000,000 + 3,000,000 + 500,000           = 4,500,000.00
         in scope = 600,000 + 2,400,000 + 200,000             = 3,200,000.00
         share    = 3,200,000 / 4,500,000 = 71.11%   (the average of the shares would be 60.00%)
         offshore = 400,000 + 50,000 = 450,000.00, over the total income of the same two rows
                    1,000,000 + 500,000 = 1,500,000 → 30.00%  (the average would be 25.00%)
         at risk  = 50,000.10 + 100,000.20 + 0 = 150,000.30;  lines 2 + 3 + 0 = 5
         达标 2 of 3
"""

from __future__ import annotations

import csv
import json
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tas_classify.errors import ReportFileError, TasClassifyError
from tas_classify.report.summary import (
    credit_code_is_valid,
    read_applicant,
    render_summary_html,
    summarise_reports,
    summary_table,
    write_summary,
)

CODE_A = "91350100M000100Y43"  # the GB 32100 example, check character 3
CODE_B = "91110108MA01ABCD1E"  # check character E by the GB 32100 weights


def report_json(
    *,
    enterprise: str | None,
    credit_code: str | None = None,
    track: str | None = "outsourcing",
    total: Any = "1000000.00",
    in_scope: Any = "600000.00",
    offshore: Any = "400000.00",
    verdict: str = "pass",
    at_risk: Any = "0.00",
    lines: int = 0,
    **extra: Any,
) -> dict[str, Any]:
    """A report JSON with exactly the keys `report --json` writes."""
    total_d = Decimal(str(total)) if total is not None else None

    def share(x: Any) -> float | None:
        return None if x is None or not total_d else float(Decimal(str(x)) / total_d)

    obj = {
        "total_income": total,
        "in_scope_income": in_scope,
        "offshore_income": offshore,
        "in_scope_share": share(in_scope),
        "offshore_share": share(offshore),
        "verdict": verdict,
        "at_risk": {"needs_review_income": at_risk, "needs_review_lines": lines},
        "provenance": {
            "enterprise": enterprise,
            "credit_code": credit_code,
            "track": track,
            "file": f"{enterprise}台账.xlsx",
            "model": "models/default",
            "tool_version": "0.9.0",
            "created": "2025-03-01T10:00:00+08:00",
            "sheet": "收入明细",
        },
    }
    obj.update(extra)
    return obj


def write(path: Path, obj: Any) -> Path:
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def three(tmp_path: Path) -> list[Path]:
    return [
        write(
            tmp_path / "a.json",
            report_json(enterprise="甲科技", credit_code=CODE_A, at_risk="50000.10", lines=2),
        ),
        write(
            tmp_path / "b.json",
            report_json(
                enterprise="乙贸易",
                credit_code=CODE_B,
                track="trade",
                total="3000000.00",
                in_scope="2400000.00",
                offshore="900000.00",
                at_risk="100000.20",
                lines=3,
            ),
        ),
        write(
            tmp_path / "c.json",
            report_json(
                enterprise="丙数据",
                total="500000.00",
                in_scope="200000.00",
                offshore="50000.00",
                verdict="fail",
            ),
        ),
    ]


def test_rows_and_foot_match_the_hand_computed_figures(three):
    """See the module docstring."""
    s = summarise_reports(three)
    a, b, c = s.applicants
    assert [x.number for x in s.applicants] == [1, 2, 3]
    assert (a.enterprise, a.credit_code, a.track) == ("甲科技", CODE_A, "outsourcing")
    assert a.in_scope_share == Decimal("0.6") and a.offshore_share == Decimal("0.4")
    assert b.in_scope_share == Decimal("0.8")
    assert b.offshore_income is None and b.offshore_share is None  # trade: no offshore test
    assert c.offshore_share == Decimal("0.1") and c.verdict == "fail"
    t = s.totals
    assert t.total_income == Decimal("4500000.00")
    assert t.in_scope_income == Decimal("3200000.00")
    assert round(t.in_scope_share, 4) == Decimal("0.7111")  # not the average, 0.60
    assert t.offshore_income == Decimal("450000.00")
    assert t.offshore_share == Decimal("0.3")  # not the average, 0.25
    assert t.at_risk_income == Decimal("150000.30")
    assert t.review_lines == 5
    assert t.verdicts == {"pass": 2, "fail": 1, "not_assessed": 0} and t.count == 3
    assert s.notes == ()


def test_table_has_chinese_headings_labels_and_the_foot(three):
    head, rows, foot = summary_table(summarise_reports(three))
    assert head[:4] == ["序号", "企业名称", "统一社会信用代码", "申报类型"]
    assert [r[3] for r in rows] == ["服务外包类", "服务贸易类", "服务外包类"]
    assert [r[9] for r in rows] == ["达标", "达标", "未达标"]
    assert foot[1] == "合计" and foot[9] == "达标 2 家 / 共 3 家"
    assert foot[4] == Decimal("4500000.00")


def test_missing_enterprise_uses_the_file_stem_and_says_so(tmp_path):
    path = write(tmp_path / "丁公司_2024.json", report_json(enterprise=None))
    a = read_applicant(path)
    assert a.enterprise == "丁公司_2024"
    assert any("taken from the file name 丁公司_2024.json" in n for n in a.notes)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("序号,合同名称,金额\n1,软件开发,100\n", "not a report JSON"),
        ("[1, 2, 3]", "a JSON list, not an object"),
        ('{"total_income": "1"}', "no key 'in_scope_income'"),
        ('{"total_income": "1", "in_scope_income": "1", "verdict": "pass"}', "no key 'at_risk'"),
        (
            '{"total_income": "1", "in_scope_income": "1", "verdict": "pass", "at_risk": {}}',
            "no key 'at_risk.needs_review_income'",
        ),
        (
            '{"total_income": "1", "in_scope_income": "1", '
            '"at_risk": {"needs_review_income": "0", "needs_review_lines": 0}}',
            "no key 'verdict'",
        ),
        (
            '{"total_income": "abc", "in_scope_income": "1"}',
            "'total_income' is 'abc', not an amount",
        ),
        ('{"total_income": NaN, "in_scope_income": "1"}', "NaN is not a number"),
        ('{"total_income": "Infinity", "in_scope_income": "1"}', "not an amount"),
        ('{"total_income": true, "in_scope_income": "1"}', "not an amount"),
    ],
)
def test_a_file_that_is_not_a_report_is_a_clean_error_naming_file_and_key(
    tmp_path, content, expected
):
    path = tmp_path / "not_a_report.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ReportFileError) as info:
        summarise_reports([path])
    assert isinstance(info.value, TasClassifyError)
    assert str(path) in str(info.value)
    assert expected in str(info.value)


def test_bad_verdict_track_and_line_count_are_refused(tmp_path):
    for key, value, expected in [
        ("verdict", "maybe", "'verdict' is 'maybe'"),
        ("at_risk", {"needs_review_income": "0", "needs_review_lines": -1}, "not a number of"),
        ("provenance", ["x"], r"'provenance' is \['x'\], not an object"),
    ]:
        obj = report_json(enterprise="甲")
        obj[key] = value
        with pytest.raises(ReportFileError, match=expected):
            read_applicant(write(tmp_path / "x.json", obj))
    obj = report_json(enterprise="甲", track="both")
    with pytest.raises(ReportFileError, match="'provenance.track' is 'both'"):
        read_applicant(write(tmp_path / "x.json", obj))


def test_hostile_json_is_refused_quickly(tmp_path):
    """100,000 nested arrays: json's recursion limit, caught; well under a second."""
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    start = time.perf_counter()
    with pytest.raises(ReportFileError, match="not a report JSON"):
        read_applicant(path)
    assert time.perf_counter() - start < 5


def test_missing_file_and_empty_folder_are_clean_errors(tmp_path):
    with pytest.raises(ReportFileError, match="nope.json: cannot be read"):
        summarise_reports([tmp_path / "nope.json"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(ReportFileError, match="no .json report"):
        summarise_reports([tmp_path / "empty"])


def test_a_folder_stands_for_its_json_files_in_name_order(three):
    s = summarise_reports([three[0].parent])
    assert [a.enterprise for a in s.applicants] == ["甲科技", "乙贸易", "丙数据"]


def test_older_output_numbers_and_verdicts_without_provenance(tmp_path):
    """An output from before the verdict / provenance keys (numbers, a `verdicts` object):
    in scope 1,500,000 of 2,000,000 = 75%; offshore 600,000 / 2,000,000 = 30% < 35% → fail."""
    old = {
        "total_income": 2000000.0,
        "in_scope_income": 1500000.0,
        "in_scope_share": 0.75,
        "offshore_income": 600000.0,
        "offshore_share": 0.3,
        "verdicts": {
            "in_scope": {"passed": True, "flips": False},
            "offshore": {"passed": False, "flips": True},
        },
        "at_risk": {"needs_review_income": 12.5, "needs_review_lines": 1},
    }
    a = read_applicant(write(tmp_path / "旧版.json", old))
    assert a.verdict == "fail"
    assert a.enterprise == "旧版" and a.track is None
    assert a.total_income == Decimal("2000000.0") and a.at_risk_income == Decimal("12.5")
    assert a.offshore_share == Decimal("0.3")
    assert any("decide the verdict (offshore)" in n for n in a.notes)
    assert any("no provenance" in n for n in a.notes)
    old["verdicts"]["offshore"]["passed"] = None
    assert read_applicant(write(tmp_path / "旧版.json", old)).verdict == "not_assessed"


def test_powershell_utf16_output_is_read(tmp_path):
    """`report --json > a.json` in Windows PowerShell 5 writes UTF-16 with a BOM."""
    path = tmp_path / "ps.json"
    path.write_text(json.dumps(report_json(enterprise="戊软件"), ensure_ascii=False), "utf-16")
    assert read_applicant(path).enterprise == "戊软件"


def test_forty_digit_amounts_add_up_exactly(tmp_path):
    """12345678901234567890123456789012345678.25 + 0.75 = 12345678901234567890123456789012345679.00
    (floats would lose the last 20 digits)."""
    big = "12345678901234567890123456789012345678.25"
    paths = [
        write(tmp_path / "a.json", report_json(enterprise="甲", total=big, in_scope=big)),
        write(tmp_path / "b.json", report_json(enterprise="乙", total="0.75", in_scope="0.75")),
    ]
    s = summarise_reports(paths)
    assert s.totals.total_income == Decimal("12345678901234567890123456789012345679.00")
    out = tmp_path / "out.csv"
    write_summary(s, out)
    assert "12345678901234567890123456789012345679.00" in out.read_text("utf-8-sig")


@pytest.mark.parametrize(
    "amount", ["1E+100000", "0E-1000", "1" * 61, "0." + "0" * 60 + "1", "9" * 10_000]
)
def test_absurd_amounts_are_refused_not_rounded(tmp_path, amount):
    path = write(tmp_path / "a.json", report_json(enterprise="甲", total=amount))
    start = time.perf_counter()
    with pytest.raises(ReportFileError, match="'total_income' has more than 60 digits"):
        read_applicant(path)
    assert time.perf_counter() - start < 5


def test_credit_codes_are_checked_and_duplicates_noted(tmp_path):
    assert credit_code_is_valid(CODE_A) and credit_code_is_valid(CODE_B)
    assert not credit_code_is_valid("91350100M000100Y44")
    assert not credit_code_is_valid("913501")
    paths = [
        write(
            tmp_path / "a.json",
            report_json(enterprise="甲", credit_code="９１３５０１００Ｍ000100Y43"),
        ),
        write(tmp_path / "b.json", report_json(enterprise="甲分公司", credit_code=CODE_A)),
        write(tmp_path / "c.json", report_json(enterprise="丙", credit_code="91350100M000100Y44")),
    ]
    s = summarise_reports(paths)
    assert s.applicants[0].credit_code == CODE_A  # full-width folded
    assert any(f"credit code {CODE_A} appears in 2 reports" in n for n in s.notes)
    assert any("fails the GB 32100 check" in n for n in s.applicants[2].notes)
    s = summarise_reports([paths[0], paths[0]])
    assert any("given 2 times" in n for n in s.notes)


def test_in_scope_above_total_and_report_warnings_are_noted(tmp_path):
    obj = report_json(enterprise="甲", total="100", in_scope="600", warnings=["total < in scope"])
    notes = read_applicant(write(tmp_path / "a.json", obj)).notes
    assert "in-scope income exceeds total income" in notes
    assert "the report has 1 warning(s)" in notes


# ---------------------------------------------------------------- the three formats
HOSTILE = '=HYPERLINK("http://x","点我")'


def test_xlsx_numbers_formats_frozen_header_and_formula_safe_text(tmp_path, three):
    from openpyxl import load_workbook

    write(tmp_path / "d.json", report_json(enterprise=HOSTILE, verdict="not_assessed"))
    out = tmp_path / "汇总.xlsx"
    write_summary(summarise_reports([*three, tmp_path / "d.json"]), out)
    book = load_workbook(out)
    ws = book["汇总表"]
    assert ws["A1"].value == "技术先进型服务企业申报推荐汇总表"
    assert ws.freeze_panes == "A3"
    assert ws["A2"].value == "序号" and ws["M2"].value == "备注"
    assert ws["E3"].value == 1_000_000 and ws["E3"].number_format == "#,##0.00"
    assert ws["G3"].value == pytest.approx(0.6) and ws["G3"].number_format == "0.00%"
    assert ws["H4"].value is None and ws["I4"].value is None  # trade: no offshore
    hostile = ws["B6"]
    assert hostile.value == HOSTILE and hostile.data_type == "s" and hostile.quotePrefix
    assert ws["J6"].value == "未评估"
    foot = [c.value for c in ws[7]]
    assert foot[1] == "合计"
    assert foot[4] == pytest.approx(5_500_000)  # 4,500,000 + 1,000,000 of the fourth row
    assert foot[6] == pytest.approx(3_800_000 / 5_500_000)
    assert foot[9] == "达标 2 家 / 共 4 家"
    assert ws["E7"].number_format == "#,##0.00" and ws["G7"].number_format == "0.00%"
    sources = list(book["sources"].values)
    assert sources[1][2] == "甲科技台账.xlsx" and sources[1][6] == '{"sheet": "收入明细"}'


def test_html_is_offline_and_every_cell_escaped(tmp_path):
    path = write(tmp_path / "x.json", report_json(enterprise="<script>alert(1)</script>&甲"))
    page = render_summary_html(summarise_reports([path]))
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;&amp;甲" in page
    assert "http" not in page and "src=" not in page  # no external file, no script
    assert "<tfoot>" in page and "1,000,000.00" in page and "60.00%" in page
    out = tmp_path / "x.html"
    write_summary(summarise_reports([path]), out)
    assert out.read_text("utf-8") == page


def test_csv_has_bom_plain_amounts_percentages_and_escaped_formulas(tmp_path, three):
    write(tmp_path / "d.json", report_json(enterprise=HOSTILE))
    out = tmp_path / "汇总.csv"
    write_summary(summarise_reports([*three, tmp_path / "d.json"]), out)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][0] == "序号"
    assert rows[1][4:9] == ["1000000.00", "600000.00", "60.00%", "400000.00", "40.00%"]
    assert rows[2][7:9] == ["", ""]
    assert rows[4][1] == "'" + HOSTILE
    assert rows[5][1] == "合计" and rows[5][4] == "5500000.00" and rows[5][6] == "69.09%"
    # 3,800,000 / 5,500,000 = 0.690909… → 69.09%


def test_unknown_output_suffix_is_refused(tmp_path, three):
    with pytest.raises(ReportFileError, match=r"\.xlsx, \.html or \.csv"):
        write_summary(summarise_reports(three), tmp_path / "out.pdf")
