"""Deterministic generator of many distinct, realistic contract-ledger lines for benchmarks.

Each line is a labeled base line from ``data/corpus/*.csv`` decorated with the noise that real
ledger exports from Chinese finance software carry: contract numbers, VAT-invoice category
prefixes, client names, year / quarter / phase markers, bracketed notes, amounts and assorted
separators. ``ledger_lines(n, seed)`` returns n distinct lines; ``write_csv`` streams them into a
ledger-style CSV (合同编号,合同名称,金额,是否境外).

Run:  python benchmarks/ledger_lines.py 200000 /tmp/ledger200k.csv [--seed 0] [--encoding utf-8]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

CORPUS_DIR = Path(__file__).resolve().parent.parent / "data" / "corpus"

CITIES = ("北京", "上海", "深圳", "广州", "杭州", "南京", "苏州", "成都", "重庆", "武汉", "西安",
          "天津", "合肥", "厦门", "青岛", "长沙", "无锡", "宁波", "大连", "郑州")  # fmt: skip
INDUSTRIES = ("科技", "信息技术", "软件", "数据", "智能", "电子", "网络", "云计算", "医药",
              "生物", "精密制造", "新能源", "物流", "咨询", "传媒", "金融服务")  # fmt: skip
CN_SUFFIXES = ("有限公司", "股份有限公司", "有限责任公司", "集团有限公司", "研究院",
               "（香港）有限公司", "株式会社", "分公司")  # fmt: skip
EN_CITIES = ("Tokyo", "Osaka", "Singapore", "Munich", "Hamburg", "Seoul", "Boston", "Austin",
             "London", "Zurich", "Sydney", "Toronto", "Dublin", "Helsinki")  # fmt: skip
EN_INDUSTRIES = ("Tech", "Software", "Data", "Systems", "Medical", "Precision", "Logistics",
                 "Analytics", "Insurance", "Semiconductor", "Media", "Energy")  # fmt: skip
EN_SUFFIXES = ("Co., Ltd.", "GmbH", "Inc.", "Pte. Ltd.", "LLC", "Ltd.", "AG", "S.A.", "K.K.",
               "Corporation")  # fmt: skip
VAT_PREFIXES = ("*信息技术服务*", "*研发和技术服务*", "*现代服务*", "*鉴证咨询服务*",
                "*文化创意服务*", "*软件*", "*设计服务*", "*经纪代理服务*", "*物流辅助服务*",
                "*咨询服务*")  # fmt: skip
CN_PHASES = ("第一期", "第二期", "第三期", "一期", "二期", "三期", "首期", "续期", "第{n}标段",
             "第{n}包")  # fmt: skip
EN_PHASES = ("phase {n}", "Phase {n}", "stage {n}", "lot {n}", "batch {n}", "wave {n}")
CN_NOTES = ("含税", "不含税", "尾款", "首付款30%", "验收款", "进度款", "预付款", "补充协议",
            "续签", "框架协议", "变更", "暂估", "已开票", "未开票", "质保金", "待审批",
            "分包", "第{n}次付款")  # fmt: skip
EN_NOTES = ("final payment", "advance", "milestone {n}", "renewal", "amendment No.{n}",
            "tax incl.", "net 30", "PO pending", "invoiced", "framework agreement")  # fmt: skip
CN_BRACKETS = (("（", "）"), ("(", ")"), ("【", "】"), ("[", "]"), ("〔", "〕"))
CN_SEPARATORS = (" ", " ", "／", "/", "—", "——", "-", "\u3000", "，", " | ")
EN_SEPARATORS = (" ", ", ", " - ", " / ", " — ", "; ")
DEPTS = ("SW", "IT", "FW", "JS", "CG", "WB", "CQ", "KF", "YW", "XM", "ZX", "RJ")
CN_DIGITS = "一二三四"

DECORATIONS = ("number", "vat", "client", "period", "note")
COUNT_WEIGHTS = (12, 36, 34, 18)  # how many decorations: 0, 1, 2, 3
MAX_REDRAWS = 16
_HAS_NUMBER = re.compile(r"[A-Z]{0,4}-?\d{4}")  # base line already starts with a contract number


class Record(NamedTuple):
    """One generated ledger row, before formatting for CSV."""

    number: str  # contract number (also the prefix of ``line`` when it was used as decoration)
    line: str
    cents: int  # positive contract amount in fen
    offshore: bool


def load_base_lines(corpus_dir: Path = CORPUS_DIR) -> list[tuple[str, str]]:
    """Return the ``(text, label)`` rows of every corpus CSV, in a fixed (sorted-file) order."""
    rows: list[tuple[str, str]] = []
    for path in sorted(corpus_dir.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            rows.extend((r["text"].strip(), r["label"]) for r in csv.DictReader(f) if r["text"])
    return rows


def _is_latin(text: str) -> bool:
    letters = [c for c in text if not c.isspace()]
    return sum(c.isascii() for c in letters) > 0.6 * len(letters)


def _contract_number(rng: random.Random) -> str:
    year, dept, style = rng.randint(2019, 2026), rng.choice(DEPTS), rng.randrange(6)
    if style == 0:
        return f"HT{year}-{rng.randrange(1, 100000):05d}"
    if style == 1:
        return f"{year}-{dept}-{rng.randrange(1, 1000):03d}"
    if style == 2:
        return f"{dept}-{year}-{rng.randrange(1, 1000)}"
    if style == 3:
        return f"{dept}{year}{rng.randrange(1, 10000):04d}"
    if style == 4:
        return f"No.{year}{rng.randrange(1, 100000):05d}"
    return f"{year}{dept}{rng.randrange(1, 1000):03d}号"


def _client(rng: random.Random, latin: bool) -> tuple[str, bool]:
    """A client name and whether it is a foreign company."""
    if latin or rng.random() < 0.15:
        name = f"{rng.choice(EN_CITIES)} {rng.choice(EN_INDUSTRIES)} {rng.choice(EN_SUFFIXES)}"
        return name, True
    middle = rng.choice(("某某", "某", "", "", "市", "华信", "恒锐", "博远", "中科"))
    suffix = rng.choice(CN_SUFFIXES)
    return f"{rng.choice(CITIES)}{middle}{rng.choice(INDUSTRIES)}{suffix}", suffix == "株式会社"


def _period(rng: random.Random, latin: bool) -> str:
    year, n = rng.randint(2019, 2026), rng.randint(1, 4)
    if latin:
        return rng.choice((f"FY{year}", f"Q{n} {year}", rng.choice(EN_PHASES).format(n=n)))
    style = rng.randrange(6)
    if style == 0:
        return f"{year}年度"
    if style == 1:
        return f"（Q{n}）"
    if style == 2:
        return f"（{year}年第{n}季度）"
    if style == 3:
        return f"（{year}-{year + rng.randint(1, 2)}年）"
    return rng.choice(CN_PHASES).format(n=CN_DIGITS[n - 1])


def _note(rng: random.Random, latin: bool) -> str:
    n = rng.randint(1, 9)
    if latin:
        return f"({rng.choice(EN_NOTES).format(n=n)})"
    left, right = rng.choice(CN_BRACKETS)
    return f"{left}{rng.choice(CN_NOTES).format(n=n)}{right}"


def _amount_text(rng: random.Random, cents: int, latin: bool) -> str:
    yuan = cents / 100
    if latin:
        return f"{rng.choice(('USD', 'EUR', 'JPY', 'CNY'))} {yuan:,.2f}"
    style = rng.randrange(4)
    if style == 0:
        return f"金额：{yuan:,.2f}元"
    if style == 1:
        return f"¥{yuan:,.2f}"
    if style == 2:
        return f"（{yuan / 10000:.2f}万元）"
    return f"合同额{yuan:.2f}"


def _draw(rng: random.Random, base: list[tuple[str, str]]) -> Record:
    text, label = rng.choice(base)
    latin = _is_latin(text)
    seps = EN_SEPARATORS if latin else CN_SEPARATORS
    number = _contract_number(rng)
    cents = int(rng.lognormvariate(10.5, 1.4) * 100) + 100
    if rng.random() < 0.7:
        cents -= cents % 10000  # most contracts are in whole hundreds of yuan
    trade = label.startswith("TRD")  # the service-trade categories are mostly cross-border
    offshore = rng.random() < (0.85 if trade else 0.8 if latin else 0.03)
    kinds = rng.sample(DECORATIONS, rng.choices(range(4), COUNT_WEIGHTS)[0])
    if kinds and rng.random() < 0.08:
        kinds[-1] = "amount"
    head, tail = "", []
    for kind in kinds:
        if kind == "number" and not _HAS_NUMBER.match(text):
            head = (f"合同编号：{number}" if rng.random() < 0.15 else number) + rng.choice(seps)
        elif kind == "vat" and not latin and not text.startswith("*"):
            text = rng.choice(VAT_PREFIXES) + text
        elif kind == "client":
            client, foreign = _client(rng, latin)
            offshore = offshore or foreign
            tail.append(rng.choice(seps) + client)
        elif kind == "period":
            period = _period(rng, latin)
            tail.append(period if period[0] in "（(" else rng.choice(seps) + period)
        elif kind == "note":
            tail.append((" " if latin else "") + _note(rng, latin))
        elif kind == "amount":
            tail.append(rng.choice(seps) + _amount_text(rng, cents, latin))
    return Record(number, head + text + "".join(tail), cents, offshore)


def iter_records(n: int, seed: int = 0) -> Iterator[Record]:
    """Yield n records with pairwise-distinct lines, deterministically from ``seed``."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    base = load_base_lines()
    rng = random.Random(seed)
    seen: set[str] = set()
    counter = 0
    for _ in range(n):
        for _attempt in range(MAX_REDRAWS):
            record = _draw(rng, base)
            if record.line not in seen:
                break
        else:  # rare: tag the last draw with a running counter until it is new
            line = record.line
            while line in seen:
                counter += 1
                line = f"{record.line}（{counter}）"
            record = record._replace(line=line)
        seen.add(record.line)
        yield record


def ledger_lines(n: int, seed: int = 0) -> list[str]:
    """Return exactly n distinct realistic contract-ledger lines; same (n, seed), same list."""
    return [record.line for record in iter_records(n, seed)]


def _format_amount(rng: random.Random, cents: int) -> str:
    if rng.random() < 0.01:
        cents = -cents  # credit note
    text = f"{cents / 100:,.2f}" if rng.random() < 0.5 else f"{cents / 100:.2f}"
    return text


def write_csv(
    path: str | os.PathLike[str], n: int, seed: int = 0, encoding: str = "utf-8-sig"
) -> None:
    """Write n ledger rows (合同编号,合同名称,金额,是否境外) to ``path``, streaming them."""
    fmt_rng = random.Random(f"amounts-{seed}")  # separate stream: lines match ledger_lines(n, seed)
    with open(path, "w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(("合同编号", "合同名称", "金额", "是否境外"))
        for record in iter_records(n, seed):
            amount = _format_amount(fmt_rng, record.cents)
            writer.writerow((record.number, record.line, amount, "是" if record.offshore else "否"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of distinct lines")
    parser.add_argument("out", help="output CSV path")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--encoding", default="utf-8-sig")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    write_csv(args.out, args.n, seed=args.seed, encoding=args.encoding)
    print(f"{args.n} lines written to {args.out} in {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
