"""The workbench's state on disk: one SQLite file (``reviews.sqlite3``, write-ahead log) in the
data folder, beside the uploaded ledgers (``ledgers/<review id>.<ext>``, under names of the tool's
own).

Every write is one committed transaction (``synchronous=FULL``): a correction is on disk before
the request that made it returns, so killing the server loses nothing. One connection is shared
by the server's threads behind a lock; SQLite's own locking keeps a second process (another
``serve`` on the same folder) consistent.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tas_classify.errors import ReviewError, ReviewNotFoundError

DB_NAME = "reviews.sqlite3"
LEDGERS = "ledgers"
SCHEMA_VERSION = 1
_ID = re.compile(r"[0-9a-f]{12}")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reviews (
    id TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    file_name TEXT NOT NULL,
    stored TEXT NOT NULL,
    options TEXT NOT NULL,
    status TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    total INTEGER,
    error TEXT NOT NULL DEFAULT '',
    info TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS lines (
    review TEXT NOT NULL,
    row INTEGER NOT NULL,
    key TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (review, row)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS corrections (
    review TEXT NOT NULL,
    key TEXT NOT NULL,
    code TEXT NOT NULL,
    reviewed INTEGER NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (review, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    review TEXT NOT NULL,
    key TEXT NOT NULL,
    before TEXT,
    after TEXT,
    at TEXT NOT NULL
);
"""


def now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def check_id(review_id: str) -> str:
    """``review_id`` if it has the form the store gives (12 hex digits), else a ReviewError: an
    id is never used to build a path before this check."""
    if not isinstance(review_id, str) or not _ID.fullmatch(review_id):
        raise ReviewNotFoundError(f"no review {review_id!r}")
    return review_id


@dataclass(frozen=True)
class StoredReview:
    """One review's row: the uploaded file's name as given (for display only), the stored
    file's name, the options chosen (JSON), its state and what classifying it found."""

    id: str
    created: str
    updated: str
    file_name: str
    stored: str
    options: dict[str, Any]
    status: str
    """``setup`` (columns to confirm), ``classifying``, ``ready`` or ``failed``."""
    done: int
    total: int | None
    error: str
    info: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """What the JSON API says of the review (``page``: where the reviewer works on it)."""
        return {
            "id": self.id,
            "file_name": self.file_name,
            "status": self.status,
            "done": self.done,
            "total": self.total,
            "error": self.error,
            "created": self.created,
            "updated": self.updated,
            "options": self.options,
            "page": f"/reviews/{self.id}",
        }


@dataclass(frozen=True)
class Correction:
    """A reviewer's decision on a group: its code, and whether it counts as reviewed."""

    key: str
    code: str
    reviewed: bool
    at: str


class ReviewStore:
    """The SQLite file of a data folder, created on first use."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder).resolve()
        (self.folder / LEDGERS).mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(
            self.folder / DB_NAME, check_same_thread=False, isolation_level=None, timeout=30
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise ReviewError(
                f"{self.folder / DB_NAME}: written by a newer tas_classify (schema {version}); "
                "upgrade to open it"
            )
        with self._lock:  # executescript commits itself; every statement is idempotent
            self._db.executescript(_SCHEMA + f"PRAGMA user_version={SCHEMA_VERSION};")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction, committed when the block ends, rolled back on an error."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _read(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # ------------------------------------------------------------------ reviews
    def ledger_path(self, review: StoredReview) -> Path:
        """The stored ledger of ``review``, inside the data folder's ``ledgers``."""
        path = (self.folder / LEDGERS / review.stored).resolve()
        if path.parent != self.folder / LEDGERS:
            raise ReviewError(f"review {review.id}: its stored file is outside the data folder")
        return path

    def new_review(self, file_name: str, suffix: str, options: dict[str, Any]) -> StoredReview:
        """A review in state ``setup``; the caller writes the ledger to :meth:`ledger_path`."""
        review_id = uuid.uuid4().hex[:12]
        stamp = now()
        with self._write() as db:
            db.execute(
                "INSERT INTO reviews (id, created, updated, file_name, stored, options, status) "
                "VALUES (?, ?, ?, ?, ?, ?, 'setup')",
                (review_id, stamp, stamp, file_name, review_id + suffix, json.dumps(options)),
            )
        return self.review(review_id)

    def review(self, review_id: str) -> StoredReview:
        rows = self._read("SELECT * FROM reviews WHERE id = ?", (check_id(review_id),))
        if not rows:
            raise ReviewNotFoundError(f"no review {review_id!r}")
        return _review(rows[0])

    def reviews(self) -> list[StoredReview]:
        """Every review, the most recently changed first."""
        return [_review(r) for r in self._read("SELECT * FROM reviews ORDER BY updated DESC, id")]

    def update(self, review_id: str, **values: Any) -> None:
        """Set columns of the review (``options`` and ``info`` as dicts)."""
        allowed = {"options", "status", "done", "total", "error", "info"}
        if not values or not set(values) <= allowed:
            raise ValueError(f"cannot update {sorted(set(values) - allowed)}")
        for name in ("options", "info"):
            if name in values:
                values[name] = json.dumps(values[name], ensure_ascii=False)
        values["updated"] = now()
        assignments = ", ".join(f"{name} = ?" for name in values)
        with self._write() as db:
            db.execute(
                f"UPDATE reviews SET {assignments} WHERE id = ?",
                (*values.values(), check_id(review_id)),
            )

    def progress(self, review_id: str, done: int, total: int | None) -> None:
        """Rows classified so far (no change of ``updated``: this is frequent)."""
        with self._write() as db:
            db.execute(
                "UPDATE reviews SET done = ?, total = ? WHERE id = ?",
                (done, total, check_id(review_id)),
            )

    def delete(self, review_id: str) -> None:
        review = self.review(review_id)
        with self._write() as db:
            for table in ("lines", "corrections", "history"):
                db.execute(f"DELETE FROM {table} WHERE review = ?", (review.id,))
            db.execute("DELETE FROM reviews WHERE id = ?", (review.id,))
        self.ledger_path(review).unlink(missing_ok=True)

    # ------------------------------------------------------------------ lines
    def replace_lines(
        self, review_id: str, lines: Iterable[tuple[int, str, dict[str, Any]]]
    ) -> None:
        """The classified rows of a review, ``(row, group key, data)``, replacing any before."""
        check_id(review_id)
        with self._write() as db:
            db.execute("DELETE FROM lines WHERE review = ?", (review_id,))
            db.executemany(
                "INSERT INTO lines (review, row, key, data) VALUES (?, ?, ?, ?)",
                (
                    (review_id, row, key, json.dumps(data, ensure_ascii=False))
                    for row, key, data in lines
                ),
            )

    def lines(self, review_id: str) -> list[tuple[int, str, dict[str, Any]]]:
        rows = self._read(
            "SELECT row, key, data FROM lines WHERE review = ? ORDER BY row", (check_id(review_id),)
        )
        return [(row, key, json.loads(data)) for row, key, data in rows]

    # ------------------------------------------------------------------ corrections
    def corrections(self, review_id: str) -> dict[str, Correction]:
        rows = self._read(
            "SELECT key, code, reviewed, at FROM corrections WHERE review = ?",
            (check_id(review_id),),
        )
        return {key: Correction(key, code, bool(reviewed), at) for key, code, reviewed, at in rows}

    def correct(self, review_id: str, key: str, code: str | None, reviewed: bool) -> None:
        """Set (or, with ``code`` None, remove) the correction of group ``key``, and record the
        change for :meth:`undo`."""
        check_id(review_id)
        stamp = now()
        with self._write() as db:
            before = _correction_json(db, review_id, key)
            if code is None:
                db.execute("DELETE FROM corrections WHERE review = ? AND key = ?", (review_id, key))
                after = None
            else:
                db.execute(
                    "INSERT OR REPLACE INTO corrections (review, key, code, reviewed, at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (review_id, key, code, int(reviewed), stamp),
                )
                after = json.dumps({"code": code, "reviewed": reviewed, "at": stamp})
            if _decision(before) != _decision(after):  # the same decision again is no change
                db.execute(
                    "INSERT INTO history (review, key, before, after, at) VALUES (?, ?, ?, ?, ?)",
                    (review_id, key, before, after, stamp),
                )
            db.execute("UPDATE reviews SET updated = ? WHERE id = ?", (stamp, review_id))

    def undo(self, review_id: str) -> str | None:
        """Take back the review's last change; the key of the group it touched, or None when
        there is nothing to undo."""
        check_id(review_id)
        with self._write() as db:
            last = db.execute(
                "SELECT seq, key, before FROM history WHERE review = ? ORDER BY seq DESC LIMIT 1",
                (review_id,),
            ).fetchone()
            if last is None:
                return None
            seq, key, before = last
            if before is None:
                db.execute("DELETE FROM corrections WHERE review = ? AND key = ?", (review_id, key))
            else:
                value = json.loads(before)
                db.execute(
                    "INSERT OR REPLACE INTO corrections (review, key, code, reviewed, at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (review_id, key, value["code"], int(value["reviewed"]),
                     value.get("at") or now()),  # fmt: skip
                )
            db.execute("DELETE FROM history WHERE seq = ?", (seq,))
            db.execute("UPDATE reviews SET updated = ? WHERE id = ?", (now(), review_id))
        return str(key)

    def history_size(self, review_id: str) -> int:
        rows = self._read("SELECT COUNT(*) FROM history WHERE review = ?", (check_id(review_id),))
        return int(rows[0][0])


def _correction_json(db: sqlite3.Connection, review_id: str, key: str) -> str | None:
    row = db.execute(
        "SELECT code, reviewed, at FROM corrections WHERE review = ? AND key = ?",
        (review_id, key),
    ).fetchone()
    if row is None:
        return None
    return json.dumps({"code": row[0], "reviewed": bool(row[1]), "at": row[2]})


def _decision(value: str | None) -> tuple[str, bool] | None:
    """The code and reviewed flag of a recorded correction (its time aside)."""
    if value is None:
        return None
    loaded = json.loads(value)
    return loaded["code"], bool(loaded["reviewed"])


def _review(row: Sequence[Any]) -> StoredReview:
    (review_id, created, updated, file_name, stored, options, status, done, total, error,
     info) = row  # fmt: skip
    return StoredReview(
        review_id, created, updated, file_name, stored, json.loads(options), status, done, total,
        error, json.loads(info),
    )  # fmt: skip
