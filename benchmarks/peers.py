"""Compare the shipped model with two peers trained on the same corpus, on data/eval and on the
real-world set (``../shared/realworld/realworld.jsonl``, lines nobody on the project wrote).

Peers: (a) the plain scikit-learn pipeline a user would write —
``TfidfVectorizer(tokenizer=jieba.lcut)`` + ``LogisticRegression``; (b) fastText (supervised,
word + bigram features over jieba tokens). Both are trained on ``data/corpus`` exactly as the
shipped model is; none of the three ever sees a line of the test sets.

Run:  pip install -e '.[peers]' && python benchmarks/peers.py [LABELED …] [--model FOLDER]
(without LABELED: data/eval, and the real-world set when it is there). Each set is also
reported by kind (its ``register`` / ``kind`` column): accuracy / ECE.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import warnings

import numpy as np

from tas_classify import default_model, taxonomy
from tas_classify._resources import data_path
from tas_classify.ledger.labeled import read_labeled
from tas_classify.model.estimator import TasClassifier
from tas_classify.report.evaluation import evaluate

SEED = 0


def naive_sklearn(train, test_texts):
    import jieba
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe = make_pipeline(
            TfidfVectorizer(tokenizer=jieba.lcut, token_pattern=None),
            LogisticRegression(max_iter=2000),
        )
        pipe.fit(train.texts, train.labels)
    proba = pipe.predict_proba(test_texts)
    classes = pipe.classes_
    return [classes[i] for i in proba.argmax(1)], proba.max(1).tolist()


def fasttext_peer(train, test_texts):
    import fasttext
    import jieba

    def line(t):
        return " ".join(w for w in jieba.lcut(t.replace("\n", " ")) if w.strip())

    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as fh:
        for t, lab in zip(train.texts, train.labels):
            fh.write(f"__label__{lab} {line(t)}\n")
        path = fh.name
    try:
        model = fasttext.train_supervised(
            path,
            epoch=50,
            lr=0.5,
            wordNgrams=2,
            dim=100,
            minn=1,
            maxn=3,
            seed=SEED,
            thread=1,
            verbose=0,
        )
    finally:
        os.unlink(path)
    preds, confs = [], []
    for t in test_texts:
        labels, probs = model.predict(line(t), k=1)
        preds.append(labels[0].replace("__label__", ""))
        confs.append(float(min(1.0, probs[0])))
    return preds, confs


def ours(model):
    def predict(_train, test_texts):
        results = model.classify(list(test_texts))
        return [r.code for r in results], [r.confidence for r in results]

    return predict


REALWORLD = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "realworld",
                         "realworld.jsonl")  # fmt: skip


def main(argv: list[str]) -> int:
    random.seed(SEED)
    np.random.seed(SEED)
    model_dir = None
    if "--model" in argv:
        at = argv.index("--model")
        model_dir = argv[at + 1]
        argv = argv[:at] + argv[at + 2 :]
    model = TasClassifier.load(model_dir) if model_dir else default_model()
    sets = argv or [str(data_path("eval"))] + ([REALWORLD] if os.path.exists(REALWORLD) else [])
    train = read_labeled([data_path("corpus")])
    tests = [(path, read_labeled([path])) for path in sets]
    header = f"{'set':12s} {'model':42s} {'acc':>6s} {'NONE-R':>7s} {'in-F1':>6s} {'ECE':>6s}"
    print(header)
    for name, fn in [
        ("tas_classify" + (f" ({model_dir})" if model_dir else " (shipped)"), ours(model)),
        ("TF-IDF(jieba.lcut) + LogisticRegression", naive_sklearn),
        ("fastText", fasttext_peer),
    ]:
        for path, test in tests:
            try:
                preds, confs = fn(train, test.texts)
            except ImportError as exc:
                print(f"skipping {name}: {exc}", file=sys.stderr)
                break
            rep = evaluate(preds, confs, test.labels, test.accept, taxonomy.codes())
            label = os.path.splitext(os.path.basename(path.rstrip("/")))[0]
            print(
                f"{label:12s} {name:42s} {rep.accuracy:6.3f} {rep.none_recall or 0.0:7.3f}"
                f" {rep.in_scope_f1:6.3f} {rep.ece:6.3f}",
                flush=True,
            )
            registers = test.register_of()
            if len(set(registers)) > 1:  # accuracy / ECE by kind (register) of line
                parts = []
                for kind in sorted(set(registers)):
                    rows = [i for i, r in enumerate(registers) if r == kind]
                    sub = evaluate([preds[i] for i in rows], [confs[i] for i in rows],
                                   [test.labels[i] for i in rows], [test.accept[i] for i in rows],
                                   taxonomy.codes())  # fmt: skip
                    parts.append(f"{kind} {sub.accuracy:.3f}/{sub.ece:.3f}")
                print(f"{'':12s}   by kind (acc/ECE): " + " · ".join(parts), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
