"""Reading labeled lines: CSV files (``text,label`` and optional ``accept``) or folders of them."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tas_classify import taxonomy


class CorpusError(ValueError):
    """A labeled file that cannot be used; the message names the file and row."""


@dataclass(frozen=True)
class LabeledLines:
    """Lines with their primary code and the set of codes accepted as right."""

    texts: tuple[str, ...]
    labels: tuple[str, ...]
    accept: tuple[frozenset[str], ...]
    sources: tuple[str, ...]

    def digest(self) -> str:
        """SHA-256 of the (text, label) pairs, recorded in models trained on them."""
        joined = "\n".join(f"{t}\t{lab}" for t, lab in zip(self.texts, self.labels))
        return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def _files(paths: Iterable[str | Path]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(p.glob("*.csv"))
            if not found:
                raise CorpusError(f"{p}: folder has no .csv files")
            out.extend(found)
        elif p.is_file():
            out.append(p)
        else:
            raise CorpusError(f"{p}: no such file or folder")
    return out


def read_labeled(paths: Iterable[str | Path]) -> LabeledLines:
    """Read every labeled CSV in ``paths`` (files or folders); codes are checked."""
    valid = set(taxonomy.codes())
    texts: list[str] = []
    labels: list[str] = []
    accept: list[frozenset[str]] = []
    sources: list[str] = []
    for path in _files(paths):
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            columns = reader.fieldnames or []
            if "text" not in columns or "label" not in columns:
                raise CorpusError(f"{path}: needs columns 'text' and 'label', found {columns}")
            for row_no, row in enumerate(reader, start=2):
                label = (row["label"] or "").strip()
                codes = {c.strip() for c in (row.get("accept") or label).split("|") if c.strip()}
                bad = sorted((codes | {label}) - valid)
                if bad:
                    raise CorpusError(f"{path}, row {row_no}: unknown code(s) {bad}")
                texts.append(row["text"] or "")
                labels.append(label)
                accept.append(frozenset(codes | {label}))
                sources.append(f"{path.name}:{row_no}")
    return LabeledLines(tuple(texts), tuple(labels), tuple(accept), tuple(sources))
