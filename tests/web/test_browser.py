"""The workbench in a real browser (headless Chromium driven by Playwright), against a real
``tas-classify serve`` process: open a ledger with a title row, confirm the detected columns,
filter to needs-review, correct a group, see the verdict change, reload, kill and restart the
server, export — and hostile cells stay text all the way.

Chromium comes from the system (``.ci/run`` installs Debian's ``chromium`` when it is missing);
without it these tests are skipped on a developer's machine and fail under CI.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

XSS = "<script>alert(1)</script>定制开发服务"
FORMULA = '=HYPERLINK("http://example.com","软件开发")'
# Two lines that read the same once normalised (full-width letters, Traditional script): one group.
SAME_A = "为日本某保险公司提供核心系统定制開發服務（ＡＰＩ）"
SAME_B = "为日本某保险公司提供核心系统定制开发服务(API)"
SAME = "为日本某保险公司提供核心系统定制"
UNSURE = "技术服务费"  # vague: the model asks for review


def _chromium() -> str | None:
    for name in (os.environ.get("TAS_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


@pytest.fixture(scope="module")
def browser():
    chromium = _chromium()
    if chromium is None:
        if os.environ.get("CI") or os.environ.get("TAS_REQUIRE_BROWSER"):
            pytest.fail("no Chromium under CI: .ci/run installs it (apt-get install chromium)")
        pytest.skip("no Chromium on this machine (apt-get install chromium)")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        yield b
        b.close()


def _ledger(path: Path) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = "收入明细"
    ws.append(["某科技有限公司 2025年度收入明细表"])
    ws.append(["单位：元"])
    ws.append(["序号", "合同名称", "客户名称", "不含税金额", "是否境外"])
    rows = [
        (SAME_A, "东京某保险株式会社", 1_200_000, "是"),
        (SAME_B, "东京某保险株式会社", 800_000, "是"),
        ("IDC机柜托管及带宽租用服务", "上海某证券公司", 300_000, "否"),
        (UNSURE, "杭州某科技公司", 2_500_000, "否"),
        ("服务器及网络设备采购", "苏州某制造企业", 400_000, "否"),
        (XSS, "<b>客户</b>", 50_000, "否"),
        (FORMULA, "某客户", 30_000, "否"),
    ]
    for i, (text, client, amount, offshore) in enumerate(rows, 1):
        ws.append([i, text, client, amount, offshore])
    for cell in ws["B"][3:]:
        cell.data_type = "s"  # keep the formula-like text a string in the input too
    book.create_sheet("说明").append(["本表由财务系统导出"])
    book.save(path)
    return path


class Server:
    """A ``tas-classify serve`` process on a free port over ``data_dir``."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""
        self.runs = 0

    def start(self) -> Server:
        """Start the server; its stderr goes to a file, read until it prints its URL."""
        self.runs += 1
        log = self.data_dir.parent / f"serve-{self.runs}.log"
        with log.open("w") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tas_classify", "serve", "--no-browser", "--port", "0",
                 "--data-dir", str(self.data_dir)],
                stderr=err, text=True,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.proc.poll() is None:
            for line in log.read_text(encoding="utf-8").splitlines():
                if "workbench: http" in line:
                    self.url = line.split("workbench: ", 1)[1].split()[0].rstrip("/")
                    return self
            time.sleep(0.05)
        raise AssertionError(f"the server did not start: {log.read_text(encoding='utf-8')}")

    def kill(self) -> None:
        """As a crash or a closed terminal would: no chance to clean up."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture
def server(tmp_path):
    s = Server(tmp_path / "data").start()
    yield s
    s.stop()


def _row(page, text: str):
    return page.locator("tr.group", has=page.locator("td.text", has_text=text))


def test_review_from_ledger_to_export(browser, server, tmp_path):
    dialogs: list[str] = []
    page = browser.new_page(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    # open a ledger with a title row: the header is found on row 3, the columns proposed
    page.goto(server.url + "/")
    page.set_input_files("#file", str(_ledger(tmp_path / "收入明细.xlsx")))
    page.click("form.upload button[type=submit]")
    page.wait_for_selector("#setup-form")
    assert page.inner_text("#found-header-row") == "3"
    assert page.input_value("#opt-text_column") == "合同名称"
    assert page.input_value("#opt-amount_column") == "不含税金额"
    assert page.input_value("#opt-offshore_column") == "是否境外"
    assert page.input_value("#opt-client_column") == "客户名称"
    page.select_option("#opt-track", "outsourcing")
    page.fill("#opt-enterprise", "某科技有限公司")
    page.click("#classify")
    page.wait_for_selector("table#groups tr.group", timeout=60_000)
    review_url = page.url.split("?")[0]
    page.screenshot(path=str(tmp_path / "review-screen.png"), full_page=True)

    # the two spellings of one service are one group of 2 lines and 2,000,000
    same = _row(page, SAME)
    assert same.count() == 1
    assert same.locator("td.num").nth(1).inner_text() == "2"
    assert same.locator("td.num").first.inner_text() == "2,000,000.00"

    # hostile cells are shown as text and never run
    assert _row(page, XSS).count() == 1
    assert page.locator("td.text", has_text="<script>alert(1)</script>").count() == 1
    assert page.locator("b", has_text="客户").count() == 0
    assert _row(page, FORMULA).count() == 1

    # filter to needs-review: only groups at risk are listed, the vague line among them
    page.click("#only-to-review")
    page.wait_for_load_state()
    rows = page.locator("tr.group")
    assert rows.count() >= 1
    assert all("at-risk" in (rows.nth(i).get_attribute("class") or "")
               for i in range(rows.count()))  # fmt: skip
    unsure = _row(page, UNSURE)
    assert unsure.count() == 1
    key = unsure.get_attribute("data-key")

    # correct the vague group to a code in scope: the verdict panel is redrawn from the server
    model_code = unsure.locator(".picker").input_value()
    target = "ITO-02" if model_code != "ITO-02" else "ITO-01"
    before = page.inner_text("#share-in_scope")
    verdict_before = page.get_attribute("#verdict", "data-verdict")
    unsure.locator(".picker").select_option(target)
    page.wait_for_function(
        "b => document.querySelector('#share-in_scope').textContent.trim() !== b", arg=before
    )
    after = page.inner_text("#share-in_scope")
    assert after != before
    assert "reviewed" in (unsure.get_attribute("class") or "")
    page.locator("#verdict").screenshot(path=str(tmp_path / "verdict-panel.png"))
    # 2,500,000 of 5,280,000 more in scope: the in-scope test and the verdict pass
    assert verdict_before == "fail"
    assert page.get_attribute("#verdict", "data-verdict") == "pass"

    # reload: the correction is kept
    page.goto(review_url)
    row = page.locator(f'tr.group[data-key="{key}"]')
    assert row.locator(".picker").input_value() == target
    assert "reviewed" in (row.get_attribute("class") or "")
    assert page.inner_text("#share-in_scope") == after

    # kill the server and start it again on the same folder: still kept
    server.kill()
    server.start()
    page.goto(server.url + review_url[review_url.index("/reviews/"):])
    row = page.locator(f'tr.group[data-key="{key}"]')
    assert row.locator(".picker").input_value() == target
    assert page.inner_text("#share-in_scope") == after

    # undo brings the model's code back, and the share with it
    page.click("#undo")
    page.wait_for_load_state()
    row = page.locator(f'tr.group[data-key="{key}"]')
    assert row.locator(".picker").input_value() == model_code
    assert page.inner_text("#share-in_scope") == before
    row.locator(".picker").select_option(target)
    page.wait_for_function(
        "a => document.querySelector('#share-in_scope').textContent.trim() === a", arg=after
    )

    # export the annotated ledger: a copy of the workbook, codes and marks in it, text as text
    with page.expect_download() as download:
        page.click("#export-xlsx")
    saved = tmp_path / "export.xlsx"
    download.value.save_as(saved)
    from openpyxl import load_workbook

    book = load_workbook(saved)
    assert book.sheetnames == ["收入明细", "说明"]
    ws = book["收入明细"]
    assert ws["A1"].value == "某科技有限公司 2025年度收入明细表"
    header = [c.value for c in ws[3]]
    code_col = header.index("tas_code")
    by_text = {r[1].value: r for r in ws.iter_rows(min_row=4)}
    assert by_text[UNSURE][code_col].value == target
    assert by_text[UNSURE][header.index("tas_reviewed")].value == "✓"
    assert by_text[UNSURE][header.index("tas_model_code")].value == model_code
    formula = by_text[FORMULA][1]
    assert formula.data_type == "s" and formula.value == FORMULA
    for r in ws.iter_rows(min_row=4):
        assert all(c.data_type != "f" for c in r)
    assert by_text[XSS][1].value == XSS
    assert dialogs == []


def test_keyboard_review(browser, server, tmp_path):
    """A reviewer works down the list with the keyboard: j moves, Enter accepts, u undoes."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(server.url + "/")
    page.set_input_files("#file", str(_ledger(tmp_path / "台账.xlsx")))
    page.click("form.upload button[type=submit]")
    page.click("#classify")
    page.wait_for_selector("table#groups tr.group", timeout=60_000)
    rows = page.locator("tr.group")
    page.keyboard.press("j")  # the first row is selected on load; j moves to the second
    second = rows.nth(1)
    assert "selected" in (second.get_attribute("class") or "")
    page.keyboard.press("Enter")
    page.wait_for_function(  # saved, the panel redrawn, and the next row selected
        "() => document.querySelectorAll('tr.group')[2].classList.contains('selected')"
    )
    assert "reviewed" in (second.get_attribute("class") or "")
    assert page.inner_text("#reviewed-share").startswith("1 /")
    page.keyboard.press("u")
    page.wait_for_load_state()
    page.wait_for_selector("#reviewed-share")
    assert page.inner_text("#reviewed-share").startswith("0 /")
    # Enter on a focused link follows the link; it accepts nothing
    page.focus("#only-to-review")
    page.keyboard.press("Enter")
    page.wait_for_url("**needs_review=true**")
    assert page.inner_text("#reviewed-share").startswith("0 /")
