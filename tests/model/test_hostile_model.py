"""Hostile model folders (issue 12, findings 6 and 7 and the Low list): every defect is one clean
``ModelFileError`` naming the file and, in ``model.json``, the field — never a traceback, a read
outside the folder, a blocked read, a huge allocation or a model that loads and then breaks."""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tas_classify import TasClassifier
from tas_classify.errors import ModelFileError, RulesFileError, TasClassifyError
from tas_classify.model import load, read_metadata
from tas_classify.rules import load_rules

ROOT = Path(__file__).resolve().parents[2]
TEXTS = ["为某银行提供核心系统定制开发", "服务器销售", "软件定制开发", "办公家具采购",
         "呼叫中心外包", "客服热线外包服务"] * 2  # fmt: skip
LABELS = ["ITO-01", "NONE", "ITO-01", "NONE", "BPO-03", "BPO-03"] * 2
LINES = ["软件定制开发", "呼叫中心", "", "服务器"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A small model with a user dictionary, saved once; tests work on copies."""
    base = tmp_path_factory.mktemp("tiny")
    words = base / "words.txt"
    words.write_text("核心系统 10 n\n", encoding="utf-8")
    clf = TasClassifier(cv=2, user_dict=[words]).fit(TEXTS, LABELS)
    return clf, clf.save(base / "model")


@pytest.fixture()
def folder(tiny, tmp_path):
    return Path(shutil.copytree(tiny[1], tmp_path / "m"))


def _meta(folder: Path) -> dict:
    return json.loads((folder / "model.json").read_text(encoding="utf-8"))


def _write_meta(folder: Path, meta: dict) -> None:
    (folder / "model.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def _rehash(folder: Path, *names: str) -> None:
    """Record the current checksums: the attacker controls model.json too."""
    meta = _meta(folder)
    for name in names:
        meta["files"][name] = hashlib.sha256((folder / name).read_bytes()).hexdigest()
    _write_meta(folder, meta)


def _refused(folder: Path, message: str) -> ModelFileError:
    start = time.perf_counter()
    with pytest.raises(ModelFileError, match=message) as info:
        load(folder)
    assert time.perf_counter() - start < 5
    return info.value


# ---------------------------------------------------------------- paths stay inside the folder
@pytest.mark.parametrize("name", ["/etc/passwd", "../words.txt", "sub/words.txt", "..", "C:x"])
def test_user_dicts_outside_the_folder_are_refused(folder, name):
    (folder.parent / "words.txt").write_text("秘密 1\n", encoding="utf-8")
    meta = _meta(folder)
    meta["user_dicts"] = [name]
    _write_meta(folder, meta)
    error = _refused(folder, "field 'user_dicts'")
    assert str(folder / "model.json") in str(error)


@pytest.mark.parametrize("name", ["../outside.txt", "/etc/hostname", "a/../../outside.txt"])
def test_files_entries_outside_the_folder_are_refused(folder, name):
    outside = folder.parent / "outside.txt"
    outside.write_text("x", encoding="utf-8")
    meta = _meta(folder)
    meta["files"][name] = hashlib.sha256(b"x").hexdigest()
    _write_meta(folder, meta)
    _refused(folder, r"field 'files': .* is not the name of a file in the model folder")


def test_a_symlink_inside_the_folder_is_refused_even_with_the_right_checksum(folder):
    outside = folder.parent / "rules_elsewhere.toml"
    shutil.copyfile(folder / "rules.toml", outside)
    (folder / "rules.toml").unlink()
    (folder / "rules.toml").symlink_to(outside)
    _refused(folder, r"rules.toml: a symbolic link .*regular files")


def test_a_user_dictionary_linked_to_a_device_is_refused(folder):
    (folder / "user_dict_0.txt").unlink()
    (folder / "user_dict_0.txt").symlink_to("/dev/zero")
    _refused(folder, "user_dict_0.txt: a symbolic link")


def _load_in_subprocess(folder: Path, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    code = textwrap.dedent(
        f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))
        from tas_classify.errors import ModelFileError
        from tas_classify.model import load
        try:
            load({str(folder)!r})
        except ModelFileError as exc:
            print("REFUSED", exc)
        """
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_in_the_folder_is_refused_without_blocking(folder):
    (folder / "user_dict_0.txt").unlink()
    os.mkfifo(folder / "user_dict_0.txt")
    done = _load_in_subprocess(folder)  # a blocking open would hit the timeout
    assert "REFUSED" in done.stdout and "not a regular file" in done.stdout, done.stderr


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="mknod needs root")
def test_a_device_node_in_the_folder_is_refused_unread(folder):
    (folder / "user_dict_0.txt").unlink()
    os.mknod(folder / "user_dict_0.txt", 0o600 | 0o020000, os.makedev(1, 5))  # the zero device
    done = _load_in_subprocess(folder)
    assert "REFUSED" in done.stdout and "not a regular file" in done.stdout, done.stderr


def test_an_unlisted_file_is_refused(folder):
    (folder / "notes.txt").write_text("hello\n", encoding="utf-8")
    _refused(folder, r"notes.txt: not listed in model.json 'files'")


def test_an_unlisted_folder_is_refused(folder):
    (folder / "sub").mkdir()
    _refused(folder, r"sub: not listed")


def test_a_missing_listed_file_is_refused(folder):
    (folder / "card.md").unlink()
    _refused(folder, r"card.md: missing from the model folder")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda m: m.update(files={}), r"field 'files': does not list idf.npy"),
        (lambda m: m.update(files=sorted(m["files"])), r"field 'files': must be an object"),
        (lambda m: m.pop("files"), r"field 'files': missing"),
        (lambda m: m["files"].pop("rules.toml"), r"field 'files': does not list rules.toml"),
        (lambda m: m["files"].update({"card.md": "abc"}), r"field 'files.card.md': must be a SHA"),
        (lambda m: m.update(user_dicts="user_dict_0.txt"), r"field 'user_dicts': must be a list"),
        (lambda m: m.update(user_dicts=["rules.toml"]), r"field 'user_dicts'"),
        (lambda m: m["params"].update(nonsense=1), r"field 'params.nonsense': not a parameter"),
        (lambda m: m["params"].update(C=-1), r"field 'params': .*'C' must be a finite number"),
        (lambda m: m["params"].update(char_ngrams="12"), r"field 'params'.*char_ngrams"),
        (lambda m: m["params"].update(cv={"a": 1}), r"field 'params.cv': must be a number"),
        (lambda m: m.update(params=[1]), r"field 'params': must be an object"),
        (lambda m: m.update(extra=1), r"field 'extra': not a field of a model file"),
        (lambda m: m.update(classes="ITO-01"), r"field 'classes': must be a list"),
        (lambda m: m.update(classes=["ITO-01", "ITO-01", "NONE"]), r"field 'classes'"),
        (lambda m: m.update(classes=["ITO-01", "NOPE"]), r"field 'classes': codes \['NOPE'\]"),
        (lambda m: m.update(terms=m["terms"] + [1]), r"field 'terms'"),
        (lambda m: m.update(terms=[]), r"field 'terms': must hold 1"),
        (lambda m: m.update(text_scale="1"), r"field 'text_scale': must be a number"),
        (lambda m: m.update(text_scale=True), r"field 'text_scale': must be a number"),
        (lambda m: m.update(rule_scale=1e300), r"field 'rule_scale': must be a number from 0"),
        (lambda m: m.update(coverage_scale=-1), r"field 'coverage_scale'"),
        (lambda m: m.update(rule_scale=10**400), r"field 'rule_scale'"),
        (lambda m: m.update(memory={"x": "GOODS"}), r"field 'memory'"),
        (lambda m: m.update(memory=[]), r"field 'memory': must be an object"),
        (lambda m: m.update(format_version="1"), r"version 1 is not supported"),
        (lambda m: m.pop("format"), r"not a tas_classify model file"),
    ],
)
def test_every_defect_of_model_json_is_one_clean_error(folder, edit, message):
    meta = _meta(folder)
    edit(meta)
    _write_meta(folder, meta)
    error = _refused(folder, message)
    assert str(folder / "model.json") in str(error)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_in_model_json_are_refused(folder, literal):
    text = (folder / "model.json").read_text(encoding="utf-8")
    meta = _meta(folder)
    old = json.dumps(meta["text_scale"])
    assert f'"text_scale": {old}' in text
    (folder / "model.json").write_text(
        text.replace(f'"text_scale": {old}', f'"text_scale": {literal}'), encoding="utf-8"
    )
    _refused(folder, r"model.json: not valid JSON \(.*not a finite number")


def test_nan_scale_no_longer_gives_nan_confidences(folder):
    """Finding 7: a NaN scale made every line ITO-01 with confidence NaN, needs_review False."""
    text = (folder / "model.json").read_text(encoding="utf-8")
    (folder / "model.json").write_text(text.replace('"rule_scale": ', '"rule_scale": NaN, "x":'))
    with pytest.raises(ModelFileError):
        load(folder)


@pytest.mark.parametrize("depth", [100_000, 40])
def test_deeply_nested_json_is_refused_quickly(folder, depth):
    text = (folder / "model.json").read_text(encoding="utf-8")
    nested = "[" * depth + "]" * depth
    (folder / "model.json").write_text(
        text.replace('"metrics": ', f'"metrics": {{"x": {nested}}}, "y": ', 1), encoding="utf-8"
    )
    _refused(folder, r"model.json: (not valid JSON \(nested too deeply\)|lists and objects nested)")


def test_an_oversized_model_json_is_refused_unread(folder, monkeypatch):
    from tas_classify.model import persistence

    monkeypatch.setattr(persistence, "MAX_JSON_BYTES", 1000)
    _refused(folder, r"model.json: [\d,]+ bytes, more than the 1,000")


def test_model_json_that_is_not_a_regular_file_is_refused(folder):
    (folder / "model.json").rename(folder.parent / "elsewhere.json")
    (folder / "model.json").symlink_to(folder.parent / "elsewhere.json")
    _refused(folder, r"model.json: a symbolic link")


# ---------------------------------------------------------------- arrays checked before loading
def _npy_header(shape: tuple[int, ...], descr: str = "<f8") -> bytes:
    import io

    buffer = io.BytesIO()
    header = {"descr": descr, "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(buffer, header)
    return b"\x93NUMPY\x01\x00" + buffer.getvalue()[8:]


def test_an_array_claiming_a_trillion_cells_is_refused_before_any_allocation(folder):
    (folder / "coef.npy").write_bytes(_npy_header((10**6, 10**6), "<f4") + b"\0" * 64)
    _rehash(folder, "coef.npy")
    done = _load_in_subprocess(folder)
    assert "REFUSED" in done.stdout and "coef.npy: shape (1000000, 1000000)" in done.stdout, (
        done.stderr
    )


@pytest.mark.parametrize(
    ("name", "array", "message"),
    [
        ("idf", np.float64(1.5), r"idf.npy: shape \(\), but the model's [\d,]+ terms need"),
        ("idf", "short", r"idf.npy: shape \(\d+,\), but the model's"),
        ("intercept", "short", r"intercept.npy: shape \(2,\), but its 3 codes need \(3,\)"),
        ("coef", "transposed", r"coef.npy: shape \(3, \d+\)"),
        ("coef", "int", r"coef.npy: arrays must be plain numeric data \(float32 or float64\)"),
        ("coef", "nan", r"coef.npy: holds NaN or infinite numbers"),
        ("intercept", "inf", r"intercept.npy: holds NaN or infinite numbers"),
        ("idf", "zero", r"idf.npy: holds numbers outside 1e-06 to 1e\+06"),
        ("coef", "huge", r"coef.npy: holds numbers outside"),
        ("coef", "complex", r"arrays must be plain numeric data"),
    ],
)
def test_bad_arrays_are_refused(folder, name, array, message):
    current = np.load(folder / f"{name}.npy")
    if isinstance(array, str):
        array = {
            "short": lambda a: a[:-1],
            "transposed": lambda a: a.T.copy(),
            "int": lambda a: a.astype(np.int64),
            "nan": lambda a: np.where(np.arange(a.size).reshape(a.shape) == 3, np.nan, a),
            "inf": lambda a: np.where(np.arange(a.size) == 0, np.inf, a),
            "zero": lambda a: np.zeros_like(a),
            "huge": lambda a: a * 1e30,
            "complex": lambda a: a.astype(np.complex128),
        }[array](current)
    np.save(folder / f"{name}.npy", array, allow_pickle=False)
    _rehash(folder, f"{name}.npy")
    _refused(folder, message)


def test_a_truncated_array_with_an_intact_header_is_refused(folder):
    data = (folder / "coef.npy").read_bytes()
    (folder / "coef.npy").write_bytes(data[:-8])
    _rehash(folder, "coef.npy")
    _refused(folder, r"coef.npy: [\d,]+ bytes where its header says [\d,]+; truncated or padded")


# ---------------------------------------------------------------- dictionaries and rules
def test_a_binary_user_dictionary_is_refused(folder):
    (folder / "user_dict_0.txt").write_bytes(bytes(range(256)) * 4)
    _rehash(folder, "user_dict_0.txt")
    _refused(folder, r"user_dict_0.txt: a user dictionary must be UTF-8 text")


def test_odd_columns_of_a_user_dictionary_load_and_classify(folder):
    # "²" is a digit to str.isdigit() but no number: a tag; a frequency past a machine integer
    # is capped. Both once broke classify; the dictionary is read at load either way.
    (folder / "user_dict_0.txt").write_text(
        "云原生改造 ² n\n微服务治理 99999999999999999999999999\n", encoding="utf-8"
    )
    _rehash(folder, "user_dict_0.txt")
    clf = TasClassifier.load(folder)
    assert clf.classify(["微服务治理平台开发"])[0].code


@pytest.mark.parametrize("weight", ["nan", "inf", "-inf", "1e400", "1000.0"])
def test_rule_weights_must_be_finite_and_bounded(tmp_path, weight):
    rules = tmp_path / "rules.toml"
    rules.write_text(
        f'[[rule]]\nname = "r"\ncode = "ITO-01"\nweight = {weight}\npatterns = ["开发"]\n',
        encoding="utf-8",
    )
    with pytest.raises(RulesFileError, match=r"rule #1 \(r\): weight must be a finite number"):
        load_rules(rules)


def test_a_model_with_a_nan_rule_weight_is_refused(folder):
    rules = (folder / "rules.toml").read_text(encoding="utf-8")
    (folder / "rules.toml").write_text(
        rules.replace("weight = ", "weight = nan #", 1), encoding="utf-8"
    )
    _rehash(folder, "rules.toml")
    with pytest.raises(RulesFileError, match="weight must be a finite number"):
        load(folder)


def test_training_with_a_nan_rule_weight_is_refused(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text(
        '[[rule]]\nname = "r"\ncode = "ITO-01"\nweight = nan\npatterns = ["开发"]\n',
        encoding="utf-8",
    )
    with pytest.raises(RulesFileError, match="weight must be a finite number"):
        TasClassifier(cv=2, rules=rules).fit(TEXTS, LABELS)


def test_the_next_save_copies_only_the_folders_own_dictionaries(tiny, tmp_path):
    clf, saved = tiny
    loaded = load(saved)
    assert [Path(p).parent for p in loaded.user_dict] == [saved]
    again = loaded.save(tmp_path / "again")
    assert _meta(again)["user_dicts"] == ["user_dict_0.txt"]
    assert (again / "user_dict_0.txt").read_bytes() == (saved / "user_dict_0.txt").read_bytes()
    assert sorted(p.name for p in again.iterdir()) == sorted(p.name for p in saved.iterdir())
    assert load(again).predict_proba(LINES).tolist() == clf.predict_proba(LINES).tolist()


def test_the_shipped_model_passes_every_check():
    from tas_classify._resources import model_path

    meta = read_metadata(model_path("default"))
    assert meta["files"] and "terms" not in meta
    results = load(model_path("default")).classify(["软件开发服务", "服务器销售"])
    assert all(math.isfinite(r.confidence) for r in results)


# ---------------------------------------------------------------- fuzzing model.json
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=6,
)  # fmt: skip
_FIELDS = ["params", "classes", "text_scale", "rule_scale", "coverage_scale", "user_dicts",
           "metrics", "terms", "memory", "files", "format_version", "package_version"]  # fmt: skip


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(field=st.sampled_from(_FIELDS), value=_JSON, key=st.one_of(st.none(), st.text(max_size=5)))
def test_fuzzed_model_json_loads_cleanly_or_is_refused(tiny, folder, field, value, key):
    """Any value in any field (or in one key of it): a clean refusal, or a model whose answers
    are finite probabilities."""
    meta = _meta(tiny[1])
    if key is not None and isinstance(meta.get(field), dict):
        meta[field][key] = value
    else:
        meta[field] = value
    _write_meta(folder, meta)
    try:
        model = load(folder)
    except TasClassifyError:
        return
    proba = model.predict_proba(LINES)
    assert np.isfinite(proba).all() and np.allclose(proba.sum(axis=1), 1.0)
    assert all(math.isfinite(r.confidence) for r in model.classify(LINES))
