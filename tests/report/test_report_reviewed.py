"""`report` on a reviewed `batch` output: the reviewer's codes decide, nothing is classified again.

tests/data/ledger_fixture.csv through `batch` (see tests/report/test_report.py for the codes):
ledger sum 3,000,000.00; in scope 2,030,000.00 (ITO-01 1,200,000 − 100,000, ITO-06 360,000,
TRD-03 450,000, KPO-01 120,000) = 67.67%.

The reviewer corrects row 5 (技术开发费, TRD-03, 450,000, needs review) to NONE and marks it:
in scope 2,030,000 − 450,000 = 1,580,000 → 52.67%; that row no longer needs review, so the
income on needs-review lines is only row 9's 20,000.
Row 3 (IDC, ITO-06, 360,000) gets a typo, ITO-99: counted as NONE and flagged:
in scope 1,580,000 − 360,000 = 1,220,000 → 40.67%, at risk 20,000 + 360,000 = 380,000.
"""

import csv
import json
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from tas_classify.cli import main

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "ledger_fixture.csv"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def reviewed_output(tmp_path, edits):
    out = tmp_path / "out.csv"
    assert run("batch", FIXTURE, "-o", out, "-q").exit_code == 0
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    for row in rows[1:]:
        for column, value in edits.get(row[header.index("合同名称")], {}).items():
            row[header.index(column)] = value
    with out.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return out


def report(path, *extra):
    res = run("report", path, "--amount", "金额", "--offshore", "是否境外", "--json", "-q", *extra)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_the_reviewers_codes_decide(tmp_path):
    untouched = report(reviewed_output(tmp_path, {}))
    assert Decimal(untouched["in_scope_income"]) == Decimal("2030000")
    assert untouched["provenance"]["model"] == "tas_code column"
    assert any("codes read from the tas_code column (0 of 10" in n for n in untouched["notes"])

    corrected = report(
        reviewed_output(tmp_path, {"技术开发费": {"tas_code": "NONE", "tas_reviewed": "✓"}})
    )
    assert Decimal(corrected["in_scope_income"]) == Decimal("1580000")
    assert corrected["in_scope_share"] == 0.5267
    assert Decimal(corrected["at_risk"]["needs_review_income"]) == Decimal("20000")
    assert any("(1 of 10 rows marked" in n for n in corrected["notes"])


def test_a_code_that_is_not_a_code_counts_as_none_and_is_flagged(tmp_path):
    path = reviewed_output(
        tmp_path,
        {
            "技术开发费": {"tas_code": "NONE", "tas_reviewed": "✓"},
            "IDC机柜托管及带宽租用服务（年度）": {"tas_code": "ito-99"},
        },
    )
    data = report(path)
    assert Decimal(data["in_scope_income"]) == Decimal("1220000")
    assert Decimal(data["at_risk"]["needs_review_income"]) == Decimal("380000")
    assert data["in_scope_share"] == 0.4067


def test_under_a_track_a_code_of_the_other_track_counts_as_none(tmp_path):
    """--track outsourcing: row 5's TRD-03 (450,000) is outside the track → NONE, flagged:
    in scope 2,030,000 − 450,000 = 1,580,000."""
    data = report(reviewed_output(tmp_path, {}), "--track", "outsourcing")
    assert Decimal(data["in_scope_income"]) == Decimal("1580000")
    assert data["verdict"] == "pass"  # 52.67% ≥ 50% and offshore 1,220,000 = 40.67% ≥ 35%


def test_batch_still_refuses_its_own_output(tmp_path):
    res = run("batch", reviewed_output(tmp_path, {}), "-o", tmp_path / "again.csv")
    assert res.exit_code == 1 and "a batch output?" in res.output
