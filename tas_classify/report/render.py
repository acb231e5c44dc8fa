"""The revenue report as a terminal table, an Excel workbook (summary + lines) or a self-contained
HTML page (summary, income by category as a bar chart, the lines to review)."""

from __future__ import annotations

import html
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Any

from tas_classify.ledger.write import XlsxCells, atomic_file, discard_workbook
from tas_classify.report.income import IncomeReport, LedgerLine, Verdict

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


def render_text(report: IncomeReport) -> str:
    """The summary for a terminal."""
    r = report
    out = [
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
    if r.unparsed:
        out += ["", f"amounts not read, left out of the sums 金额无法识别 ({len(r.unparsed)}):"]
        out += [f"  row {x.row}: {x.raw_amount!r} — {x.amount_problem}" for x in r.unparsed]
    if r.total_rows:
        rows_ = ", ".join(str(x.row) for x in r.total_rows)
        out += ["", f"subtotal rows left out 合计行已排除: rows {rows_}"]
    if r.offshore_unknown:
        rows_ = ", ".join(str(x.row) for x in r.offshore_unknown[:20])
        out += ["", f"offshore value not recognised, counted as onshore: rows {rows_}"]
    out += ["", *(f"note: {n}" for n in r.notes)]
    return "\n".join(out).rstrip() + "\n"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _share_of_total(income: Decimal, report: IncomeReport) -> Decimal | None:
    return income / report.total_income if report.total_income > 0 else None


def _line_values(x: LedgerLine) -> list[Any]:
    return [
        x.row,
        x.text,
        float(x.amount) if x.amount is not None else x.raw_amount,
        {True: "offshore", False: "onshore", None: ""}[x.offshore],
        x.code,
        round(x.confidence, 4),
        x.needs_review,
        "subtotal row" if x.total_row else x.amount_problem,
    ]


LINE_COLUMNS = ["row", "text", "amount", "offshore", "tas_code", "confidence", "needs_review",
                "left out because"]  # fmt: skip


def write_xlsx(report: IncomeReport, path: str | Path, *, escape_formulas: bool = True) -> None:
    """A workbook: a ``summary`` sheet and a ``lines`` sheet (needs-review lines highlighted),
    streamed (openpyxl's write-only mode) so that memory does not grow with the lines. Text a
    spreadsheet would run as a formula is written as text unless ``escape_formulas`` is False."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    try:
        summary = book.create_sheet("summary")
        summary.column_dimensions["A"].width = 110
        cells = XlsxCells(summary, escape_formulas)
        for line in render_text(report).splitlines():
            bold = cells.bold if line and not line.startswith(" ") else None
            summary.append(cells.row([line], font=bold))
        lines = book.create_sheet("lines")
        lines.column_dimensions["B"].width = 60
        lines.freeze_panes = "A2"
        cells = XlsxCells(lines, escape_formulas)
        lines.append(cells.row(LINE_COLUMNS, font=cells.bold))
        for x in report.lines:
            fill = cells.fill if x.needs_review or not x.counted else None
            lines.append(cells.row(_line_values(x), fill=fill))
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


def render_html(report: IncomeReport, title: str = "tas_classify revenue report") -> str:
    """A self-contained page: summary, verdicts, a bar chart by category, needs-review lines."""
    r = report
    verdicts = []
    for v in r.verdicts:
        css = {True: "pass", False: "fail", None: ""}[v.passed]
        verdicts.append(
            f'<tr class="{"flip" if v.flips else ""}">{_cells([TEST_NAMES[v.test]], set())}'
            f"{_cells([_percent(v.share), '≥ ' + _percent(v.threshold)], {0, 1})}"
            f'<td class="{css}">{_verdict_word(v.passed)}</td>'
            f"{_cells([_percent(v.worst_share), _verdict_word(v.worst_passed)], {0})}"
            f"<td>{'yes' if v.flips else 'no'}</td></tr>"
        )
    figures = [
        ("total income 总收入", f"{_yuan(r.total_income)} ({r.total_income_source})"),
        ("ledger sum 台账合计", _yuan(r.ledger_sum)),
        ("in-scope income 范围内收入", _yuan(r.in_scope_income)),
        ("offshore in-scope income 离岸收入", _yuan(r.offshore_income)),
        ("income on needs-review lines 待复核收入", _yuan(r.at_risk_income)),
    ]
    review = [f"<tr>{_cells(_line_values(x)[:7], {0, 2, 5})}</tr>" for x in r.review_lines]
    left_out = [
        f"<tr>{_cells([x.row, x.text, x.raw_amount, _line_values(x)[7]], {0})}</tr>"
        for x in r.lines
        if not x.counted
    ]
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in r.notes)
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{_STYLE}</style></head><body>
<h1>{html.escape(title)}</h1>
<table><caption>Figures</caption>
{"".join(f"<tr><th>{html.escape(k)}</th>{_cells([v], {0})}</tr>" for k, v in figures)}
</table>
<table><caption>Annex 3 thresholds</caption>
<tr><th>test</th><th>share</th><th>needed</th><th>verdict</th>
<th>share if review lines are out of scope</th><th>verdict then</th><th>flips</th></tr>
{"".join(verdicts)}</table>
<h2>Income by category</h2>
{_chart(r)}
<h2>Lines to review ({len(r.review_lines)})</h2>
<table><tr>{_cells(LINE_COLUMNS[:7], set(), "th")}</tr>{"".join(review)}</table>
<h2>Rows left out of the sums ({len(left_out)})</h2>
<table><tr>{_cells(["row", "text", "amount", "why"], set(), "th")}</tr>{"".join(left_out)}</table>
<ul>{notes}</ul>
</body></html>
"""


def write_html(report: IncomeReport, path: str | Path) -> None:
    """Write :func:`render_html` to ``path`` (atomically)."""
    with atomic_file(Path(path), "w", encoding="utf-8") as (fh, _):
        fh.write(render_html(report))
