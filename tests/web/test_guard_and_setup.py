"""The server's guards and the setup page, as the review of the workbench found them wanting:
tokens in any script, the ``null`` origin, security headers, the size limit's status code,
a preview that saves nothing, and an undo whose group is gone."""

import json
import time
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from tas_classify.review import Workbench
from tas_classify.web.app import create_app

DATA = "合同名称,客户,金额\n软件定制开发服务,甲公司,1000\n技术开发费,乙公司,500\n".encode(
    "gb18030"
)


@pytest.fixture
def bench(tmp_path):
    wb = Workbench(tmp_path / "data")
    yield wb
    for thread in list(wb._threads.values()):
        thread.join(60)
    wb.store.close()


def _ready(bench):
    r = bench.add_ledger(DATA, "台账.csv", {"track": "outsourcing"})
    bench.start(r.id, wait=True)
    return r.id


@pytest.mark.parametrize("token", ["密码-口令", "abc"])
def test_tokens_in_any_script_are_compared_without_a_500(bench, token):
    with TestClient(create_app(bench, hosts=(), token=token)) as client:
        assert client.get("/").status_code == 401
        assert client.get("/?token=" + quote(token + "é")).status_code == 401
        bearer = ("Bearer " + token + "é").encode("utf-8")
        assert client.get("/", headers={"Authorization": bearer}).status_code == 401
        cookie = "tas_token=é".encode()
        assert client.get("/", headers={"Cookie": cookie}).status_code == 401
        res = client.get("/?token=" + quote(token))
        assert res.status_code == 200
        assert token not in res.headers["set-cookie"]  # a digest, not the token itself
        assert client.get("/api/reviews").status_code == 200  # the cookie now


def test_a_null_origin_is_believed_only_with_fetch_metadata(bench):
    with TestClient(create_app(bench, hosts=())) as client:
        files = {"file": ("台账.csv", DATA, "text/csv")}
        assert client.post("/api/reviews", files=files, headers={"Origin": "null"}).status_code \
            == 403  # fmt: skip
        same = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}
        assert client.post("/api/reviews", files=files, headers=same).status_code == 201
        site = {"Sec-Fetch-Site": "same-site"}
        assert client.post("/api/reviews", files=files, headers=site).status_code == 403


def test_every_answer_carries_the_security_headers(bench):
    with TestClient(create_app(bench, hosts=())) as client:
        for res in (client.get("/"), client.get("/nowhere"), client.get("/static/app.css"),
                    client.post("/reviews/zz/undo", headers={"Origin": "http://evil.example"})):
            assert res.headers["x-frame-options"] == "DENY"
            assert "frame-ancestors 'none'" in res.headers["content-security-policy"]
            assert "script-src" not in res.headers["content-security-policy"]  # default: self
            assert res.headers["x-content-type-options"] == "nosniff"
        page = client.get("/").text
        assert "onsubmit=" not in page and "onclick=" not in page  # no inline handlers


def test_a_file_just_over_the_limit_is_a_413(tmp_path):
    bench = Workbench(tmp_path / "data", max_upload_bytes=1000)
    try:
        with TestClient(create_app(bench, hosts=())) as client:
            files = {"file": ("台账.csv", DATA + b"x" * 1000, "text/csv")}
            res = client.post("/api/reviews", files=files)
            assert res.status_code == 413
            assert res.json()["error"].startswith("the file is larger than")
            assert bench.reviews() == []
    finally:
        bench.store.close()


def test_preview_again_saves_nothing_until_classify(bench):
    review_id = _ready(bench)
    before = bench.store.review(review_id).options
    with TestClient(create_app(bench, hosts=())) as client:
        form = {**{k: v or "" for k, v in before.items()}, "track": "trade",
                "total_income": "100", "action": "preview"}  # fmt: skip
        res = client.post(f"/reviews/{review_id}/setup", data=form, follow_redirects=False)
        assert res.status_code == 303
        assert "track=trade" in res.headers["location"]
        assert bench.store.review(review_id).options == before
        assert bench.store.review(review_id).status == "ready"
        page = client.get(res.headers["location"]).text
        assert 'value="trade" selected' in page and 'value="100"' in page
        form["action"] = "classify"
        assert client.post(f"/reviews/{review_id}/setup", data=form).status_code == 200
    bench.wait(review_id, 60)
    assert bench.store.review(review_id).options["track"] == "trade"


def test_undo_of_a_group_gone_since_is_done_and_said(bench):
    review_id = _ready(bench)
    key = bench.groups(review_id)[0].key
    bench.correct(review_id, key, "NONE", True)
    bench.set_options(review_id, {**bench.options(review_id).to_dict(), "text_column": "客户"})
    bench.start(review_id, wait=True)
    with TestClient(create_app(bench, hosts=())) as client:
        res = client.post(f"/api/reviews/{review_id}/undo")
        assert res.status_code == 200
        assert res.json() == {"key": key, "group": None}
        assert client.post(f"/api/reviews/{review_id}/undo").json() == {"key": None, "group": None}
    assert bench.store.corrections(review_id) == {}


def test_options_put_merges_over_the_review_options(bench):
    review_id = _ready(bench)
    with TestClient(create_app(bench, hosts=())) as client:
        res = client.put(f"/api/reviews/{review_id}/options", json={"total_income": "2000"})
        assert res.status_code == 200, res.text
        options = res.json()["options"]
        assert options["total_income"] == "2000" and options["amount_column"] == "金额"
        deadline = time.monotonic() + 60
        while client.get(f"/api/reviews/{review_id}").json()["status"] == "classifying":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        verdict = client.get(f"/api/reviews/{review_id}/verdict").json()
        assert verdict["total_income"] == "2000.00"
        assert json.dumps(verdict, ensure_ascii=False).count("台账.csv") >= 1
