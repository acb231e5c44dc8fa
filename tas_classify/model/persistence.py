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
import shutil
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
    """Write a fitted ``TasClassifier`` to the folder ``path`` (created or overwritten)."""
    clf.check_fitted()
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    arrays = {"idf": clf.vocabulary_.idf, "coef": clf.coef_, "intercept": clf.intercept_}
    for name, array in arrays.items():
        np.save(out / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
    shutil.copyfile(clf.rules_path(), out / "rules.toml")
    shutil.copyfile(clf.invoice_categories_path(), out / "invoice_categories.csv")
    dict_names = []
    for i, p in enumerate(clf.user_dict):
        name = f"user_dict_{i}.txt"
        shutil.copyfile(p, out / name)
        dict_names.append(name)
    files = [f"{n}.npy" for n in _ARRAYS] + ["rules.toml", "invoice_categories.csv", *dict_names]
    try:
        import sklearn

        sklearn_version = sklearn.__version__
    except ImportError:  # pragma: no cover
        sklearn_version = ""
    params = clf.get_params()
    params.pop("rules")
    params.pop("invoice_categories")
    params.pop("user_dict")
    params["char_ngrams"] = list(params["char_ngrams"])
    meta = {
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
        "user_dicts": dict_names,
        "metrics": metrics or {},
        "terms": clf.vocabulary_.terms,
        "memory": clf.memory_,
    }
    card_meta = {**meta, "remembered_lines": len(clf.memory_)}
    (out / "card.md").write_text(render_card(card_meta), encoding="utf-8")
    files.append("card.md")
    meta["files"] = {name: _sha256(out / name) for name in files}
    (out / "model.json").write_text(
        json.dumps(meta, ensure_ascii=False, sort_keys=True, indent=0), encoding="utf-8"
    )
    return out


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
