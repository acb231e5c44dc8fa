"""The shipped model is rebuilt from data/ and meets the quality bar on data/eval."""

from tas_classify import default_model, taxonomy
from tas_classify._resources import data_path, model_path
from tas_classify.ledger.labeled import read_labeled
from tas_classify.model.persistence import read_metadata
from tas_classify.report.evaluation import evaluate


def test_model_is_built_from_current_data(corpus):
    model = default_model()
    meta = model.metadata_
    assert meta["training_data_sha256"] == corpus.digest(), (
        "models/default is stale: rebuild it with "
        "`tas-classify train data/corpus -o models/default --eval data/eval`"
    )
    assert meta["taxonomy_sha256"] == taxonomy.taxonomy_hash()
    shipped_rules = model.rules_path().read_text(encoding="utf-8")
    assert shipped_rules == data_path("rules.toml").read_text(encoding="utf-8")


def test_quality_on_eval():
    ev = read_labeled([data_path("eval")])
    results = default_model().classify(list(ev.texts))
    report = evaluate(
        [r.code for r in results],
        [r.confidence for r in results],
        ev.labels,
        ev.accept,
        taxonomy.codes(),
    )
    assert report.accuracy >= 0.97
    assert report.in_scope_f1 >= 0.95
    assert report.ece <= 0.03


def test_model_card_metrics_recorded():
    meta = read_metadata(model_path("default"))
    assert meta["metrics"]["eval"]["accuracy"] >= 0.90
