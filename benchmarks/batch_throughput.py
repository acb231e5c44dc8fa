"""Throughput and peak memory of ``tas-classify batch`` on large generated ledgers.

For each size, writes a CSV of distinct realistic ledger lines (see ``ledger_lines.py``), runs
``tas-classify batch IN.csv -o OUT.csv --quiet`` in a fresh process, and reports wall time,
lines per second and the child's peak RSS — so that a flat RSS across sizes shows memory does not
grow with the file.

Run:  python benchmarks/batch_throughput.py [--sizes 50000 200000] [--jobs 1] [--taskset 0]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ledger_lines import write_csv  # noqa: E402


def run_batch(src: Path, out: Path, jobs: int, cpu: str | None) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one batch run in a new process."""
    command = [sys.executable, "-m", "tas_classify", "batch", str(src), "-o", str(out), "-q"]
    command += ["--jobs", str(jobs)]
    if cpu is not None and shutil.which("taskset"):
        command = ["taskset", "-c", cpu, *command]
    start = time.perf_counter()
    child = subprocess.Popen(command)
    _, status, usage = os.wait4(child.pid, 0)  # this child's own peak RSS, in KiB on Linux
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"batch failed with exit code {child.returncode}")
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50_000, 200_000])
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--taskset", default=None, help="CPU list for taskset, e.g. 0")
    parser.add_argument("--json", action="store_true", help="print one JSON object per size")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for size in sorted(args.sizes):
            src, out = Path(tmp) / f"ledger_{size}.csv", Path(tmp) / f"out_{size}.csv"
            write_csv(src, size)
            wall, rss = run_batch(src, out, args.jobs, args.taskset)
            rows = sum(1 for _ in out.open(encoding="utf-8-sig")) - 1
            assert rows == size, f"{rows} rows out for {size} in"
            result = {
                "lines": size,
                "jobs": args.jobs,
                "seconds": round(wall, 1),
                "lines_per_s": round(size / wall),
                "peak_rss_mib": round(rss),
                "input_mib": round(src.stat().st_size / 2**20, 1),
            }
            if args.json:
                print(json.dumps(result))
            else:
                print(
                    f"{size:>9,} lines  jobs={args.jobs}  {wall:7.1f} s  "
                    f"{size / wall:8,.0f} lines/s  peak RSS {rss:5.0f} MiB  "
                    f"(input {result['input_mib']} MiB)"
                )


if __name__ == "__main__":
    main()
