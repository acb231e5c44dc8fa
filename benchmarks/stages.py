"""Where the time of ``classify`` goes: microseconds per line for each stage, on distinct lines.

Each stage is timed over the same chunks of 2,048 lines as ``classify`` cuts (normalisation,
tokens, feature rows, the sparse product, rules with the vague-line check, evidence); the rest
is the whole ``classify`` call minus those (combining, result rows, repeats, garbage
collection). Best of three rounds. Pin it to one core for figures that compare:

Run:  taskset -c 0 python benchmarks/stages.py [--lines 20000] [--root PATH] [--services]

``--services`` times the 2,000 distinct services of ``speed.py``'s ledger streams instead (the
lines a ledger repeats: shorter and plainer than the generated lines).

``--root`` imports tas_classify from another checkout (e.g. an older commit unpacked with
``git archive``), to put a before and an after side by side.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
STAGES = ("normalise", "tokens", "features", "product", "rules", "evidence")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=20_000)
    parser.add_argument("--root", default=str(HERE.parent))
    parser.add_argument(
        "--services", action="store_true", help="the 2,000 services of speed.py's ledger streams"
    )
    args = parser.parse_args()
    sys.path.insert(0, args.root)
    sys.path.insert(0, str(HERE))
    from ledger_lines import ledger_lines

    import tas_classify
    from tas_classify.text import normalise_batch

    model = tas_classify.default_model()
    tas_classify.classify("预热")
    if args.services:  # as speed.py picks them
        import random

        from ledger_lines import load_base_lines

        lines = list(dict.fromkeys(t for t, _ in load_base_lines()))
        random.Random(5).shuffle(lines)
        lines = lines[:2000]
    else:
        lines = ledger_lines(args.lines, seed=101)

    def stages() -> dict[str, float]:
        took = dict.fromkeys(STAGES, 0.0)
        for start in range(0, len(lines), 2048):
            chunk = lines[start : start + 2048]
            t0 = time.perf_counter()
            normalised = normalise_batch(chunk)
            texts = [n.text for n in normalised]
            t1 = time.perf_counter()
            words = model.tokenizer_.words_batch(texts, keep_punctuation=True)
            t2 = time.perf_counter()
            rows = model.vocabulary_.transform_texts(texts, words, model.char_ngrams)
            t3 = time.perf_counter()
            logits = rows.dot(model._coef64())
            t4 = time.perf_counter()
            model._rule_votes(normalised)
            t5 = time.perf_counter()
            model._top_features(rows, logits.argmax(axis=1))
            t6 = time.perf_counter()
            for stage, (a, b) in zip(STAGES, [(t0, t1), (t1, t2), (t2, t3), (t3, t4), (t4, t5),
                                              (t5, t6)]):  # fmt: skip
                took[stage] += b - a
        return took

    best: dict[str, float] = {}
    for _ in range(3):
        took = stages()
        start = time.perf_counter()
        model.classify(lines)
        took["classify"] = time.perf_counter() - start
        best = took if not best else {k: min(best[k], took[k]) for k in took}
    best["rest"] = best["classify"] - sum(best[s] for s in STAGES)
    print(f"tas_classify from {Path(tas_classify.__file__).parent}")
    for stage, seconds in best.items():
        print(f"  {stage:10s} {seconds / len(lines) * 1e6:6.1f} µs/line")


if __name__ == "__main__":
    main()
