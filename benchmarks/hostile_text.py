"""Time and peak memory of hostile text: lines built to make the normaliser slow or big.

Each case runs in a fresh process (``python -c …`` or ``tas-classify batch``); the figure is
its wall time and its peak resident memory (``ru_maxrss`` of the child). A case that does not
finish within ``--timeout`` seconds is reported as such.

Cases (issue 12, finding 2 and the Low list):

- ``ones``: ``classify("1" * 20000)`` (a digit run: the amount and number patterns);
- ``no-spaces``: ``classify("no" + " " * 40000 + "x")`` (the contract-number pattern);
- ``invoices``: one cell of 2,000 comma-separated eight-digit invoice numbers;
- ``phase``: ``classify("第" + "1" * 20000)`` (the phase-marker pattern);
- ``csv-75k``: a 75 KB CSV of 5 such rows through ``tas-classify batch``;
- ``fdfa``: ``classify("\\ufdfa" * 100000)`` (NFKC expands U+FDFA 18×);
- ``50mb``: ``classify`` of a 50 MB string of ordinary ledger text;
- ``csv-100mb``: a CSV with one 100 MB cell through ``tas-classify batch``.

Run:  python benchmarks/hostile_text.py [--timeout 120] [--only ones,fdfa] [--json]

Measured (2 shared cores, Python 3.11; whole process, start-up and model load ≈ 0.6 s included;
"before" is the commit before linear-time normalisation, e4120fe):

    case        before                 after
    ones        44.7 s     152 MB      0.66 s   152 MB   (classify call alone: 3 ms)
    no-spaces   78.9 s     152 MB      0.61 s   152 MB   (11 ms)
    invoices    11.7 s     152 MB      0.61 s   152 MB   (2 ms)
    phase       19.8 s     152 MB      0.66 s   152 MB   (3 ms)
    fdfa         4.0 s     392 MB      0.66 s   153 MB   (8 ms)
    50mb        22.8 s   2,476 MB      0.66 s   200 MB   (4 ms; the rest is the 50 MB string)
    csv-75k     26.1 s     155 MB      0.76 s   156 MB
    csv-100mb   59.2 s   5,038 MB      2.37 s   822 MB   (reading and writing the 100 MB cell)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

INVOICES = ",".join(str(10_000_000 + 7919 * i) for i in range(2000))
LEDGER_TEXT = "为某银行提供核心系统定制开发，合同号HT-2024-0381，金额¥386,000.00；"

# Each case: (label, statement evaluating to the text) for classify in a fresh process.
LINES: dict[str, str] = {
    "ones": '"1" * 20000',
    "no-spaces": '"no" + " " * 40000 + "x"',
    "invoices": repr(INVOICES),
    "phase": '"第" + "1" * 20000',
    "fdfa": '"\\ufdfa" * 100000',
    "50mb": f"({LEDGER_TEXT!r} * (50_000_000 // {len(LEDGER_TEXT.encode())}))",
}

CSV_ROWS = [
    "1" * 15000,
    "no" + " " * 15000 + "x",
    INVOICES[:15000],
    "第" + "1" * 15000,
    "金额" + "1," * 7500 + "x",
]


def _measure(command: list[str], timeout: float) -> dict[str, object]:
    """Wall time and peak RSS (MB) of one child process."""
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # child: run the command, so that wait4 gives its own rusage
        try:
            os.execvp(command[0], command)
        finally:
            os._exit(127)
    deadline = start + timeout
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        if time.perf_counter() > deadline:
            os.kill(pid, 9)
            os.wait4(pid, 0)
            return {"seconds": None, "peak_mb": None, "note": f"killed after {timeout:.0f} s"}
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    return {
        "seconds": round(seconds, 2),
        "peak_mb": round(usage.ru_maxrss / 1024, 1),
        "note": "" if code == 0 else f"exit {code}",
    }


def _classify_command(expression: str) -> list[str]:
    code = (
        "import tas_classify\n"
        "tas_classify.classify('warm up')\n"
        f"text = {expression}\n"
        "r = tas_classify.classify(text)\n"
        "print(r.code, r.flags, len(r.normalised))\n"
    )
    return [sys.executable, "-c", code]


def _write_csv(path: Path, rows: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("合同名称\n")
        for row in rows:
            fh.write('"' + row.replace('"', '""') + '"\n')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--only", default="", help="comma-separated case names")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    only = set(filter(None, args.only.split(",")))
    results: dict[str, dict[str, object]] = {}
    cli = [sys.executable, "-m", "tas_classify", "batch", "-q", "--column", "合同名称"]
    with tempfile.TemporaryDirectory() as tmp:
        cases: dict[str, list[str]] = {k: _classify_command(v) for k, v in LINES.items()}
        small = Path(tmp, "hostile_75k.csv")
        _write_csv(small, CSV_ROWS)
        cases["csv-75k"] = [*cli, str(small), "-o", str(Path(tmp, "out75k.csv"))]
        big = Path(tmp, "hostile_100mb.csv")
        if not only or "csv-100mb" in only:
            _write_csv(big, [LEDGER_TEXT * (100_000_000 // len(LEDGER_TEXT.encode())), "软件开发"])
        cases["csv-100mb"] = [*cli, str(big), "-o", str(Path(tmp, "out100mb.csv"))]
        for name, command in cases.items():
            if only and name not in only:
                continue
            results[name] = _measure(command, args.timeout)
            if not args.json:
                r = results[name]
                print(f"{name:10} {r['seconds']!s:>8} s {r['peak_mb']!s:>9} MB  {r['note']}")
                sys.stdout.flush()
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
