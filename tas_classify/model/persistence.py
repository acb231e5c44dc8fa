"""Model files that cannot run code when loaded.

A model is a folder: ``model.json`` (format version, versions, parameters, label set, vocabulary,
ensemble scales, hashes, training metrics), the arrays as plain ``.npy`` files read with
``allow_pickle=False``, and the rules and dictionary files it was trained with. No pickle, no
joblib: loading only parses JSON, TOML, text and numeric arrays. Every file's SHA-256 is recorded
and checked, so an altered or truncated model fails with a message naming the file.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from tas_classify import taxonomy
from tas_classify._version import __version__
from tas_classify.errors import ModelFileError as ModelFileError
from tas_classify.features import TfidfVocabulary
from tas_classify.model.card import render_card

FORMAT = "tas_classify-model"
FORMAT_VERSION = 1
_ARRAYS = ("idf", "coef", "intercept")
_UMASK = os.umask(0o022)
os.umask(_UMASK)



class FittedModel(Protocol):
    """What :func:`save` reads from a fitted ``TasClassifier`` (this module does not import it)."""

    user_dict: Sequence[str | Path]
    classes_: np.ndarray
    vocabulary_: TfidfVocabulary
    coef_: np.ndarray
    intercept_: np.ndarray
    text_scale_: float
    rule_scale_: float
    coverage_scale_: float
    memory_: dict[str, str]

    def check_fitted(self) -> None: ...
    def rules_path(self) -> Path: ...
    def invoice_categories_path(self) -> Path: ...
    def get_params(self, deep: bool = True) -> dict[str, Any]: ...


@dataclass(frozen=True)
class ModelFiles:
    """A model folder read and checked by :func:`read_model`: what the estimator is rebuilt from."""

    folder: Path
    meta: dict[str, Any]
    arrays: dict[str, np.ndarray]
    params: dict[str, Any]
    rules: Path
    invoice_categories: Path | None
    user_dicts: tuple[Path, ...]
    memory: dict[str, str]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save(
    clf: FittedModel, path: str | Path, metrics: dict[str, Any] | None = None, data_sha256: str = ""
) -> Path:
    """Write a fitted ``TasClassifier`` to the folder ``path``.

    The folder is written under a temporary name beside ``path`` and put in place only when
    complete, so an interrupted save never leaves a half-written model, and the rules or
    dictionary being copied may live in ``path`` itself. An existing folder is replaced only if it
    is a model folder (it has a ``model.json``) or empty; anything else is refused.
    """
    clf.check_fitted()
    out = Path(path)
    if out.exists() and not _replaceable(out):
        raise ModelFileError(
            f"{out}: exists and is not a model folder (no model.json); not overwriting it"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        files = _write_files(clf, staging)
        meta = _metadata(clf, metrics or {}, data_sha256, files)
        card_meta = {**meta, "remembered_lines": len(clf.memory_)}
        (staging / "card.md").write_text(render_card(card_meta), encoding="utf-8")
        meta["files"] = {name: _sha256(staging / name) for name in (*files, "card.md")}
        (staging / "model.json").write_text(
            json.dumps(meta, ensure_ascii=False, sort_keys=True, indent=0), encoding="utf-8"
        )
        staging.chmod(0o777 & ~_UMASK)  # mkdtemp makes 0700; give the folder the usual mode
        _put_in_place(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


def _replaceable(folder: Path) -> bool:
    if not folder.is_dir() or folder.is_symlink():
        return False
    return (folder / "model.json").is_file() or not any(folder.iterdir())


def _put_in_place(staging: Path, out: Path) -> None:
    """Rename the finished ``staging`` folder to ``out``, replacing an old ``out``."""
    if not out.exists():
        staging.rename(out)
        return
    old = out.with_name(f".{out.name}.{staging.name.split('.')[-2]}.old")
    out.rename(old)
    try:
        staging.rename(out)
    except BaseException:
        old.rename(out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _write_files(clf: FittedModel, folder: Path) -> list[str]:
    """The arrays, rules, invoice categories and user dictionaries; their file names."""
    arrays = {"idf": clf.vocabulary_.idf, "coef": clf.coef_, "intercept": clf.intercept_}
    for name, array in arrays.items():
        np.save(folder / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
    shutil.copyfile(clf.rules_path(), folder / "rules.toml")
    shutil.copyfile(clf.invoice_categories_path(), folder / "invoice_categories.csv")
    dict_names = [f"user_dict_{i}.txt" for i in range(len(clf.user_dict))]
    for source, name in zip(clf.user_dict, dict_names):
        shutil.copyfile(source, folder / name)
    return [f"{n}.npy" for n in _ARRAYS] + ["rules.toml", "invoice_categories.csv", *dict_names]


def _metadata(
    clf: FittedModel, metrics: dict[str, Any], data_sha256: str, files: list[str]
) -> dict[str, Any]:
    """``model.json`` without the file hashes."""
    try:
        import sklearn

        sklearn_version = sklearn.__version__
    except ImportError:  # pragma: no cover
        sklearn_version = ""
    params = clf.get_params()
    for path_param in ("rules", "invoice_categories", "user_dict"):  # copied into the folder
        params.pop(path_param)
    params["char_ngrams"] = list(params["char_ngrams"])
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "package_version": __version__,
        "sklearn_version": sklearn_version,
        "params": params,
        "classes": [str(c) for c in clf.classes_],
        "taxonomy_sha256": taxonomy.taxonomy_hash(),
        "training_data_sha256": data_sha256,
        "text_scale": clf.text_scale_,
        "rule_scale": clf.rule_scale_,
        "coverage_scale": clf.coverage_scale_,
        "user_dicts": [f for f in files if f.startswith("user_dict_")],
        "metrics": metrics,
        "terms": clf.vocabulary_.terms,
        "memory": clf.memory_,
    }


def read_metadata(path: str | Path) -> dict[str, Any]:
    """``model.json`` of a model folder, checked for format and version (vocabulary left out)."""
    meta = _read_meta(Path(path))
    return {k: v for k, v in meta.items() if k not in ("terms", "memory")}


def _read_meta(folder: Path) -> dict[str, Any]:
    meta_path = folder / "model.json"
    if not meta_path.is_file():
        raise ModelFileError(f"{folder}: not a tas_classify model folder (no model.json)")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{meta_path}: not valid JSON ({exc})") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{meta_path}: not a tas_classify model file")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(
            f"{meta_path}: model format version {meta.get('format_version')} is not supported "
            f"by tas_classify {__version__} (reads version {FORMAT_VERSION}); retrain the model"
        )
    return meta


def _numeric_array(file: Path) -> np.ndarray:
    """A plain numeric ``.npy`` array; pickled objects and ``.npz`` archives are refused unread."""
    try:
        array = np.load(file, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise ModelFileError(f"{file}: arrays must be plain numeric data ({exc})") from exc
    if not isinstance(array, np.ndarray):  # an .npz archive under a .npy name
        array.close()
        raise ModelFileError(f"{file}: not a single .npy array")
    if array.dtype.kind not in "fi":
        raise ModelFileError(f"{file}: not a numeric array")
    return array


def _memory(raw: Any, folder: Path, classes: np.ndarray) -> dict[str, str]:
    """The remembered training lines, checked: text → one of the model's codes."""
    known = set(map(str, classes))
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and v in known for k, v in raw.items()
    ):
        raise ModelFileError(f"{folder}: 'memory' must map texts to the model's codes")
    return dict(raw)


def read_model(path: str | Path) -> ModelFiles:
    """A model folder written by :func:`save`, every file checked (presence, SHA-256, codes,
    plain numeric arrays); :meth:`TasClassifier.load` builds the estimator from it."""
    folder = Path(path)
    if folder.is_file():
        raise ModelFileError(
            f"{folder}: a model is a folder (model.json + .npy files), not a single file; "
            "pickle / joblib files are never loaded"
        )
    meta = _read_meta(folder)
    for name, digest in meta["files"].items():
        file = folder / name
        if not file.is_file():
            raise ModelFileError(f"{file}: missing from the model folder")
        if _sha256(file) != digest:
            raise ModelFileError(f"{file}: checksum mismatch, the file was altered or damaged")
    unknown = sorted(set(meta["classes"]) - set(taxonomy.codes()))
    if unknown:
        raise ModelFileError(f"{folder}: model uses codes {unknown} unknown to this taxonomy")
    arrays = {n: _numeric_array(folder / f"{n}.npy") for n in _ARRAYS}
    params = dict(meta["params"])
    params["char_ngrams"] = tuple(params["char_ngrams"])
    return ModelFiles(
        folder=folder,
        meta=meta,
        arrays=arrays,
        params=params,
        rules=folder / "rules.toml",
        # Models saved before the table existed read the shipped one.
        invoice_categories=(
            folder / "invoice_categories.csv" if "invoice_categories.csv" in meta["files"] else None
        ),
        user_dicts=tuple(folder / n for n in meta["user_dicts"]),
        memory=_memory(meta.get("memory", {}), folder, np.array(meta["classes"])),
    )
