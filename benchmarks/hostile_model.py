"""Time and peak memory of loading hostile model folders (issue 12, finding 6, 7 and the Low
list), before and after the checks of ``tas_classify.model.persistence.read_model``.

    python benchmarks/hostile_model.py [--before PATH_OF_AN_OLDER_CHECKOUT]

Each case is a small model folder altered by an attacker who also rewrites ``model.json`` (so the
checksums match). Every load runs in its own process, limited to 2 GB of address space and 30 s;
the figures are its wall time and peak resident memory (``wait4``). Measured on the issue-12
branch (2 shared cores), before = commit e4120fe:

    case                          before                                   after
    user dict -> /dev/zero        1.8 s, 1,845 MB, MemoryError traceback   0.3 s, 34 MB, refused
    user dict -> ../outside       0.8 s, 112 MB, loaded (file pulled in)   0.3 s, 34 MB, refused
    user dict -> FIFO outside     30 s timeout (blocked forever)           0.2 s, 34 MB, refused
    FIFO listed in the folder     0.2 s, 33 MB, refused (as "missing")     0.2 s, 34 MB, refused
    coef.npy claims 10^6 x 10^6   0.2 s, 34 MB, MemoryError traceback      0.2 s, 34 MB, refused
    model.json nested 100,000     0.2 s, 34 MB, RecursionError traceback   0.2 s, 34 MB, refused
    NaN in coef.npy               0.6 s, 112 MB, loaded, confidence NaN    0.2 s, 34 MB, refused
    "files": {}                   0.5 s, 112 MB, loaded, nothing checked   0.2 s, 34 MB, refused
    extra param                   0.2 s, 34 MB, TypeError traceback        0.2 s, 34 MB, refused

(Peak memory is the process's own ``VmHWM``; starting Python and importing is ~0.2 s, 33 MB.)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 2 * 2**30
TIMEOUT = 30.0

CHILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
from tas_classify.model import load
try:
    model = load(sys.argv[1])
except BaseException as exc:
    outcome = (("refused: " if type(exc).__name__ == "ModelFileError" else "TRACEBACK ")
               + type(exc).__name__ + ": " + str(exc)[:90])
else:
    r = model.classify(["软件开发"])[0]
    outcome = f"loaded: {{r.code}} confidence {{r.confidence}}"
peak = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]
print(peak, outcome.replace(chr(10), " "))
"""


def _peak_kb(pid: int) -> int:
    """Peak resident memory of a running process (``VmHWM``; ``ru_maxrss`` would count the
    parent's memory at fork)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            return int(next(line for line in fh if line.startswith("VmHWM")).split()[1])
    except (OSError, StopIteration):
        return 0


def _meta(folder: Path) -> dict:
    return json.loads((folder / "model.json").read_text(encoding="utf-8"))


def _write(folder: Path, meta: dict, *rehash: str) -> None:
    for name in rehash:
        meta["files"][name] = hashlib.sha256((folder / name).read_bytes()).hexdigest()
    (folder / "model.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def _user_dict(target: str) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        meta = _meta(folder)
        meta["user_dicts"] = [target]
        _write(folder, meta)

    return edit


def _fifo_outside(folder: Path) -> None:
    os.mkfifo(folder.parent / "words.fifo")
    meta = _meta(folder)
    meta["user_dicts"] = [str(folder.parent / "words.fifo")]
    _write(folder, meta)


def _fifo(folder: Path) -> None:
    os.mkfifo(folder / "words.fifo")
    meta = _meta(folder)
    meta["user_dicts"] = ["words.fifo"]
    meta["files"]["words.fifo"] = "0" * 64
    _write(folder, meta)


def _huge_header(folder: Path) -> None:
    header = {"descr": "<f4", "fortran_order": False, "shape": (10**6, 10**6)}
    with open(folder / "coef.npy", "wb") as fh:
        np.lib.format.write_array_header_1_0(fh, header)
        fh.write(b"\0" * 64)
    _write(folder, _meta(folder), "coef.npy")


def _deep_json(folder: Path) -> None:
    text = (folder / "model.json").read_text(encoding="utf-8")
    deep = "[" * 100_000 + "]" * 100_000
    text = text.replace('"metrics": ', f'"metrics": {{"x": {deep}}}, "y": ', 1)
    (folder / "model.json").write_text(text, encoding="utf-8")


def _nan_coef(folder: Path) -> None:
    coef = np.load(folder / "coef.npy")
    coef[:, 0] = np.nan  # every line with a known feature
    np.save(folder / "coef.npy", coef)
    _write(folder, _meta(folder), "coef.npy")


def _no_checksums(folder: Path) -> None:
    meta = _meta(folder)
    meta["files"] = {}
    _write(folder, meta)


def _extra_param(folder: Path) -> None:
    meta = _meta(folder)
    meta["params"]["nonsense"] = 1
    _write(folder, meta)


CASES: dict[str, Callable[[Path], None]] = {
    "user dict -> /dev/zero": _user_dict("/dev/zero"),
    "user dict -> ../outside": _user_dict("../outside.txt"),
    "user dict -> FIFO outside": _fifo_outside,
    "FIFO listed in the folder": _fifo,
    "coef.npy claims 10^6 x 10^6": _huge_header,
    "model.json nested 100,000": _deep_json,
    "NaN in coef.npy": _nan_coef,
    '"files": {}': _no_checksums,
    "extra param": _extra_param,
}


def _run(tree: Path, folder: Path) -> str:
    """Load ``folder`` with the package in ``tree``: outcome, wall time, peak memory."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    with tempfile.TemporaryFile("w+") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD.format(limit=LIMIT), str(folder)],
            stdout=out, stderr=subprocess.STDOUT, env=env, cwd=tree,
        )  # fmt: skip
        outcome, peak = "", 0
        while True:
            pid, status, _ = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > TIMEOUT:
                peak = _peak_kb(proc.pid)
                proc.kill()
                _, status, _ = os.wait4(proc.pid, 0)
                outcome = f"timeout after {TIMEOUT:.0f} s"
                break
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - start
        out.seek(0)
        lines = out.read().strip().splitlines()
    if not outcome:
        last = lines[-1] if lines else f"0 exit {proc.returncode}"
        kb, _, outcome = last.partition(" ")
        peak = int(kb) if kb.isdigit() else 0
    return f"{elapsed:5.1f} s {peak / 1024:7,.0f} MB  {outcome[:100]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", type=Path, help="an older checkout to compare with")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tas_classify import TasClassifier

    texts = ["为某银行提供核心系统定制开发", "服务器销售", "软件定制开发", "办公家具采购"] * 2
    clf = TasClassifier(cv=2).fit(texts, ["ITO-01", "NONE"] * 4)
    with tempfile.TemporaryDirectory() as tmp:
        base = clf.save(Path(tmp) / "base")
        (Path(tmp) / "outside.txt").write_text("秘密 1\n", encoding="utf-8")
        for name, edit in CASES.items():
            folder = Path(tmp) / f"case{list(CASES).index(name)}" / "model"
            shutil.copytree(base, folder)
            (folder.parent / "outside.txt").write_text("秘密 1\n", encoding="utf-8")
            edit(folder)
            print(name)
            for label, tree in (("before", args.before), ("after", ROOT)):
                if tree is not None:
                    print(f"  {label:6} {_run(tree, folder)}", flush=True)


if __name__ == "__main__":
    main()
