"""The revenue report as a terminal table, an Excel workbook (summary + lines) or a self-contained
HTML page (summary, income by category as a bar chart, the lines to review)."""

from __future__ import annotations

import html
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Any

from tas_classify import taxonomy
from tas_classify.ledger.write import XlsxCells, atomic_file, discard_workbook
from tas_classify.report.income import (
    IncomeReport,
    LedgerLine,
    ReviewerCorrection,
    ReviewGroup,
    Verdict,
)

TEST_NAMES = {
    "in_scope": "in-scope income share 认定范围内收入占比",
    "offshore": "offshore in-scope share 离岸服务收入占比",
}


def _yuan(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def _percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"


def _verdict_word(passed: bool | None) -> str:
    return {True: "PASS 达标", False: "FAIL 未达标", None: "not assessed 未评估"}[passed]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    space = " " * max(width - _width(text), 0)
    return space + text if right else text + space


def _table(rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(_pad(cell, widths[i], i in right) for i, cell in enumerate(row)).rstrip()
        for row in rows
    ]


def _verdict_lines(v: Verdict) -> list[str]:
    if v.threshold is None:
        return [f"{TEST_NAMES[v.test]}: {_percent(v.share)} (no test for this track 本类别不考核)"]
    out = [
        f"{TEST_NAMES[v.test]}: {_percent(v.share)} (≥ {_percent(v.threshold)} needed)"
        f"  → {_verdict_word(v.passed)}"
    ]
    if v.passed is not None:
        flip = "  ← FLIPS: the review lines decide this" if v.flips else ""
        out.append(
            f"    if every needs-review line were out of scope: {_percent(v.worst_share)}"
            f" → {_verdict_word(v.worst_passed)}{flip}"
        )
    return out


VERDICT_WORDS = {"pass": "PASS 达标", "fail": "FAIL 未达标", "not_assessed": "NOT ASSESSED 未评估"}


def _threshold_text(value: Decimal | None) -> str:
    return "no test 不考核" if value is None else f"≥ {_percent(value)}"


def provenance_pairs(report: IncomeReport) -> list[tuple[str, str]]:
    """The provenance block as (label, value) pairs, in the order every format shows them."""
    p, t = report.provenance, report.thresholds
    return [
        ("enterprise 企业名称", p.enterprise or "—"),
        ("credit code 统一社会信用代码", p.credit_code or "—"),
        ("file 文件", p.file or "—"),
        ("sheet 工作表", p.sheet or "—"),
        ("header row 表头行", str(p.header_row)),
        ("text column 文本列", p.text_column or "—"),
        ("amount column 金额列", p.amount_column or "—"),
        ("offshore column 离岸列", p.offshore_column or "—"),
        ("client column 客户列", p.client_column or "—"),
        ("track 类别", t.track or "— (none given: outsourcing thresholds)"),
        ("thresholds 标准", f"in scope {_threshold_text(t.min_in_scope)}; offshore "
                           f"{_threshold_text(t.min_offshore)}; {t.basis or 'given'}"),
        ("model 模型", p.model),
        ("model card SHA-256", p.model_sha256 or "—"),
        ("tool version 版本", f"tas_classify {p.tool_version}"),
        ("created 生成时间", p.created or "—"),
    ]  # fmt: skip


def _rows_text(rows: list[int], limit: int = 20) -> str:
    shown = ", ".join(map(str, rows[:limit]))
    return shown + (f" … (+{len(rows) - limit})" if len(rows) > limit else "")


def render_text(report: IncomeReport) -> str:
    """The summary for a terminal: provenance, warnings, figures, verdicts, subtotals, the
    review list grouped by identical line (largest income first) and the rows left out."""
    r = report
    out = [f"{_pad(label, 30)} {value}" for label, value in provenance_pairs(r)]
    out.append("")
    out += [f"WARNING 警告: {w.message}" for w in r.warnings]
    out += [""] if r.warnings else []
    out += [
        f"total income 总收入          {_yuan(r.total_income)}  ({r.total_income_source})",
        f"ledger sum 台账合计           {_yuan(r.ledger_sum)}"
        f"  ({sum(x.counted for x in r.lines)} of {len(r.lines)} lines counted)",
        f"in-scope income 范围内收入    {_yuan(r.in_scope_income)}",
        f"offshore in-scope 离岸收入    {_yuan(r.offshore_income)}",
        "",
    ]
    for v in r.verdicts:
        out.extend(_verdict_lines(v))
    out += [
        "",
        f"VERDICT 结论: {VERDICT_WORDS[r.verdict]}"
        f"  (if every needs-review line were out of scope: {VERDICT_WORDS[r.worst_case_verdict]})",
        "",
        f"income on needs-review lines 待复核收入: {_yuan(r.at_risk_income)}"
        f" ({_count(len(r.review_lines), 'line')}; in scope {_yuan(r.at_risk_in_scope)};"
        f" classified NONE but possibly in scope {_yuan(r.possibly_in_scope)})",
        "",
        "income by category 分类收入",
    ]
    rows = [["code", "name", "lines", "income", "share"]] + [
        [s.key, s.name, str(s.lines), _yuan(s.income), _percent(_share_of_total(s.income, r))]
        for s in r.by_code
    ]
    out += ["  " + line for line in _table(rows, {2, 3, 4})]
    out += ["", "income by group 分组收入"]
    rows = [[s.key, str(s.lines), _yuan(s.income)] for s in r.by_group]
    out += ["  " + line for line in _table([["group", "lines", "income"], *rows], {1, 2})]
    if r.by_location:
        out += ["", "income by location 离岸/在岸收入"]
        rows = [[s.name, str(s.lines), _yuan(s.income), _yuan(s.in_scope)] for s in r.by_location]
        head = ["location", "lines", "income", "in scope"]
        out += ["  " + line for line in _table([head, *rows], {1, 2, 3})]
    if r.review_groups:
        out += ["", f"to review 待复核 ({_count(len(r.review_lines), 'line')} in "
                    f"{_count(len(r.review_groups), 'group')}, largest income first)"]  # fmt: skip
        rows = [["income", "lines", "code", "text", "rows", "clients", "alternatives"]]
        for g in r.review_groups[:20]:
            rows.append([_yuan(g.income), str(g.lines), g.code, _clip(g.text, 30) or "(blank)",
                         _rows_text(g.rows, 5), _clip(", ".join(g.clients), 20),
                         g.alternatives])  # fmt: skip
        out += ["  " + line for line in _table(rows, {0, 1})]
        if len(r.review_groups) > 20:
            out.append(f"  … {len(r.review_groups) - 20} more groups (-o report.xlsx has all)")
    if r.unparsed:
        out += ["", f"amounts not read, left out of the sums 金额无法识别 ({len(r.unparsed)}):"]
        out += [f"  row {x.row}: {x.raw_amount!r} — {x.amount_problem}" for x in r.unparsed]
    if r.total_rows:
        rows_ = ", ".join(str(x.row) for x in r.total_rows)
        out += ["", f"subtotal rows left out 合计行已排除: rows {rows_}"]
    if r.offshore_unknown:
        rows_ = ", ".join(str(x.row) for x in r.offshore_unknown[:20])
        out += ["", f"offshore value not recognised, counted as onshore: rows {rows_}"]
    if r.corrections:
        out += ["", f"reviewer's corrections 复核更正 ({_count(len(r.corrections), 'group')})"]
        rows = [["income", "lines", "model", "reviewer", "text"]] + [
            [_yuan(c.income), str(c.lines), c.model_code, c.code, _clip(c.text, 40)]
            for c in r.corrections
        ]
        out += ["  " + line for line in _table(rows, {0, 1})]
    out += ["", *(f"note: {n}" for n in r.notes)]
    return "\n".join(out).rstrip() + "\n"


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    if _width(text) <= width:
        return text
    out = ""
    for ch in text:
        if _width(out + ch) > width - 1:
            break
        out += ch
    return out + "…"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _share_of_total(income: Decimal, report: IncomeReport) -> Decimal | None:
    return income / report.total_income if report.total_income > 0 else None


def _line_values(x: LedgerLine) -> list[Any]:
    return [
        x.row,
        x.text,
        x.amount if x.amount is not None else x.raw_amount,
        {True: "offshore", False: "onshore", None: ""}[x.offshore],
        x.client,
        x.code,
        round(x.confidence, 4),
        x.needs_review,
        f"subtotal row ({x.total_label})" if x.total_row else x.amount_problem,
    ]


LINE_COLUMNS = ["row", "text", "amount", "offshore", "client", "tas_code", "confidence",
                "needs_review", "left out because"]  # fmt: skip
REVIEW_COLUMNS = ["income", "lines", "tas_code", "name", "text", "normalised", "rows", "clients",
                  "alternatives", "lowest confidence"]  # fmt: skip
AMOUNT_FORMAT = "#,##0.00"
SHARE_FORMAT = "0.00%"
_XLSX_TEXT_MAX = 32_000


class _Sheet:
    """A write-only sheet with cells made safe (:class:`XlsxCells`) and number formats."""

    def __init__(self, book: Any, title: str, escape_formulas: bool) -> None:
        from openpyxl.cell import WriteOnlyCell

        self.ws = book.create_sheet(title)
        self.cells = XlsxCells(self.ws, escape_formulas)
        self._cell = WriteOnlyCell

    def append(self, values: list[Any], formats: dict[int, str] | None = None, *,
               fill: Any = None, bold: bool = False) -> None:  # fmt: skip
        font = self.cells.bold if bold else None
        out = self.cells.row([_fit(v) for v in values], fill=fill, font=font)
        for i, fmt in (formats or {}).items():
            cell = out[i]
            value = getattr(cell, "value", cell)
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                continue
            if not hasattr(cell, "number_format"):
                cell = self._cell(self.ws, value=value)
                if fill is not None:
                    cell.fill = fill
                if font is not None:
                    cell.font = font
                out[i] = cell
            cell.number_format = fmt
        self.ws.append(out)


def _fit(value: Any) -> Any:
    if isinstance(value, str) and len(value) > _XLSX_TEXT_MAX:
        return value[:_XLSX_TEXT_MAX] + "…"
    return value


def _test_word(v: Verdict, worst: bool = False) -> str:
    if v.threshold is None:
        return "no test 不考核"
    return _verdict_word(v.worst_passed if worst else v.passed)


def _verdict_row(v: Verdict) -> list[Any]:
    return [TEST_NAMES[v.test], v.share, v.threshold, _test_word(v), v.worst_share,
            _test_word(v, worst=True), "yes" if v.flips else "no"]  # fmt: skip


def _write_summary(sheet: _Sheet, r: IncomeReport) -> None:
    sheet.ws.column_dimensions["A"].width = 42
    sheet.ws.column_dimensions["B"].width = 28
    for col in "CDEFG":
        sheet.ws.column_dimensions[col].width = 16
    money = {1: AMOUNT_FORMAT}
    sheet.append(["provenance 来源", ""], bold=True)
    for label, value in provenance_pairs(r):
        sheet.append([label, value])
    sheet.append([])
    sheet.append(["verdict 结论", VERDICT_WORDS[r.verdict]], bold=True)
    sheet.append(["if every needs-review line were out of scope",
                  VERDICT_WORDS[r.worst_case_verdict]])  # fmt: skip
    for w in r.warnings:
        sheet.append(["WARNING 警告", w.message], fill=sheet.cells.fill)
    sheet.append([])
    sheet.append(["figures 数据", "yuan 元"], bold=True)
    sheet.append(["total income 总收入", r.total_income, r.total_income_source], money)
    sheet.append(["ledger sum 台账合计", r.ledger_sum], money)
    sheet.append(["lines counted 计入行数", sum(x.counted for x in r.lines)])
    sheet.append(["lines in the ledger 台账行数", len(r.lines)])
    sheet.append(["in-scope income 范围内收入", r.in_scope_income], money)
    sheet.append(["in-scope share 范围内收入占比",
                  _share_of_total(r.in_scope_income, r)], {1: SHARE_FORMAT})  # fmt: skip
    sheet.append(["offshore in-scope income 离岸收入", r.offshore_income], money)
    offshore_share = None if r.offshore_income is None else _share_of_total(r.offshore_income, r)
    sheet.append(["offshore share 离岸收入占比", offshore_share], {1: SHARE_FORMAT})
    sheet.append(["income on needs-review lines 待复核收入", r.at_risk_income], money)
    sheet.append(["of it in scope", r.at_risk_in_scope], money)
    sheet.append(["classified NONE but possibly in scope", r.possibly_in_scope], money)
    sheet.append(["needs-review lines 待复核行数", len(r.review_lines)])
    sheet.append(["subtotal rows left out 合计行", len(r.total_rows)])
    sheet.append(["amounts not read 金额无法识别", len(r.unparsed)])
    sheet.append([])
    sheet.append(["test 指标", "share 占比", "needed 标准", "verdict 结论",
                  "share if review lines out", "verdict then", "flips"], bold=True)  # fmt: skip
    shares = {1: SHARE_FORMAT, 2: SHARE_FORMAT, 4: SHARE_FORMAT}
    for v in r.verdicts:
        sheet.append(_verdict_row(v), shares, fill=sheet.cells.fill if v.flips else None)
    sheet.append([])
    for n in r.notes:
        sheet.append(["note", n])


def _write_subtotals(sheet: _Sheet, r: IncomeReport) -> None:
    sheet.ws.column_dimensions["A"].width = 36
    sheet.ws.column_dimensions["B"].width = 36
    sheet.append(["income by category 分类收入"], bold=True)
    sheet.append(["code", "name", "lines", "income", "share of total income"], bold=True)
    for s in r.by_code:
        sheet.append([s.key, s.name, s.lines, s.income, _share_of_total(s.income, r)],
                     {3: AMOUNT_FORMAT, 4: SHARE_FORMAT})  # fmt: skip
    sheet.append([])
    sheet.append(["income by group 分组收入"], bold=True)
    sheet.append(["group", "", "lines", "income", "share of total income"], bold=True)
    for s in r.by_group:
        sheet.append([s.key, "", s.lines, s.income, _share_of_total(s.income, r)],
                     {3: AMOUNT_FORMAT, 4: SHARE_FORMAT})  # fmt: skip
    sheet.append([])
    sheet.append(["income by location 离岸/在岸收入"], bold=True)
    if not r.by_location:
        sheet.append(["no offshore column (--offshore)"])
        return
    sheet.append(["location", "", "lines", "income", "in-scope income"], bold=True)
    for s in r.by_location:
        sheet.append([s.name, "", s.lines, s.income, s.in_scope],
                     {3: AMOUNT_FORMAT, 4: AMOUNT_FORMAT})  # fmt: skip


def _review_values(g: ReviewGroup) -> list[Any]:
    return [g.income, g.lines, g.code, g.name, g.text, g.key, _rows_text(g.rows, 5000),
            ", ".join(g.clients), g.alternatives, round(g.confidence, 4)]  # fmt: skip


CORRECTION_COLUMNS = ["income", "lines", "model_code", "tas_code", "name", "text", "at"]


def _correction_values(c: ReviewerCorrection) -> list[Any]:
    name = taxonomy.get(c.code).name if c.code in taxonomy.codes() else ""
    return [c.income, c.lines, c.model_code, c.code, name, c.text, c.at]


def write_xlsx(report: IncomeReport, path: str | Path, *, escape_formulas: bool = True) -> None:
    """A workbook: ``summary`` (label / value columns: provenance, verdict, figures, tests),
    ``subtotals`` (by category, group and location), ``review`` (needs-review lines grouped by
    identical normalised text, largest income first), ``corrections`` (a reviewer's, when there
    are any) and ``lines`` (every ledger row; review and
    left-out rows highlighted). Amounts are numbers (``#,##0.00``), shares percentages. Streamed
    (openpyxl's write-only mode) so that memory does not grow with the lines. Text a spreadsheet
    would run as a formula is written as text unless ``escape_formulas`` is False."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    try:
        _write_summary(_Sheet(book, "summary", escape_formulas), report)
        _write_subtotals(_Sheet(book, "subtotals", escape_formulas), report)
        review = _Sheet(book, "review", escape_formulas)
        review.ws.freeze_panes = "A2"
        review.ws.column_dimensions["E"].width = 50
        review.append(REVIEW_COLUMNS, bold=True)
        for g in report.review_groups:
            review.append(_review_values(g), {0: AMOUNT_FORMAT})
        if report.corrections:
            fixed = _Sheet(book, "corrections", escape_formulas)
            fixed.ws.column_dimensions["F"].width = 50
            fixed.append(CORRECTION_COLUMNS, bold=True)
            for c in report.corrections:
                fixed.append(_correction_values(c), {0: AMOUNT_FORMAT})
        lines = _Sheet(book, "lines", escape_formulas)
        lines.ws.column_dimensions["B"].width = 60
        lines.ws.freeze_panes = "A2"
        lines.append(LINE_COLUMNS, bold=True)
        for x in report.lines:
            fill = lines.cells.fill if x.needs_review or not x.counted else None
            lines.append(_line_values(x), {2: AMOUNT_FORMAT}, fill=fill)
        with atomic_file(Path(path), "wb") as (fh, _):
            book.save(fh)
    except BaseException:
        discard_workbook(book)
        raise


_STYLE = """
body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px}
td.n{text-align:right;font-variant-numeric:tabular-nums}.pass{color:#17702f}.fail{color:#b3261e}
.flip{background:#fff2cc}caption{text-align:left;font-weight:bold;padding:4px 0}
"""


def _cells(values: list[Any], numeric: set[int], tag: str = "td") -> str:
    return "".join(
        f"<{tag}{' class=n' if i in numeric else ''}>{html.escape(str(v))}</{tag}>"
        for i, v in enumerate(values)
    )


def _chart(report: IncomeReport) -> str:
    """Horizontal bars of income by category, as inline SVG (no script, no external file)."""
    items = [s for s in report.by_code if s.income > 0]
    if not items:
        return "<p>No positive income to chart.</p>"
    top = max(s.income for s in items)
    bar_h, label_w, bar_w = 22, 260, 420
    rows = []
    for i, s in enumerate(items):
        y = i * bar_h
        w = int(bar_w * s.income / top) if top else 0
        colour = "#9aa0a6" if s.key == "NONE" else "#3b6fb6"
        rows.append(
            f'<text x="0" y="{y + 15}" font-size="12">{html.escape(s.key + " " + s.name)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w}" height="{bar_h - 6}" fill="{colour}"/>'
            f'<text x="{label_w + w + 6}" y="{y + 15}" font-size="12">{_yuan(s.income)}</text>'
        )
    height = bar_h * len(items)
    width = label_w + bar_w + 140
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="income by category">{"".join(rows)}</svg>'
    )


def _html_table(caption: str, head: list[str], rows: list[list[Any]], numeric: set[int]) -> str:
    body = "".join(f"<tr>{_cells(row, numeric)}</tr>" for row in rows)
    return (
        f"<table><caption>{html.escape(caption)}</caption>"
        f"<tr>{_cells(head, set(), 'th')}</tr>{body}</table>"
    )


def render_html(report: IncomeReport, title: str = "tas_classify revenue report") -> str:
    """A self-contained page: provenance, warnings, the verdict, figures, the tests, a bar
    chart by category, subtotals by group and location, the needs-review lines grouped by
    identical normalised text (largest income first) and the rows left out."""
    r = report
    verdicts = []
    for v in r.verdicts:
        css = {True: "pass", False: "fail", None: ""}[v.passed]
        needed = "no test 不考核" if v.threshold is None else "≥ " + _percent(v.threshold)
        verdicts.append(
            f'<tr class="{"flip" if v.flips else ""}">{_cells([TEST_NAMES[v.test]], set())}'
            f"{_cells([_percent(v.share), needed], {0, 1})}"
            f'<td class="{css}">{_test_word(v)}</td>'
            f"{_cells([_percent(v.worst_share), _test_word(v, worst=True)], {0})}"
            f"<td>{'yes' if v.flips else 'no'}</td></tr>"
        )
    figures = [
        ("total income 总收入", f"{_yuan(r.total_income)} ({r.total_income_source})"),
        ("ledger sum 台账合计", _yuan(r.ledger_sum)),
        ("in-scope income 范围内收入", _yuan(r.in_scope_income)),
        ("offshore in-scope income 离岸收入", _yuan(r.offshore_income)),
        ("income on needs-review lines 待复核收入", _yuan(r.at_risk_income)),
    ]
    review = [
        [
            _yuan(g.income),
            g.lines,
            g.code,
            g.name,
            g.text,
            _rows_text(g.rows),
            ", ".join(g.clients),
            g.alternatives,
        ]  # fmt: skip
        for g in r.review_groups
    ]
    left_out = [[x.row, x.text, x.raw_amount, _line_values(x)[8]] for x in r.lines if not x.counted]
    groups = [[s.key, s.lines, _yuan(s.income), _percent(_share_of_total(s.income, r))]
              for s in r.by_group]  # fmt: skip
    locations = [[s.name, s.lines, _yuan(s.income), _yuan(s.in_scope)] for s in r.by_location]
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in r.notes)
    warnings = "".join(f"<li><b>{html.escape(w.message)}</b></li>" for w in r.warnings)
    verdict_css = {"pass": "pass", "fail": "fail"}.get(r.verdict, "")
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{_STYLE}</style></head><body>
<h1>{html.escape(title)}</h1>
{_html_table("Provenance 来源", ["", ""], [list(p) for p in provenance_pairs(r)], set())}
{f'<ul class="fail">{warnings}</ul>' if warnings else ""}
<p class="{verdict_css}"><b>Verdict 结论: {html.escape(VERDICT_WORDS[r.verdict])}</b>
(if every needs-review line were out of scope: {html.escape(VERDICT_WORDS[r.worst_case_verdict])})
</p>
<table><caption>Figures</caption>
{"".join(f"<tr><th>{html.escape(k)}</th>{_cells([v], {0})}</tr>" for k, v in figures)}
</table>
<table><caption>Annex 3 thresholds</caption>
<tr><th>test</th><th>share</th><th>needed</th><th>verdict</th>
<th>share if review lines are out of scope</th><th>verdict then</th><th>flips</th></tr>
{"".join(verdicts)}</table>
<h2>Income by category</h2>
{_chart(r)}
{_html_table("Income by group 分组收入", ["group", "lines", "income", "share"], groups, {1, 2, 3})}
{
        _html_table(
            "Income by location 离岸/在岸收入",
            ["location", "lines", "income", "in scope"],
            locations,
            {1, 2, 3},
        )
        if locations
        else ""
    }
<h2>Lines to review: {_count(len(r.review_lines), "line")} in \
{_count(len(r.review_groups), "group")}, largest income first</h2>
{
        _html_table(
            "",
            ["income", "lines", "tas_code", "name", "text", "rows", "clients", "alternatives"],
            review,
            {0, 1},
        )
    }
{_corrections_html(r)}
<h2>Rows left out of the sums ({len(left_out)})</h2>
{_html_table("", ["row", "text", "amount", "why"], left_out, {0})}
<ul>{notes}</ul>
</body></html>
"""


def _corrections_html(r: IncomeReport) -> str:
    if not r.corrections:
        return ""
    rows = [[_yuan(v[0]), *v[1:]] for v in map(_correction_values, r.corrections)]
    return (
        f"<h2>Reviewer's corrections 复核更正 ({_count(len(r.corrections), 'group')})</h2>"
        + _html_table("", CORRECTION_COLUMNS, rows, {0, 1})
    )


def write_html(report: IncomeReport, path: str | Path) -> None:
    """Write :func:`render_html` to ``path`` (atomically)."""
    with atomic_file(Path(path), "w", encoding="utf-8") as (fh, _):
        fh.write(render_html(report))
