"""Shared fixtures: a small model trained once per session on a slice of the shipped corpus."""

from __future__ import annotations

import pytest

from tas_classify import TasClassifier, taxonomy
from tas_classify._resources import data_path
from tas_classify.ledger.labeled import read_labeled


@pytest.fixture(scope="session")
def corpus():
    return read_labeled([data_path("corpus")])


@pytest.fixture(scope="session")
def small_corpus(corpus):
    """Every 4th line of the shipped corpus: all 20 codes, fast to train."""
    texts = corpus.texts[::4]
    labels = corpus.labels[::4]
    assert set(labels) == set(taxonomy.codes())
    return list(texts), list(labels)


@pytest.fixture(scope="session")
def small_model(small_corpus):
    texts, labels = small_corpus
    return TasClassifier(cv=3, char_ngrams=(1, 2)).fit(texts, labels)
