"""A reviewer's corrections (the workbench) listed in every rendering of the report."""

from decimal import Decimal

from openpyxl import load_workbook

from tas_classify.report.income import LedgerLine, ReviewerCorrection, build_report
from tas_classify.report.render import render_html, render_text, write_xlsx


def _report(corrections=()):
    lines = [
        LedgerLine(2, "技术服务费", Decimal("2500000"), "ITO-02", 0.06, False),
        LedgerLine(3, "服务器采购", Decimal("400000"), "NONE", 1.0, False),
        LedgerLine(4, "<script>alert(1)</script>", Decimal("100000"), "ITO-01", 0.99, False),
    ]
    return build_report(lines, corrections=corrections)


CORRECTIONS = [
    ReviewerCorrection("技术服务费", 1, Decimal("2500000"), "NONE", "ITO-02", "2026-11-30T09:00"),
    ReviewerCorrection("=HYPERLINK(\"x\")", 2, Decimal("5.5"), "ITO-01", "NONE"),
]


def test_json_lists_corrections_with_exact_amounts_and_names():
    out = _report(CORRECTIONS).to_dict()["corrections"]
    assert out[0] == {"text": "技术服务费", "lines": 1, "income": "2500000.00",
                      "model_code": "NONE", "code": "ITO-02", "name": "软件技术服务",
                      "at": "2026-11-30T09:00"}  # fmt: skip
    assert out[1]["income"] == "5.50" and out[1]["name"] == "不属于认定范围"
    assert _report().to_dict()["corrections"] == []


def test_text_and_html_list_corrections_only_when_there_are_some():
    assert "复核更正" in render_text(_report(CORRECTIONS))
    assert "复核更正" not in render_text(_report())
    page = render_html(_report(CORRECTIONS))
    assert "复核更正" in page and "技术服务费" in page
    assert "<script>alert(1)</script>" not in page


def test_xlsx_has_a_corrections_sheet_with_text_cells(tmp_path):
    path = tmp_path / "r.xlsx"
    write_xlsx(_report(CORRECTIONS), path)
    ws = load_workbook(path)["corrections"]
    rows = list(ws.iter_rows(min_row=2, values_only=False))
    assert [c.value for c in rows[0]][:5] == [2500000, 1, "NONE", "ITO-02", "软件技术服务"]
    formula = rows[1][5]
    assert formula.value == "=HYPERLINK(\"x\")" and formula.data_type == "s"
    write_xlsx(_report(), path)
    assert "corrections" not in load_workbook(path).sheetnames
