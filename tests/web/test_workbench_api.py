"""The workbench's JSON API and pages through Starlette's TestClient (no browser, no server): a
review from upload to verdict, filters, corrections, exports, and the guards of a local server
(Host, Origin, token, upload size); every ledger cell is escaped in the pages.

(Not named test_api.py: tests/test_api.py has that basename, and test folders are not packages.)"""

import io
import json
import time
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook
from starlette.testclient import TestClient

from tas_classify.review import EXPORTS, Workbench
from tas_classify.review.store import LEDGERS
from tas_classify.web.app import create_app

TITLE = "XX科技有限公司2024年度收入明细表"
HEADER = ["序号", "合同名称", "客户", "金额", "是否境外"]
JAPAN = "为日本某保险公司提供核心系统定制开发服务"
TECH = "技术开发费"
XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
LINES = [
    (JAPAN, "东京某保险株式会社", "1,200,000.00", "是"),
    ("IDC机柜托管及带宽租用服务（年度）", "上海某证券公司", "360,000.00", "否"),
    ("服务器及网络设备采购", "苏州某制造企业", "800,000.00", "否"),
    (TECH, "杭州某科技公司", "450,000.00", "否"),
    (XSS, XSS, "20,000.00", "否"),
    ("办公楼租金", "本地物业公司", "150,000.00", "否"),
]
TOKEN = "s3cret-token"
OPTIONS = {"track": "outsourcing", "enterprise": "XX科技有限公司"}


def ledger_csv(lines=LINES):
    out = [f"{TITLE},,,,", "单位：元,,,,", ",".join(HEADER)]
    out += [f'{n},{t},{c},"{a}",{o}' for n, (t, c, a, o) in enumerate(lines, 1)]
    return ("\r\n".join(out) + "\r\n").encode("gb18030")


def close(wb):
    """Wait for classifying threads still running, then close the store."""
    for thread in list(wb._threads.values()):
        thread.join(60)
    wb.store.close()


@pytest.fixture
def bench(tmp_path):
    wb = Workbench(tmp_path / "data")
    yield wb
    close(wb)


@pytest.fixture
def client(bench):
    with TestClient(create_app(bench, hosts=())) as c:
        yield c


def upload(client, data=None, name="收入台账.csv", options=OPTIONS, **kwargs):
    files = {"file": (name, data if data is not None else ledger_csv(), "text/csv")}
    form = {} if options is None else {"options": json.dumps(options, ensure_ascii=False)}
    return client.post("/api/reviews", files=files, data=form, **kwargs)


def wait_ready(client, review_id, timeout=60.0, **kwargs):
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(f"/api/reviews/{review_id}", **kwargs).json()
        if body["status"] in ("ready", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert body["status"] == "ready", body
    return body


@pytest.fixture
def review(client):
    res = upload(client)
    assert res.status_code == 201, res.text
    return wait_ready(client, res.json()["id"])["id"]


def groups(client, review_id, **query):
    res = client.get(f"/api/reviews/{review_id}/groups", params=query)
    assert res.status_code == 200, res.text
    return res.json()


# ---------------------------------------------------------------------- a review
def test_upload_returns_201_and_the_review_becomes_ready(client):
    res = upload(client)
    assert res.status_code == 201, res.text
    body = res.json()
    assert len(body["id"]) == 12
    assert res.headers["location"] == f"/api/reviews/{body['id']}"
    assert body["page"] == f"/reviews/{body['id']}"
    assert body["file_name"] == "收入台账.csv"
    assert body["options"]["amount_column"] == "金额"
    assert body["options"]["track"] == "outsourcing"
    ready = wait_ready(client, body["id"])
    assert ready["done"] == len(LINES)
    assert body["id"] in [r["id"] for r in client.get("/api/reviews").json()]


def test_upload_without_a_file_or_with_bad_options_is_a_400(client):
    res = client.post("/api/reviews", data={"options": "{}"})
    assert res.status_code == 400 and "file" in res.json()["error"]
    res = upload(client, options=None, data=ledger_csv())
    assert res.status_code == 201  # options are optional
    bad = client.post("/api/reviews", files={"file": ("a.csv", ledger_csv(), "text/csv")},
                      data={"options": "{not json"})  # fmt: skip
    assert bad.status_code == 400 and "JSON" in bad.json()["error"]
    for options in ({"track": "x"}, {"header_row": 0}, {"total_income": "abc"}, {"colour": 1}):
        res = upload(client, options=options)
        assert res.status_code == 400, options
        assert res.json()["error"]
    res = upload(client, name="lines.jsonl")
    assert res.status_code == 400 and ".csv" in res.json()["error"]


def test_groups_with_each_filter(client, review):
    everything = groups(client, review)
    assert len(everything) == len(LINES)
    first = everything[0]
    assert set(first) >= {"key", "text", "count", "amount", "code", "name", "confidence",
                          "needs_review", "reviewed", "evidence", "alternatives"}  # fmt: skip
    assert first["text"] == TECH  # at risk, the largest amount
    texts = {g["text"] for g in everything}
    needs = {g["text"] for g in groups(client, review, needs_review="true")}
    assert TECH in needs and JAPAN not in needs
    confident = {g["text"] for g in groups(client, review, needs_review="false")}
    assert needs | confident == texts and not needs & confident
    assert {g["text"] for g in groups(client, review, code="ITO-01")} == {JAPAN}
    assert groups(client, review, reviewed="true") == []
    assert len(groups(client, review, reviewed="false")) == len(LINES)
    assert [g["text"] for g in groups(client, review, q="东京")] == [JAPAN]
    assert [g["text"] for g in groups(client, review, q="idc")] == [LINES[1][0]]
    by_subgroup = groups(client, review, group="信息系统运营维护外包")
    assert [g["text"] for g in by_subgroup] == [LINES[1][0]]
    res = client.get(f"/api/reviews/{review}/groups", params={"needs_review": "maybe"})
    assert res.status_code == 400 and "needs_review" in res.json()["error"]


def test_put_a_group_changes_the_verdict(client, review):
    before = client.get(f"/api/reviews/{review}/verdict").json()
    assert before["verdict"] == "pass"
    key = next(g["key"] for g in groups(client, review) if g["text"] == JAPAN)
    res = client.put(f"/api/reviews/{review}/groups/{key}", json={"code": "NONE", "reviewed": True})
    assert res.status_code == 200, res.text
    assert (res.json()["code"], res.json()["model_code"], res.json()["reviewed"]) == (
        "NONE", "ITO-01", True)  # fmt: skip
    after = client.get(f"/api/reviews/{review}/verdict").json()
    assert after["verdict"] == "fail"
    # 2,980,000 in all; in scope 360,000 + 450,000 = 810,000 once the 1,200,000 line is out
    assert after["ledger_sum"] == before["ledger_sum"] == "2980000.00"
    assert after["in_scope_income"] == "810000.00"
    assert after["corrections"][0]["text"] == JAPAN
    assert groups(client, review, reviewed="true")[0]["key"] == key
    status = client.get(f"/api/reviews/{review}/status").json()
    assert (status["reviewed_groups"], status["corrected_groups"]) == (1, 1)
    # undo takes it back
    res = client.post(f"/api/reviews/{review}/undo")
    assert res.status_code == 200 and res.json()["group"]["code"] == "ITO-01"
    assert client.get(f"/api/reviews/{review}/verdict").json()["verdict"] == "pass"


def test_put_a_bad_code_is_a_400_with_a_json_error(client, review):
    key = groups(client, review)[0]["key"]
    for body in ({"code": "TRD-01"}, {"code": "XYZ"}, {"code": 5}, {"code": "NONE", "reviewed": 1},
                 [1, 2]):  # fmt: skip
        res = client.put(f"/api/reviews/{review}/groups/{key}", json=body)
        assert res.status_code == 400, body
        assert res.headers["content-type"] == "application/json"
        assert res.json()["error"]
    res = client.put(f"/api/reviews/{review}/groups/{key}", content=b"not json",
                     headers={"content-type": "application/json"})  # fmt: skip
    assert res.status_code == 400
    assert groups(client, review, reviewed="true") == []


def test_unknown_review_or_group_is_a_404(client, review):
    for path in ("/api/reviews/0123456789ab", "/api/reviews/0123456789ab/groups",
                 "/api/reviews/0123456789ab/verdict",
                 "/api/reviews/0123456789ab/export?format=csv"):  # fmt: skip
        res = client.get(path)
        assert res.status_code == 404, path
        assert "error" in res.json()
    res = client.put(f"/api/reviews/{review}/groups/{'0' * 16}", json={"code": "NONE"})
    assert res.status_code == 404


def test_a_path_like_review_id_is_a_404_and_reads_no_file(client, bench, tmp_path):
    secret = "SECRET-LEDGER-CONTENT"
    (tmp_path / "x").write_text(secret, encoding="utf-8")
    (tmp_path / "secret.csv").write_text(f"合同名称,金额\n{secret},1\n", encoding="utf-8")
    (bench.store.folder / "x.csv").write_text(f"合同名称,金额\n{secret},1\n", encoding="utf-8")
    for review_id in ("..%2Fx", "..%2F..%2Fx", "..", "..%2F..%2Fsecret.csv", "x.csv",
                      "%2E%2E%2Fx", "..%5Cx", "ledgers"):  # fmt: skip
        for path in ("", "/groups", "/verdict", "/export?format=csv", "/export?format=xlsx"):
            res = client.get(f"/api/reviews/{review_id}{path}")
            assert res.status_code == 404, (review_id, path, res.text)
            assert secret not in res.text
        for path in ("", "/setup"):
            if review_id == ".." and not path:
                continue  # the client itself makes '/reviews/..' the start page '/'
            res = client.get(f"/reviews/{review_id}{path}")
            assert res.status_code == 404, (review_id, path)
            assert secret not in res.text
    assert client.get("/static/..%2F..%2Fapp.py").status_code == 404
    assert not (bench.store.folder / "exports").exists() or not any(
        (bench.store.folder / "exports").iterdir()
    )


# ---------------------------------------------------------------------- exports
@pytest.mark.parametrize("fmt", list(EXPORTS))
def test_each_export_format(client, review, fmt):
    res = client.get(f"/api/reviews/{review}/export", params={"format": fmt})
    assert res.status_code == 200, res.text
    assert res.headers["content-type"] == EXPORTS[fmt][1]
    disposition = res.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    what = {"xlsx": "_复核", "csv": "_复核", "json": "_报告", "html": "_报告",
            "report-xlsx": "_报告", "corrections": "_更正"}[fmt]  # fmt: skip
    assert "filename" in disposition
    assert unquote(disposition).endswith("收入台账" + what + EXPORTS[fmt][0])
    body = res.content
    if fmt in ("xlsx", "report-xlsx"):
        assert body.startswith(b"PK")
        book = load_workbook(io.BytesIO(body))
        assert book.sheetnames
    elif fmt == "json":
        assert res.json()["verdict"] == "pass"
    elif fmt == "html":
        assert XSS not in res.text and ESCAPED in res.text
    elif fmt == "csv":
        assert res.text.lstrip("\ufeff").startswith(",".join(HEADER) + ",tas_code")
    else:
        assert res.text.lstrip("\ufeff").startswith("text,label,tas_reviewed")


def test_exports_leave_no_temporary_files(client, bench, review):
    for fmt in EXPORTS:
        res = client.get(f"/api/reviews/{review}/export", params={"format": fmt})
        assert res.status_code == 200
    res = client.get(f"/api/reviews/{review}/export", params={"format": "pdf"})
    assert res.status_code == 400
    exports = bench.store.folder / "exports"
    assert not exports.exists() or list(exports.iterdir()) == []


def test_summary(client, review):
    second = upload(client, options={**OPTIONS, "enterprise": "乙信息技术有限公司"}).json()["id"]
    wait_ready(client, second)
    res = client.get("/api/summary", params={"format": "csv"})
    assert res.status_code == 200, res.text
    assert res.headers["content-type"].startswith("text/csv")
    assert "附件2" in unquote(res.headers["content-disposition"])
    text = res.text.lstrip("\ufeff")
    assert "XX科技有限公司" in text and "乙信息技术有限公司" in text
    for fmt in ("xlsx", "html"):
        assert client.get("/api/summary", params={"format": fmt}).status_code == 200
    assert client.get("/api/summary", params={"format": "json"}).status_code == 400


# ---------------------------------------------------------------------- upload size
def test_upload_over_the_workbench_limit_is_refused_with_a_clear_message(tmp_path):
    data = ledger_csv()
    bench = Workbench(tmp_path / "data", max_upload_bytes=len(data) - 10)
    try:
        with TestClient(create_app(bench, hosts=())) as client:
            res = upload(client, data)
            assert res.status_code in (400, 413)
            message = res.json()["error"]
            assert "larger than" in message and "limit" in message
            assert client.get("/api/reviews").json() == []
            assert list((tmp_path / "data" / LEDGERS).iterdir()) == []
            # far over the limit: refused from the Content-Length, before reading it
            res = upload(client, data * 1000)
            assert res.status_code == 413
            assert "limit" in res.json()["error"]
    finally:
        close(bench)


def test_a_streamed_body_over_the_limit_is_cut_off(tmp_path):
    """No Content-Length (chunked): the body is counted as it arrives."""
    bench = Workbench(tmp_path / "data", max_upload_bytes=1000)

    def body():
        yield (b'--xx\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n'
               b"Content-Type: text/csv\r\n\r\n")  # fmt: skip
        for _ in range(100):
            yield "1,软件开发服务,100\n".encode() * 100
        yield b"\r\n--xx--\r\n"

    try:
        with TestClient(create_app(bench, hosts=())) as client:
            headers = {"content-type": "multipart/form-data; boundary=xx"}
            res = client.post("/api/reviews", content=body(), headers=headers)
            assert res.status_code == 413
            assert "limit" in res.json()["error"]
        assert bench.reviews() == []
    finally:
        close(bench)


def test_create_app_upload_limit_is_the_file_limit(tmp_path):
    bench = Workbench(tmp_path / "data")
    data = ledger_csv()
    try:
        with TestClient(create_app(bench, hosts=(), max_upload_bytes=len(data) // 2)) as client:
            res = upload(client, data)
            assert res.status_code in (400, 413), res.text
    finally:
        close(bench)


def test_the_413_message_names_the_configured_limit(tmp_path):
    bench = Workbench(tmp_path / "data", max_upload_bytes=1 << 20)
    try:
        with TestClient(create_app(bench, hosts=())) as client:
            res = upload(client, b"x" * (2 << 20))
            assert res.status_code == 413
            assert "larger than 1 MiB" in res.json()["error"], res.json()["error"]
    finally:
        close(bench)


# ---------------------------------------------------------------------- guards
def test_host_header_must_be_the_servers(bench):
    with TestClient(create_app(bench), base_url="http://127.0.0.1") as client:
        assert client.get("/api/reviews").status_code == 200
        for host in ("localhost:8000", "127.0.0.1:8765", "[::1]:8000"):
            assert client.get("/api/reviews", headers={"host": host}).status_code == 200, host
        for host in ("evil.example", "evil.example:8000", "127.0.0.1.evil.example", ""):
            res = client.get("/api/reviews", headers={"host": host})
            assert res.status_code == 400, host
            assert "127.0.0.1" in res.json()["error"]
        res = client.get("/", headers={"host": "evil.example"})
        assert res.status_code == 400 and res.headers["content-type"].startswith("text/html")


def test_a_request_from_another_site_is_refused(bench, tmp_path):
    with TestClient(create_app(bench), base_url="http://127.0.0.1") as client:
        res = upload(client, headers={"origin": "http://evil.example"})
        assert res.status_code == 403
        assert "another site" in res.json()["error"]
        assert bench.reviews() == []
        res = upload(client, headers={"sec-fetch-site": "cross-site"})
        assert res.status_code == 403
        res = client.post("/reviews/0123456789ab/delete", headers={"origin": "http://evil.example"},
                          follow_redirects=False)  # fmt: skip
        assert res.status_code == 403
        # the page's own requests pass
        own = {"origin": "http://127.0.0.1", "sec-fetch-site": "same-origin"}
        res = upload(client, headers=own)
        assert res.status_code == 201, res.text
        wait_ready(client, res.json()["id"])
        # a GET from another site changes nothing and is not refused
        res = client.get("/api/reviews", headers={"origin": "http://evil.example"})
        assert res.status_code == 200


def test_token_mode(bench):
    app = create_app(bench, token=TOKEN, hosts=())
    with TestClient(app) as client:
        res = client.get("/api/reviews")
        assert res.status_code == 401 and "token" in res.json()["error"]
        assert client.get("/").status_code == 401
        assert client.get("/api/reviews", params={"token": "wrong"}).status_code == 401
        res = client.get("/", params={"token": TOKEN})
        assert res.status_code == 200
        assert "tas_token=" in res.headers["set-cookie"]
        assert "HttpOnly" in res.headers["set-cookie"]
        # the cookie carries later requests
        assert client.get("/api/reviews").status_code == 200
        res = upload(client)
        assert res.status_code == 201, res.text
        wait_ready(client, res.json()["id"])
    with TestClient(app) as api:
        bearer = {"authorization": f"Bearer {TOKEN}"}
        assert api.get("/api/reviews", headers=bearer).status_code == 200
        assert api.get("/api/reviews", headers={"authorization": "Bearer nope"}).status_code == 401
        assert api.get("/api/reviews", headers={"authorization": TOKEN}).status_code == 401
        assert api.get("/api/reviews").status_code == 401  # no cookie was set by a Bearer call


# ---------------------------------------------------------------------- pages
def test_pages_escape_ledger_cells(client, bench):
    res = upload(client, options={**OPTIONS, "enterprise": XSS})
    review = res.json()["id"]
    wait_ready(client, review)
    for path in ("/", f"/reviews/{review}/setup", f"/reviews/{review}",
                 f"/reviews/{review}/verdict-panel"):  # fmt: skip
        res = client.get(path)
        assert res.status_code == 200, path
        assert res.headers["content-type"].startswith("text/html")
        assert XSS not in res.text, path
        if path != f"/reviews/{review}/verdict-panel":
            assert ESCAPED in res.text, path
    # the review page shows the cell after a correction too (listed in the verdict)
    key = next(g["key"] for g in groups(client, review) if g["text"] == XSS)
    client.put(f"/api/reviews/{review}/groups/{key}", json={"code": "ITO-01"})
    page = client.get(f"/reviews/{review}").text
    assert XSS not in page and ESCAPED in page


def test_a_setup_page_shows_the_title_row_escaped(client):
    data = ledger_csv().replace(TITLE.encode("gb18030"), XSS.encode("gb18030"))
    review = upload(client, data).json()["id"]
    wait_ready(client, review)
    page = client.get(f"/reviews/{review}/setup").text
    assert XSS not in page and ESCAPED in page


def test_form_post_of_a_group_redirects_back_to_the_review(client, review):
    key = next(g["key"] for g in groups(client, review) if g["text"] == TECH)
    res = client.post(f"/reviews/{review}/groups/{key}",
                      data={"code": "ITO-01", "back": f"/reviews/{review}?needs_review=true"},
                      follow_redirects=False)  # fmt: skip
    assert res.status_code == 303
    assert res.headers["location"] == f"/reviews/{review}?needs_review=true"
    group = next(g for g in groups(client, review) if g["key"] == key)
    assert (group["code"], group["reviewed"]) == ("ITO-01", True)
    # a 'back' to another site still returns to the review
    res = client.post(f"/reviews/{review}/groups/{key}",
                      data={"code": "ITO-01", "back": "https://evil.example/?x=1"},
                      follow_redirects=False)  # fmt: skip
    assert res.status_code == 303
    assert res.headers["location"].startswith(f"/reviews/{review}")
    res = client.post(f"/reviews/{review}/groups/{key}", data={"code": "TRD-01"},
                      follow_redirects=False)  # fmt: skip
    assert res.status_code == 400
    assert res.headers["content-type"].startswith("text/html")


def test_a_review_page_before_it_is_ready_shows_progress(client, bench):
    bench.add_ledger(ledger_csv(), "a.csv")
    review = bench.reviews()[0].id
    res = client.get(f"/reviews/{review}")
    assert res.status_code == 200
    assert client.get(f"/api/reviews/{review}/groups").status_code == 400
