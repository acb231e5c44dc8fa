"""Speed and footprint of tas_classify next to the naive pipeline, all measured in one run.

Sections (each in fresh processes where start-up matters):

- throughput: ``classify_batch`` on three streams, in one process pinned to one core with
  ``taskset -c 0``: N distinct generated ledger lines (no line repeats); a ledger's service
  column, 2,000 services repeated to 30,000 rows with each row's contract number and month in
  their own columns (the text cell repeats); and the same with number and month written into the
  text (``HT2024-00381 软件开发服务 2024年3月``: every line differs, but reads the same as the
  other copies once normalised). Next to it, on the same lines and alternating with it, the
  naive pipeline a user would write — ``TfidfVectorizer(tokenizer=jieba.lcut)`` +
  ``LogisticRegression`` trained on the same corpus — and fastText (``train_supervised``) on
  rjieba tokens; ranges over ``--repeats`` rounds, ratios taken round by round. Our results
  must be identical to the plain route (every line analysed on its own) and, on the distinct
  stream, to the pure-Python jieba engine;
- first answer: wall time of ``tas-classify classify "…"`` and of
  ``python -c "import tas_classify; tas_classify.classify('…')"`` in new processes (median of 5),
  ``import tas_classify`` alone, and the peak RSS of one classification;
- jobs: ``classify_batch(n_jobs=2)`` and ``tas-classify batch --jobs 2`` against one job;
- model: size of the shipped model folder.

Run:  python benchmarks/speed.py [--lines 50000] [--repeats 3] [--no-jobs] [--json]
(needs scikit-learn for the naive pipeline: pip install -e '.[train]'; fastText from the
fasttext or fasttext-numpy2-wheel package, skipped when missing)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
LINE = "为某银行提供核心系统定制开发"


def _pinned(command: list[str]) -> list[str]:
    return ["taskset", "-c", "0", *command] if shutil.which("taskset") else command


def _python(code: str, env: dict[str, str] | None = None, pin: bool = True) -> str:
    command = [sys.executable, "-c", code]
    out = subprocess.run(
        _pinned(command) if pin else command,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    return out.stdout.strip().splitlines()[-1]


def _wall(command: list[str], runs: int = 5) -> tuple[float, float]:
    """Median wall seconds and peak RSS (MiB) of ``command`` in new processes."""
    walls, peaks = [], []
    for _ in range(runs):
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        walls.append(time.perf_counter() - start)
        peaks.append(usage.ru_maxrss / 1024)
        if os.waitstatus_to_exitcode(status):
            raise SystemExit(f"failed: {command}")
    return statistics.median(walls), max(peaks)


THROUGHPUT = """
import hashlib, json, logging, random, sys, tempfile, time, warnings
warnings.simplefilter("ignore")
sys.path.insert(0, {here!r})
from ledger_lines import ledger_lines, load_base_lines
from speed import ledger_stream
import tas_classify
from tas_classify import taxonomy
from tas_classify.model.estimator import CHUNK_LINES
from tas_classify.results import Result
from tas_classify.text import normalise_batch

base = list(dict.fromkeys(t for t, _ in load_base_lines()))
random.Random(5).shuffle(base)
services = base[:{services}]
streams = {{
    "distinct": ledger_lines({n}, seed=101),
    "ledger": ledger_stream(services, {ledger_lines}, in_text=False),
    "ledger_in_text": ledger_stream(services, {ledger_lines}, in_text=True),
}}
assert len(set(streams["distinct"])) == len(streams["distinct"])

# our model, and the plain route: every line analysed on its own (no repeat found)
model = tas_classify.default_model()
tas_classify.classify("预热")

def plain(lines):
    out = []
    for start in range(0, len(lines), CHUNK_LINES):
        chunk = normalise_batch(lines[start : start + CHUNK_LINES])
        rows = model._chunk_rows(chunk, None, set(taxonomy.codes()))
        out.extend(Result.from_row(r) for r in rows)
    return out

def digest(results):
    return hashlib.sha256(repr([r.to_dict() for r in results]).encode()).hexdigest()

# the naive pipeline a user would write, trained on the same corpus
import jieba
jieba.setLogLevel(logging.WARNING)
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from tas_classify._resources import data_path
from tas_classify.ledger.labeled import read_labeled
corpus = read_labeled([data_path("corpus")])
naive = make_pipeline(TfidfVectorizer(tokenizer=jieba.lcut, token_pattern=None),
                      LogisticRegression(max_iter=3000))
naive.fit(list(corpus.texts), list(corpus.labels))
naive.predict_proba(streams["distinct"][:10])

# fastText with rjieba tokens, trained on the same corpus
fast_text = None
try:
    import fasttext, rjieba
    cutter = rjieba.Jieba()
    def tokens(line):
        return " ".join(w for w in cutter.cut(line, False) if w.strip())
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8") as fh:
        for text, label in zip(corpus.texts, corpus.labels):
            fh.write(f"__label__{{label}} {{tokens(text)}}\\n")
        fh.flush()
        fast_text = fasttext.train_supervised(input=fh.name, epoch=25, wordNgrams=2, verbose=0)
    def fast_text_predict(lines):
        return fast_text.predict([tokens(t) for t in lines], k=1)
    fast_text_predict(streams["distinct"][:10])
except ImportError:
    pass

figures = {{name: {{"ours": [], "naive": [], "fasttext": []}} for name in streams}}
for _ in range({repeats}):  # alternating, so a busy moment hits every contender alike
    for name, lines in streams.items():
        # the previous stream's results are freed first, not in this stream's time (50,000
        # distinct results take ~35 ms to free, which the next stream was charged before)
        results = None
        start = time.perf_counter(); results = tas_classify.classify_batch(lines)
        figures[name]["ours"].append(time.perf_counter() - start)
        start = time.perf_counter(); naive.predict_proba(lines)
        figures[name]["naive"].append(time.perf_counter() - start)
        if fast_text is not None:
            start = time.perf_counter(); fast_text_predict(lines)
            figures[name]["fasttext"].append(time.perf_counter() - start)
        figures[name].setdefault("digest", digest(results))
        figures[name].setdefault("distinct_read", len({{(n.text, n.category, n.truncated)
                                                      for n in normalise_batch(lines)}}))
        figures[name].setdefault("lines", len(lines))
for name, lines in streams.items():
    figures[name]["identical_to_plain_route"] = figures[name]["digest"] == digest(plain(lines))
print(json.dumps({{"streams": figures, "engine": model.tokenizer_.engine_name}}))
"""

JIEBA_DIGEST = """
import hashlib, json, sys
sys.path.insert(0, {here!r})
from ledger_lines import ledger_lines
import tas_classify
lines = ledger_lines({n}, seed=101)
results = tas_classify.classify_batch(lines)
digest = hashlib.sha256(repr([r.to_dict() for r in results]).encode()).hexdigest()
engine = tas_classify.default_model().tokenizer_.engine_name
print(json.dumps({{"digest": digest, "engine": engine}}))
"""


def ledger_stream(services: list[str], lines: int, *, in_text: bool, seed: int = 17) -> list[str]:
    """A ledger's service column: ``services`` repeated to ``lines`` rows in a shuffled order,
    each row with its own contract number and month. With ``in_text`` those are written into
    the cell (``HT2024-00381 软件开发服务 2024年3月``); without, they sit in their own columns
    and the text cell repeats as it is (real ledgers: 30,000 rows held 777 distinct texts)."""
    rng = random.Random(seed)
    out = []
    for i in range(lines):
        service = services[i % len(services)]
        if in_text:
            number = f"HT{rng.randint(2019, 2026)}-{rng.randrange(100000):05d}"
            month = f"{rng.randint(2019, 2026)}年{rng.randint(1, 12)}月"
            service = f"{number} {service} {month}"
        out.append(service)
    rng.shuffle(out)
    return out


JOBS = """
import json, sys, time
sys.path.insert(0, {here!r})
from ledger_lines import ledger_lines
import tas_classify
lines = ledger_lines({n}, seed=202)
tas_classify.classify("预热")
start = time.perf_counter()
one = tas_classify.classify_batch(lines)
t1 = time.perf_counter() - start
start = time.perf_counter()
two = tas_classify.classify_batch(lines, n_jobs=2)
t2 = time.perf_counter() - start
print(json.dumps({{"one": t1, "two": t2, "same": one == two}}))
"""


def _range(values: list[float], scale: float = 1.0, digits: int = 0) -> str:
    low, high = min(values) * scale, max(values) * scale
    return f"{low:,.{digits}f}–{high:,.{digits}f}" if digits else f"{low:,.0f}–{high:,.0f}"


def throughput(n: int, ledger_lines: int, services: int, repeats: int) -> dict[str, object]:
    """Lines per second of ours, the naive pipeline and fastText (rjieba tokens) on each stream,
    alternating in one process pinned to one core, as ranges over ``repeats`` runs; ratios are
    taken run by run (the naive time over ours in the same round)."""
    code = THROUGHPUT.format(
        here=str(HERE), n=n, ledger_lines=ledger_lines, services=services, repeats=repeats
    )
    run = json.loads(_python(code))
    jieba = json.loads(
        _python(JIEBA_DIGEST.format(here=str(HERE), n=n), {"TAS_CLASSIFY_TOKENIZER": "jieba"})
    )
    out: dict[str, object] = {"engine": run["engine"]}
    for name, f in run["streams"].items():
        lines = f["lines"]
        figures = {
            "lines": lines,
            "distinct_as_read": f["distinct_read"],
            "ours_lines_per_s": _range([lines / s for s in f["ours"]]),
            "naive_lines_per_s": _range([lines / s for s in f["naive"]]),
            "ours_vs_naive": _range([a / b for a, b in zip(f["naive"], f["ours"])], digits=2),
            "identical_to_plain_route": f["identical_to_plain_route"],
        }
        if f["fasttext"]:
            figures["fasttext_rjieba_lines_per_s"] = _range([lines / s for s in f["fasttext"]])
            figures["ours_vs_fasttext"] = _range(
                [a / b for a, b in zip(f["fasttext"], f["ours"])], digits=2
            )
        if name == "distinct":
            figures["identical_to_jieba_engine"] = f["digest"] == jieba["digest"]
        out[name] = figures
    return out


def first_answer() -> dict[str, object]:
    # ``-m``: the package of this checkout, as ``tas-classify`` runs it once installed
    cli_wall, _ = _wall([sys.executable, "-m", "tas_classify", "classify", LINE])
    py_wall, py_rss = _wall(
        [sys.executable, "-c", f"import tas_classify; tas_classify.classify({LINE!r})"]
    )
    import_wall, _ = _wall([sys.executable, "-c", "import tas_classify"])
    return {
        "cli_classify_s": round(cli_wall, 2),
        "python_classify_s": round(py_wall, 2),
        "import_s": round(import_wall, 2),
        "one_classification_peak_rss_mib": round(py_rss),
    }


def jobs(n: int) -> dict[str, object]:
    api = json.loads(_python(JOBS.format(here=str(HERE), n=n), pin=False))
    sys.path.insert(0, str(HERE))
    from ledger_lines import write_csv

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "ledger.csv"
        write_csv(src, n, seed=303)
        walls = {}
        for j in (1, 2):
            command = [sys.executable, "-m", "tas_classify", "batch", str(src), "-q"]
            walls[j], _ = _wall([*command, "-o", str(Path(tmp) / f"out{j}.csv"), "-j", str(j)], 1)
        same = (Path(tmp) / "out1.csv").read_bytes() == (Path(tmp) / "out2.csv").read_bytes()
    return {
        "lines": n,
        "classify_batch_speedup_2_jobs": round(api["one"] / api["two"], 2),
        "classify_batch_identical": api["same"],
        "batch_cli_speedup_2_jobs": round(walls[1] / walls[2], 2),
        "batch_cli_identical": same,
    }


def model_size() -> dict[str, object]:
    folder = HERE.parent / "models" / "default"
    total = sum(p.stat().st_size for p in folder.iterdir())
    return {"model_mib": round(total / 2**20, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=50_000, help="distinct lines")
    parser.add_argument("--ledger-lines", type=int, default=30_000)
    parser.add_argument("--services", type=int, default=2_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--jobs-lines", type=int, default=200_000)
    parser.add_argument("--no-jobs", action="store_true", help="skip the two-job section")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report: dict[str, dict[str, object]] = {
        "throughput": throughput(args.lines, args.ledger_lines, args.services, args.repeats),
        "first_answer": first_answer(),
    }
    if not args.no_jobs:
        report["jobs"] = jobs(args.jobs_lines)
    report["model"] = model_size()
    if args.json:
        print(json.dumps(report, indent=2))
        return
    for section, figures in report.items():
        print(section)
        for key, value in figures.items():
            if isinstance(value, dict):
                print(f"  {key}")
                for name, figure in value.items():
                    print(f"    {name:36s} {figure}")
            else:
                print(f"  {key:38s} {value}")


if __name__ == "__main__":
    main()
