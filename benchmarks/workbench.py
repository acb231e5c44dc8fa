"""The reviewer workbench's two targets (issue 14): ``tas-classify serve`` answers in under 2 s, and
a 30,000-row ledger is classified and on screen in under 10 s.

A ledger like the ones reviewers get is generated: an .xlsx with a title row and a 单位：元 row
above the header, 30,000 rows drawn from ~800 distinct services (``ledger_lines.py``), each row
with its own contract number, client, month, amount and offshore flag in their own columns.

- **start-up**: a new ``tas-classify serve --no-browser --port 0`` process, from its start until
  it prints its URL and ``GET /`` answers 200 (median and range of ``--runs``);
- **time to screen**: from the upload (``POST /api/reviews`` with the file and the columns) to the
  review page's HTML with its groups table (``GET /reviews/{id}``), polling the review's status;
  with ``--browser`` also in headless Chromium, from choosing the file on the start page through
  the preview and the Classify button to the table on screen.

Run:  python benchmarks/workbench.py [--rows 30000] [--services 800] [--runs 3] [--browser]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ledger_lines import ledger_lines  # noqa: E402

MONTHS = [f"2025-{m:02d}" for m in range(1, 13)]
CLIENTS = ["东京某保险株式会社", "上海某证券有限公司", "Munich Precision GmbH",
           "深圳某科技有限公司", "Singapore Data Pte. Ltd.", "杭州某软件有限公司",
           "苏州某制造有限公司"]  # fmt: skip


def write_ledger(path: Path, rows: int, services: int, seed: int = 7) -> int:
    """An .xlsx ledger of ``rows`` rows drawn from ``services`` distinct texts; their number."""
    from openpyxl import Workbook

    rng = random.Random(seed)
    texts = ledger_lines(services, seed)
    book = Workbook(write_only=True)
    ws = book.create_sheet("收入明细")
    ws.append(["某科技有限公司 2025年度收入明细表"])
    ws.append(["单位：元"])
    ws.append(["序号", "合同编号", "月份", "客户名称", "合同名称", "不含税金额", "是否境外"])
    for i in range(1, rows + 1):
        text = texts[min(int(rng.paretovariate(1.1)) - 1, services - 1) if rng.random() < 0.6
                     else rng.randrange(services)]  # fmt: skip
        ws.append([i, f"HT2025-{i:05d}", rng.choice(MONTHS), rng.choice(CLIENTS), text,
                   round(rng.uniform(1_000, 900_000), 2), rng.choice(["是", "否"])])  # fmt: skip
    book.save(path)
    return len(set(texts))


def start_server(data_dir: Path) -> tuple[subprocess.Popen[str], str, float]:
    """A new server process, its base URL, and seconds until ``GET /`` answered 200."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tas_classify", "serve", "--no-browser", "--port", "0",
         "--data-dir", str(data_dir)],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stderr is not None
    for line in proc.stderr:
        if "workbench: http" in line:
            url = line.split("workbench: ", 1)[1].split()[0].rstrip("/")
            break
    else:
        raise RuntimeError("the server stopped before printing its URL")
    with urllib.request.urlopen(url + "/") as answer:
        assert answer.status == 200
    return proc, url, time.perf_counter() - started


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def _multipart(fields: dict[str, str], file_name: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     f"{value}\r\n".encode())  # fmt: skip
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                 f'filename="{file_name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                 .encode() + data + b"\r\n")  # fmt: skip
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def time_to_screen_api(url: str, ledger: Path) -> float:
    options = {"track": "outsourcing", "text_column": "合同名称", "amount_column": "不含税金额",
               "offshore_column": "是否境外", "client_column": "客户名称"}  # fmt: skip
    body, kind = _multipart({"options": json.dumps(options)}, ledger.name, ledger.read_bytes())
    started = time.perf_counter()
    request = urllib.request.Request(url + "/api/reviews", data=body, method="POST",
                                     headers={"Content-Type": kind})  # fmt: skip
    with urllib.request.urlopen(request) as answer:
        review = json.load(answer)
    while True:
        with urllib.request.urlopen(f"{url}/api/reviews/{review['id']}") as answer:
            status = json.load(answer)["status"]
        if status != "classifying":
            break
        time.sleep(0.05)
    if status != "ready":
        raise RuntimeError(f"review {review['id']}: {status}")
    with urllib.request.urlopen(f"{url}/reviews/{review['id']}") as answer:
        page = answer.read().decode()
    assert 'id="groups"' in page
    return time.perf_counter() - started


def time_to_screen_browser(url: str, ledger: Path) -> float:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])  # fmt: skip
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.goto(url + "/")
        started = time.perf_counter()
        page.set_input_files("#file", str(ledger))
        page.click("button[type=submit]")
        page.wait_for_selector("#classify")
        page.click("#classify")
        page.wait_for_selector("table#groups tr.group", timeout=60_000)
        elapsed = time.perf_counter() - started
        browser.close()
    return elapsed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=30_000)
    parser.add_argument("--services", type=int, default=800)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--browser", action="store_true", help="also time it in headless Chromium")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tas-workbench-") as folder:
        ledger = Path(folder) / "收入明细_30000.xlsx"
        distinct = write_ledger(ledger, args.rows, args.services)
        print(f"ledger: {args.rows:,} rows, {distinct} distinct texts, "
              f"{ledger.stat().st_size / (1 << 20):.1f} MiB")  # fmt: skip
        starts, screens, browsers = [], [], []
        for run in range(args.runs):
            proc, url, start = start_server(Path(folder) / f"data{run}")
            try:
                starts.append(start)
                screens.append(time_to_screen_api(url, ledger))
                if args.browser:
                    browsers.append(time_to_screen_browser(url, ledger))
            finally:
                stop(proc)

        def show(name: str, values: list[float], target: float) -> None:
            median = statistics.median(values)
            print(f"{name:<44} median {median:5.2f} s (range {min(values):.2f}–"
                  f"{max(values):.2f}; target < {target:g} s)")  # fmt: skip

        show("start-up (process start to GET / = 200)", starts, 2)
        show(f"time to screen, {args.rows:,} rows (upload to page)", screens, 10)
        if browsers:
            show("time to screen in Chromium (file chosen to table)", browsers, 10)


if __name__ == "__main__":
    main()
