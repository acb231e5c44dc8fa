"""A reviewer's work on ledgers, from upload to signed verdict, kept in a data folder: what the
web workbench (``tas-classify serve``) shows and changes, with no web in it.

A ledger is stored, previewed (sheet, header row, columns proposed from ``data/columns.toml``),
classified once, and grouped: rows whose text reads the same once normalised are one *group*,
checked once. A reviewer's code for a group applies to all its rows and is saved at once
(:mod:`tas_classify.review.store`). The verdict is always
:func:`~tas_classify.report.income.build_report` over the rows with the corrections applied: the
same function as ``tas-classify report``.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import shutil
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import IO, Any

from tas_classify import taxonomy
from tas_classify.errors import (
    AmountError,
    ReviewError,
    ReviewNotFoundError,
    TasClassifyError,
    UploadTooLargeError,
)
from tas_classify.ledger.amounts import parse_amount
from tas_classify.ledger.batch import classify_rows
from tas_classify.ledger.cells import cell_text
from tas_classify.ledger.columns import (
    choose_amount_column,
    choose_text_column,
    find_column,
    guess_column,
)
from tas_classify.ledger.read import FORMATS, Table, TableError, format_of, open_table
from tas_classify.ledger.result_columns import RESULT_COLUMNS, clashing_columns, results_cells
from tas_classify.parallel import ChunkClassifier
from tas_classify.report.income import (
    TRACKS,
    IncomeReport,
    LedgerLine,
    Provenance,
    ReviewerCorrection,
    build_report,
    ledger_line,
    model_identity,
    thresholds_for,
)
from tas_classify.review.store import Correction, ReviewStore, StoredReview, now
from tas_classify.text import normalise_batch

#: Formats a reviewer can upload: tables (a .txt is one line per row with no amount column, a
#: JSON-lines file a developer's, neither a ledger).
UPLOAD_FORMATS = tuple(f for f in FORMATS if f not in ("jsonl", "txt"))
MAX_UPLOAD_BYTES = 64 << 20
PREVIEW_ROWS = 8
#: Appended to every row of an exported ledger: the result columns (``tas_code`` is the final
#: code, the reviewer's where they changed it; ``tas_reviewed`` marks reviewed rows) and the code
#: the model gave, so that a correction can be seen.
EXPORT_COLUMNS = (*RESULT_COLUMNS, "tas_model_code")
REVIEWED_MARK = "✓"
_TEXT_OPTIONS = ("sheet", "encoding", "text_column", "amount_column", "offshore_column",
                 "client_column", "enterprise", "credit_code")  # fmt: skip
_MAX_OPTION_CHARS = 200
_CACHED_REVIEWS = 4


@dataclass(frozen=True)
class ReviewOptions:
    """How to read a ledger and judge it: every choice the preview proposes and the reviewer
    confirms. ``total_income`` is the enterprise's 总收入 (None: the ledger's sum)."""

    sheet: str | None = None
    header_row: int | None = None
    encoding: str | None = None
    text_column: str | None = None
    amount_column: str | None = None
    offshore_column: str | None = None
    client_column: str | None = None
    track: str | None = None
    total_income: Decimal | None = None
    enterprise: str | None = None
    credit_code: str | None = None

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> ReviewOptions:
        """Options from JSON or a form: blank values are None; anything else wrong is a
        ReviewError naming the option."""
        if not isinstance(raw, Mapping):
            raise ReviewError("options must be a JSON object")
        unknown = sorted(set(raw) - set(cls.__dataclass_fields__))
        if unknown:
            raise ReviewError(f"unknown option(s) {', '.join(map(repr, unknown))}")
        values: dict[str, Any] = {}
        for name, value in raw.items():
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            if name in _TEXT_OPTIONS:
                if not isinstance(value, (str, int)) or isinstance(value, bool):
                    raise ReviewError(f"option {name!r} must be text, not {value!r}")
                text = str(value).strip()
                if len(text) > _MAX_OPTION_CHARS:
                    raise ReviewError(f"option {name!r} is longer than {_MAX_OPTION_CHARS} chars")
                values[name] = text
            elif name == "header_row":
                values[name] = _positive_int(value, name)
            elif name == "track":
                if value not in TRACKS:
                    raise ReviewError(f"option 'track' must be one of {', '.join(TRACKS)}")
                values[name] = value
            elif name == "total_income":
                values[name] = _amount_option(value)
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        out = {name: getattr(self, name) for name in self.__dataclass_fields__}
        if self.total_income is not None:
            out["total_income"] = str(self.total_income)
        return out


def _positive_int(value: Any, name: str) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ReviewError(f"option {name!r} must be a whole number, not {value!r}") from None
    if number < 1:
        raise ReviewError(f"option {name!r} must be 1 or more")
    return number


def _amount_option(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ReviewError(f"option 'total_income' must be an amount, not {value!r}")
    try:
        amount = parse_amount(value)
    except AmountError as exc:
        raise ReviewError(f"option 'total_income': {exc}") from None
    if amount <= 0:
        raise ReviewError("option 'total_income' must be above zero")
    return amount


@dataclass(frozen=True)
class Preview:
    """The first rows of a stored ledger as it will be read, and the columns proposed."""

    format: str
    sheets: list[str]
    sheet: str | None
    header_row: int
    above: list[tuple[int, str]]
    columns: list[str]
    rows: list[tuple[int, list[str]]]
    encoding: str | None
    proposed: dict[str, str | None]
    """``text_column``, ``amount_column``, ``offshore_column``, ``client_column``."""
    problem: str = ""
    """Why the ledger cannot be read with the options given (then only that is filled)."""


@dataclass(frozen=True)
class Group:
    """Rows whose text reads the same: one decision for all of them."""

    key: str
    text: str
    count: int
    amount: Decimal
    """The sum of the rows' amounts that are counted (subtotal rows and unread amounts left out)."""
    code: str
    model_code: str
    confidence: float
    needs_review: bool
    """Whether the model (or a problem with a row) asks for a person to check the group."""
    reviewed: bool
    evidence: str
    alternatives: str
    rows: list[int]
    clients: list[str]
    notes: list[str]
    corrected_at: str = ""

    @property
    def name(self) -> str:
        return _name(self.code)

    @property
    def at_risk(self) -> bool:
        return self.needs_review and not self.reviewed

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "text": self.text,
            "count": self.count,
            "amount": str(self.amount),
            "code": self.code,
            "name": self.name,
            "model_code": self.model_code,
            "confidence": round(self.confidence, 4),
            "needs_review": self.needs_review,
            "reviewed": self.reviewed,
            "evidence": self.evidence,
            "alternatives": self.alternatives,
            "rows": self.rows[:50],
            "clients": self.clients[:20],
            "notes": self.notes[:20],
        }


@dataclass(frozen=True)
class Progress:
    """How far a review is: ``status`` and rows classified of ``total`` (None: not known)."""

    status: str
    done: int
    total: int | None
    error: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "done": self.done, "total": self.total, "error": self.error}


@dataclass(frozen=True)
class ReviewStatus:
    """The share of the ledger a reviewer has checked, for the verdict panel."""

    groups: int
    reviewed_groups: int
    corrected_groups: int
    income: Decimal
    """The sum of the groups' amounts, each taken without its sign (a credit note checked is as
    much checked as an invoice)."""
    reviewed_income: Decimal
    at_risk_groups: int

    @property
    def reviewed_share(self) -> Decimal | None:
        if not self.income:
            return None
        return self.reviewed_income / self.income

    def to_dict(self) -> dict[str, Any]:
        share = self.reviewed_share
        return {
            "groups": self.groups,
            "reviewed_groups": self.reviewed_groups,
            "corrected_groups": self.corrected_groups,
            "income": str(self.income),
            "reviewed_income": str(self.reviewed_income),
            "reviewed_share": None if share is None else round(float(share), 4),
            "at_risk_groups": self.at_risk_groups,
        }


@dataclass
class _State:
    """A classified review held in memory: its rows as the report sees them (before
    corrections), each row's group key and evidence, and the groups as the model left them."""

    lines: list[LedgerLine]
    keys: list[str]
    evidence: list[str]
    all_alternatives: list[str]
    base: dict[str, Group] = field(default_factory=dict)


def _name(code: str) -> str:
    return taxonomy.get(code).name if code in taxonomy.codes() else ""


def group_key(normalised: str) -> str:
    """A group's key: 16 hex digits of the SHA-256 of the normalised text (safe in a URL)."""
    return hashlib.sha256(normalised.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _plain(value: Any) -> Any:
    """A cell's value as JSON can hold it."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def _line_data(line: LedgerLine, evidence: str, alternatives: str) -> dict[str, Any]:
    return {
        "text": line.text,
        "amount": None if line.amount is None else str(line.amount),
        "code": line.code,
        "confidence": line.confidence,
        "needs_review": line.needs_review,
        "offshore": line.offshore,
        "amount_problem": line.amount_problem,
        "raw_amount": _plain(line.raw_amount),
        "raw_offshore": _plain(line.raw_offshore),
        "total_row": line.total_row,
        "note": line.note,
        "client": line.client,
        "alternatives": line.alternatives,
        "total_label": line.total_label,
        "evidence": evidence,
        "all_alternatives": alternatives,
    }


def _line(row: int, data: dict[str, Any]) -> LedgerLine:
    return LedgerLine(
        row=row,
        text=data["text"],
        amount=None if data["amount"] is None else Decimal(data["amount"]),
        code=data["code"],
        confidence=float(data["confidence"]),
        needs_review=bool(data["needs_review"]),
        offshore=data["offshore"],
        amount_problem=data["amount_problem"],
        raw_amount=data["raw_amount"],
        raw_offshore=data["raw_offshore"],
        total_row=bool(data["total_row"]),
        note=data["note"],
        client=data["client"],
        alternatives=data["alternatives"],
        total_label=data["total_label"],
    )


def _groups(state: _State) -> dict[str, Group]:
    members: dict[str, list[int]] = {}
    for i, key in enumerate(state.keys):
        members.setdefault(key, []).append(i)
    out = {}
    for key, rows in members.items():
        lines = [state.lines[i] for i in rows]
        code = Counter(x.code for x in lines).most_common(1)[0][0]
        first = rows[0]
        out[key] = Group(
            key=key,
            text=lines[0].text,
            count=len(lines),
            amount=sum((x.amount for x in lines if x.counted and x.amount is not None), Decimal(0)),
            code=code,
            model_code=code,
            confidence=min(x.confidence for x in lines),
            # a subtotal row (合计) is left out of every sum: nothing for a reviewer to decide
            needs_review=any(x.needs_review and not x.total_row for x in lines),
            reviewed=False,
            evidence=state.evidence[first],
            alternatives=state.all_alternatives[first],
            rows=[x.row for x in lines],
            clients=list(dict.fromkeys(x.client for x in lines if x.client)),
            notes=list(dict.fromkeys(
                [*(x.note for x in lines if x.note),
                 *(f"subtotal row ({x.total_label}), left out of the sums"
                   for x in lines if x.total_row)])),  # fmt: skip
        )
    return out


def _apply(group: Group, correction: Correction | None, allowed: frozenset[str]) -> Group:
    """The group with the reviewer's decision; a decision for a code outside the review's
    track (the track was changed after it) is set aside with a note, as ``report`` would count
    such a code as NONE."""
    if correction is None:
        return group
    if correction.code not in allowed:
        note = (f"the reviewer's {correction.code} is not a code of this track: the model's "
                "code is used until the group is reviewed again")  # fmt: skip
        return replace(group, notes=[*group.notes, note])
    return replace(
        group, code=correction.code, reviewed=correction.reviewed, corrected_at=correction.at
    )


def _matches(group: Group, needs_review: bool | None, code: str | None, reviewed: bool | None,
             q: str | None, subgroup: str | None) -> bool:  # fmt: skip
    if needs_review is not None and group.needs_review != needs_review:
        return False
    if reviewed is not None and group.reviewed != reviewed:
        return False
    if code and group.code != code:
        return False
    if subgroup:
        category = taxonomy.get(group.code) if group.code in taxonomy.codes() else None
        if category is None or subgroup not in (category.group, category.subgroup):
            return False
    if q:
        needle = q.casefold()
        haystack = " ".join([group.text, group.code, group.name, *group.clients]).casefold()
        if needle not in haystack:
            return False
    return True


class Workbench:
    """The reviews of one data folder. ``model`` is a model folder (None: the shipped one).

    Classifying runs in a background thread per review (:meth:`start`); everything else is quick
    and safe to call from any thread."""

    def __init__(
        self,
        data_dir: str | Path,
        *,
        model: str | Path | None = None,
        max_upload_bytes: int = MAX_UPLOAD_BYTES,
    ) -> None:
        self.store = ReviewStore(data_dir)
        self.model = None if model is None else str(model)
        self.max_upload_bytes = max_upload_bytes
        self._states: OrderedDict[str, _State] = OrderedDict()
        self._lock = threading.RLock()
        self._threads: dict[str, threading.Thread] = {}
        self._one_at_a_time = threading.Lock()

    # ------------------------------------------------------------------ ledgers
    def add_ledger(
        self,
        source: IO[bytes] | bytes | str | Path,
        file_name: str,
        options: Mapping[str, Any] | ReviewOptions | None = None,
        *,
        max_bytes: int | None = None,
    ) -> StoredReview:
        """Store a ledger (a file path, bytes or a binary stream, read up to the size limit) as
        a new review in state ``setup``, with the columns the preview proposes filled into
        ``options`` where not given. ``file_name`` is shown to the reviewer and decides the
        format by its extension; it never becomes a path. ``max_bytes``: the size limit
        (default: the workbench's)."""
        name = Path(str(file_name).replace("\\", "/")).name.strip() or "ledger"
        try:
            fmt = format_of(name, None)
        except TableError as exc:
            raise ReviewError(str(exc)) from None
        if fmt not in UPLOAD_FORMATS:
            raise ReviewError(
                f"{name}: a ledger is uploaded as {', '.join('.' + f for f in UPLOAD_FORMATS)}"
            )
        given = options if isinstance(options, ReviewOptions) else ReviewOptions.from_dict(
            options or {})  # fmt: skip
        review = self.store.new_review(name[:255], "." + fmt, given.to_dict())
        target = self.store.ledger_path(review)
        try:
            self._copy_in(source, target, max_bytes or self.max_upload_bytes)
        except BaseException:
            self.store.delete(review.id)
            raise
        preview = self.preview(review.id)
        proposed = {k: v for k, v in preview.proposed.items() if getattr(given, k) is None}
        if preview.sheet and given.sheet is None:
            proposed["sheet"] = preview.sheet
        self.store.update(review.id, options={**given.to_dict(), **proposed})
        return self.store.review(review.id)

    def _copy_in(self, source: IO[bytes] | bytes | str | Path, target: Path, limit: int) -> None:
        too_big = UploadTooLargeError(
            f"the file is larger than {limit / (1 << 20):g} MiB, the upload limit "
            "(tas-classify serve --max-upload-mb)"
        )
        if isinstance(source, bytes):
            if len(source) > limit:
                raise too_big
            target.write_bytes(source)
            return
        if isinstance(source, (str, Path)):
            if Path(source).stat().st_size > limit:
                raise too_big
            shutil.copyfile(source, target)
            return
        written = 0
        with target.open("wb") as out:
            while chunk := source.read(1 << 20):
                written += len(chunk)
                if written > limit:
                    raise too_big
                out.write(chunk)

    def options(self, review_id: str) -> ReviewOptions:
        return ReviewOptions.from_dict(self.store.review(review_id).options)

    def set_options(self, review_id: str, options: Mapping[str, Any] | ReviewOptions) -> None:
        """New options for a review not being classified (it is classified again on
        :meth:`start`; corrections are kept: they belong to texts, not rows)."""
        review = self.store.review(review_id)
        if self.busy(review.id):
            raise ReviewError(f"review {review_id} is being classified; wait for it")
        chosen = options if isinstance(options, ReviewOptions) else ReviewOptions.from_dict(
            options)  # fmt: skip
        self.store.update(review_id, options=chosen.to_dict())

    def preview(self, review_id: str, options: ReviewOptions | None = None) -> Preview:
        """The ledger's first rows read with ``options`` (default: the review's)."""
        review = self.store.review(review_id)
        opts = options or ReviewOptions.from_dict(review.options)
        fmt = Path(review.stored).suffix[1:]
        try:
            with self._open(review, opts) as table:
                rows = [
                    (number, [cell_text(c) for c in cells])
                    for number, cells in islice(table.rows, PREVIEW_ROWS)
                ]
                return Preview(
                    format=table.format,
                    sheets=list(table.sheets),
                    sheet=table.sheet,
                    header_row=table.header_row,
                    above=list(table.skipped_rows),
                    columns=list(table.columns),
                    rows=rows,
                    encoding=table.encoding,
                    proposed=_proposed(table.columns),
                )
        except TasClassifyError as exc:
            return Preview(fmt, [], None, 1, [], [], [], None, {}, problem=str(exc))

    def _open(self, review: StoredReview, opts: ReviewOptions) -> Any:
        return open_table(
            str(self.store.ledger_path(review)),
            encoding=opts.encoding,
            sheet=opts.sheet,
            header_row=opts.header_row,
            name=review.file_name,
        )

    # ------------------------------------------------------------------ classifying
    def start(self, review_id: str, *, wait: bool = False) -> None:
        """Classify the review with its options, in a background thread (``wait``: here)."""
        review = self.store.review(review_id)
        with self._lock:
            running = self._threads.get(review.id)
            if running is not None and running.is_alive():
                raise ReviewError(f"review {review_id} is already being classified")
            self.store.update(review.id, status="classifying", done=0, total=None, error="")
            self._states.pop(review.id, None)
            thread = threading.Thread(
                target=self._classify, args=(review.id,), name=f"classify-{review.id}", daemon=True
            )
            self._threads[review.id] = thread
            thread.start()
        if wait:
            thread.join()

    def busy(self, review_id: str) -> bool:
        """Whether a thread of this workbench is classifying the review now."""
        with self._lock:
            thread = self._threads.get(review_id)
            return thread is not None and thread.is_alive()

    def resume(self) -> list[str]:
        """Classify again every review a stopped server left half-classified; their ids."""
        stuck = [r.id for r in self.store.reviews() if r.status == "classifying"]
        for review_id in stuck:
            self.start(review_id)
        return stuck

    def wait(self, review_id: str, timeout: float | None = None) -> Progress:
        thread = self._threads.get(review_id)
        if thread is not None:
            thread.join(timeout)
        return self.progress(review_id)

    def warm(self) -> None:
        """Load the model now, so that the first ledger does not wait for it."""
        ChunkClassifier(self.model, None).model  # noqa: B018 - loading is the point

    def progress(self, review_id: str) -> Progress:
        r = self.store.review(review_id)
        return Progress(r.status, r.done, r.total, r.error)

    def _classify(self, review_id: str) -> None:
        """Classify one review; one at a time (the model's per-run memo is not shared between
        threads, and two threads would only share the one interpreter lock anyway). Any error
        leaves the review ``failed`` with the reason, never ``classifying``."""
        try:
            with self._one_at_a_time:
                state, info = self._read_and_classify(review_id)
                self.store.replace_lines(
                    review_id,
                    (
                        (line.row, key, _line_data(line, evidence, alternatives))
                        for line, key, evidence, alternatives in zip(
                            state.lines, state.keys, state.evidence, state.all_alternatives
                        )
                    ),
                )
                self.store.update(review_id, status="ready", info=info, done=len(state.lines))
        except Exception as exc:  # the reason is shown to the reviewer; the server goes on
            message = str(exc) if isinstance(exc, TasClassifyError) else (
                f"{type(exc).__name__}: {exc}")  # fmt: skip
            with contextlib.suppress(Exception):  # the store itself failing (disk full …)
                self.store.update(review_id, status="failed", error=message)
            return
        with self._lock:
            self._remember(review_id, state)

    def _read_and_classify(self, review_id: str) -> tuple[_State, dict[str, Any]]:
        review = self.store.review(review_id)
        opts = ReviewOptions.from_dict(review.options)
        with self._open(review, opts) as table:
            clash = clashing_columns(table.columns)
            if clash:
                raise ReviewError(
                    f"{review.file_name}: already has column(s) {', '.join(clash)} (an export?); "
                    "upload the original ledger"
                )
            text_index, _ = choose_text_column(
                table.columns, opts.text_column, source=table.source
            )
            if not opts.amount_column:
                raise ReviewError(f"{review.file_name}: choose the amount column")
            amount_index, warnings = choose_amount_column(
                table.columns, opts.amount_column, source=table.source
            )
            offshore_index = self._column(table, opts.offshore_column, "offshore column")
            client_index = self._column(table, opts.client_column, "client column")
            state = _State([], [], [], [])
            total = table.size_hint
            # a classifier (and its memo of repeated lines) per run; the shipped model is loaded
            # once per process, a --model folder once per run
            classifier = ChunkClassifier(self.model, opts.track, convert=results_cells)
            for n, row in enumerate(classify_rows(table, text_index, classifier, quiet=True), 1):
                line = ledger_line(row, text_index, amount_index, offshore_index, client_index)
                state.lines.append(line)
                state.evidence.append(str(row.appended[5]))
                state.all_alternatives.append(str(row.appended[4]))
                if n % 2000 == 0:
                    self.store.progress(review_id, n, max(total or 0, n) if total else None)
            table_notes = [*warnings, *getattr(table, "warnings", []), *table.notes]

            def name(index: int | None) -> str | None:
                return None if index is None else table.columns[index]

            info = {
                "sheet": table.sheet,
                "header_row": table.header_row,
                "text_column": table.columns[text_index],
                "amount_column": table.columns[amount_index],
                "offshore_column": name(offshore_index),
                "client_column": name(client_index),
                "warnings": [str(w) for w in table_notes],
                "classified": now(),
            }
        label, sha = model_identity(self.model)
        info.update(model=label, model_sha256=sha)
        state.keys = _keys([line.text for line in state.lines])
        return state, info

    @staticmethod
    def _column(table: Table, name: str | None, what: str) -> int | None:
        if not name:
            return None
        return find_column(table.columns, name, source=table.source, option=what)

    def _remember(self, review_id: str, state: _State) -> None:
        state.base = _groups(state)
        self._states[review_id] = state
        self._states.move_to_end(review_id)
        while len(self._states) > _CACHED_REVIEWS:
            self._states.popitem(last=False)

    def _state(self, review_id: str) -> _State:
        with self._lock:
            state = self._states.get(review_id)
            if state is not None:
                self._states.move_to_end(review_id)
                return state
            review = self.store.review(review_id)
            if review.status != "ready":
                raise ReviewError(f"review {review_id} is not ready ({review.status})")
            state = _State([], [], [], [])
            for row, key, data in self.store.lines(review_id):
                state.lines.append(_line(row, data))
                state.keys.append(key)
                state.evidence.append(data["evidence"])
                state.all_alternatives.append(data["all_alternatives"])
            self._remember(review_id, state)
            return state

    # ------------------------------------------------------------------ review
    def groups(
        self,
        review_id: str,
        *,
        needs_review: bool | None = None,
        code: str | None = None,
        reviewed: bool | None = None,
        q: str | None = None,
        subgroup: str | None = None,
    ) -> list[Group]:
        """The review's groups with its corrections, filtered, income at risk first: groups to
        review not yet reviewed, by amount (either sign) largest first, then the others."""
        return _ordered([
            g
            for g in self._decided(review_id).values()
            if _matches(g, needs_review, code, reviewed, q, subgroup)
        ])  # fmt: skip

    def group(self, review_id: str, key: str) -> Group:
        state = self._state(review_id)
        if key not in state.base:
            raise ReviewNotFoundError(f"review {review_id} has no group {key!r}")
        allowed = frozenset(self.allowed_codes(review_id))
        return _apply(state.base[key], self.store.corrections(review_id).get(key), allowed)

    def _decided(self, review_id: str) -> dict[str, Group]:
        """Every group of the review, by key, with the reviewer's decisions applied."""
        state = self._state(review_id)
        corrections = self.store.corrections(review_id)
        allowed = frozenset(self.allowed_codes(review_id))
        return {k: _apply(b, corrections.get(k), allowed) for k, b in state.base.items()}

    def allowed_codes(self, review_id: str) -> tuple[str, ...]:
        """The codes a reviewer may give in this review: its track's and NONE."""
        return taxonomy.codes_for_track(self.options(review_id).track)

    def correct(
        self, review_id: str, key: str, code: str | None = None, reviewed: bool = True
    ) -> Group:
        """The reviewer's decision on group ``key``: ``code`` (None: the model's) and whether
        it is reviewed. A group set back to the model's code and not reviewed has no correction
        left. Saved at once."""
        group = self.group(review_id, key)
        code = code or group.model_code
        if code not in self.allowed_codes(review_id):
            track = self.options(review_id).track
            where = f"of track {track}" if track else "of the taxonomy"
            raise ReviewError(f"{code!r} is not a code {where}")
        if code == group.model_code and not reviewed:
            self.store.correct(review_id, key, None, False)
        else:
            self.store.correct(review_id, key, code, reviewed)
        return self.group(review_id, key)

    def undo(self, review_id: str) -> str | None:
        """Take back the last decision; the key of the group it touched (None: nothing to
        undo). The group may be gone since (the review classified again with other columns)."""
        self._state(review_id)
        return self.store.undo(review_id)

    def find_group(self, review_id: str, key: str) -> Group | None:
        """The group ``key`` of the review, or None when it has none by that key."""
        return self._decided(review_id).get(key)

    def status(self, review_id: str) -> ReviewStatus:
        return _status(list(self._decided(review_id).values()))

    def corrected_lines(
        self, review_id: str, groups: dict[str, Group] | None = None
    ) -> list[tuple[LedgerLine, str, Group]]:
        """Each row as the report sees it with the reviewer's decision applied (a reviewed
        row no longer needs review), its evidence, and its group (``groups``: the review's
        decided groups, when the caller has them)."""
        state = self._state(review_id)
        groups = self._decided(review_id) if groups is None else groups
        out = []
        for line, key, evidence in zip(state.lines, state.keys, state.evidence):
            group = groups[key]
            if group.corrected_at:  # a decision of the reviewer's applies
                line = replace(
                    line,
                    code=group.code,
                    needs_review=line.needs_review and not group.reviewed,
                    alternatives=line.alternatives if not group.reviewed else "",
                )
            out.append((line, evidence, group))
        return out

    def report(self, review_id: str) -> IncomeReport:
        """The income report of the review as it stands: ``build_report`` over the corrected
        rows, with the provenance of the upload and the reviewer's corrections listed."""
        review = self.store.review(review_id)
        opts = ReviewOptions.from_dict(review.options)
        decided = self._decided(review_id)  # once: the rows, the list and the status share it
        rows = self.corrected_lines(review_id, decided)
        info = review.info
        changed = _ordered([g for g in decided.values() if g.code != g.model_code])
        corrections = [
            ReviewerCorrection(g.text, g.count, g.amount, g.model_code, g.code, g.corrected_at)
            for g in changed
        ]
        provenance = Provenance(
            file=review.file_name,
            sheet=info.get("sheet"),
            header_row=int(info.get("header_row") or 1),
            text_column=info.get("text_column", ""),
            amount_column=info.get("amount_column", ""),
            offshore_column=info.get("offshore_column"),
            client_column=info.get("client_column"),
            model=info.get("model", "shipped"),
            model_sha256=info.get("model_sha256"),
            created=now(),
            enterprise=opts.enterprise,
            credit_code=opts.credit_code,
        )
        report = build_report(
            [line for line, _, _ in rows],
            total_income=opts.total_income,
            thresholds=thresholds_for(opts.track),
            has_offshore=bool(info.get("offshore_column")),
            provenance=provenance,
            warnings=info.get("warnings", []),
            corrections=corrections,
        )
        status = _status(list(decided.values()))
        report.notes.append(
            f"reviewed in the workbench: {status.reviewed_groups} of {status.groups} group(s) "
            f"checked, {status.corrected_groups} corrected; classified {info.get('classified')}"
        )
        return report

    def reviews(self) -> list[StoredReview]:
        return self.store.reviews()

    def delete(self, review_id: str) -> None:
        with self._lock:
            thread = self._threads.get(review_id)
            if thread is not None and thread.is_alive():
                raise ReviewError(f"review {review_id} is being classified; wait for it")
            self._states.pop(review_id, None)
        self.store.delete(review_id)

    def annotated_rows(
        self, review_id: str, table: Table
    ) -> Iterable[tuple[int, list[Any], tuple[Any, ...], bool]]:
        """Every row of ``table`` (the stored ledger opened again) with its exported columns
        (:data:`EXPORT_COLUMNS`) and whether it still needs review."""
        by_row = {line.row: (line, evidence, group)
                  for line, evidence, group in self.corrected_lines(review_id)}  # fmt: skip
        for number, cells in table.rows:
            found = by_row.get(number)
            if found is None:  # the file changed under us: say so on the row, never drop it
                yield number, cells, ("", "", "", True, "", "row not in the review", "", ""), True
                continue
            line, evidence, group = found
            if group.code != group.model_code:
                evidence = "; ".join(
                    e for e in (f"reviewer: {group.model_code} → {group.code}", evidence) if e
                )
            appended = (
                line.code,
                _name(line.code),
                round(line.confidence, 4),
                line.needs_review,
                group.alternatives,
                evidence,
                REVIEWED_MARK if group.reviewed else "",
                group.model_code,
            )
            yield number, cells, appended, line.needs_review

    def open_ledger(self, review_id: str) -> Any:
        """The stored ledger of a review opened again with its options (a context manager)."""
        review = self.store.review(review_id)
        return self._open(review, ReviewOptions.from_dict(review.options))

    def corrections_rows(self, review_id: str) -> list[dict[str, str]]:
        """The reviewed groups as labelled lines ``tas-classify train`` reads (``text``,
        ``label``, ``tas_reviewed``), one per distinct text of the group."""
        out = []
        state = self._state(review_id)
        for group in self.groups(review_id, reviewed=True):
            texts = dict.fromkeys(
                state.lines[i].text for i, k in enumerate(state.keys) if k == group.key
            )
            for text in texts:
                if text.strip():
                    out.append({"text": text, "label": group.code, "tas_reviewed": REVIEWED_MARK})
        return out


def _ordered(groups: list[Group]) -> list[Group]:
    """Income at risk first: groups to review not yet reviewed, by amount (either sign) largest
    first, then the others."""
    return sorted(groups, key=lambda g: (not g.at_risk, -abs(g.amount), g.rows[0]))


def _status(groups: list[Group]) -> ReviewStatus:
    """How far the review of ``groups`` has come."""
    return ReviewStatus(
        groups=len(groups),
        reviewed_groups=sum(g.reviewed for g in groups),
        corrected_groups=sum(g.code != g.model_code for g in groups),
        income=sum((abs(g.amount) for g in groups), Decimal(0)),
        reviewed_income=sum((abs(g.amount) for g in groups if g.reviewed), Decimal(0)),
        at_risk_groups=sum(g.at_risk for g in groups),
    )


def _proposed(columns: list[str]) -> dict[str, str | None]:
    try:
        text_index: int | None = choose_text_column(columns, None, source="")[0]
    except TasClassifyError:
        text_index = None
    out: dict[str, str | None] = {
        "text_column": None if text_index is None else columns[text_index]
    }
    for kind in ("amount", "offshore", "client"):
        index = guess_column(columns, kind)
        out[f"{kind}_column"] = None if index is None else columns[index]
    return out


def _keys(texts: list[str]) -> list[str]:
    """Each text's group key; each distinct text is normalised once."""
    distinct = list(dict.fromkeys(texts))
    keys = {
        text: group_key(norm.text or " ".join(text.split()))
        for text, norm in zip(distinct, normalise_batch(distinct) if distinct else [])
    }
    return [keys[t] for t in texts]

