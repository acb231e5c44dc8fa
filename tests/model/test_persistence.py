import json
import pickle

import numpy as np
import pytest

from tas_classify import TasClassifier
from tas_classify.model import ModelFileError, load, read_metadata, save

LINES = ["为某银行提供核心系统定制开发", "服务器销售", "IDC托管", "Dubbing of a TV series", ""]


@pytest.fixture()
def saved(small_model, tmp_path):
    return save(small_model, tmp_path / "m", metrics={"cv_accuracy": 0.9}, data_sha256="abc")


def test_roundtrip_predict_proba_identical(small_model, saved):
    loaded = load(saved)
    assert np.array_equal(loaded.predict_proba(LINES), small_model.predict_proba(LINES))
    assert isinstance(loaded, TasClassifier)


def test_metadata(saved):
    meta = read_metadata(saved)
    assert meta["format_version"] == 1 and meta["training_data_sha256"] == "abc"
    assert meta["metrics"] == {"cv_accuracy": 0.9} and "NONE" in meta["classes"]
    assert len(meta["taxonomy_sha256"]) == 64 and "terms" not in meta


def test_altered_file_is_refused(saved):
    coef = np.load(saved / "coef.npy")
    np.save(saved / "coef.npy", coef * 2)
    with pytest.raises(ModelFileError, match="coef.npy: checksum mismatch"):
        load(saved)


def test_missing_file_and_bad_version(saved):
    meta = json.loads((saved / "model.json").read_text(encoding="utf-8"))
    meta["format_version"] = 99
    (saved / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelFileError, match="version 99 is not supported"):
        load(saved)
    (saved / "model.json").unlink()
    with pytest.raises(ModelFileError, match="no model.json"):
        load(saved)


class _Payload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_pickles_never_run(saved, tmp_path):
    marker = tmp_path / "pwned"
    # a pickle where the model's metadata should be
    (saved / "model.json").write_bytes(pickle.dumps(_Payload(str(marker))))
    with pytest.raises(ModelFileError):
        load(saved)
    assert not marker.exists()


def test_object_arrays_refused(small_model, tmp_path):
    marker = tmp_path / "pwned"
    folder = save(small_model, tmp_path / "m2")
    obj = np.array([_Payload(str(marker))], dtype=object)
    np.save(folder / "coef.npy", obj, allow_pickle=True)
    meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    import hashlib

    meta["files"]["coef.npy"] = hashlib.sha256((folder / "coef.npy").read_bytes()).hexdigest()
    (folder / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelFileError, match="plain numeric"):
        load(folder)
    assert not marker.exists()


def test_save_is_byte_deterministic(small_model, tmp_path):
    a = save(small_model, tmp_path / "a")
    b = save(small_model, tmp_path / "b")
    for f in sorted(p.name for p in a.iterdir()):
        assert (a / f).read_bytes() == (b / f).read_bytes(), f


def _rehash(folder, name):
    import hashlib

    meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    meta["files"][name] = hashlib.sha256((folder / name).read_bytes()).hexdigest()
    (folder / "model.json").write_text(json.dumps(meta), encoding="utf-8")


def test_joblib_and_pickle_files_given_as_model_never_run(tmp_path):
    import joblib

    marker = tmp_path / "pwned"
    for name, dump in [("model.joblib", joblib.dump), ("model.pkl", None)]:
        path = tmp_path / name
        if dump:
            dump(_Payload(str(marker)), path)
        else:
            path.write_bytes(pickle.dumps(_Payload(str(marker))))
        with pytest.raises(ModelFileError, match="never loaded"):
            TasClassifier.load(path)
    assert not marker.exists()


def test_npz_with_object_arrays_refused_even_with_matching_checksums(small_model, tmp_path):
    marker = tmp_path / "pwned"
    folder = small_model.save(tmp_path / "m3")
    with open(folder / "coef.npy", "wb") as fh:  # an .npz archive where an array should be
        np.savez(fh, coef=np.array([_Payload(str(marker))], dtype=object))
    _rehash(folder, "coef.npy")
    with pytest.raises(ModelFileError, match="not a single .npy array"):
        TasClassifier.load(folder)
    assert not marker.exists()


def test_save_and_load_methods_round_trip(small_model, tmp_path):
    folder = small_model.save(tmp_path / "m4", metrics={"cv_accuracy": 0.5})
    loaded = TasClassifier.load(folder)
    assert np.array_equal(loaded.predict_proba(LINES), small_model.predict_proba(LINES))
    assert loaded.metadata_["metrics"] == {"cv_accuracy": 0.5}
    assert list(loaded.classes_) == list(small_model.classes_)


def test_model_folder_has_a_card_with_its_figures(small_model, tmp_path):
    by_register = {"tender": {"n": 2, "accuracy": 0.5, "none_recall": 1.0, "in_scope_f1": 0.6,
                              "ece": 0.25}, "invoice": {"n": 3, "accuracy": 1.0}}  # fmt: skip
    metrics = {
        "training_lines": 756,
        "training_registers": {"contract": 700, "tender": 56},
        "cv_accuracy": 0.9,
        "evaluations": {
            "eval": {"n": 5, "accuracy": 0.95, "ece": 0.02},
            "realworld": {"n": 5, "accuracy": 0.8, "by_register": by_register},
        },
    }
    folder = small_model.save(tmp_path / "carded", metrics=metrics, data_sha256="abc123")
    card = (folder / "card.md").read_text(encoding="utf-8")
    assert "training lines: 756" in card and "by register: contract 700, tender 56" in card
    assert "| **eval** | 5 | 0.950 | – | – | 0.020 |" in card
    assert "| realworld · tender | 2 | 0.500 | 1.000 | 0.600 | 0.250 |" in card
    assert "## Method" in card and "## Limits" in card and "calibration: a=" in card
    assert "training data SHA-256: abc123" in card
    (folder / "card.md").write_text(card + "edited\n", encoding="utf-8")
    with pytest.raises(ModelFileError, match="card.md: checksum mismatch"):
        TasClassifier.load(folder)


def test_save_replaces_a_model_folder_whole(small_model, saved):
    (saved / "user_dict_7.txt").write_text("stale\n", encoding="utf-8")
    save(small_model, saved)
    assert not (saved / "user_dict_7.txt").exists()  # nothing of the old model is left
    assert load(saved).predict(LINES).tolist() == small_model.predict(LINES).tolist()
    assert [p.name for p in saved.parent.iterdir() if p.name.startswith(".")] == []


def test_save_refuses_a_folder_that_is_not_a_model(small_model, tmp_path):
    (tmp_path / "notes.txt").write_text("mine\n", encoding="utf-8")
    with pytest.raises(ModelFileError, match="not a model folder"):
        save(small_model, tmp_path)
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine\n"


def test_retraining_with_the_rules_of_the_model_being_replaced(small_model, saved):
    # train --rules D/rules.toml -o D: the rules are copied before the old folder goes
    folder = saved
    texts = ["为某银行提供核心系统定制开发", "服务器销售", "软件定制开发", "办公家具采购"] * 3
    labels = ["ITO-01", "NONE"] * 6
    clf = TasClassifier(cv=2, rules=folder / "rules.toml").fit(texts, labels)
    save(clf, folder)
    assert load(folder).predict(["软件定制开发"]).tolist() == ["ITO-01"]
    assert load(folder).classes_.tolist() == ["ITO-01", "NONE"]


def test_an_interrupted_save_leaves_the_old_model(small_model, saved, monkeypatch):
    from tas_classify.model import persistence

    before = (saved / "model.json").read_bytes()

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(persistence, "render_card", fail)
    with pytest.raises(OSError, match="disk full"):
        save(small_model, saved, metrics={"changed": 1})
    assert (saved / "model.json").read_bytes() == before
    assert [p.name for p in saved.parent.iterdir() if p.name.startswith(".")] == []
