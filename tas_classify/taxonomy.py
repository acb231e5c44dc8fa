"""The Annex 1 categories as data: codes, names, groups, tracks and official scope text.

Read from ``data/taxonomy.toml``; every other module asks this one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from tas_classify._resources import data_path
from tas_classify._toml import tomllib

Track = Literal["outsourcing", "trade"]
TRACKS: tuple[str, ...] = ("outsourcing", "trade")
NONE = "NONE"


@dataclass(frozen=True)
class Field:
    """One of KPO-01's eight fields (知识产权研究, 工业设计 …)."""

    key: str
    name: str
    name_en: str


@dataclass(frozen=True)
class Category:
    """One label of SPEC §1."""

    code: str
    name: str
    name_en: str
    group: str
    subgroup: str
    track: str
    scope: str
    fields: tuple[Field, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "name": self.name,
            "name_en": self.name_en,
            "group": self.group,
            "subgroup": self.subgroup,
            "track": self.track,
            "scope": self.scope,
            "fields": [f.__dict__.copy() for f in self.fields],
        }


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, Any], bytes]:
    raw = data_path("taxonomy.toml").read_bytes()
    return tomllib.loads(raw.decode("utf-8")), raw


@lru_cache(maxsize=1)
def _load() -> tuple[tuple[Category, ...], str]:
    table, raw = _table()
    categories = tuple(
        Category(
            code=c["code"],
            name=c["name"],
            name_en=c["name_en"],
            group=c["group"],
            subgroup=c["subgroup"],
            track=c["track"],
            scope=c["scope"],
            fields=tuple(Field(**f) for f in c.get("fields", ())),
        )
        for c in table["category"]
    )
    return categories, hashlib.sha256(raw).hexdigest()


def categories() -> tuple[Category, ...]:
    """All 20 categories in SPEC order (NONE last)."""
    return _load()[0]


def codes() -> tuple[str, ...]:
    """All label codes in SPEC order."""
    return tuple(c.code for c in categories())


def get(code: str) -> Category:
    """The category with this code; ``KeyError`` naming the valid codes otherwise."""
    for c in categories():
        if c.code == code:
            return c
    raise KeyError(f"unknown category code {code!r}; valid codes: {', '.join(codes())}")


def codes_for_track(track: Track | str | None) -> tuple[str, ...]:
    """Codes a result may take under ``track`` (its own codes and NONE); all codes for ``None``."""
    if track is None:
        return codes()
    if track not in TRACKS:
        raise ValueError(f"track must be one of {TRACKS} or None, not {track!r}")
    return tuple(c.code for c in categories() if c.track in (track, ""))


def counterparts(code: str) -> tuple[str, ...]:
    """The codes of the other track that name the same activity as ``code`` (SPEC §2), from
    ``[counterparts]`` in ``data/taxonomy.toml``; empty when it has none.

    >>> counterparts("TRD-01"), counterparts("ITO-01")
    (('ITO-05',), ())
    """
    return tuple(_table()[0].get("counterparts", {}).get(code, ()))


def taxonomy_hash() -> str:
    """SHA-256 of the taxonomy file, stamped into model files."""
    return _load()[1]
