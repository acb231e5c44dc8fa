"""The Annex 3 income test over a classified ledger: in-scope and offshore shares of total income,
subtotals per category and group, pass / fail per threshold, and the income on lines a person must
check — with whether each verdict would flip if all of those lines were out of scope.

Amounts are summed exactly (Decimal). Subtotal rows (``合计`` …) and unparseable amounts are left
out of every sum and listed; nothing is silently taken as zero.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from tas_classify import taxonomy
from tas_classify.errors import AmountError
from tas_classify.ledger.amounts import parse_amount
from tas_classify.ledger.batch import ClassifiedRow, classify_rows
from tas_classify.ledger.cells import cell_text
from tas_classify.ledger.columns import find_column, is_total_row, parse_offshore
from tas_classify.ledger.read import Table
from tas_classify.ledger.result_columns import results_cells
from tas_classify.parallel import ChunkClassifier

ZERO = Decimal(0)


@dataclass(frozen=True)
class Thresholds:
    """Annex 3 defaults; local guides differ, so both are settings."""

    min_in_scope: Decimal = Decimal("0.50")
    min_offshore: Decimal = Decimal("0.35")


@dataclass(frozen=True, slots=True)
class LedgerLine:
    """One ledger row as the report sees it.

    ``amount`` is None when the cell could not be read (``amount_problem`` says why);
    ``offshore`` is None when there is no offshore column or its value was not recognised;
    ``note`` is a problem with the row itself (a formula with no saved value …).
    """

    row: int
    text: str
    amount: Decimal | None
    code: str
    confidence: float
    needs_review: bool
    offshore: bool | None = None
    amount_problem: str = ""
    raw_amount: Any = None
    raw_offshore: Any = None
    total_row: bool = False
    note: str = ""

    @property
    def counted(self) -> bool:
        return self.amount is not None and not self.total_row

    @property
    def in_scope(self) -> bool:
        return self.code != taxonomy.NONE


@dataclass(frozen=True)
class Verdict:
    """One threshold test; ``passed`` is None when it cannot be assessed (no total income, or no
    offshore column)."""

    test: str
    income: Decimal | None
    share: Decimal | None
    threshold: Decimal
    passed: bool | None
    worst_share: Decimal | None
    worst_passed: bool | None

    @property
    def flips(self) -> bool:
        """Whether the verdict changes if every needs-review line were out of scope."""
        return self.passed is not None and self.passed != self.worst_passed


@dataclass(frozen=True)
class Subtotal:
    key: str
    name: str
    lines: int
    income: Decimal


@dataclass
class IncomeReport:
    lines: list[LedgerLine]
    thresholds: Thresholds
    total_income: Decimal
    total_income_source: str  # "given" or "ledger sum"
    ledger_sum: Decimal
    in_scope_income: Decimal
    offshore_income: Decimal | None
    at_risk_income: Decimal
    at_risk_in_scope: Decimal
    at_risk_offshore: Decimal | None
    possibly_in_scope: Decimal
    by_code: list[Subtotal]
    by_group: list[Subtotal]
    verdicts: list[Verdict]
    notes: list[str] = field(default_factory=list)

    @property
    def unparsed(self) -> list[LedgerLine]:
        return [line for line in self.lines if line.amount is None and not line.total_row]

    @property
    def total_rows(self) -> list[LedgerLine]:
        return [line for line in self.lines if line.total_row]

    @property
    def offshore_unknown(self) -> list[LedgerLine]:
        if self.offshore_income is None:
            return []
        return [line for line in self.lines if line.counted and line.offshore is None]

    @property
    def review_lines(self) -> list[LedgerLine]:
        return [line for line in self.lines if line.counted and line.needs_review]

    def to_dict(self) -> dict[str, Any]:
        """The summary as plain JSON-ready values (amounts in yuan, shares as fractions)."""
        return {
            "total_income": _json_yuan(self.total_income),
            "total_income_source": self.total_income_source,
            "ledger_sum": _json_yuan(self.ledger_sum),
            "lines": len(self.lines),
            "counted_lines": sum(line.counted for line in self.lines),
            "in_scope_income": _json_yuan(self.in_scope_income),
            "in_scope_share": _json_ratio(_ratio(self.in_scope_income, self.total_income)),
            "offshore_income": _json_yuan(self.offshore_income),
            "offshore_share": _json_ratio(_ratio(self.offshore_income, self.total_income)),
            "thresholds": {
                "min_in_scope": float(self.thresholds.min_in_scope),
                "min_offshore": float(self.thresholds.min_offshore),
            },
            "verdicts": {v.test: _verdict_dict(v) for v in self.verdicts},
            "at_risk": {
                "needs_review_income": _json_yuan(self.at_risk_income),
                "in_scope": _json_yuan(self.at_risk_in_scope),
                "offshore": _json_yuan(self.at_risk_offshore),
                "needs_review_lines": len(self.review_lines),
                "possibly_in_scope": _json_yuan(self.possibly_in_scope),
            },
            "by_code": [_subtotal_dict(s) for s in self.by_code],
            "by_group": [_subtotal_dict(s) for s in self.by_group],
            "unparsed_amounts": [
                {"row": x.row, "value": _plain(x.raw_amount), "problem": x.amount_problem}
                for x in self.unparsed
            ],
            "total_rows": [{"row": x.row, "text": x.text} for x in self.total_rows],
            "offshore_unknown": [
                {"row": x.row, "value": _plain(x.raw_offshore)} for x in self.offshore_unknown
            ],
            "notes": list(self.notes),
        }


def _json_yuan(value: Decimal | None) -> float | None:
    return None if value is None else float(value.quantize(Decimal("0.01"), ROUND_HALF_UP))


def _json_ratio(value: Decimal | None) -> float | None:
    return None if value is None else float(value.quantize(Decimal("0.0001"), ROUND_HALF_UP))


def _plain(value: Any) -> Any:
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)


def _verdict_dict(v: Verdict) -> dict[str, Any]:
    return {
        "income": _json_yuan(v.income),
        "share": _json_ratio(v.share),
        "threshold": float(v.threshold),
        "passed": v.passed,
        "if_review_lines_out_of_scope": {
            "share": _json_ratio(v.worst_share),
            "passed": v.worst_passed,
        },
        "flips": v.flips,
    }


def _subtotal_dict(s: Subtotal) -> dict[str, Any]:
    return {"key": s.key, "name": s.name, "lines": s.lines, "income": _json_yuan(s.income)}


def _ratio(part: Decimal | None, whole: Decimal) -> Decimal | None:
    if part is None or whole <= 0:
        return None
    return part / whole


def _verdict(test: str, income: Decimal | None, worst: Decimal | None, total: Decimal,
             threshold: Decimal) -> Verdict:  # fmt: skip
    share, worst_share = _ratio(income, total), _ratio(worst, total)
    return Verdict(
        test=test,
        income=income,
        share=share,
        threshold=threshold,
        passed=None if share is None else share >= threshold,
        worst_share=worst_share,
        worst_passed=None if worst_share is None else worst_share >= threshold,
    )


def _group(category: taxonomy.Category) -> str:
    """ITO / BPO / KPO for the outsourcing track, the four service areas for the trade track."""
    if category.track == "trade":
        return f"{category.group}·{category.subgroup}"
    return category.group or category.name


def _income(lines: Iterable[LedgerLine], keep: Callable[[LedgerLine], Any] = bool) -> Decimal:
    """Exact sum of the read amounts of ``lines`` that ``keep`` accepts."""
    total = ZERO
    for line in lines:
        if line.amount is not None and keep(line):
            total += line.amount
    return total


def _subtotals(lines: list[LedgerLine]) -> tuple[list[Subtotal], list[Subtotal]]:
    by_code = []
    for code in taxonomy.codes():
        mine = [line for line in lines if line.code == code]
        if mine:
            by_code.append(Subtotal(code, taxonomy.get(code).name, len(mine), _income(mine)))
    groups: dict[str, tuple[int, Decimal]] = {}
    for sub in by_code:
        group = _group(taxonomy.get(sub.key))
        count, income = groups.get(group, (0, ZERO))
        groups[group] = (count + sub.lines, income + sub.income)
    return by_code, [Subtotal(g, g, n, income) for g, (n, income) in groups.items()]


def build_report(
    lines: Iterable[LedgerLine],
    *,
    total_income: Decimal | None = None,
    thresholds: Thresholds | None = None,
    has_offshore: bool = False,
) -> IncomeReport:
    """Sum a classified ledger and test it against ``thresholds``.

    ``total_income`` is the enterprise's 总收入 (收入总额 minus 不征税收入); without it the
    ledger's own sum is used and the report says so. ``has_offshore`` says whether the ledger
    has an offshore column; without one the offshore test is not assessed.
    """
    thresholds = thresholds or Thresholds()
    lines = list(lines)
    counted = [line for line in lines if line.counted]
    ledger_sum = _income(counted)
    notes = []
    total = ledger_sum if total_income is None else total_income
    if total_income is None:
        source = "ledger sum"
        notes.append(
            "total income is the sum of the ledger's lines (no --total-income given); "
            "income missing from the ledger would lower every share"
        )
    else:
        source = "given"
    if not has_offshore:
        notes.append("no offshore column (--offshore): the offshore test is not assessed")

    def income(keep: Callable[[LedgerLine], Any]) -> Decimal:
        return _income(counted, keep)

    in_scope = income(lambda x: x.in_scope)
    at_risk_in_scope = income(lambda x: x.in_scope and x.needs_review)
    offshore = income(lambda x: x.in_scope and x.offshore) if has_offshore else None
    at_risk_offshore = (
        income(lambda x: x.in_scope and x.offshore and x.needs_review) if has_offshore else None
    )
    worst_offshore = None if offshore is None else offshore - (at_risk_offshore or ZERO)
    verdicts = [
        _verdict("in_scope", in_scope, in_scope - at_risk_in_scope, total,
                 thresholds.min_in_scope),
        _verdict("offshore", offshore, worst_offshore, total, thresholds.min_offshore),
    ]  # fmt: skip
    if total <= 0:
        notes.append("total income is zero or negative: shares cannot be computed")
    by_code, by_group = _subtotals(counted)
    return IncomeReport(
        lines=lines,
        thresholds=thresholds,
        total_income=total,
        total_income_source=source,
        ledger_sum=ledger_sum,
        in_scope_income=in_scope,
        offshore_income=offshore,
        at_risk_income=income(lambda x: x.needs_review),
        at_risk_in_scope=at_risk_in_scope,
        at_risk_offshore=at_risk_offshore,
        possibly_in_scope=income(lambda x: not x.in_scope and x.needs_review),
        by_code=by_code,
        by_group=by_group,
        verdicts=verdicts,
        notes=notes,
    )


def ledger_line(
    row: ClassifiedRow, text_index: int, amount_index: int, offshore_index: int | None
) -> LedgerLine:
    """A classified row as the income report sees it: its amount parsed (or the reason it could
    not be), its offshore flag, and whether it is a subtotal row."""
    raw = row.cells[amount_index]
    try:
        amount, problem = parse_amount(raw), ""
    except AmountError as exc:
        amount, problem = None, str(exc)
    text = cell_text(row.cells[text_index])
    offshore_raw = row.cells[offshore_index] if offshore_index is not None else None
    return LedgerLine(
        row=row.number,
        text=text,
        amount=amount,
        code=row.code,
        confidence=row.confidence,
        needs_review=row.needs_review,
        offshore=parse_offshore(offshore_raw) if offshore_index is not None else None,
        amount_problem=problem,
        raw_amount=raw,
        raw_offshore=offshore_raw,
        total_row=is_total_row(text) or is_total_row(cell_text(row.cells[0])),
        note=row.note,
    )


def report_ledger(
    table: Table,
    text_index: int,
    amount_column: str,
    offshore_column: str | None = None,
    *,
    total_income: Decimal | None = None,
    thresholds: Thresholds | None = None,
    model: str | Path | None = None,
    track: str | None = None,
    quiet: bool = True,
) -> IncomeReport:
    """Classify every row of ``table`` (text in column ``text_index``) with the model in folder
    ``model`` (None: the shipped one) and test its income, read from ``amount_column`` and
    ``offshore_column``, against ``thresholds``. A missing column is a ``ColumnError``."""
    amount_index = find_column(table.columns, amount_column, source=table.source, option="--amount")
    offshore_index = (
        find_column(table.columns, offshore_column, source=table.source, option="--offshore")
        if offshore_column
        else None
    )
    classifier = ChunkClassifier(model, track, convert=results_cells)
    rows = classify_rows(table, text_index, classifier, quiet=quiet)
    lines = [ledger_line(r, text_index, amount_index, offshore_index) for r in rows]
    return build_report(
        lines,
        total_income=total_income,
        thresholds=thresholds,
        has_offshore=offshore_index is not None,
    )
