"""Speed and footprint of tas_classify next to the naive pipeline, all measured in one run.

Sections (each in fresh processes where start-up matters):

- throughput: ``classify_batch`` on N distinct generated ledger lines (no line repeats, so no
  cache can help), pinned to one core with ``taskset -c 0``, next to the naive pipeline a user
  would write — ``TfidfVectorizer(tokenizer=jieba.lcut)`` + ``LogisticRegression`` trained on the
  same corpus — and next to our own plain route (the pure-Python jieba engine), whose results
  must be identical;
- first answer: wall time of ``tas-classify classify "…"`` and of
  ``python -c "import tas_classify; tas_classify.classify('…')"`` in new processes (median of 5),
  ``import tas_classify`` alone, and the peak RSS of one classification;
- jobs: ``classify_batch(n_jobs=2)`` and ``tas-classify batch --jobs 2`` against one job;
- model: size of the shipped model folder.

Run:  python benchmarks/speed.py [--lines 50000] [--json]
(needs scikit-learn for the naive pipeline: pip install -e '.[train]')
"""

from __future__ import annotations

import argparse
import json
import os
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
import json, sys, time, hashlib, pickle
sys.path.insert(0, {here!r})
from ledger_lines import ledger_lines
import tas_classify
lines = ledger_lines({n}, seed=101)
assert len(set(lines)) == len(lines)
tas_classify.classify("预热")
start = time.perf_counter()
results = tas_classify.classify_batch(lines)
seconds = time.perf_counter() - start
digest = hashlib.sha256(repr([r.to_dict() for r in results]).encode()).hexdigest()
engine = tas_classify.default_model().tokenizer_.engine_name
print(json.dumps({{"seconds": seconds, "digest": digest, "engine": engine}}))
"""

NAIVE = """
import json, logging, sys, time, warnings
warnings.simplefilter("ignore")
sys.path.insert(0, {here!r})
from ledger_lines import ledger_lines
import jieba
jieba.setLogLevel(logging.WARNING)
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from tas_classify._resources import data_path
from tas_classify.ledger.labeled import read_labeled
corpus = read_labeled([data_path("corpus")])
pipe = make_pipeline(TfidfVectorizer(tokenizer=jieba.lcut, token_pattern=None),
                     LogisticRegression(max_iter=3000))
pipe.fit(list(corpus.texts), list(corpus.labels))
lines = ledger_lines({n}, seed=101)
pipe.predict_proba(lines[:10])
start = time.perf_counter()
pipe.predict_proba(lines)
print(json.dumps({{"seconds": time.perf_counter() - start}}))
"""

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


def throughput(n: int) -> dict[str, object]:
    fast = json.loads(_python(THROUGHPUT.format(here=str(HERE), n=n)))
    plain = json.loads(
        _python(THROUGHPUT.format(here=str(HERE), n=n), {"TAS_CLASSIFY_TOKENIZER": "jieba"})
    )
    naive = json.loads(_python(NAIVE.format(here=str(HERE), n=n)))
    return {
        "lines": n,
        "ours_lines_per_s": round(n / fast["seconds"]),
        "ours_engine": fast["engine"],
        "plain_route_lines_per_s": round(n / plain["seconds"]),
        "naive_lines_per_s": round(n / naive["seconds"]),
        "ours_vs_naive": round(naive["seconds"] / fast["seconds"], 2),
        "identical_to_plain_route": fast["digest"] == plain["digest"],
    }


def first_answer() -> dict[str, object]:
    cli = shutil.which("tas-classify") or "tas-classify"
    cli_wall, _ = _wall([cli, "classify", LINE])
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
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--jobs-lines", type=int, default=200_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = {
        "throughput": throughput(args.lines),
        "first_answer": first_answer(),
        "jobs": jobs(args.jobs_lines),
        "model": model_size(),
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    for section, figures in report.items():
        print(section)
        for key, value in figures.items():
            print(f"  {key:38s} {value}")


if __name__ == "__main__":
    main()
