"""The workbench and ``tas-classify report`` on its exported ledger must agree, whatever the
reviewer did: corrections, accepted groups, groups with problems of their own, a track changed
after corrections. And several ledgers classified at once all finish."""

import json
import threading

from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from tas_classify.cli import main
from tas_classify.review import Workbench, export

HEADER = ["序号", "合同名称", "客户", "金额", "是否境外"]
LINES = [
    ("为日本某保险公司提供核心系统定制开发服务", "东京某保险株式会社", 1_200_000, "是"),
    ("退款 技术服务费", "杭州某科技公司", 30_000, "否"),  # refund wording, positive amount
    ("技术开发费", "杭州某科技公司", 450_000, "否"),
    ("服务器及网络设备采购", "苏州某制造企业", 800_000, "否"),
    ("办公楼租金", "本地物业公司", -900, "否"),
    ("=WEBSERVICE(\"http://evil.example/\")", "某客户", 5_000, "否"),
]
KEYS = ("verdict", "worst_case_verdict", "total_income", "in_scope_income", "offshore_income",
        "in_scope_share", "offshore_share", "at_risk", "by_code", "verdicts")  # fmt: skip


def _xlsx(path, formula_note=True):
    book = Workbook()
    ws = book.active
    ws.title = "收入"
    ws.append(["XX科技有限公司 收入明细"])
    ws.append([*HEADER, "备注"])
    for i, (text, client, amount, offshore) in enumerate(LINES, 1):
        ws.append([i, text, client, amount, offshore, "=D3*2" if formula_note else ""])
    for cell in ws["B"][2:]:
        cell.data_type = "s"
    book.save(path)
    return path


def _report_json(path, track):
    args = ["report", str(path), "--amount", "金额", "--offshore", "是否境外", "--client", "客户",
            "--track", track, "--json", "--force"]  # fmt: skip
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def _agree(bench, review_id, tmp_path, track):
    out = export(bench, review_id, "xlsx", tmp_path / f"export-{track}.xlsx")
    ours, theirs = bench.report(review_id).to_dict(), _report_json(out, track)
    for key in KEYS:
        assert ours[key] == theirs[key], key

    def groups(report):
        return [(g["normalised"], g["code"], g["rows"], g["income"])
                for g in report["review_groups"]]  # fmt: skip

    assert groups(ours) == groups(theirs)
    return out


def _by_text(bench, review_id):
    return {g.text: g for g in bench.groups(review_id)}


def test_verdict_equals_report_on_the_export_after_every_kind_of_decision(tmp_path):
    bench = Workbench(tmp_path / "data")
    try:
        r = bench.add_ledger(_xlsx(tmp_path / "l.xlsx"), "l.xlsx", {"track": "outsourcing"})
        bench.start(r.id, wait=True)
        _agree(bench, r.id, tmp_path, "outsourcing")
        groups = _by_text(bench, r.id)
        refund = groups["退款 技术服务费"]
        assert refund.needs_review and refund.notes  # the positive amount on a refund line
        bench.correct(r.id, refund.key, "ITO-02", True)  # reviewed: settled, the note stays
        bench.correct(r.id, groups["技术开发费"].key, None, True)  # accepted as it is
        bench.correct(r.id, groups["服务器及网络设备采购"].key, "ITO-06", False)  # not reviewed
        out = _agree(bench, r.id, tmp_path, "outsourcing")
        assert bench.report(r.id).to_dict()["at_risk"]["needs_review_lines"] >= 1
        # the applicant's formulas are not live in the export: their values or their text
        book = load_workbook(out)
        assert all(c.data_type != "f" for row in book["收入"].iter_rows() for c in row)
        assert book["收入"]["F3"].value == "=D3*2" and book["收入"]["F3"].data_type == "s"
    finally:
        bench.store.close()


def test_a_track_changed_after_corrections_counts_as_report_does(tmp_path):
    bench = Workbench(tmp_path / "data")
    try:
        r = bench.add_ledger(_xlsx(tmp_path / "l.xlsx"), "l.xlsx", {"track": "outsourcing"})
        bench.start(r.id, wait=True)
        key = _by_text(bench, r.id)["技术开发费"].key
        bench.correct(r.id, key, "ITO-01", True)
        bench.set_options(r.id, {**bench.options(r.id).to_dict(), "track": "trade"})
        bench.start(r.id, wait=True)
        group = bench.group(r.id, key)
        assert group.code != "ITO-01" and not group.reviewed
        assert any("not a code of this track" in n for n in group.notes)
        _agree(bench, r.id, tmp_path, "trade")
        # back on the outsourcing track the decision counts again
        bench.set_options(r.id, {**bench.options(r.id).to_dict(), "track": "outsourcing"})
        bench.start(r.id, wait=True)
        assert (bench.group(r.id, key).code, bench.group(r.id, key).reviewed) == ("ITO-01", True)
    finally:
        bench.store.close()


def _many_distinct_lines(n):
    """A CSV of ``n`` lines that all read differently (more than a run's memo keeps: 4,096)."""
    a = ["软件", "数据", "系统", "平台", "测试", "运维", "设计", "咨询", "研发", "集成"]
    b = ["开发", "标注", "托管", "维护", "分析", "培训", "外包", "升级", "迁移", "验证"]
    c = ["服务", "项目", "合同", "费用", "工程", "方案", "支持", "业务", "工作", "任务"]
    d = ["华东", "华南", "华北", "西南", "东北", "西北", "华中", "海外", "日本", "德国"]
    rows = ["合同名称,金额"]
    for i in range(n):
        words = (a[i % 10], b[i // 10 % 10], c[i // 100 % 10], d[i // 1000 % 10], a[i // 10000])
        rows.append("".join(words) + ",1000")
    return ("\n".join(rows) + "\n").encode()


def test_several_ledgers_classified_at_once_all_finish(tmp_path):
    """Each run has its own memo: one run trimming it never pulls rows from under another."""
    bench = Workbench(tmp_path / "data")
    try:
        data = _many_distinct_lines(6000)
        reviews = [bench.add_ledger(data, f"l{i}.csv", {"track": "outsourcing"})
                   for i in range(3)]  # fmt: skip
        threads = [threading.Thread(target=bench.start, args=(r.id,)) for r in reviews]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert [bench.wait(r.id, 120).status for r in reviews] == ["ready"] * 3
        verdicts = {json.dumps(bench.report(r.id).to_dict()["by_code"]) for r in reviews}
        assert len(verdicts) == 1
    finally:
        bench.store.close()


def test_reviewed_share_counts_amounts_without_their_sign(tmp_path):
    bench = Workbench(tmp_path / "data")
    try:
        data = "合同名称,金额\n软件定制开发服务,1000\n软件定制开发服务退款,-900\n".encode()
        r = bench.add_ledger(data, "l.csv", {"track": "outsourcing"})
        bench.start(r.id, wait=True)
        first = _by_text(bench, r.id)["软件定制开发服务"]
        bench.correct(r.id, first.key, None, True)
        share = bench.status(r.id).reviewed_share
        assert share is not None and 0 < share <= 1
        assert round(float(share), 4) == round(1000 / 1900, 4)
    finally:
        bench.store.close()
