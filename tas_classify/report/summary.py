"""The Annex 2 summary across applicants: the 附件2-style 技术先进型服务企业申报推荐汇总表, one row
per enterprise, built from the ``report --json`` output of each.

Each row carries the enterprise (name, 统一社会信用代码, track), its total, in-scope and offshore
income and shares, the verdict, and the income and lines still to review; the foot adds the
incomes up (``Decimal``, to the cent) and recomputes the shares from the sums (a share of sums, not
an average of shares), with the number of applicants that pass.

The labels (column headings, tracks, verdicts, the foot) are in ``data/summary.toml``.
"""

from __future__ import annotations

import csv
import html
import json
import math
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal, Inexact, InvalidOperation, localcontext
from functools import lru_cache
from pathlib import Path
from typing import Any

from tas_classify._resources import data_path
from tas_classify._toml import tomllib
from tas_classify.errors import ReportFileError
from tas_classify.ledger.write import XlsxCells, atomic_file, discard_workbook, escape_formula

__all__ = [
    "Applicant",
    "ApplicantsSummary",
    "ReportFileError",
    "SummaryLabels",
    "SummaryTotals",
    "credit_code_is_valid",
    "read_applicant",
    "render_summary_html",
    "summarise_reports",
    "summary_labels",
    "summary_table",
    "write_summary",
]

MAX_REPORT_BYTES = 256 * 1024 * 1024
MAX_DIGITS = 60  # before and after the point: far beyond any income, small enough to add exactly
# Sums and roundings of amounts of up to 2 × MAX_DIGITS digits are exact in this context; an
# inexact result would be an error, never a silent rounding.
_EXACT = Context(prec=4 * MAX_DIGITS, traps=[Inexact, InvalidOperation])
_WIDE = Context(prec=4 * MAX_DIGITS, traps=[InvalidOperation])  # for rounding to the cent
TRACKS = ("outsourcing", "trade")
VERDICTS = ("pass", "fail", "not_assessed")
COLUMNS = (
    "number", "enterprise", "credit_code", "track", "total_income", "in_scope_income",
    "in_scope_share", "offshore_income", "offshore_share", "verdict", "at_risk_income",
    "review_lines", "notes",
)  # fmt: skip
AMOUNT_COLUMNS = frozenset({"total_income", "in_scope_income", "offshore_income", "at_risk_income"})
SHARE_COLUMNS = frozenset({"in_scope_share", "offshore_share"})
_SUFFIXES = {".xlsx": "xlsx", ".html": "html", ".htm": "html", ".csv": "csv"}


# ---------------------------------------------------------------- labels
@dataclass(frozen=True)
class SummaryLabels:
    """The words of the table, from ``data/summary.toml``."""

    title: str
    columns: dict[str, str]
    tracks: dict[str, str]
    verdicts: dict[str, str]
    totals_label: str
    totals_passed: str


@lru_cache(maxsize=1)
def summary_labels() -> SummaryLabels:
    """The shipped labels, read once."""
    with data_path("summary.toml").open("rb") as fh:
        raw = tomllib.load(fh)
    return SummaryLabels(
        title=raw["title"],
        columns={key: raw["columns"][key] for key in COLUMNS},
        tracks={key: raw["tracks"][key] for key in TRACKS},
        verdicts={key: raw["verdicts"][key] for key in VERDICTS},
        totals_label=raw["totals"]["label"],
        totals_passed=raw["totals"]["passed"],
    )


# ---------------------------------------------------------------- the rows
@dataclass(frozen=True)
class Applicant:
    """One enterprise's row, read from its report JSON (``source``)."""

    number: int
    enterprise: str
    credit_code: str | None
    track: str | None
    total_income: Decimal | None
    in_scope_income: Decimal | None
    in_scope_share: Decimal | None
    offshore_income: Decimal | None
    offshore_share: Decimal | None
    verdict: str
    at_risk_income: Decimal | None
    review_lines: int | None
    source: str
    provenance: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SummaryTotals:
    """The foot of the table. Each sum is over the rows that have the figure; a share is the sum
    of its numerator over the sum of total income of the same rows (the offshore share over the
    rows that have an offshore figure, i.e. not the 服务贸易类 ones)."""

    total_income: Decimal
    in_scope_income: Decimal
    in_scope_share: Decimal | None
    offshore_income: Decimal | None
    offshore_share: Decimal | None
    at_risk_income: Decimal
    review_lines: int
    verdicts: dict[str, int]
    count: int


@dataclass(frozen=True)
class ApplicantsSummary:
    """The rows (each with its own notes), the foot, and the notes about the set (an enterprise
    or a file given twice)."""

    applicants: tuple[Applicant, ...]
    totals: SummaryTotals
    notes: tuple[str, ...]


# ---------------------------------------------------------------- reading a report JSON
def _load(path: Path) -> dict[str, Any]:
    try:
        size = path.stat().st_size
        if size > MAX_REPORT_BYTES:
            raise ReportFileError(
                f"{path}: {size:,} bytes, more than a report JSON can be "
                f"({MAX_REPORT_BYTES // 2**20} MiB); is it the right file?"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise ReportFileError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    try:
        # bytes: json detects UTF-8 (with or without BOM), UTF-16 and UTF-32 (PowerShell's `>`)
        obj = json.loads(data, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise ReportFileError(
            f"{path}: not a report JSON (the output of `tas-classify report --json`): "
            f"{str(exc)[:200] or type(exc).__name__}"
        ) from exc
    if not isinstance(obj, dict):
        raise ReportFileError(
            f"{path}: not a report JSON (the output of `tas-classify report --json`): "
            f"a JSON {type(obj).__name__}, not an object"
        )
    return obj


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a report can hold")


def _need(obj: dict[str, Any], key: str, path: Path, where: str = "") -> Any:
    if key not in obj:
        raise ReportFileError(
            f"{path}: not a report JSON (the output of `tas-classify report --json`): "
            f"no key '{where}{key}'"
        )
    return obj[key]


def _amount(value: Any, path: Path, key: str) -> Decimal | None:
    """An amount: an exact decimal string ("1234.50"), a number (older outputs), or null."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ReportFileError(f"{path}: '{key}' is {value!r}, not an amount")
    try:
        amount = Decimal(value.strip()) if isinstance(value, str) else Decimal(str(value))
    except InvalidOperation:
        raise ReportFileError(f"{path}: '{key}' is {value!r}, not an amount") from None
    if not amount.is_finite():
        raise ReportFileError(f"{path}: '{key}' is {value!r}, not an amount")
    exponent = amount.as_tuple().exponent  # an int: the amount is finite
    if amount.adjusted() >= MAX_DIGITS or int(exponent) < -MAX_DIGITS:
        raise ReportFileError(
            f"{path}: '{key}' has more than {MAX_DIGITS} digits before or after the point; "
            "not an amount in yuan"
        )
    return amount


def _share(value: Any, path: Path, key: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ReportFileError(f"{path}: '{key}' is {value!r}, not a share")
    if isinstance(value, float) and not math.isfinite(value):
        raise ReportFileError(f"{path}: '{key}' is {value!r}, not a share")
    return _amount(value, path, key)


def _count(value: Any, path: Path, key: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ReportFileError(f"{path}: '{key}' is {value!r}, not a number of lines")
    return value


def _text(value: Any, path: Path, key: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ReportFileError(f"{path}: '{key}' is {value!r}, not text")
    return " ".join(value.split()) or None


def _verdict(obj: dict[str, Any], path: Path) -> tuple[str, list[str]]:
    """The verdict, and the tests whose verdict the lines to review could flip. An output older
    than the ``verdict`` key is judged from its ``verdicts``: any test failed → fail, all passed
    → pass, else not assessed."""
    tests = obj.get("verdicts")
    tests = tests if isinstance(tests, dict) else {}
    flips = [name for name, t in tests.items() if isinstance(t, dict) and t.get("flips") is True]
    if "verdict" in obj:
        verdict = obj["verdict"]
        if verdict not in VERDICTS:
            raise ReportFileError(
                f"{path}: 'verdict' is {verdict!r}; expected one of {', '.join(VERDICTS)}"
            )
        return verdict, flips
    if not tests:
        _need(obj, "verdict", path)
    passed = [t.get("passed") if isinstance(t, dict) else None for t in tests.values()]
    if False in passed:
        return "fail", flips
    return ("pass" if all(p is True for p in passed) else "not_assessed"), flips


def _ratio(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    return part / whole if part is not None and whole is not None and whole > 0 else None


_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_is_valid(code: str) -> bool:
    """Whether ``code`` is an 18-character 统一社会信用代码 with a correct check character
    (GB 32100-2015: the weighted sum of the first 17 characters, modulo 31).

    >>> credit_code_is_valid("91350100M000100Y43"), credit_code_is_valid("91350100M000100Y44")
    (True, False)
    """
    code = code.strip().upper()
    if len(code) != 18 or any(ch not in _CODE_CHARS for ch in code):
        return False
    total = sum(_CODE_CHARS.index(ch) * w for ch, w in zip(code, _CODE_WEIGHTS))
    return _CODE_CHARS[(31 - total % 31) % 31] == code[17]


def read_applicant(path: str | Path, number: int = 1) -> Applicant:
    """One enterprise's row from the report JSON at ``path``; a file that is not one is a
    :class:`ReportFileError` naming the file and the key at fault."""
    path = Path(path)
    obj = _load(path)
    notes: list[str] = []
    total = _amount(_need(obj, "total_income", path), path, "total_income")
    in_scope = _amount(_need(obj, "in_scope_income", path), path, "in_scope_income")
    offshore = _amount(obj.get("offshore_income"), path, "offshore_income")
    at_risk = _need(obj, "at_risk", path)
    if not isinstance(at_risk, dict):
        raise ReportFileError(f"{path}: 'at_risk' is {at_risk!r}, not an object")
    risk_income = _amount(
        _need(at_risk, "needs_review_income", path, "at_risk."), path, "needs_review_income"
    )
    review_lines = _count(
        _need(at_risk, "needs_review_lines", path, "at_risk."), path, "needs_review_lines"
    )
    verdict, flips = _verdict(obj, path)
    provenance = obj.get("provenance")
    if provenance is None:
        provenance = {}
        notes.append("no provenance in the report (an older output?)")
    if not isinstance(provenance, dict):
        raise ReportFileError(f"{path}: 'provenance' is {provenance!r}, not an object")
    enterprise = _text(provenance.get("enterprise"), path, "provenance.enterprise")
    if enterprise is None:
        enterprise = path.stem
        notes.append(f"enterprise name taken from the file name {path.name}")
    credit_code = _text(provenance.get("credit_code"), path, "provenance.credit_code")
    if credit_code is not None:
        credit_code = unicodedata.normalize("NFKC", credit_code).replace(" ", "").upper()
    if credit_code is not None and not credit_code_is_valid(credit_code):
        notes.append(f"credit code {credit_code} fails the GB 32100 check")
    track = provenance.get("track")
    if track is not None and track not in TRACKS:
        raise ReportFileError(
            f"{path}: 'provenance.track' is {track!r}; expected one of {', '.join(TRACKS)} or null"
        )
    if track is None:
        notes.append("track not recorded")
    in_scope_share = _ratio(in_scope, total)
    if in_scope_share is None:
        in_scope_share = _share(obj.get("in_scope_share"), path, "in_scope_share")
    offshore_share = _ratio(offshore, total)
    if offshore_share is None:
        offshore_share = _share(obj.get("offshore_share"), path, "offshore_share")
    if track == "trade":  # 服务贸易类: no offshore test (财税〔2018〕44号)
        offshore = offshore_share = None
    if total is not None and in_scope is not None and in_scope > total:
        notes.append("in-scope income exceeds total income")
    if flips:
        notes.append("the lines to review decide the verdict (" + ", ".join(flips) + ")")
    warnings = obj.get("warnings")
    if isinstance(warnings, list) and warnings:
        notes.append(f"the report has {len(warnings)} warning(s)")
    return Applicant(
        number=number,
        enterprise=enterprise,
        credit_code=credit_code,
        track=track,
        total_income=total,
        in_scope_income=in_scope,
        in_scope_share=in_scope_share,
        offshore_income=offshore,
        offshore_share=offshore_share,
        verdict=verdict,
        at_risk_income=risk_income,
        review_lines=review_lines,
        source=str(path),
        provenance=provenance,
        notes=tuple(notes),
    )


def _report_files(paths: Iterable[str | Path]) -> list[Path]:
    """The files: each path as given, a folder as its ``*.json`` files in name order."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.glob("*.json") if p.is_file())
            if not found:
                raise ReportFileError(f"{path}: a folder with no .json report in it")
            out.extend(found)
        else:
            out.append(path)
    return out


def _sum(values: Iterable[Decimal | None]) -> Decimal:
    """The exact sum (no rounding at 28 digits, Decimal's default)."""
    with localcontext(_EXACT):
        return sum((v for v in values if v is not None), Decimal(0))


def _totals(applicants: Sequence[Applicant]) -> SummaryTotals:
    both = [a for a in applicants if a.total_income is not None and a.in_scope_income is not None]
    offshore = [a for a in applicants if a.offshore_income is not None and a.total_income]
    offshore_sum = _sum(a.offshore_income for a in offshore) if offshore else None
    return SummaryTotals(
        total_income=_sum(a.total_income for a in applicants),
        in_scope_income=_sum(a.in_scope_income for a in applicants),
        in_scope_share=_ratio(
            _sum(a.in_scope_income for a in both), _sum(a.total_income for a in both)
        ),
        offshore_income=offshore_sum,
        offshore_share=_ratio(offshore_sum, _sum(a.total_income for a in offshore)),
        at_risk_income=_sum(a.at_risk_income for a in applicants),
        review_lines=sum(a.review_lines or 0 for a in applicants),
        verdicts={v: sum(a.verdict == v for a in applicants) for v in VERDICTS},
        count=len(applicants),
    )


def summarise_reports(paths: Iterable[str | Path]) -> ApplicantsSummary:
    """The Annex 2 summary of the report JSON files at ``paths`` (a folder stands for its
    ``*.json`` files), one row per file in the order given."""
    files = _report_files(paths)
    if not files:
        raise ReportFileError("no report JSON given")
    applicants = [read_applicant(path, number) for number, path in enumerate(files, 1)]
    notes: list[str] = []
    for what, key in (("credit code", "credit_code"), ("enterprise", "enterprise")):
        seen = Counter(getattr(a, key) for a in applicants if getattr(a, key))
        notes += [
            f"{what} {value} appears in {n} reports; is one enterprise counted twice?"
            for value, n in seen.items()
            if n > 1
        ]
    resolved = Counter(p.resolve() for p in files)
    notes += [f"{p}: given {n} times" for p, n in resolved.items() if n > 1]
    return ApplicantsSummary(tuple(applicants), _totals(applicants), tuple(notes))


# ---------------------------------------------------------------- the table
def _row(a: Applicant, labels: SummaryLabels) -> dict[str, Any]:
    return {
        "number": a.number,
        "enterprise": a.enterprise,
        "credit_code": a.credit_code,
        "track": labels.tracks[a.track] if a.track else None,
        "total_income": a.total_income,
        "in_scope_income": a.in_scope_income,
        "in_scope_share": a.in_scope_share,
        "offshore_income": a.offshore_income,
        "offshore_share": a.offshore_share,
        "verdict": labels.verdicts[a.verdict],
        "at_risk_income": a.at_risk_income,
        "review_lines": a.review_lines,
        "notes": "; ".join(a.notes) or None,
    }


def _foot(t: SummaryTotals, labels: SummaryLabels) -> dict[str, Any]:
    return {
        "number": None,
        "enterprise": labels.totals_label,
        "credit_code": None,
        "track": None,
        "total_income": t.total_income,
        "in_scope_income": t.in_scope_income,
        "in_scope_share": t.in_scope_share,
        "offshore_income": t.offshore_income,
        "offshore_share": t.offshore_share,
        "verdict": labels.totals_passed.format(passed=t.verdicts["pass"], count=t.count),
        "at_risk_income": t.at_risk_income,
        "review_lines": t.review_lines,
        "notes": None,
    }


def summary_table(
    summary: ApplicantsSummary, labels: SummaryLabels | None = None
) -> tuple[list[str], list[list[Any]], list[Any]]:
    """Headings, the rows and the foot, as typed values (``Decimal`` amounts and shares, ``int``
    counts, ``str`` text, ``None`` for blank), in the order of ``data/summary.toml``."""
    labels = labels or summary_labels()
    rows = [_row(a, labels) for a in summary.applicants]
    foot = _foot(summary.totals, labels)
    return (
        [labels.columns[c] for c in COLUMNS],
        [[row[c] for c in COLUMNS] for row in rows],
        [foot[c] for c in COLUMNS],
    )


def _yuan(value: Decimal) -> str:
    with localcontext(_WIDE):
        return f"{value.quantize(Decimal('0.01'), ROUND_HALF_UP)}"


def _percent(value: Decimal) -> str:
    with localcontext(_WIDE):
        return f"{(value * 100).quantize(Decimal('0.01'), ROUND_HALF_UP)}%"


def _as_text(value: Any, column: str, thousands: bool = False) -> str:
    """A cell as text: amounts to the cent (``1234.50``, or ``1,234.50`` for people), shares as
    percentages (``52.34%``), blank for ``None``."""
    if value is None:
        return ""
    if isinstance(value, Decimal) and column in SHARE_COLUMNS:
        return _percent(value)
    if isinstance(value, Decimal):
        return f"{Decimal(_yuan(value)):,.2f}" if thousands else _yuan(value)
    return str(value)


# ---------------------------------------------------------------- writing
def write_summary(
    summary: ApplicantsSummary,
    path: str | Path,
    fmt: str | None = None,
    *,
    escape_formulas: bool = True,
) -> None:
    """Write the table to ``path`` as ``xlsx``, ``html`` or ``csv`` (by default from the
    extension), atomically."""
    path = Path(path)
    fmt = fmt or _SUFFIXES.get(path.suffix.lower())
    if fmt == "xlsx":
        _write_xlsx(summary, path, escape_formulas)
    elif fmt == "html":
        with atomic_file(path, "w", encoding="utf-8") as (fh, _):
            fh.write(render_summary_html(summary))
    elif fmt == "csv":
        _write_csv(summary, path, escape_formulas)
    else:
        raise ReportFileError(f"{path}: the summary is written as .xlsx, .html or .csv")


def _write_csv(summary: ApplicantsSummary, path: Path, escape_formulas: bool) -> None:
    head, rows, foot = summary_table(summary)
    with atomic_file(path, "w", encoding="utf-8-sig", newline="") as (fh, _):
        writer = csv.writer(fh, lineterminator="\r\n")
        for cells in (head, *rows, foot):
            texts = [_as_text(v, c) for v, c in zip(cells, COLUMNS)]
            if escape_formulas:
                texts = [escape_formula(t) for t in texts]
            writer.writerow(texts)


_NUMBER_FORMATS = {
    **{c: "#,##0.00" for c in AMOUNT_COLUMNS},
    **{c: "0.00%" for c in SHARE_COLUMNS},
    "review_lines": "0",
    "number": "0",
}
_WIDTHS = {"enterprise": 32, "credit_code": 22, "notes": 48, **{c: 18 for c in AMOUNT_COLUMNS}}


def _xlsx_cells(ws: Any, cells: XlsxCells, values: Sequence[Any], *, font: Any = None) -> list[Any]:
    """One row: numbers as numeric cells with their number format, text made safe by
    ``cells``."""
    from openpyxl.cell import WriteOnlyCell

    out = cells.row(values, font=font)
    for i, (value, column) in enumerate(zip(values, COLUMNS)):
        if isinstance(value, (Decimal, int)) and column in _NUMBER_FORMATS:
            cell = WriteOnlyCell(ws, value=float(value) if isinstance(value, Decimal) else value)
            cell.number_format = _NUMBER_FORMATS[column]
            if font is not None:
                cell.font = font
            out[i] = cell
    return out


def _write_xlsx(summary: ApplicantsSummary, path: Path, escape_formulas: bool) -> None:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    labels = summary_labels()
    head, rows, foot = summary_table(summary, labels)
    book = Workbook(write_only=True)
    try:
        ws = book.create_sheet("汇总表")
        for i, column in enumerate(COLUMNS, 1):
            ws.column_dimensions[get_column_letter(i)].width = _WIDTHS.get(column, 14)
        ws.freeze_panes = "A3"
        cells = XlsxCells(ws, escape_formulas)
        ws.append(cells.row([labels.title], font=cells.bold))
        ws.append(cells.row(head, font=cells.bold))
        for row in rows:
            ws.append(_xlsx_cells(ws, cells, row))
        ws.append(_xlsx_cells(ws, cells, foot, font=cells.bold))
        if summary.notes:
            ws.append([])
            for note in summary.notes:
                ws.append(cells.row(["", note]))
        sources = book.create_sheet("sources")
        cells = XlsxCells(sources, escape_formulas)
        sources.freeze_panes = "A2"
        sources.column_dimensions["B"].width = 40
        sources.column_dimensions["C"].width = 40
        sources.append(cells.row(_SOURCE_COLUMNS, font=cells.bold))
        for a in summary.applicants:
            sources.append(cells.row(_source_row(a)))
        with atomic_file(path, "wb") as (fh, _):
            book.save(fh)
    except BaseException:
        discard_workbook(book)
        raise


_SOURCE_COLUMNS = [
    "序号", "report JSON", "ledger file", "model", "tool version", "created", "other provenance",
]  # fmt: skip
_SOURCE_KEYS = ("file", "model", "tool_version", "created")
_ROW_KEYS = frozenset({"enterprise", "credit_code", "track", *_SOURCE_KEYS})


def _source_row(a: Applicant) -> list[Any]:
    """Where a row came from: the report JSON, then its provenance (the ledger file, the model,
    the tool version, the date, and every other key as JSON)."""
    p = a.provenance
    other = {k: v for k, v in p.items() if k not in _ROW_KEYS}
    return [
        a.number,
        a.source,
        *(_plain(p.get(k)) for k in _SOURCE_KEYS),
        json.dumps(other, ensure_ascii=False) if other else "",
    ]


def _plain(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


_STYLE = """
body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px}
td.n{text-align:right;font-variant-numeric:tabular-nums}tfoot td{font-weight:bold}
caption{text-align:left;font-weight:bold;padding:4px 0}
"""


def _html_cells(values: Sequence[Any], tag: str = "td") -> str:
    out = []
    for value, column in zip(values, COLUMNS):
        numeric = column in AMOUNT_COLUMNS | SHARE_COLUMNS | {"number", "review_lines"}
        css = " class=n" if numeric and tag == "td" else ""
        out.append(f"<{tag}{css}>{html.escape(_as_text(value, column, thousands=True))}</{tag}>")
    return "".join(out)


def render_summary_html(summary: ApplicantsSummary) -> str:
    """A self-contained page (no script, no external file), every cell escaped."""
    labels = summary_labels()
    head, rows, foot = summary_table(summary, labels)
    title = html.escape(labels.title)
    body = "".join(f"<tr>{_html_cells(row)}</tr>\n" for row in rows)
    sources = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in _source_row(a)) + "</tr>\n"
        for a in summary.applicants
    )
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in summary.notes)
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<style>{_STYLE}</style></head><body>
<h1>{title}</h1>
<table>
<thead><tr>{_html_cells(head, "th")}</tr></thead>
<tbody>
{body}</tbody>
<tfoot><tr>{_html_cells(foot)}</tr></tfoot>
</table>
<ul>{notes}</ul>
<table><caption>Sources</caption>
<tr>{"".join(f"<th>{html.escape(c)}</th>" for c in _SOURCE_COLUMNS)}</tr>
{sources}</table>
</body></html>
"""
