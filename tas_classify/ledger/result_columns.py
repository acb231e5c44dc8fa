"""The columns ``batch``, ``report`` and ``classify_frame`` append to every row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tas_classify.results import Result

RESULT_COLUMNS: tuple[str, ...] = (
    "tas_code",
    "tas_name",
    "tas_confidence",
    "tas_needs_review",
    "tas_alternatives",
    "tas_evidence",
    "tas_reviewed",
)
"""The columns appended to every row. ``tas_reviewed`` is left blank for a reviewer to mark (``x``,
``✓``, ``是`` … — ``data/columns.toml``) when they have checked the row's ``tas_code``; ``train``
memorises only marked rows."""


def result_cells(result: Result) -> tuple[Any, ...]:
    """The appended cells for one result, in :data:`RESULT_COLUMNS` order."""
    alternatives = "; ".join(f"{a.code} {a.confidence:.2f}" for a in result.alternatives)
    evidence = result.evidence.summary()
    if result.flags:
        evidence = "; ".join(e for e in (evidence, "flags: " + ", ".join(result.flags)) if e)
    return (
        result.code,
        result.name,
        round(result.confidence, 4),
        result.needs_review,
        alternatives,
        evidence,
        "",
    )


def results_cells(results: list[Result]) -> list[tuple[Any, ...]]:
    """:func:`result_cells` of each result (what batch workers send back: small to pickle)."""
    return [result_cells(r) for r in results]


def with_note(cells: tuple[Any, ...], note: str) -> tuple[Any, ...]:
    """Cells of a row with a problem of its own (e.g. undecodable bytes): the note goes into the
    evidence and the row needs review."""
    code, name, confidence, _, alternatives, evidence, reviewed = cells
    evidence = "; ".join(e for e in (evidence, note) if e)
    return (code, name, confidence, True, alternatives, evidence, reviewed)


def clashing_columns(columns: Sequence[str]) -> list[str]:
    """Input columns the appended ones would duplicate (for example, a batch output fed back)."""
    return [c for c in columns if c in RESULT_COLUMNS]
