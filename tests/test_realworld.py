"""Real public text (``../shared/realworld``) is measured on, never trained on.

The set lives beside the project, not in it; these tests skip with a reason when it is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tas_classify import default_model
from tas_classify._resources import data_path
from tas_classify.ledger.labeled import read_labeled
from tas_classify.report.evaluation import evaluate_model
from tas_classify.text import normalise

REALWORLD = Path(__file__).resolve().parents[2] / "shared" / "realworld" / "realworld.jsonl"
needs_realworld = pytest.mark.skipif(
    not REALWORLD.is_file(), reason=f"the real-world set is not here ({REALWORLD})"
)


@pytest.fixture(scope="module")
def realworld():
    return read_labeled([REALWORLD])


@needs_realworld
def test_no_real_world_line_is_in_the_corpus(realworld, corpus):
    trained = {normalise(t).text for t in corpus.texts}
    leaked = [t for t in realworld.texts if normalise(t).text in trained]
    assert not leaked, f"real-world lines must never be trained on: {leaked}"


def _four_grams(text: str) -> set[str]:
    norm = normalise(text).text
    return {norm[i : i + 4] for i in range(len(norm) - 3)}


@needs_realworld
def test_no_corpus_line_paraphrases_a_long_real_world_line(realworld, corpus):
    # Long real lines are mostly official definitions; a corpus line written from memory of
    # the same public text would leak the test set as surely as a copy.
    long_lines = [(t, g) for t in realworld.texts if len(g := _four_grams(t)) >= 30]
    close = []
    for text in corpus.texts:
        grams = _four_grams(text)
        close += [(text, t) for t, g in long_lines if len(grams & g) >= 0.4 * len(g)]
    assert not close, f"corpus lines too close to real-world lines: {close}"


@needs_realworld
def test_real_world_set_reads_with_accept_lists_and_kinds(realworld):
    assert len(realworld.texts) >= 350
    assert all(label in acc for label, acc in zip(realworld.labels, realworld.accept))
    assert {"procurement", "taxcode_name", "industry_name"} <= set(realworld.register_of())


@needs_realworld
def test_shipped_model_on_real_world_text(realworld):
    """The bar of issue 10, as a regression guard: a rebuilt model must still meet it."""
    evaluation = evaluate_model(default_model(), realworld)
    figures = evaluation.overall
    summary = {k: v for k, v in evaluation.to_dict().items() if k not in ("errors", "confusion")}
    assert figures.accuracy >= 0.92, summary
    assert figures.none_recall >= 0.90, summary
    assert figures.in_scope_f1 >= 0.93, summary
    assert figures.ece <= 0.05, summary
    assert set(evaluation.by_register) == set(realworld.register_of())


def test_eval_set_has_registers():
    ev = read_labeled([data_path("eval")])
    assert "unspecified" not in set(ev.register_of())
