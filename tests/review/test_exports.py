"""What a review hands on: the annotated ledger (a copy of an .xlsx ledger with the tas_* columns,
or a table), formula-like text kept text, the corrections as labelled data ``train`` reads, the
report as json / html / xlsx, and the 附件2-style summary over every review."""

import csv
import json

import pytest
from openpyxl import Workbook, load_workbook

from tas_classify.errors import ReviewError
from tas_classify.ledger.labeled import read_labeled
from tas_classify.ledger.write import escape_formula
from tas_classify.review import EXPORT_COLUMNS, EXPORTS, Workbench, export, export_summary
from tas_classify.review.workbench import REVIEWED_MARK
from tas_classify.text import normalise_batch

TITLE = "XX科技有限公司2024年度收入明细表"
HEADER = ["序号", "合同名称", "客户", "金额", "是否境外"]
JAPAN = "为日本某保险公司提供核心系统定制开发服务"
TECH = "技术开发费"
RENT = "办公楼租金"
XSS = "<script>alert(1)</script>"
FORMULAS = ["=1+2", "@SUM(A1)", "-2+3"]
#: text, client, amount, offshore
LINES = [
    (JAPAN, "东京某保险株式会社", 1200000, "是"),
    ("=1+2", "某客户", 1000, "否"),
    ("@SUM(A1)", "某客户", 2000, "否"),
    ("-2+3", "某客户", 3000, "否"),
    (XSS, "某客户", 4000, "否"),
    (TECH, "杭州某科技公司", 450000, "否"),
    ("IDC机柜托管及带宽租用服务（年度）", "上海某证券公司", 360000, "否"),
    (RENT, "本地物业公司", 150000, "否"),
]
HEADER_ROW = 3  # title, a blank row, then the header


def ledger_xlsx(path, lines=LINES):
    """收入明细: the title in row 1, the header in row 3; the formula-like texts are string cells
    (as a ledger holds them); a second sheet 附注."""
    book = Workbook()
    ws = book.active
    ws.title = "收入明细"
    ws["A1"] = TITLE
    for column, name in enumerate(HEADER, 1):
        ws.cell(HEADER_ROW, column, name)
    for n, (text, client, amount, offshore) in enumerate(lines, 1):
        row = HEADER_ROW + n
        ws.cell(row, 1, n)
        cell = ws.cell(row, 2, text)
        cell.data_type = "s"  # a text cell, even '=1+2'
        ws.cell(row, 3, client)
        ws.cell(row, 4, amount).number_format = "#,##0.00"
        ws.cell(row, 5, offshore)
    notes = book.create_sheet("附注")
    notes["A1"] = "本表金额为不含税金额"
    book.save(path)
    return path


def ledger_csv(lines=LINES):
    out = [f"{TITLE},,,,", "单位：元,,,,", ",".join(HEADER)]
    for n, (text, client, amount, offshore) in enumerate(lines, 1):
        out.append(f"{n},{text},{client},{amount},{offshore}")
    return ("\r\n".join(out) + "\r\n").encode("gb18030")


@pytest.fixture
def bench(tmp_path):
    wb = Workbench(tmp_path / "data")
    yield wb
    wb.store.close()


def classified(bench, source, name, **options):
    r = bench.add_ledger(source, name, {"track": "outsourcing", **options})
    bench.start(r.id, wait=True)
    assert bench.progress(r.id).status == "ready", bench.progress(r.id).error
    return r.id


@pytest.fixture
def xlsx_review(bench, tmp_path):
    review = classified(bench, ledger_xlsx(tmp_path / "in.xlsx"), "收入台账.xlsx")
    groups = {g.text: g for g in bench.groups(review)}
    bench.correct(review, groups[TECH].key, "ITO-01", True)  # KPO-01 → ITO-01
    bench.correct(review, groups[RENT].key, None, True)  # accepted as the model gave it
    bench.correct(review, groups["=1+2"].key, "ITO-02", True)
    return review


def header_of(ws):
    return [c.value for c in ws[HEADER_ROW]]


def rows_by_text(ws):
    columns = header_of(ws)
    out = {}
    for row in ws.iter_rows(min_row=HEADER_ROW + 1):
        values = dict(zip(columns, row))
        out[values["合同名称"].value] = values
    return out


# ---------------------------------------------------------------------- the annotated ledger
def test_xlsx_export_is_a_copy_with_the_export_columns(bench, xlsx_review, tmp_path):
    out = export(bench, xlsx_review, "xlsx", tmp_path / "out.xlsx")
    book = load_workbook(out)
    assert book.sheetnames == ["收入明细", "附注"]
    assert book["附注"]["A1"].value == "本表金额为不含税金额"
    ws = book["收入明细"]
    assert ws["A1"].value == TITLE
    assert header_of(ws) == HEADER + list(EXPORT_COLUMNS)
    assert ws.max_row == HEADER_ROW + len(LINES)
    rows = rows_by_text(ws)
    assert list(rows) == [x[0] for x in LINES]  # every row, in order
    assert rows[JAPAN]["金额"].value == 1200000  # amounts stay numbers

    tech = rows[TECH]
    assert (tech["tas_code"].value, tech["tas_model_code"].value) == ("ITO-01", "KPO-01")
    assert tech["tas_reviewed"].value == REVIEWED_MARK
    assert tech["tas_name"].value == "软件研发及开发服务"
    assert tech["tas_needs_review"].value is False
    assert "reviewer: KPO-01 → ITO-01" in tech["tas_evidence"].value
    rent = rows[RENT]
    assert (rent["tas_code"].value, rent["tas_model_code"].value) == ("NONE", "NONE")
    assert rent["tas_reviewed"].value == REVIEWED_MARK
    japan = rows[JAPAN]
    assert (japan["tas_code"].value, japan["tas_model_code"].value) == ("ITO-01", "ITO-01")
    assert japan["tas_reviewed"].value in (None, "")
    assert rows["=1+2"]["tas_code"].value == "ITO-02"


def test_formula_like_text_stays_a_string_cell_in_xlsx(bench, xlsx_review, tmp_path):
    out = export(bench, xlsx_review, "xlsx", tmp_path / "out.xlsx")
    ws = load_workbook(out)["收入明细"]
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    rows = rows_by_text(ws)
    for text in FORMULAS:
        cell = rows[text]["合同名称"]
        assert (cell.value, cell.data_type) == (text, "s")
    # the file itself holds no formula element
    import zipfile

    with zipfile.ZipFile(out) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in sheets)


def test_formula_like_text_from_a_csv_ledger_stays_text_in_xlsx_and_csv(bench, tmp_path):
    review = classified(bench, ledger_csv(), "收入台账.csv")
    out = export(bench, review, "xlsx", tmp_path / "out.xlsx")
    ws = load_workbook(out).active
    found = {c.value: c.data_type for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and c.value in FORMULAS}  # fmt: skip
    assert found == {text: "s" for text in FORMULAS}
    assert not [c for row in ws.iter_rows() for c in row if c.data_type == "f"]

    out = export(bench, review, "csv", tmp_path / "out.csv")
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    texts = [row[1] for row in rows[1:]]
    for text in FORMULAS:
        assert "'" + text in texts  # a spreadsheet shows it, never runs it
        assert text not in texts
    assert escape_formula("=1+2") == "'=1+2"
    # plain numbers are left alone
    amounts = [row[3] for row in rows[1:]]
    assert amounts[:2] == ["1200000", "1000"]


def test_csv_export_of_an_xlsx_ledger_is_the_table(bench, xlsx_review, tmp_path):
    out = export(bench, xlsx_review, "csv", tmp_path / "out.csv")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, for Excel
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0] == HEADER + list(EXPORT_COLUMNS)
    assert [r[1] for r in rows[1:]] == [escape_formula(x[0]) for x in LINES]
    code = rows[0].index("tas_code")
    reviewed = rows[0].index("tas_reviewed")
    tech = rows[1 + [x[0] for x in LINES].index(TECH)]
    assert (tech[code], tech[reviewed], tech[-1]) == ("ITO-01", REVIEWED_MARK, "KPO-01")


# ---------------------------------------------------------------------- corrections
def test_corrections_export_is_read_by_read_labeled(bench, xlsx_review, tmp_path):
    out = export(bench, xlsx_review, "corrections", tmp_path / "corrections.csv")
    data = read_labeled([out])
    got = dict(zip(data.texts, data.labels))
    assert len(got) == 3
    assert got[TECH] == "ITO-01"
    assert got[RENT] == "NONE"
    assert data.reviewed_of() == (True, True, True)
    # '=1+2' is escaped in the CSV; it reads the same once normalised, as train reads it
    formula = [t for t in data.texts if t not in (TECH, RENT)][0]
    assert got[formula] == "ITO-02"
    assert normalise_batch([formula])[0].text == normalise_batch(["=1+2"])[0].text


def test_corrections_export_lists_each_distinct_text_of_a_group(bench, tmp_path):
    lines = [("IDC机柜托管及带宽租用服务（年度）", "甲", 100, "否"),
             ("ＩＤＣ机柜托管及带宽租用服务 （年度）", "乙", 200, "否"),
             ("IDC机柜托管及带宽租用服务（年度）", "丙", 300, "否")]  # fmt: skip
    review = classified(bench, ledger_csv(lines), "a.csv")
    (group,) = bench.groups(review)
    assert group.count == 3
    bench.correct(review, group.key, "ITO-05", True)
    data = read_labeled([export(bench, review, "corrections", tmp_path / "c.csv")])
    assert data.texts == (lines[0][0], lines[1][0])
    assert data.labels == ("ITO-05", "ITO-05")


def test_unreviewed_groups_are_not_in_the_corrections(bench, xlsx_review, tmp_path):
    groups = {g.text: g for g in bench.groups(xlsx_review)}
    bench.correct(xlsx_review, groups[JAPAN].key, "ITO-02", False)  # changed, not confirmed
    out = export(bench, xlsx_review, "corrections", tmp_path / "c.csv")
    assert JAPAN not in read_labeled([out]).texts


# ---------------------------------------------------------------------- the report
def test_report_exports_are_written(bench, xlsx_review, tmp_path):
    js = export(bench, xlsx_review, "json", tmp_path / "r.json")
    report = json.loads(js.read_text(encoding="utf-8"))
    assert report == {**bench.report(xlsx_review).to_dict(), "provenance": report["provenance"]}
    assert report["provenance"]["file"] == "收入台账.xlsx"
    assert report["provenance"]["sheet"] == "收入明细"
    assert report["provenance"]["header_row"] == HEADER_ROW
    assert {(c["model_code"], c["code"]) for c in report["corrections"]} == {
        ("KPO-01", "ITO-01"),
        ("NONE", "ITO-02"),
    }
    html = export(bench, xlsx_review, "html", tmp_path / "r.html").read_text(encoding="utf-8")
    assert "收入台账.xlsx" in html and "ITO-01" in html
    book = load_workbook(export(bench, xlsx_review, "report-xlsx", tmp_path / "r.xlsx"))
    assert len(book.sheetnames) >= 2
    assert not [c for ws in book for row in ws.iter_rows() for c in row if c.data_type == "f"]


def test_report_html_escapes_a_ledger_cell(bench, xlsx_review, tmp_path):
    groups = {g.text: g for g in bench.groups(xlsx_review)}
    bench.correct(xlsx_review, groups[XSS].key, "ITO-01", True)  # listed among corrections too
    html = export(bench, xlsx_review, "html", tmp_path / "r.html").read_text(encoding="utf-8")
    assert XSS not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_unknown_export_format_is_refused(bench, xlsx_review, tmp_path):
    with pytest.raises(ReviewError):
        export(bench, xlsx_review, "pdf", tmp_path / "r.pdf")
    assert not (tmp_path / "r.pdf").exists()
    assert set(EXPORTS) == {"xlsx", "csv", "json", "html", "report-xlsx", "corrections"}


# ---------------------------------------------------------------------- summary
def test_summary_over_two_reviews_has_two_rows(bench, tmp_path):
    first = classified(bench, ledger_csv(), "甲.csv", enterprise="甲科技有限公司")
    second = classified(bench, ledger_xlsx(tmp_path / "b.xlsx"), "乙.xlsx",
                        enterprise="乙信息技术有限公司")  # fmt: skip
    bench.add_ledger(ledger_csv(), "not-classified.csv")  # not ready: not in the summary
    out = export_summary(bench, tmp_path / "summary.csv", "csv")
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], [r for r in rows[1:] if any(r)]
    name = header.index("企业名称")
    enterprises = [r[name] for r in body if r[name] != "合计"]
    assert sorted(enterprises) == ["乙信息技术有限公司", "甲科技有限公司"]
    total_income = header.index("总收入（元）")
    totals = {r[name]: r[total_income] for r in body}
    for review, enterprise in ((first, "甲科技有限公司"), (second, "乙信息技术有限公司")):
        assert totals[enterprise] == bench.report(review).to_dict()["total_income"]
    for fmt in ("xlsx", "html"):
        assert export_summary(bench, tmp_path / f"summary.{fmt}", fmt).stat().st_size > 0


def test_summary_needs_a_ready_review(bench, tmp_path):
    with pytest.raises(ReviewError):
        export_summary(bench, tmp_path / "s.csv", "csv")
    classified(bench, ledger_csv(), "甲.csv")
    with pytest.raises(ReviewError):
        export_summary(bench, tmp_path / "s.pdf", "pdf")
