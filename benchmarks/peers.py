"""Compare the shipped model with two peers trained on the same corpus, scored on data/eval.

Peers: (a) the plain scikit-learn pipeline a user would write —
``TfidfVectorizer(tokenizer=jieba.lcut)`` + ``LogisticRegression``; (b) fastText (supervised,
word + bigram features over jieba tokens).

Run:  pip install -e '.[peers]' && python benchmarks/peers.py
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
from tas_classify.corpus import read_labeled
from tas_classify.evaluation import evaluate

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


def ours(_train, test_texts):
    results = default_model().classify(list(test_texts))
    return [r.code for r in results], [r.confidence for r in results]


def main() -> int:
    random.seed(SEED)
    np.random.seed(SEED)
    train = read_labeled([data_path("corpus")])
    test = read_labeled([sys.argv[1]] if len(sys.argv) > 1 else [data_path("eval")])
    rows = []
    for name, fn in [
        ("tas_classify (shipped)", ours),
        ("TF-IDF(jieba.lcut) + LogisticRegression", naive_sklearn),
        ("fastText", fasttext_peer),
    ]:
        try:
            preds, confs = fn(train, test.texts)
        except ImportError as exc:
            print(f"skipping {name}: {exc}", file=sys.stderr)
            continue
        rep = evaluate(preds, confs, test.labels, test.accept, taxonomy.codes())
        rows.append((name, rep))
    print(f"{'model':42s} {'accuracy':>8s} {'macro-F1':>8s} {'in-F1':>7s} {'ECE':>6s}")
    for name, rep in rows:
        print(
            f"{name:42s} {rep.accuracy:8.3f} {rep.macro_f1:8.3f} {rep.in_scope_f1:7.3f} "
            f"{rep.ece:6.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
