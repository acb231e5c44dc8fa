"""What a regular expression needs of the text it matches in, read from the pattern itself.

:func:`required_strings` gives strings one of which every match of a pattern contains — for
``(?:公开)?(?:招标|采购)?(?:公告|公示)``, ``("公告", "公示")`` — so that a caller can skip the text
that holds none of them without running the pattern (a line without 公告 or 公示 cannot hold a
notice type). It is derived from the parsed pattern (Python's own ``re`` parser), so a pattern
edited in a data file keeps its shortcut, or loses it (``None``) when its form is not understood;
it never changes what the pattern matches.
"""

from __future__ import annotations

import re
from typing import Any

try:  # Python 3.11+
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse as _sre_parse

# Strings or classes of more alternatives than this are not worth a check of their own.
_MAX_ALTERNATIVES = 16

Needs = frozenset[str] | None


def required_strings(pattern: re.Pattern[str]) -> tuple[str, ...] | None:
    """Strings one of which is in every match of ``pattern`` (shortest first), or ``None`` when
    none can be told (the pattern can match the empty string, ignores case, or uses constructs
    this reading does not follow)."""
    if not isinstance(pattern.pattern, str) or pattern.flags & re.IGNORECASE:
        return None
    try:
        parsed = _sre_parse.parse(pattern.pattern, pattern.flags)
    except re.error:  # pragma: no cover - the pattern compiled
        return None
    needs = _sequence(list(parsed))
    if not needs:
        return None
    # A line holding "公司" holds it whether or not "有限公司" is also listed: keep the shortest.
    kept = [s for s in needs if not any(o != s and o in s for o in needs)]
    return tuple(sorted(kept, key=lambda s: (len(s), s)))


def _better(a: Needs, b: Needs) -> Needs:
    """Of two sufficient choices, the one whose shortest string is longer, then the one with
    fewer strings (a longer string is rarer; each string is one more look)."""
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b, key=lambda s: (-min(map(len, s)), len(s), sorted(s)))


def _literals(op: Any, av: Any) -> list[str] | None:
    """The characters one item matches, when it is a literal or a small class of literals."""
    if str(op) == "LITERAL":
        return [chr(av)]
    if str(op) == "IN" and len(av) <= _MAX_ALTERNATIVES and all(str(o) == "LITERAL" for o, _ in av):
        return [chr(c) for _, c in av]
    return None  # ranges, categories, negation: too many characters


def _sequence(items: list[tuple[Any, Any]]) -> Needs:
    """Every item of a sequence must match: any one item's needs will do; a run of literal
    characters and small classes is the strings it can spell (``公[告示]``: 公告, 公示)."""
    best: Needs = None
    run: set[str] = set()
    for op, av in [*items, (None, None)]:
        chars = _literals(op, av) if op is not None else None
        if chars is not None and len(run or {""}) * len(chars) <= _MAX_ALTERNATIVES:
            run = {s + c for s in run or {""} for c in chars}
            continue
        if run:
            best = _better(best, frozenset(run))
            run = set()
        if chars is not None:  # too many spellings with the run: this item starts a new one
            run = set(chars)
        elif op is not None:
            best = _better(best, _item(op, av))
    return best


def _item(op: Any, av: Any) -> Needs:
    name = str(op)
    if name == "SUBPATTERN":
        _group, add_flags, _del_flags, sub = av
        return None if add_flags & re.IGNORECASE else _sequence(list(sub))
    if name == "ATOMIC_GROUP":
        return _sequence(list(av))
    if name == "BRANCH":
        union: set[str] = set()
        for alternative in av[1]:
            needs = _sequence(list(alternative))
            if needs is None:
                return None
            union |= needs
        return frozenset(union) if len(union) <= _MAX_ALTERNATIVES else None
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, _high, sub = av
        return _sequence(list(sub)) if low >= 1 else None
    return None  # assertions, anchors, any character, back references …
