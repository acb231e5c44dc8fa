"""The Annex 3 income test over a classified ledger: in-scope and offshore shares of total income,
subtotals per category, group and location, pass / fail per threshold, and the income on lines a
person must check — with whether each verdict would flip if all of those lines were out of scope.

Amounts are summed exactly (Decimal, never float, whatever their length). Subtotal rows (a cell
that is ``合计``, ``本月合计``, ``Total (incl. VAT)`` …) and unparseable amounts are left out of
every sum and listed; nothing is silently taken as zero. :func:`build_report` is the one place the
verdict is computed; :func:`report_ledger` reads, classifies and calls it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext
from functools import lru_cache
from pathlib import Path
from typing import Any

from tas_classify import taxonomy
from tas_classify._resources import data_path, model_path
from tas_classify._toml import tomllib
from tas_classify._version import __version__
from tas_classify.errors import AmountError, InvalidParameterError
from tas_classify.ledger.amounts import EXACT, credit_note_wording, exact_sum, parse_amount
from tas_classify.ledger.batch import ClassifiedRow, classify_rows, reviewed_rows
from tas_classify.ledger.cells import cell_text
from tas_classify.ledger.columns import (
    choose_amount_column,
    find_column,
    is_reviewed,
    is_total_row,
    parse_offshore,
)
from tas_classify.ledger.read import Table
from tas_classify.ledger.result_columns import results_cells
from tas_classify.parallel import ChunkClassifier
from tas_classify.text import normalise_batch

ZERO = Decimal(0)
TRACKS = ("outsourcing", "trade")


@dataclass(frozen=True)
class Thresholds:
    """The shares needed; ``min_offshore`` None means there is no offshore test (the trade
    track). Defaults: the outsourcing track's (``data/thresholds.toml``)."""

    min_in_scope: Decimal = Decimal("0.50")
    min_offshore: Decimal | None = Decimal("0.35")
    track: str | None = None
    basis: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "track": self.track,
            "min_in_scope": float(self.min_in_scope),
            "min_offshore": None if self.min_offshore is None else float(self.min_offshore),
            "basis": self.basis,
        }


@lru_cache(maxsize=1)
def _threshold_file() -> dict[str, Any]:
    with data_path("thresholds.toml").open("rb") as fh:
        raw: dict[str, Any] = tomllib.load(fh)
    return raw


def thresholds_for(
    track: str | None,
    min_in_scope: Decimal | float | str | None = None,
    min_offshore: Decimal | float | str | None = None,
) -> Thresholds:
    """The default thresholds of ``track`` (``outsourcing`` or ``trade``; None: the default
    track of ``data/thresholds.toml``), with ``min_in_scope`` / ``min_offshore`` overriding them
    when given."""
    raw = _threshold_file()
    name = track or raw.get("default", {}).get("track", "outsourcing")
    if name not in TRACKS or name not in raw:
        raise InvalidParameterError(f"unknown track {name!r}; use one of {', '.join(TRACKS)}")
    spec = raw[name]
    given_offshore = spec.get("min_offshore")
    basis = " ".join(v for v in (spec.get("name", ""), spec.get("basis", "")) if v)
    if min_in_scope is not None or min_offshore is not None:
        basis += " (overridden)" if basis else "given"
    in_scope = spec["min_in_scope"] if min_in_scope is None else min_in_scope
    offshore = given_offshore if min_offshore is None else min_offshore
    return Thresholds(
        min_in_scope=_share(in_scope),
        min_offshore=None if offshore is None else _share(offshore),
        track=track,
        basis=basis,
    )


def _share(value: Decimal | float | str) -> Decimal:
    share = value if isinstance(value, Decimal) else Decimal(str(value))
    if not share.is_finite() or not 0 <= share <= 1:
        raise InvalidParameterError(f"a threshold must be a share between 0 and 1, not {value!r}")
    return share


@dataclass(frozen=True, slots=True)
class LedgerLine:
    """One ledger row as the report sees it.

    ``amount`` is None when the cell could not be read (``amount_problem`` says why);
    ``offshore`` is None when there is no offshore column or its value was not recognised;
    ``note`` is a problem with the row itself (a formula with no saved value …);
    ``total_label`` is the cell that makes the row a subtotal row.
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
    client: str = ""
    alternatives: str = ""
    total_label: str = ""

    @property
    def counted(self) -> bool:
        return self.amount is not None and not self.total_row

    @property
    def in_scope(self) -> bool:
        return self.code != taxonomy.NONE


@dataclass(frozen=True)
class Verdict:
    """One threshold test; ``passed`` is None when it cannot be assessed (no total income, no
    offshore column) or when there is no such test (``threshold`` None: the trade track's
    offshore test)."""

    test: str
    income: Decimal | None
    share: Decimal | None
    threshold: Decimal | None
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
    in_scope: Decimal | None = None


@dataclass(frozen=True)
class ReviewGroup:
    """Needs-review lines with the same normalised text and code: check them once."""

    key: str
    text: str
    code: str
    name: str
    lines: int
    income: Decimal
    rows: list[int]
    clients: list[str]
    alternatives: str
    confidence: float


@dataclass(frozen=True)
class ReviewerCorrection:
    """A group of lines whose code a reviewer changed (the workbench): listed in the report."""

    text: str
    lines: int
    income: Decimal
    model_code: str
    code: str
    at: str = ""


@dataclass(frozen=True)
class ReportWarning:
    """Something a reviewer must see; a ``blocking`` one stops ``report`` unless ``--force``."""

    code: str
    message: str
    blocking: bool = False


@dataclass(frozen=True)
class Provenance:
    """Where the report's figures come from, for the reviewer who signs it."""

    file: str = ""
    sheet: str | None = None
    header_row: int = 1
    text_column: str = ""
    amount_column: str = ""
    offshore_column: str | None = None
    client_column: str | None = None
    model: str = "shipped"
    model_sha256: str | None = None
    tool_version: str = __version__
    created: str = ""
    enterprise: str | None = None
    credit_code: str | None = None

    def to_dict(self, thresholds: Thresholds) -> dict[str, Any]:
        return {
            "file": self.file,
            "sheet": self.sheet,
            "header_row": self.header_row,
            "text_column": self.text_column,
            "amount_column": self.amount_column,
            "offshore_column": self.offshore_column,
            "client_column": self.client_column,
            "track": thresholds.track,
            "thresholds": thresholds.to_dict(),
            "model": self.model,
            "model_sha256": self.model_sha256,
            "tool_version": self.tool_version,
            "created": self.created,
            "enterprise": self.enterprise,
            "credit_code": self.credit_code,
        }


def model_identity(model: str | Path | None) -> tuple[str, str | None]:
    """``("shipped" or the folder, SHA-256 of its card.md — or model.json without one)``."""
    folder = model_path("default") if model is None else Path(model)
    label = "shipped" if model is None else str(model)
    for name in ("card.md", "model.json"):
        path = folder / name
        if path.is_file():
            return label, hashlib.sha256(path.read_bytes()).hexdigest()
    return label, None


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


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
    by_location: list[Subtotal] = field(default_factory=list)
    review_groups: list[ReviewGroup] = field(default_factory=list)
    warnings: list[ReportWarning] = field(default_factory=list)
    provenance: Provenance = field(default_factory=Provenance)
    corrections: list[ReviewerCorrection] = field(default_factory=list)

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

    @property
    def blocking(self) -> list[ReportWarning]:
        """Warnings that make the figures implausible (``report`` stops unless ``--force``)."""
        return [w for w in self.warnings if w.blocking]

    @property
    def verdict(self) -> str:
        """``pass`` when every test of the track passed, ``fail`` when one failed, else
        ``not_assessed`` (no offshore column, no total income)."""
        return _overall([v.passed for v in self.verdicts if v.threshold is not None])

    @property
    def worst_case_verdict(self) -> str:
        """The overall verdict if every needs-review line were out of scope."""
        return _overall([v.worst_passed for v in self.verdicts if v.threshold is not None])

    def to_dict(self) -> dict[str, Any]:
        """The summary as plain JSON-ready values: amounts in yuan as exact decimal strings
        (``"12345.67"``), shares as fractions rounded to 4 places (floats)."""
        return {
            "verdict": self.verdict,
            "worst_case_verdict": self.worst_case_verdict,
            "provenance": self.provenance.to_dict(self.thresholds),
            "warnings": [
                {"code": w.code, "message": w.message, "blocking": w.blocking}
                for w in self.warnings
            ],
            "total_income": yuan_text(self.total_income),
            "total_income_source": self.total_income_source,
            "ledger_sum": yuan_text(self.ledger_sum),
            "lines": len(self.lines),
            "counted_lines": sum(line.counted for line in self.lines),
            "in_scope_income": yuan_text(self.in_scope_income),
            "in_scope_share": _json_ratio(_ratio(self.in_scope_income, self.total_income)),
            "offshore_income": yuan_text(self.offshore_income),
            "offshore_share": _json_ratio(_ratio(self.offshore_income, self.total_income)),
            "thresholds": self.thresholds.to_dict(),
            "verdicts": {v.test: _verdict_dict(v) for v in self.verdicts},
            "at_risk": {
                "needs_review_income": yuan_text(self.at_risk_income),
                "in_scope": yuan_text(self.at_risk_in_scope),
                "offshore": yuan_text(self.at_risk_offshore),
                "needs_review_lines": len(self.review_lines),
                "possibly_in_scope": yuan_text(self.possibly_in_scope),
            },
            "by_code": [_subtotal_dict(s) for s in self.by_code],
            "by_group": [_subtotal_dict(s) for s in self.by_group],
            "by_location": [_subtotal_dict(s) for s in self.by_location],
            "review_groups": [_group_dict(g) for g in self.review_groups],
            "unparsed_amounts": [
                {"row": x.row, "value": _plain(x.raw_amount), "problem": x.amount_problem}
                for x in self.unparsed
            ],
            "total_rows": [
                {"row": x.row, "text": x.text, "label": x.total_label} for x in self.total_rows
            ],
            "offshore_unknown": [
                {"row": x.row, "value": _plain(x.raw_offshore)} for x in self.offshore_unknown
            ],
            "notes": list(self.notes),
            "corrections": [
                {
                    "text": c.text,
                    "lines": c.lines,
                    "income": yuan_text(c.income),
                    "model_code": c.model_code,
                    "code": c.code,
                    "name": taxonomy.get(c.code).name if c.code in taxonomy.codes() else "",
                    "at": c.at,
                }
                for c in self.corrections
            ],
        }


def _overall(results: Sequence[bool | None]) -> str:
    if any(r is False for r in results):
        return "fail"
    if not results or any(r is None for r in results):
        return "not_assessed"
    return "pass"


def yuan_text(value: Decimal | None) -> str | None:
    """An amount as an exact decimal string with at least two places (``"12345.60"``), never in
    exponent notation; None stays None."""
    if value is None:
        return None
    if value.as_tuple().exponent > -2:  # type: ignore[operator]
        value = value.quantize(Decimal("0.01"), context=EXACT)
    return format(abs(value) if value == 0 else value, "f")


def _json_ratio(value: Decimal | None) -> float | None:
    return None if value is None else float(value.quantize(Decimal("0.0001"), ROUND_HALF_UP))


def _plain(value: Any) -> Any:
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)


def _verdict_dict(v: Verdict) -> dict[str, Any]:
    return {
        "income": yuan_text(v.income),
        "share": _json_ratio(v.share),
        "threshold": None if v.threshold is None else float(v.threshold),
        "passed": v.passed,
        "if_review_lines_out_of_scope": {
            "share": _json_ratio(v.worst_share),
            "passed": v.worst_passed,
        },
        "flips": v.flips,
    }


def _subtotal_dict(s: Subtotal) -> dict[str, Any]:
    out = {"key": s.key, "name": s.name, "lines": s.lines, "income": yuan_text(s.income)}
    if s.in_scope is not None:
        out["in_scope_income"] = yuan_text(s.in_scope)
    return out


def _group_dict(g: ReviewGroup) -> dict[str, Any]:
    return {
        "text": g.text,
        "normalised": g.key,
        "code": g.code,
        "name": g.name,
        "lines": g.lines,
        "income": yuan_text(g.income),
        "rows": g.rows,
        "clients": g.clients,
        "alternatives": g.alternatives,
        "confidence": round(g.confidence, 4),
    }


def _ratio(part: Decimal | None, whole: Decimal) -> Decimal | None:
    if part is None or whole <= 0:
        return None
    return part / whole


def _reaches(part: Decimal | None, whole: Decimal, threshold: Decimal | None) -> bool | None:
    """``part / whole >= threshold``, decided exactly (no rounded quotient)."""
    if part is None or threshold is None or whole <= 0:
        return None
    return part >= EXACT.multiply(threshold, whole)


def _verdict(test: str, income: Decimal | None, worst: Decimal | None, total: Decimal,
             threshold: Decimal | None) -> Verdict:  # fmt: skip
    return Verdict(
        test=test,
        income=income,
        share=_ratio(income, total),
        threshold=threshold,
        passed=_reaches(income, total, threshold),
        worst_share=_ratio(worst, total),
        worst_passed=_reaches(worst, total, threshold),
    )


def _group(category: taxonomy.Category) -> str:
    """ITO / BPO / KPO for the outsourcing track, the four service areas for the trade track."""
    if category.track == "trade":
        return f"{category.group}·{category.subgroup}"
    return category.group or category.name


def _income(lines: Iterable[LedgerLine], keep: Callable[[LedgerLine], Any] = bool) -> Decimal:
    """Exact sum of the read amounts of ``lines`` that ``keep`` accepts."""
    return exact_sum(x.amount for x in lines if x.amount is not None and keep(x))


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
        groups[group] = (count + sub.lines, exact_sum([income, sub.income]))
    return by_code, [Subtotal(g, g, n, income) for g, (n, income) in groups.items()]


LOCATIONS = (
    (True, "offshore", "离岸 offshore"),
    (False, "onshore", "在岸 onshore"),
    (None, "unknown", "未识别 not recognised (counted onshore)"),
)


def _locations(lines: list[LedgerLine]) -> list[Subtotal]:
    out = []
    for flag, key, name in LOCATIONS:
        mine = [x for x in lines if x.offshore is flag]
        if mine or flag is not None:
            out.append(Subtotal(key, name, len(mine), _income(mine),
                                _income(mine, lambda x: x.in_scope)))  # fmt: skip
    return out


def _review_groups(lines: list[LedgerLine]) -> list[ReviewGroup]:
    """Needs-review lines grouped by normalised text and code, largest income (either sign)
    first, so that one check settles many lines and the money that matters is checked first."""
    groups: dict[tuple[str, str], list[LedgerLine]] = {}
    normalised = normalise_batch([x.text for x in lines]) if lines else []
    for line, norm in zip(lines, normalised):
        key = norm.text or " ".join(line.text.split())
        groups.setdefault((key, line.code), []).append(line)
    out = []
    for (key, code), mine in groups.items():
        clients = list(dict.fromkeys(x.client for x in mine if x.client))
        out.append(
            ReviewGroup(
                key=key,
                text=mine[0].text,
                code=code,
                name=taxonomy.get(code).name if code in taxonomy.codes() else "",
                lines=len(mine),
                income=_income(mine),
                rows=[x.row for x in mine],
                clients=clients,
                alternatives=mine[0].alternatives,
                confidence=min(x.confidence for x in mine),
            )
        )
    out.sort(key=lambda g: (-abs(g.income), g.rows[0]))
    return out


def _sanity(
    total: Decimal, given: bool, ledger_sum: Decimal, in_scope: Decimal, lines: list[LedgerLine]
) -> list[ReportWarning]:
    out = []
    if given and in_scope > total:
        out.append(ReportWarning(
            "total_income_below_in_scope",
            f"total income {yuan_text(total)} is below the ledger's in-scope income "
            f"{yuan_text(in_scope)}: a share above 100% is impossible. Is the unit missing "
            f"(e.g. --total-income {total}万元)?",
            blocking=True,
        ))  # fmt: skip
    elif given and ledger_sum > total:
        out.append(ReportWarning(
            "total_income_below_ledger_sum",
            f"total income {yuan_text(total)} is below the ledger's sum {yuan_text(ledger_sum)}: "
            "does the ledger hold income of another period or entity?",
        ))  # fmt: skip
    flagged = [x for x in lines if x.note]
    if flagged:
        out.append(ReportWarning(
            "rows_flagged",
            f"{len(flagged)} row(s) have a problem of their own and need review (row "
            f"{flagged[0].row}: {flagged[0].note})",
        ))  # fmt: skip
    unparsed = [x for x in lines if x.amount is None and not x.total_row]
    if unparsed:
        out.append(ReportWarning(
            "unparsed_amounts",
            f"{len(unparsed)} amount(s) could not be read and are left out of every sum "
            f"(rows {', '.join(str(x.row) for x in unparsed[:10])}"
            f"{' …' if len(unparsed) > 10 else ''})",
        ))  # fmt: skip
    return out


def build_report(
    lines: Iterable[LedgerLine],
    *,
    total_income: Decimal | None = None,
    thresholds: Thresholds | None = None,
    has_offshore: bool = False,
    provenance: Provenance | None = None,
    warnings: Iterable[str] = (),
    corrections: Iterable[ReviewerCorrection] = (),
) -> IncomeReport:
    """Sum a classified ledger and test it against ``thresholds``: the one function that
    decides the verdict (the CLI and any other front end call it).

    ``total_income`` is the enterprise's 总收入 (收入总额 minus 不征税收入); without it the
    ledger's own sum is used and the report says so. ``has_offshore`` says whether the ledger
    has an offshore column; without one the offshore test is not assessed. ``warnings`` are the
    reader's (a tax-inclusive amount column …); the report adds its own, and marks as blocking a
    total income below the ledger's in-scope income. ``corrections`` are a reviewer's changes,
    already applied to ``lines``: the report lists them.
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
    if thresholds.track is None:
        notes.append(
            "no --track: the 服务外包类 thresholds are used and lines of both tracks count as "
            "in scope; pass --track outsourcing or --track trade"
        )
    if thresholds.min_offshore is None:
        notes.append("this track has no offshore test")
    elif not has_offshore:
        notes.append("no offshore column (--offshore): the offshore test is not assessed")

    def income(keep: Callable[[LedgerLine], Any]) -> Decimal:
        return _income(counted, keep)

    in_scope = income(lambda x: x.in_scope)
    at_risk_in_scope = income(lambda x: x.in_scope and x.needs_review)
    offshore = income(lambda x: x.in_scope and x.offshore) if has_offshore else None
    at_risk_offshore = (
        income(lambda x: x.in_scope and x.offshore and x.needs_review) if has_offshore else None
    )
    with localcontext(EXACT):
        worst_in_scope = in_scope - at_risk_in_scope
        worst_offshore = None if offshore is None else offshore - (at_risk_offshore or ZERO)
    verdicts = [
        _verdict("in_scope", in_scope, worst_in_scope, total, thresholds.min_in_scope),
        _verdict("offshore", offshore, worst_offshore, total, thresholds.min_offshore),
    ]
    if total <= 0:
        notes.append("total income is zero or negative: shares cannot be computed")
    by_code, by_group = _subtotals(counted)
    review = [x for x in counted if x.needs_review]
    found = [ReportWarning("table", str(w)) for w in warnings]
    found += _sanity(total, total_income is not None, ledger_sum, in_scope, lines)
    if has_offshore:
        unknown = [x for x in counted if x.offshore is None]
        if unknown:
            found.append(ReportWarning(
                "offshore_unknown",
                f"{len(unknown)} line(s) have an offshore value that is not recognised and are "
                "counted as onshore",
            ))  # fmt: skip
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
        by_location=_locations(counted) if has_offshore else [],
        review_groups=_review_groups(review),
        warnings=found,
        provenance=provenance or Provenance(created=_now()),
        corrections=list(corrections),
    )


def _total_label(cells: Sequence[Any]) -> str:
    for cell in cells:
        if isinstance(cell, str) and is_total_row(cell):
            return cell.strip()
    return ""


def ledger_line(
    row: ClassifiedRow,
    text_index: int,
    amount_index: int,
    offshore_index: int | None,
    client_index: int | None = None,
) -> LedgerLine:
    """A classified row as the income report sees it: its amount parsed (or the reason it could
    not be), its offshore flag, its client, and whether it is a subtotal row (a cell of any column
    that is a total label)."""
    raw = row.cells[amount_index]
    try:
        amount, problem = parse_amount(raw), ""
    except AmountError as exc:
        amount, problem = None, str(exc)
    text = cell_text(row.cells[text_index])
    offshore_raw = row.cells[offshore_index] if offshore_index is not None else None
    label = _total_label(row.cells)
    note, needs_review = row.note, row.needs_review
    word = credit_note_wording(text) if amount is not None and amount > 0 else ""
    if word and not label:
        sign = f"the text says {word!r} (a credit note?) but the amount is positive"
        note = "; ".join(n for n in (note, sign) if n)
        # a row a person marked reviewed (a reviewed batch output) is settled; noted all the same
        needs_review = needs_review or not is_reviewed(str(row.appended[6]))
    return LedgerLine(
        row=row.number,
        text=text,
        amount=amount,
        code=row.code,
        confidence=row.confidence,
        needs_review=needs_review,
        offshore=parse_offshore(offshore_raw) if offshore_index is not None else None,
        amount_problem=problem,
        raw_amount=raw,
        raw_offshore=offshore_raw,
        total_row=bool(label),
        note=note,
        client=cell_text(row.cells[client_index]) if client_index is not None else "",
        alternatives=str(row.appended[4]) if needs_review else "",
        total_label=label,
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
    client_column: str | None = None,
    enterprise: str | None = None,
    credit_code: str | None = None,
) -> IncomeReport:
    """Classify every row of ``table`` (text in column ``text_index``) with the model in folder
    ``model`` (None: the shipped one), restricted to ``track``, and test its income, read from
    ``amount_column`` and ``offshore_column``, against ``thresholds`` (default: the track's, from
    ``data/thresholds.toml``). A missing column is a ``ColumnError``. The report carries its
    provenance (file, sheet, header row, columns, model and its card's hash, time, enterprise)."""

    def column(name: str, option: str) -> int:
        return find_column(table.columns, name, source=table.source, option=option)

    amount_index, amount_warnings = choose_amount_column(
        table.columns, amount_column, source=table.source
    )
    offshore_index = column(offshore_column, "--offshore") if offshore_column else None
    client_index = column(client_column, "--client") if client_column else None
    thresholds = thresholds or thresholds_for(track)
    if thresholds.track is None and track is not None:
        thresholds = replace(thresholds, track=track)
    model_label, model_sha = model_identity(model)
    provenance = Provenance(
        file=table.source,
        sheet=getattr(table, "sheet", None),
        header_row=int(getattr(table, "header_row", 1) or 1),
        text_column=table.columns[text_index],
        amount_column=table.columns[amount_index],
        offshore_column=None if offshore_index is None else table.columns[offshore_index],
        client_column=None if client_index is None else table.columns[client_index],
        model=model_label,
        model_sha256=model_sha,
        created=_now(),
        enterprise=enterprise,
        credit_code=credit_code,
    )
    notes: list[str] = []
    rows: Iterable[ClassifiedRow]
    if "tas_code" in table.columns:  # a reviewed batch output: the codes in it are the decision
        rows = list(reviewed_rows(table, track))
        marked = sum(is_reviewed(str(r.appended[6])) for r in rows)
        notes.append(
            f"codes read from the tas_code column ({marked} of {len(rows)} rows marked in "
            "tas_reviewed), not classified again"
        )
        provenance = replace(provenance, model="tas_code column", model_sha256=None)
    else:
        classifier = ChunkClassifier(model, track, convert=results_cells)
        rows = classify_rows(table, text_index, classifier, quiet=quiet)
    lines = [ledger_line(r, text_index, amount_index, offshore_index, client_index) for r in rows]
    report = build_report(
        lines,
        total_income=total_income,
        thresholds=thresholds,
        has_offshore=offshore_index is not None,
        provenance=provenance,
        warnings=[*amount_warnings, *(getattr(table, "warnings", None) or []), *table.notes],
    )
    report.notes.extend(notes)
    return report
