"""Inline strings (``<c t="inlineStr"><is>…</is></c>``, what Apache POI's streaming writer and
openpyxl's write-only mode produce) are read by the ledger reader itself, for speed: every value
must be what openpyxl gives for the same cell."""

import io
import zipfile

from openpyxl import Workbook, load_workbook

from tas_classify.ledger.read import open_table

CELLS = [
    '<c r="A{r}" t="inlineStr"><is><t>软件定制开发服务</t></is></c>',
    '<c r="A{r}" t="inlineStr"><is><t xml:space="preserve">  两端有空格  </t></is></c>',
    # rich text: runs, and a phonetic run (rPh) that is not part of the text
    '<c r="A{r}" t="inlineStr"><is><r><rPr><b/></rPr><t>数据</t></r><r><t>标注服务</t></r>'
    '<rPh sb="0" eb="2"><t>すうじ</t></rPh></is></c>',
    '<c r="A{r}" t="inlineStr"><is><t>前缀</t><r><t>与富文本</t></r></is></c>',
    '<c r="A{r}" t="inlineStr"><is><t/></is></c>',
    '<c r="A{r}" t="inlineStr"><is></is></c>',
    '<c r="A{r}" t="inlineStr"></c>',
    '<c r="A{r}" t="inlineStr"><is><t>=1+2</t></is></c>',
    '<c r="A{r}" t="inlineStr"><is><t>&lt;script&gt;alert(1)&lt;/script&gt;</t></is></c>',
    '<c r="A{r}" t="inlineStr"><v>7</v><is><t>有值也有文本</t></is></c>',
    '<c r="A{r}" t="inlineStr" s="0"><is><t>12345</t></is></c>',
]


def _workbook(tmp_path):
    book = Workbook(write_only=True)
    ws = book.create_sheet("台账")
    ws.append(["合同名称", "金额"])
    for _ in CELLS:
        ws.append(["placeholder", 1])
    buf = io.BytesIO()
    book.save(buf)
    source = zipfile.ZipFile(buf)
    path = tmp_path / "inline.xlsx"
    with zipfile.ZipFile(path, "w") as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode("utf-8")
                for r, cell in enumerate(CELLS, start=2):
                    old = f'<c r="A{r}" t="inlineStr"><is><t>placeholder</t></is></c>'
                    assert old in text
                    text = text.replace(old, cell.format(r=r))
                data = text.encode("utf-8")
            out.writestr(info, data)
    return path


def test_inline_strings_read_as_openpyxl_reads_them(tmp_path):
    path = _workbook(tmp_path)
    expected = [row[0].value for row in load_workbook(path)["台账"].iter_rows(min_row=2)]
    assert expected[0] == "软件定制开发服务" and expected[2] == "数据标注服务"  # as built
    with open_table(str(path)) as table:
        got = [cells[0] for _, cells in table.rows]
    assert got == expected
    assert all(isinstance(v, str) for v in got if v is not None)
