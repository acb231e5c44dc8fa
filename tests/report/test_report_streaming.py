"""``report -o .xlsx`` is streamed: its memory does not grow with the workbook's cells."""

import csv
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_report_xlsx_on_100000_rows_in_480_mib_of_address_space(tmp_path):
    """Before: 478 MiB peak RSS at 100,000 rows (1,080 MiB at 300,000) — refused by this limit;
    after: 216 MiB (336 MiB at 300,000). ``benchmarks/hostile_ledger.py`` has the figures."""
    src = tmp_path / "ledger.csv"
    with src.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["合同名称", "金额"])
        out.writerows([f"为客户{i}提供软件开发服务", 1000 + i] for i in range(100_000))
    target = tmp_path / "report.xlsx"
    code = textwrap.dedent(
        f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, ({480 << 20}, {480 << 20}))
        from tas_classify.cli import main
        main(["report", {str(src)!r}, "--amount", "金额", "-q", "-o", {str(target)!r}])
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    book = load_workbook(target, read_only=True)
    assert book.sheetnames == ["summary", "subtotals", "review", "lines"]
    assert sum(1 for _ in book["lines"].iter_rows()) == 100_001
    book.close()
