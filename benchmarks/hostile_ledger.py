"""Time and peak memory of ``tas-classify`` on hostile ledger files (issue 12, findings 1–5).

Each case runs in a fresh process under an address-space limit (``RLIMIT_AS``) and a timeout,
and reports wall time, the child's peak RSS and its exit code / last line of stderr. The files
come from ``tests/data/hostile/make_ledger.py`` (full size here).

Run:  python benchmarks/hostile_ledger.py [--out DIR] [--limit-gb 6] [--timeout 300]

Measured before → after on the shared 2-core development machine (6 GiB limit, 300 s timeout):

- 4.8 KB .xlsx, styled blank XFD1 + a cell at row 1,048,576, ``batch``: 6 GiB limit hit after
  52 s (a MemoryError shown as "damaged ()") → 1.3 s, 163 MiB, 1 row out, rows 2–1,048,575
  noted as skipped. With a name in XFD1: 44 s, 6 GiB → 0.6 s, 43 MiB, a clear error naming XFD1.
- 5.2 MB .xlsx whose shared strings unpack to 2 GiB, ``batch``: killed by the 300 s timeout at
  3.7 GiB → 0.4 s, 44 MiB, refused ("unpacks to 2,048 MiB, more than the 1,024 MiB read").
- 10,000-row .xlsx with a stale ``<dimension>`` A1:XFD1048576, ``batch -o .csv``: 20.8 s,
  678 MiB, a 166 MB CSV of 16,384 columns → 2.7 s, 177 MiB, a 1.7 MB CSV of 3 + 6 columns.
- ``report -o .xlsx`` on 300,000 CSV rows: 58.7 s, 1,080 MiB → 51.1 s, 336 MiB (streamed
  write-only workbook; 100,000 rows: 478 → 216 MiB).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "data" / "hostile"))
import make_ledger  # noqa: E402


def measure(args: list[str], limit_gb: float, timeout: float) -> str:
    """Wall time, peak RSS and outcome of ``python -m tas_classify ARGS`` in a fresh process."""

    def limit() -> None:
        size = int(limit_gb * (1 << 30))
        resource.setrlimit(resource.RLIMIT_AS, (size, size))

    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "tas_classify", *args],
        cwd=ROOT,
        preexec_fn=limit,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    timer = threading.Timer(timeout, child.kill)
    timer.start()
    _, status, usage = os.wait4(child.pid, 0)
    timer.cancel()
    wall = time.perf_counter() - start
    assert child.stderr is not None
    lines = child.stderr.read().decode(errors="replace").strip().splitlines()
    last = lines[-1][:160] if lines else ""
    code = os.waitstatus_to_exitcode(status)
    return f"{wall:6.1f} s {usage.ru_maxrss / 1024:7.0f} MiB  exit {code}  {last}"


def ledger_csv(path: Path, rows: int) -> Path:
    words = ["软件开发", "数据中心托管", "云服务", "技术咨询", "系统集成", "运维服务"]
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["合同名称", "金额", "是否境外"])
        for i in range(rows):
            out.writerow([f"为客户{i}提供{random.choice(words)}{i % 97}", 1000 + i, "是否"[i % 2]])
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=None, help="Folder for the files (default: a temp one).")
    parser.add_argument("--limit-gb", type=float, default=6.0)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--report-rows", type=int, default=300_000)
    options = parser.parse_args()
    folder = Path(options.out or tempfile.mkdtemp(prefix="hostile_ledger_"))
    folder.mkdir(parents=True, exist_ok=True)
    cases = {
        "far cells (blank XFD1)": make_ledger.far_cells(folder / "far.xlsx"),
        "far cells (named XFD1)": make_ledger.far_cells(folder / "far_named.xlsx", named=True),
        "shared-strings bomb": make_ledger.shared_strings_bomb(folder / "bomb.xlsx"),
        "stale dimension, 10,000 rows": make_ledger.stale_dimension(folder / "stale.xlsx"),
    }
    for name, path in cases.items():
        out = folder / f"{path.stem}.out.csv"
        result = measure(["batch", str(path), "-o", str(out), "-q"], options.limit_gb,
                         options.timeout)  # fmt: skip
        size = f"  ({out.stat().st_size:,} bytes out)" if out.exists() else ""
        print(f"{name:32s} {path.stat().st_size:>12,} B  {result}{size}")
    src = ledger_csv(folder / "report.csv", options.report_rows)
    args = ["report", str(src), "--amount", "金额", "--offshore", "是否境外", "-q"]
    result = measure([*args, "-o", str(folder / "report.xlsx")], options.limit_gb, options.timeout)
    print(f"report -o .xlsx, {options.report_rows:,} rows   {result}")


if __name__ == "__main__":
    main()
