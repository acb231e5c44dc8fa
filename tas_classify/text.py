"""Text normalisation: from a raw ledger line to the text the model reads.

Steps, in order: Unicode NFKC (full-width → half-width), Traditional → Simplified Chinese with
OpenCC's character-level ``t2s`` profile and, for lines that were in Traditional characters, the
regional terms of ``data/variants.txt`` (軟體 → 软件, 資料庫 → 数据库 …; OpenCC's phrase profiles
are not used because they also rewrite mainland words, e.g. 核心 → 内核), lower case, then
removal of ledger noise that says nothing about the service: contract and order
numbers, amounts and currencies, dates, year ranges and quarters, phase markers (一期/二期,
Phase 2), bracket characters, invoice-prefix asterisks and the words listed in
``data/noise_words.txt``; then the buyer-side wrapping of tender titles listed in
``data/wrappers.toml`` (notice types, calls for comments, lot markers, the buyer's company names
at the start).

Only the first :data:`MAX_LINE_CHARS` (4,000) characters of a line are read — after NFKC too,
which can make a character 18 long — and every step takes time linear in what is read, so a
hostile line (20,000 digits, 40,000 spaces, a 50 MB cell) costs no more than a long ordinary
one; a line that was cut says so (:attr:`NormalisedText.truncated`, the result flag
``truncated``).

A VAT-invoice item ``*简称*名称`` keeps its text; the tax category's short name between the
asterisks is also returned on its own (:attr:`NormalisedText.category`), for the invoice-category
table (``data/invoice_categories.csv``) to read.
"""

from __future__ import annotations

import itertools
import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from pathlib import Path
from typing import Any, Literal

from tas_classify._regex import required_strings
from tas_classify._resources import data_path
from tas_classify._toml import tomllib
from tas_classify.errors import WrappersFileError as WrappersFileError

_CN_DIGITS = "一二三四五六七八九十百零〇两"
_CURRENCY = "(?:万元|亿元|元|万|rmb|cny|usd|美元|欧元|日元|港币)"

#: The characters of one line the model reads (after Unicode NFKC, which can make a line up to
#: 18 times longer). The rest of a longer line is not read, and its result is flagged
#: ``truncated``. The longest line of the training corpus and evaluation set has 115 characters.
MAX_LINE_CHARS = 4000

# Letters allowed between a contract-number keyword and its digits (``contractno12``): bounded, so
# that a long run of letters holding many keywords (``nonono…``) is not read once per keyword.
_MAX_NUMBER_LETTERS = 32


class _AnyLine(str):
    """A noise pattern that can match in a line without a digit; every other one needs one."""


def _noise(pattern: str) -> tuple[re.Pattern[str], str, bool]:
    """A noise pattern, what replaces it (" ", or "\\1 " when it has a group: the characters at
    the start of the match that are kept), and whether it can match only where a digit is."""
    compiled = re.compile(pattern)
    return compiled, r"\1 " if compiled.groups else " ", not isinstance(pattern, _AnyLine)


# Each pattern removes one kind of ledger noise; order matters (longest constructs first).
#
# Patterns start with a character or a class where they can (``\d\d{3}``, not ``\d{4}``; a
# look-behind moved after the first character, ``[a-z](?<![a-z0-9].)`` for
# ``(?<![a-z0-9])[a-z]``): the regular-expression engine then skips to the next place such a
# character occurs instead of trying the pattern at every position — the same matches, found
# about twice as fast (tests/test_hostile_text.py compares them with the plain patterns).
#
# Every pattern runs in time linear in the line: no two adjacent repeats can share characters
# (``\s*(?:[#:]\s*)?``, not ``\s*[#:]?\s*``), and a repeat over a run of characters (digits,
# letters) either is bounded or is only tried from the start of the run — a later start in the
# run could not match where the first did not — so a line of 20,000 digits is not read 20,000
# times. tests/test_hostile_text.py checks these give exactly what the plain patterns gave.
#
# Most patterns match only where a digit (``\d``) is; the few that do not are marked
# ``_AnyLine``. A line without a digit is only given those (tests/test_fast_paths.py checks the
# others never match where no digit is).
_NOISE_PATTERNS: tuple[tuple[re.Pattern[str], str, bool], ...] = tuple(
    _noise(p)
    for p in (
        # year ranges: 2026-2028年, 2026年至2027年, 2025~2026年度
        r"\d\d{3}\s*(?:年\s*)?(?:-|至|到|~|—)\s*\d{4}\s*年度?",
        # contract / order / invoice numbers: HT-2024-0381, PO#4500012, No.12, SOW #3, 合同号:AB12
        r"(?:no\.?|sow|po|wo|inv|ht|contract|合同|订单|编号|发票)\s*(?:[#:：\-]\s*)?"
        rf"[a-z]{{0,{_MAX_NUMBER_LETTERS}}}[-_/]?\d[a-z0-9_\-/]*",
        r"[a-z](?<![a-z0-9].)[a-z]{0,5}(?:[-_/]\d{2,}|\d{3,})[a-z0-9_\-/]*",
        r"[#№]\s*\d[a-z0-9_\-/]*",
        # amounts: ¥386,000.00  $12k  38.6万元  120,000 元  usd 5,000
        r"(?:[¥$€£]|rmb|cny|usd|eur|jpy|hkd)\s*-?\d[\d,]*(?:\.\d+)?\s*(?:k|m|万|亿)?",
        # (from a minus sign, or from the start of a run of digits and commas, the commas before
        # its first digit kept: ",5元" loses "5元"; the plain pattern is
        # (?:-(?=\d)|(?<![\d,])(,*))\d[\d,]*…, one pass: here the amounts after a run of
        # commas go first, then the others — no match of one kind can start inside one of the
        # other, so the two passes find what the one did, each from a character)
        rf"(,(?<![\d,],),*)\d[\d,]*(?:\.\d+)?\s*{_CURRENCY}",
        rf"[-\d](?:(?<=-)\d|(?<=\d)(?<![\d,].))[\d,]*(?:\.\d+)?\s*{_CURRENCY}",
        # dates and periods: 2024-03-01, 2024/3, 2024年3月5日, 2025年度, 3月, q3, fy2024, h1
        r"\d\d{3}\s*[-/.]\s*\d{1,2}(?:\s*[-/.]\s*\d{1,2})?(?![\da-z])",
        r"\d\d{1,3}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?",
        r"\d\d{3}\s*年度?",
        # Taiwan (民國) years and quarters: 115年度, 第1季, 第三季度
        r"1(?<!\d.)[01]\d\s*年度?",
        _AnyLine(r"第\s*[1-4一二三四]\s*季度?"),
        r"\d\d?\s*月份?(?:\s*\d{1,2}\s*[日号])?",
        r"(?:f(?<!\w.)y\d{2,4}|q(?<!\w.)[1-4]|h(?<!\w.)[12])\b",
        # phase markers: 一期, 第二期, 3期, phase 2, stage ii (from 第 or the start of the numeral;
        # the plain pattern is (?:第|(?<![…\d]))[…\d]+\s*期)
        _AnyLine(
            rf"[第{_CN_DIGITS}\d](?:(?<=第)[{_CN_DIGITS}\d]|(?<!第)(?<![{_CN_DIGITS}\d]{{2}}))"
            rf"[{_CN_DIGITS}\d]*\s*期"
        ),
        _AnyLine(r"(?:p(?<!\w.)hase|s(?<!\w.)tage|l(?<!\w.)ot)\s*[\divx]+\b"),
        # bare numbers that are not part of a term such as 5g, 3d, 4k
        r"\d(?<![a-z\d].)\d*(?:[.,]\d+)*%?(?![a-z\d])",
    )
)
_BRACKETS = re.compile(r"[()\[\]{}<>《》〈〉【】〔〕「」『』“”\"'‘’*＊|]")
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202f\ufeff]")
_converter_lock = threading.Lock()


# The tax category of a VAT-invoice item: ``*信息技术服务*软件开发服务`` → ``信息技术服务``.
_INVOICE_CATEGORY = re.compile(r"^\s{0,3}\*\s{0,2}([^*\s\ue000]{1,16}?)\s{0,2}\*")


@dataclass(frozen=True)
class NormalisedText:
    """A line as given (``original``), as the model reads it (``text``), the tax category of a
    VAT-invoice item (``category``: ``信息技术服务`` for ``*信息技术服务*…``, else empty), and
    whether the line was too long to be read whole (``truncated``)."""

    original: str
    text: str
    category: str = ""
    truncated: bool = False
    """Whether only the first :data:`MAX_LINE_CHARS` characters of the line were read."""



def load_wrappers(path: str | Path | None = None) -> tuple[re.Pattern[str], ...]:
    """The compiled patterns of a wrappers file (default ``data/wrappers.toml``), in file order."""
    where = data_path("wrappers.toml") if path is None else path
    try:
        table = tomllib.loads(Path(where).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise WrappersFileError(f"{where}: cannot read wrappers file: {exc}") from exc
    out = []
    for i, raw in enumerate(table.get("wrapper", []), start=1):
        name = raw.get("name", "unnamed") if isinstance(raw, dict) else "unnamed"
        try:
            out.append(re.compile(str(raw["pattern"])))
        except (KeyError, TypeError, re.error) as exc:
            raise WrappersFileError(
                f"{where}: wrapper #{i} ({name}): missing or invalid pattern ({exc})"
            ) from exc
    return tuple(out)


@dataclass(frozen=True)
class _Wrapper:
    """A wrapper pattern as the file writes it (``plain``), the same for lines joined by
    :data:`_SEPARATOR` (``joined``), and ``needs``: strings one of which every line the pattern
    matches in contains (``None``: none known, every line is tried)."""

    plain: re.Pattern[str]
    joined: re.Pattern[str]
    needs: tuple[str, ...] | None

    def lines_to_try(self, lines: Sequence[str]) -> list[int]:
        """The indices of the lines the pattern may match in (all, when ``needs`` is None)."""
        if self.needs is None:
            return list(range(len(lines)))
        if len(self.needs) == 1:
            needed = self.needs[0]
            return [i for i, line in enumerate(lines) if needed in line]
        search = _any_of(self.needs).search
        return [i for i, line in enumerate(lines) if search(line)]


@lru_cache(maxsize=64)
def _any_of(strings: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(map(re.escape, strings)))


def _joined_source(pattern: re.Pattern[str]) -> str:
    """A wrapper pattern for lines joined by :data:`_SEPARATOR`: a line starts after a separator
    and ends before one, and no negated class or ``\\S`` may match one (tested equal to line by
    line)."""
    source = pattern.pattern.replace("[^", "[^" + _SEPARATOR)
    source = source.replace("\\S", "[^\\s" + _SEPARATOR + "]")
    source = re.sub(r"(?<![\\\[])\^", "(?:^|(?<=" + _SEPARATOR + "))", source)
    return re.sub(r"(?<!\\)\$", "(?=$|" + _SEPARATOR + ")", source)


@lru_cache(maxsize=1)
def _wrappers() -> tuple[_Wrapper, ...]:
    """The patterns of ``data/wrappers.toml`` in file order, each with its joined form and the
    strings a line needs to be matched (:func:`required_strings`), derived from the file."""
    return tuple(
        _Wrapper(p, re.compile(_joined_source(p), p.flags), required_strings(p))
        for p in load_wrappers()
    )


def _remove_wrappers(text: str) -> str:
    """The wrapper patterns of ``data/wrappers.toml`` removed from one line, in file order."""
    for wrapper in _wrappers():
        if wrapper.lines_to_try((text,)):
            text = wrapper.plain.sub(" ", text)
    return text


def _remove_wrappers_lines(lines: list[str]) -> list[str]:
    """:func:`_remove_wrappers` of each line (``lines`` is changed in place and returned): each
    pattern runs once, over the lines that hold one of the strings it needs, joined."""
    for wrapper in _wrappers():
        at = wrapper.lines_to_try(lines)
        if not at:
            continue
        parts = wrapper.joined.sub(" ", _SEPARATOR.join([lines[i] for i in at]))
        for i, part in zip(at, parts.split(_SEPARATOR)):
            lines[i] = part
    return lines


def _word_list(name: str) -> list[str]:
    """The entries of a one-word-a-line file under ``data/``, lower case, comments skipped."""
    lines = data_path(name).read_text(encoding="utf-8").splitlines()
    return [w.strip().lower() for w in lines if w.strip() and not w.lstrip().startswith("#")]


class _GenericWords:
    """The words of ``data/generic_words.txt`` in one Aho–Corasick automaton (pyahocorasick):
    Chinese words are found wherever they occur, English words are compared whole."""

    def __init__(self, entries: Sequence[str]) -> None:
        import ahocorasick

        self.automaton = ahocorasick.Automaton()
        self.latin: set[str] = set()
        for entry in entries:
            specific = entry.startswith("!")
            word = entry[1:].strip() if specific else entry
            if not word:
                continue
            if word.isascii() and not specific:
                self.latin.add(word)
            else:
                self.automaton.add_word(word, (len(word), specific))
        self.empty = len(self.automaton) == 0
        self._ints: Any = None
        # whether a word could reach across the separator of lines joined for one pass
        self.crossing = any(_SEPARATOR in w for w in [*self.latin, *self.automaton.keys()])
        if not self.empty:
            self.automaton.make_automaton()

    def vague(self, text: str) -> bool:
        if any(w not in self.latin for w in _LATIN_WORD.findall(text)):
            return False
        chars = [m.start() for m in _CJK.finditer(text)]
        if not chars:
            return True
        covered = bytearray(len(text))
        if not self.empty:
            for end, (length, specific) in self.automaton.iter(text):
                if specific:
                    return False
                covered[end - length + 1 : end + 1] = b"\x01" * length
        return all(covered[i] for i in chars)

    def _numbered(self) -> Any:
        """The automaton with each word's (length, specific) as one int, ``2 * length +
        specific`` (built at first use)."""
        if self._ints is None:
            import ahocorasick

            self._ints = ahocorasick.Automaton(ahocorasick.STORE_INTS)
            for word, (length, specific) in self.automaton.items():
                self._ints.add_word(word, 2 * length + int(specific))
            self._ints.make_automaton()
        return self._ints

    def vague_lines(self, texts: Sequence[str]) -> Any:
        """``[self.vague(t) for t in texts]`` as a NumPy bool array, from one pass of each kind
        over the lines joined by :data:`_SEPARATOR` (which no word holds, and which is neither a
        Chinese character nor a letter)."""
        import numpy as np

        if len(texts) < 16 or self.crossing or any(_SEPARATOR in t for t in texts):
            return np.array([self.vague(t) for t in texts], dtype=bool)
        joined = _SEPARATOR.join(texts)
        codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        line_of = np.cumsum(codes == ord(_SEPARATOR))  # the line of each character
        n = len(texts)
        other_word = np.zeros(n, dtype=bool)  # an English word that is not generic
        latin = self.latin
        at = [m.start() for m in _LATIN_WORD.finditer(joined) if m.group() not in latin]
        other_word[line_of[at]] = True
        cjk = ((codes >= 0x3400) & (codes <= 0x9FFF)) | ((codes >= 0xF900) & (codes <= 0xFAFF))
        has_cjk = np.zeros(n, dtype=bool)
        has_cjk[line_of[cjk]] = True
        specific = np.zeros(n, dtype=bool)
        depth = np.zeros(len(codes) + 1, dtype=np.int64)  # words covering each character
        if not self.empty:
            hits = np.fromiter(
                itertools.chain.from_iterable(self._numbered().iter(joined)), dtype=np.int64
            ).reshape(-1, 2)
            end, length, is_specific = hits[:, 0], hits[:, 1] >> 1, (hits[:, 1] & 1) == 1
            specific[line_of[end[is_specific]]] = True
            np.add.at(depth, end - length + 1, 1)
            np.add.at(depth, end + 1, -1)
        uncovered = cjk & (np.cumsum(depth[:-1]) == 0)
        not_covered = np.zeros(n, dtype=bool)
        not_covered[line_of[uncovered]] = True
        result: Any = ~other_word & (~has_cjk | ~(specific | not_covered))
        return result


@lru_cache(maxsize=1)
def _generic_words() -> _GenericWords:
    return _GenericWords(_word_list("generic_words.txt"))


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[a-z]{3,}")


def is_vague(text: str) -> bool:
    """Whether a normalised line does not say what service was delivered: every Chinese
    character is part of a word of ``data/generic_words.txt`` and every English word of three
    letters or more is one of its words — unless the line holds one of the file's specific
    compounds (``!信息系统``).

    >>> is_vague("外包服务费"), is_vague("it服务费"), is_vague("oracle数据库维护")
    (True, True, False)
    """
    return _generic_words().vague(text)


def vague_lines(texts: Sequence[str]) -> Any:
    """``[is_vague(t) for t in texts]`` as a NumPy bool array, quicker on many lines."""
    return _generic_words().vague_lines(texts)


def invoice_category(simplified: str) -> str:
    """The tax category between the leading asterisks of an invoice item, or ``""``.

    >>> invoice_category("*信息技术服务*软件开发服务"), invoice_category("软件开发")
    ('信息技术服务', '')
    """
    found = _INVOICE_CATEGORY.match(simplified)
    return found.group(1) if found else ""


@lru_cache(maxsize=1)
def _opencc():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _variants() -> tuple[tuple[str, str], ...]:
    pairs = []
    for line in data_path("variants.txt").read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 2 and not line.startswith("#") and parts[0] != parts[1]:
            pairs.append((parts[0], parts[1]))
    # Longest first, so 资料库 wins over 资料.
    return tuple(sorted(pairs, key=lambda p: len(p[0]), reverse=True))


@lru_cache(maxsize=1)
def _noise_words() -> re.Pattern[str] | None:
    words = _word_list("noise_words.txt")
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))


def _simplify(text: str, separator: str | None = None) -> str:
    """NFKC, control characters, lone surrogates, Traditional → Simplified and lower case.

    With ``separator``, ``text`` is several lines joined by it, and the regional terms are
    replaced only in the lines OpenCC changed — as if each line were done alone.
    """
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL.sub(" ", text)
    # Lone surrogates cannot pass through OpenCC; replace them before conversion.
    text = text.encode("utf-8", "replace").decode("utf-8")
    with _converter_lock:
        simplified = _opencc().convert(text)
    if simplified != text:
        before = text.split(separator) if separator else [text]
        after = simplified.split(separator) if separator else [simplified]
        for i, (old, new) in enumerate(zip(before, after)):
            if old != new:
                for regional, mainland in _variants():
                    new = new.replace(regional, mainland)
                after[i] = new
        simplified = separator.join(after) if separator else after[0]
    return str(simplified).lower()


def to_simplified(text: str) -> str:
    """NFKC, Traditional → Simplified (Taiwan terms included) and lower case; no noise removal."""
    return _simplify(text)


_DIGIT = re.compile(r"\d")


def _remove_noise(text: str, digits: bool = True) -> str:
    """The noise of a line (or of lines joined by :data:`_SEPARATOR`) removed; ``digits=False``
    when no line has a digit: the patterns that need one are not run."""
    noise = _noise_words()
    if noise is not None:
        text = noise.sub(" ", text)
    for pattern, replacement, needs_digit in _NOISE_PATTERNS:
        if digits or not needs_digit:
            text = pattern.sub(replacement, text)
    return _BRACKETS.sub(" ", text)


def _remove_noise_lines(lines: list[str]) -> list[str]:
    """:func:`_remove_noise` of each line: the lines with a digit joined and given every
    pattern, the others joined and given those that need no digit."""
    has_digit = [_DIGIT.search(line) is not None for line in lines]
    with_digits = _remove_noise(_SEPARATOR.join([t for t, d in zip(lines, has_digit) if d]))
    without = _remove_noise(
        _SEPARATOR.join([t for t, d in zip(lines, has_digit) if not d]), digits=False
    )
    done = (iter(without.split(_SEPARATOR)), iter(with_digits.split(_SEPARATOR)))
    return [next(done[d]) for d in has_digit]


# NFKC makes a character at most 18 characters long (U+FDFA): a line this short never needs a cut.
_NEVER_CUT = MAX_LINE_CHARS // 18


def _head(text: str) -> tuple[str, bool]:
    """The part of a line that is read, and whether it is not the whole line: the first
    :data:`MAX_LINE_CHARS` characters, and of those, after NFKC, the first ``MAX_LINE_CHARS``.
    A line that needs no cut is returned as it is."""
    if len(text) <= _NEVER_CUT:
        return text, False
    head = text[:MAX_LINE_CHARS]
    wide = unicodedata.normalize("NFKC", head)
    if len(wide) > MAX_LINE_CHARS:
        return wide[:MAX_LINE_CHARS], True
    return head, len(text) > MAX_LINE_CHARS


def normalise(text: str) -> NormalisedText:
    """Normalise one line; see the module docstring for the steps. Only the first
    :data:`MAX_LINE_CHARS` characters are read (``truncated`` says when there were more)."""
    head, truncated = _head(text)
    simplified = to_simplified(head)
    noiseless = _remove_noise(simplified, digits=_DIGIT.search(simplified) is not None)
    clean = _SPACES.sub(" ", _remove_wrappers(noiseless)).strip()
    return NormalisedText(
        original=text, text=clean, category=invoice_category(simplified), truncated=truncated
    )


# Joins a batch into one string for the steps that work character by character or within a line.
# A private-use character: no Unicode normalisation, case mapping, OpenCC entry, whitespace or
# word-character class touches it, and no noise pattern can match across it.
_SEPARATOR = "\ue000"


def normalise_batch(texts: Sequence[str]) -> list[NormalisedText]:
    """``[normalise(t) for t in texts]``, with each step run once over the whole batch.

    Lines that contain the separator itself are normalised one by one.
    """
    return [
        NormalisedText(original=t, text=text, category=category, truncated=cut)
        for t, (text, category, cut) in zip(texts, readings_batch(texts))
    ]


#: What a line reads as: (``text``, ``category``, ``truncated``) of its :class:`NormalisedText`.
Reading = tuple[str, str, bool]


def readings_batch(texts: Sequence[str]) -> list[Reading]:
    """What each line reads as — (``text``, ``category``, ``truncated``) of
    :func:`normalise_batch` — without a :class:`NormalisedText` per line."""
    heads = [_head(t) for t in texts]
    if not texts or any(_SEPARATOR in h for h, _ in heads):
        return [(n.text, n.category, n.truncated) for n in map(normalise, texts)]
    # NFKC line by line first (the separator is a starter that composes with nothing, so this is
    # NFKC of the joined lines; a third quicker, as the lines already in NFKC are only checked):
    # the NFKC of _simplify then finds the text normalised
    nfkc: Literal["NFKC"] = "NFKC"
    wide = map(unicodedata.normalize, repeat(nfkc), [h for h, _ in heads])
    simplified = _simplify(_SEPARATOR.join(wide), _SEPARATOR)
    lines = simplified.split(_SEPARATOR)
    if len(lines) != len(texts):  # pragma: no cover - defensive
        return [(n.text, n.category, n.truncated) for n in map(normalise, texts)]
    parts = _remove_wrappers_lines(_remove_noise_lines(lines))
    return [
        (
            " ".join(part.split()),  # _SPACES.sub(" ", part).strip(): the same spaces
            invoice_category(line) if "*" in line[:4] else "",
            cut,
        )
        for (_, cut), part, line in zip(heads, parts, lines)
    ]
