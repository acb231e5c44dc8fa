"""`tas-classify summary`: the Annex 2 table from several `report --json` outputs.

Two enterprises (see tests/report/test_summary.py for the full arithmetic):
  甲科技 outsourcing: 1,000,000.00 total, 600,000.00 in scope (60%), 400,000.00 offshore (40%), pass
  乙贸易 trade:       3,000,000.00 total, 2,400,000.00 in scope (80%), no offshore test, fail
  foot: 4,000,000.00 total; 3,000,000.00 in scope → 75.00% (the average would be 70%); 达标 1 / 2
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from tas_classify.cli import main

FIXTURE = Path(__file__).parents[1] / "data" / "ledger_fixture.csv"


def report_json(
    enterprise: str | None, track: str, total: str, in_scope: str, verdict: str
) -> dict:
    return {
        "total_income": total,
        "in_scope_income": in_scope,
        "offshore_income": "400000.00",
        "in_scope_share": float(Decimal(in_scope) / Decimal(total)),
        "offshore_share": float(Decimal("400000") / Decimal(total)),
        "verdict": verdict,
        "at_risk": {"needs_review_income": "1000.00", "needs_review_lines": 1},
        "provenance": {
            "enterprise": enterprise,
            "credit_code": "91350100M000100Y43" if track == "outsourcing" else None,
            "track": track,
            "file": "台账.xlsx",
            "model": "models/default",
            "tool_version": "0.9.0",
            "created": "2025-03-01",
        },
    }


@pytest.fixture
def reports(tmp_path: Path) -> list[str]:
    a = tmp_path / "a.json"
    b = tmp_path / "b.json"
    a.write_text(
        json.dumps(report_json("甲科技", "outsourcing", "1000000.00", "600000.00", "pass"))
    )
    b.write_text(json.dumps(report_json("乙贸易", "trade", "3000000.00", "2400000.00", "fail")))
    return [str(a), str(b)]


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_summary_to_csv_xlsx_and_html(tmp_path, reports):
    out = tmp_path / "汇总.csv"
    result = run("summary", *reports, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "达标 1 家 / 共 2 家; summary written to" in result.output
    rows = list(csv.reader(out.read_text("utf-8-sig").splitlines()))
    assert [r[1] for r in rows[1:]] == ["甲科技", "乙贸易", "合计"]
    assert rows[2][7:9] == ["", ""]  # trade: no offshore figures
    assert rows[3][4:7] == ["4000000.00", "3000000.00", "75.00%"]
    assert rows[3][9] == "达标 1 家 / 共 2 家"

    from openpyxl import load_workbook

    xlsx = tmp_path / "汇总.xlsx"
    assert run("summary", *reports, "-o", str(xlsx), "-q").exit_code == 0
    ws = load_workbook(xlsx)["汇总表"]
    assert ws["E5"].value == 4_000_000 and ws["G5"].number_format == "0.00%"

    page = tmp_path / "汇总.html"
    assert run("summary", *reports, "-o", str(page)).exit_code == 0
    assert "<tfoot>" in page.read_text("utf-8")


def test_a_folder_and_a_missing_enterprise_name(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    obj = report_json(None, "outsourcing", "100.00", "60.00", "pass")
    (folder / "丙公司.json").write_text(json.dumps(obj), encoding="utf-8")
    out = tmp_path / "s.csv"
    result = run("summary", str(folder), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "enterprise name taken from the file name 丙公司.json" in result.output
    assert "丙公司" in out.read_text("utf-8-sig")


def test_not_a_report_is_exit_1_naming_the_file_and_key(tmp_path, reports):
    ledger = tmp_path / "ledger.json"
    ledger.write_text('{"rows": []}', encoding="utf-8")
    out = tmp_path / "s.xlsx"
    result = run("summary", *reports, str(ledger), "-o", str(out))
    assert result.exit_code == 1
    assert f"{ledger}: not a report JSON" in result.output and "'total_income'" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_usage_errors_and_the_input_is_never_overwritten(tmp_path, reports):
    assert run("summary", *reports, "-o", str(tmp_path / "s.pdf")).exit_code == 2
    assert run("summary", "-o", str(tmp_path / "s.csv")).exit_code == 2  # no report
    assert run("summary", *reports, "-o", reports[0]).exit_code == 2  # -o a.json
    before = Path(reports[0]).read_bytes()
    renamed = tmp_path / "a.csv"
    Path(reports[0]).rename(renamed)
    result = run("summary", str(renamed), reports[1], "-o", str(renamed))
    assert result.exit_code == 1 and "is the input file" in result.output
    assert renamed.read_bytes() == before


def test_summary_reads_what_report_json_writes_today(tmp_path):
    """The real `report --json` of tests/data/ledger_fixture.csv (figures in
    tests/report/test_report.py): total 3,500,000 given; in scope 2,030,000 → 58.00%; offshore
    1,220,000 → 34.86%; at risk 470,000 on 4 lines. The row must carry those figures."""
    result = run(
        "report", str(FIXTURE), "--amount", "金额", "--offshore", "是否境外",
        "--total-income", "350万元", "--json", "-q",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    path = tmp_path / "甲科技.json"
    path.write_text(result.stdout, encoding="utf-8")
    out = tmp_path / "s.csv"
    result = run("summary", str(path), "-o", str(out))
    assert result.exit_code == 0, result.output
    row = list(csv.reader(out.read_text("utf-8-sig").splitlines()))[1]
    assert row[1] == "甲科技"
    assert row[4:9] == ["3500000.00", "2030000.00", "58.00%", "1220000.00", "34.86%"]
    assert row[9] == "未达标"  # 34.86% < 35%: judged from `verdicts` (no `verdict` key yet)
    assert row[10] == "470000.00"
