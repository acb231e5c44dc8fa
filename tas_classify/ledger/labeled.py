"""Reading labeled lines for training and evaluation: CSV / TSV (any Chinese encoding), Excel
``.xlsx`` or JSON lines, or folders of them.

The text is the ``text`` column, or a usual ledger header (合同名称 …); the label is ``label``,
``tas_code`` or ``gold`` — so a reviewed ``tas-classify batch`` output can be fed straight back. An
optional ``accept`` column lists every acceptable code (``ITO-01|TRD-03``, or a JSON list in
``.jsonl``) for evaluation. An optional ``register`` (or ``kind``) column names the register a line
is written in — ``tender``, ``invoice``, ``definition`` … — so that figures can be reported by
register and calibration can hold whole registers out; lines without one get ``unspecified``.
``text_column`` / ``label_column`` name the columns when the usual names do not fit.

A file with a ``tas_reviewed`` column (a ``tas-classify batch`` output) says which rows a person
checked; only those are *reviewed* — ``train`` memorises them and still learns from every row.
Rows of files without the column (a hand-labelled corpus) are all reviewed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tas_classify import taxonomy
from tas_classify.errors import CorpusError as CorpusError
from tas_classify.ledger.cells import cell_text
from tas_classify.ledger.columns import ColumnError, choose_text_column, find_column, is_reviewed
from tas_classify.ledger.read import FORMATS, TableError, open_table

LABEL_COLUMNS = ("label", "tas_code", "gold")
REGISTER_COLUMNS = ("register", "kind")
REVIEWED_COLUMN = "tas_reviewed"
#: The register of a line whose file has no register column.
UNSPECIFIED = "unspecified"



@dataclass(frozen=True)
class LabeledLines:
    """Lines with their primary code and the set of codes accepted as right.

    ``skipped`` counts rows left out because their text or label was blank; ``registers`` holds
    each line's register (empty when built without one: read as ``unspecified``); ``reviewed``
    whether a person checked each line's label (empty: all were).
    """

    texts: tuple[str, ...]
    labels: tuple[str, ...]
    accept: tuple[frozenset[str], ...]
    sources: tuple[str, ...]
    skipped: int = 0
    registers: tuple[str, ...] = ()
    reviewed: tuple[bool, ...] = ()

    def register_of(self) -> tuple[str, ...]:
        """Each line's register (``unspecified`` where none was given)."""
        if len(self.registers) == len(self.texts):
            return self.registers
        return (UNSPECIFIED,) * len(self.texts)

    def reviewed_of(self) -> tuple[bool, ...]:
        """Whether a person checked each line's label (True where nothing says otherwise)."""
        if len(self.reviewed) == len(self.texts):
            return self.reviewed
        return (True,) * len(self.texts)

    def digest(self) -> str:
        """SHA-256 of the (text, label) pairs, recorded in models trained on them."""
        joined = "\n".join(f"{t}\t{lab}" for t, lab in zip(self.texts, self.labels))
        return hashlib.sha256(joined.encode("utf-8")).hexdigest()

    def __add__(self, other: LabeledLines) -> LabeledLines:
        return LabeledLines(
            self.texts + other.texts,
            self.labels + other.labels,
            self.accept + other.accept,
            self.sources + other.sources,
            self.skipped + other.skipped,
            self.register_of() + other.register_of(),
            self.reviewed_of() + other.reviewed_of(),
        )


def _files(paths: Iterable[str | Path]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.suffix.lstrip(".") in FORMATS)
            if not found:
                raise CorpusError(f"{p}: folder has no labeled files ({', '.join(FORMATS)})")
            out.extend(found)
        elif p.is_file():
            out.append(p)
        else:
            raise CorpusError(f"{p}: no such file or folder")
    return out


def _label_column(columns: list[str], source: str, requested: str | None) -> int:
    if requested is not None:
        return find_column(columns, requested, source=source, option="--label-column")
    for name in LABEL_COLUMNS:
        if name in columns:
            return columns.index(name)
    raise CorpusError(
        f"{source}: needs a 'label' (or 'tas_code') column, or --label-column NAME; "
        f"the columns are: {columns}"
    )


def _read_file(
    path: Path,
    unknown: dict[str, list[str]],
    text_column: str | None = None,
    label_column: str | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
) -> LabeledLines:
    valid = set(taxonomy.codes())
    texts: list[str] = []
    labels: list[str] = []
    accept: list[frozenset[str]] = []
    sources: list[str] = []
    registers: list[str] = []
    reviewed: list[bool] = []
    skipped = 0
    with open_table(str(path), sheet=sheet, header_row=header_row) as table:
        columns = table.columns
        text_index = (
            columns.index("text")
            if "text" in columns and text_column is None
            else choose_text_column(columns, text_column, source=table.source)[0]
        )
        label_index = _label_column(columns, table.source, label_column)
        reviewed_index = columns.index(REVIEWED_COLUMN) if REVIEWED_COLUMN in columns else None
        accept_index = columns.index("accept") if "accept" in columns else None
        register_index = next(
            (columns.index(name) for name in REGISTER_COLUMNS if name in columns), None
        )
        for row, cells in table.rows:
            text, label = cell_text(cells[text_index]), cell_text(cells[label_index]).strip()
            if not text.strip() or not label:
                skipped += 1
                continue
            label = label.upper()
            codes = _accepted(cells[accept_index] if accept_index is not None else None) | {label}
            for code in sorted(codes - valid):
                unknown.setdefault(code, []).append(f"{path.name}:{row}")
            texts.append(text)
            labels.append(label)
            accept.append(frozenset(codes))
            sources.append(f"{path.name}:{row}")
            register = "" if register_index is None else cell_text(cells[register_index]).strip()
            registers.append(register or UNSPECIFIED)
            reviewed.append(
                reviewed_index is None or is_reviewed(cell_text(cells[reviewed_index]))
            )
    return LabeledLines(
        tuple(texts),
        tuple(labels),
        tuple(accept),
        tuple(sources),
        skipped,
        tuple(registers),
        tuple(reviewed),
    )


def _accepted(cell: object) -> set[str]:
    """The codes of an ``accept`` cell: ``A|B`` text, or a list (JSON lines)."""
    if isinstance(cell, (list, tuple)):
        parts = [cell_text(c) for c in cell]
    else:
        parts = cell_text(cell).split("|")
    return {c.strip().upper() for c in parts if c.strip()}


def read_labeled(
    paths: Iterable[str | Path],
    *,
    text_column: str | None = None,
    label_column: str | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
) -> LabeledLines:
    """Read every labeled file in ``paths`` (files or folders); every label is checked against
    the taxonomy, and all unknown ones are reported together. ``text_column`` and
    ``label_column`` name the columns in every file (default: ``text`` or a usual ledger header,
    and ``label`` / ``tas_code`` / ``gold``); ``sheet`` and ``header_row`` choose a workbook's
    sheet and the row of the column names, as for ledgers (default: found)."""
    unknown: dict[str, list[str]] = {}
    data = LabeledLines((), (), (), ())
    for path in _files(paths):
        try:
            data = data + _read_file(
                path, unknown, text_column, label_column, sheet, header_row
            )
        except (TableError, ColumnError) as exc:
            raise CorpusError(str(exc)) from exc
    if unknown:
        listing = "; ".join(
            f"'{code}' ({', '.join(where[:3])}{' …' if len(where) > 3 else ''})"
            for code, where in unknown.items()
        )
        raise CorpusError(
            f"unknown label(s): {listing}. Valid codes: {', '.join(taxonomy.codes())}"
        )
    return data


def calibration_groups(data: LabeledLines) -> tuple[str, ...]:
    """Each line's source for calibration folds: its file and register (``v2_invoice.csv/invoice``).

    Holding one out leaves the model without that writer's lines in that register, as text
    written elsewhere will be; files that hold one family of codes still leave those codes in
    their other registers.
    """
    return tuple(
        f"{source.rsplit(':', 1)[0]}/{register}"
        for source, register in zip(data.sources, data.register_of())
    )
