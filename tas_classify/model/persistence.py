"""Model files that cannot run code when loaded.

A model is a folder: ``model.json`` (format version, versions, parameters, label set, vocabulary,
ensemble scales, hashes, training metrics), the arrays as plain ``.npy`` files read with
``allow_pickle=False``, and the rules and dictionary files it was trained with. No pickle, no
joblib: loading only parses JSON, TOML, text and numeric arrays. Every file's SHA-256 is recorded
and checked, so an altered or truncated model fails with a message naming the file.

Reading trusts nothing in the folder: ``model.json`` is checked against its schema, every file
must be a regular file directly inside the folder, listed and checksummed (no paths, symbolic
links, devices or extra files), array headers are checked against the vocabulary and codes before
any data is read, and every number must be finite and within bounds.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

import numpy as np

from tas_classify import taxonomy
from tas_classify._version import __version__
from tas_classify.errors import ModelFileError as ModelFileError
from tas_classify.features import TfidfVocabulary
from tas_classify.model.card import render_card

FORMAT = "tas_classify-model"
FORMAT_VERSION = 1
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
    arrays_files = ["idf.npy", "coef.npy", "intercept.npy"]
    return [*arrays_files, "rules.toml", "invoice_categories.csv", *dict_names]


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


# ---------------------------------------------------------------- reading
#: Limits that bound the memory and time of reading any model folder, hostile or not. The shipped
#: model has a 1.7 MB ``model.json``, 87,116 terms, 20 codes and a 7 MB ``coef.npy``.
MAX_JSON_BYTES = 128 * 2**20
MAX_JSON_DEPTH = 32
MAX_TERMS = 4_000_000
MAX_FILE_BYTES = 2**30
MAX_FILES = 64
#: Bounds of the numbers a model holds: wide enough for any trained model, narrow enough that no
#: line's probabilities can overflow to NaN (IDF weights are at least 1 when trained).
_IDF_RANGE = (1e-6, 1e6)
_WEIGHT_RANGE = (-1e6, 1e6)
_SCALE_RANGE = (0.0, 1000.0)
_REQUIRED_FILES = ("idf.npy", "coef.npy", "intercept.npy", "rules.toml")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_TEXT, _NUMBER, _INTEGER = "a string", "a number", "an integer"
_LIST, _OBJECT = "a list", "an object"
#: The fields of ``model.json``: what each must be, and whether it must be there (models saved
#: before ``coverage_scale``, ``memory`` or the metadata fields existed load without them).
_FIELDS: dict[str, tuple[str, bool]] = {
    "format": (_TEXT, True),
    "format_version": (_INTEGER, True),
    "package_version": (_TEXT, False),
    "sklearn_version": (_TEXT, False),
    "params": (_OBJECT, True),
    "classes": (_LIST, True),
    "taxonomy_sha256": (_TEXT, False),
    "training_data_sha256": (_TEXT, False),
    "text_scale": (_NUMBER, True),
    "rule_scale": (_NUMBER, True),
    "coverage_scale": (_NUMBER, False),
    "user_dicts": (_LIST, True),
    "metrics": (_OBJECT, False),
    "terms": (_LIST, True),
    "memory": (_OBJECT, False),
    "files": (_OBJECT, True),
}


def _is(kind: str, value: Any) -> bool:
    if kind == _NUMBER:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == _INTEGER:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, {_TEXT: str, _LIST: list, _OBJECT: dict}[kind])


def _field_error(meta_path: Path, field: str, problem: str) -> ModelFileError:
    return ModelFileError(f"{meta_path}: field '{field}': {problem}")


def _open_regular(path: Path, limit: int) -> tuple[BinaryIO, int]:
    """``path`` opened for reading, with its size, if it is a regular file of at most ``limit``
    bytes — never through a symbolic link, never a device, FIFO or folder (opened without
    blocking and checked again once open, so a file swapped in between is caught too)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise ModelFileError(f"{path}: missing from the model folder") from None
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot be read ({exc.strerror})") from exc
    kind = "a symbolic link" if stat.S_ISLNK(info.st_mode) else "not a regular file"
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = -1
    if stat.S_ISREG(info.st_mode):
        try:
            fd = os.open(path, flags | getattr(os, "O_BINARY", 0))
        except OSError as exc:
            raise ModelFileError(f"{path}: cannot be read ({exc.strerror})") from exc
        info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        if fd >= 0:
            os.close(fd)
        raise ModelFileError(
            f"{path}: {kind} (a device, FIFO, folder or link); a model folder holds only "
            "regular files"
        )
    if info.st_size > limit:
        os.close(fd)
        raise ModelFileError(
            f"{path}: {info.st_size:,} bytes, more than the {limit:,} a model file may have"
        )
    return os.fdopen(fd, "rb"), info.st_size


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a finite number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is not a finite number")
    return value


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in ``value`` (stops counting past the limit)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            if depth > MAX_JSON_DEPTH:
                break
            inside = item.values() if isinstance(item, dict) else item
            # only containers go on the stack: a list of 100,000 terms costs one pass
            stack.extend([(v, depth + 1) for v in inside if isinstance(v, (dict, list))])
    return deepest


def _parse_json(meta_path: Path) -> Any:
    """``model.json`` parsed: at most :data:`MAX_JSON_BYTES`, no NaN or infinity, nested at most
    :data:`MAX_JSON_DEPTH` deep."""
    fh, _ = _open_regular(meta_path, MAX_JSON_BYTES)
    with fh:
        raw = fh.read(MAX_JSON_BYTES + 1)
    try:
        meta = json.loads(
            raw.decode("utf-8"), parse_constant=_reject_constant, parse_float=_finite_float
        )
    except RecursionError:
        raise ModelFileError(f"{meta_path}: not valid JSON (nested too deeply)") from None
    except ValueError as exc:  # also JSONDecodeError, UnicodeDecodeError, too many digits
        raise ModelFileError(f"{meta_path}: not valid JSON ({exc})") from exc
    if _depth(meta) > MAX_JSON_DEPTH:
        raise ModelFileError(
            f"{meta_path}: lists and objects nested more than {MAX_JSON_DEPTH} deep"
        )
    return meta


def read_metadata(path: str | Path) -> dict[str, Any]:
    """``model.json`` of a model folder, checked (format, version, every field); without the
    vocabulary and the remembered lines."""
    meta = _read_meta(Path(path))
    return {k: v for k, v in meta.items() if k not in ("terms", "memory")}


def _read_meta(folder: Path) -> dict[str, Any]:
    """``model.json`` read and checked against its schema: every defect is one
    :class:`ModelFileError` naming the file and the field."""
    meta_path = folder / "model.json"
    if not os.path.lexists(meta_path):
        raise ModelFileError(f"{folder}: not a tas_classify model folder (no model.json)")
    meta = _parse_json(meta_path)
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{meta_path}: not a tas_classify model file")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(
            f"{meta_path}: model format version {meta.get('format_version')} is not supported "
            f"by tas_classify {__version__} (reads version {FORMAT_VERSION}); retrain the model"
        )
    for field in meta:
        if field not in _FIELDS:
            raise _field_error(meta_path, field, "not a field of a model file")
    for field, (kind, required) in _FIELDS.items():
        if field not in meta:
            if required:
                raise _field_error(meta_path, field, "missing")
        elif not _is(kind, meta[field]):
            raise _field_error(meta_path, field, f"must be {kind}")
    _check_numbers(meta_path, meta)
    _check_labels(meta_path, meta)
    _check_files_field(meta_path, meta)
    return meta


def _check_numbers(meta_path: Path, meta: dict[str, Any]) -> None:
    low, high = _SCALE_RANGE
    for field in ("text_scale", "rule_scale", "coverage_scale"):
        value = meta.get(field, 0.0)
        try:
            ok = math.isfinite(float(value)) and low <= value <= high
        except OverflowError:
            ok = False
        if not ok:
            raise _field_error(meta_path, field, f"must be a number from {low:g} to {high:g}")
    for name, value in meta["params"].items():
        if not (
            _is(_NUMBER, value)
            or isinstance(value, (str, bool))
            or (isinstance(value, list) and all(_is(_INTEGER, v) for v in value))
        ):
            raise _field_error(meta_path, f"params.{name}", "must be a number, string, true or "
                               "false, or a list of integers")  # fmt: skip


def _check_labels(meta_path: Path, meta: dict[str, Any]) -> None:
    """``classes``, ``terms`` and ``memory``: codes of the taxonomy, unique strings."""
    classes, terms = meta["classes"], meta["terms"]
    if not all(isinstance(c, str) for c in classes) or len(set(classes)) != len(classes):
        raise _field_error(meta_path, "classes", "must be a list of different codes")
    if len(classes) < 2:
        raise _field_error(meta_path, "classes", "a model needs at least two codes")
    unknown = sorted(set(classes) - set(taxonomy.codes()))
    if unknown:
        raise _field_error(meta_path, "classes", f"codes {unknown} unknown to this taxonomy")
    if not 0 < len(terms) <= MAX_TERMS:
        raise _field_error(meta_path, "terms", f"must hold 1 to {MAX_TERMS:,} features")
    if not set(map(type, terms)) <= {str} or len(set(terms)) != len(terms):
        raise _field_error(meta_path, "terms", "must be a list of different strings")
    known = set(classes)
    if not all(isinstance(v, str) and v in known for v in meta.get("memory", {}).values()):
        raise _field_error(meta_path, "memory", "must map texts to the model's codes")


def _plain_name(name: Any) -> bool:
    """A file name directly inside the folder: no folder part, not ``.`` or ``..``."""
    return (
        isinstance(name, str)
        and 0 < len(name) <= 255
        and name not in (".", "..", "model.json")
        and not any(c in name for c in "/\\:\0")
    )


def _check_files_field(meta_path: Path, meta: dict[str, Any]) -> None:
    """``files``: plain names with SHA-256 digests, the required ones among them; ``user_dicts``:
    some of those names."""
    files = meta["files"]
    if len(files) > MAX_FILES:
        raise _field_error(meta_path, "files", f"more than {MAX_FILES} files")
    for name, digest in files.items():
        if not _plain_name(name):
            raise _field_error(
                meta_path, "files", f"{name!r} is not the name of a file in the model folder"
            )
        if not (isinstance(digest, str) and _HEX64.fullmatch(digest)):
            raise _field_error(meta_path, f"files.{name}", "must be a SHA-256 digest (64 hex)")
    missing = [n for n in _REQUIRED_FILES if n not in files]
    if missing:
        raise _field_error(meta_path, "files", f"does not list {', '.join(missing)}")
    dicts = meta["user_dicts"]
    for name in dicts:
        if not (_plain_name(name) and name in files) or name in _REQUIRED_FILES:
            raise _field_error(
                meta_path, "user_dicts", f"{name!r} is not a dictionary file listed in 'files'"
            )
    if len(set(dicts)) != len(dicts):
        raise _field_error(meta_path, "user_dicts", "lists a file twice")


def _check_folder(folder: Path, files: dict[str, str]) -> None:
    """Every file of the folder listed, every listed file a regular file with its SHA-256."""
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name != "model.json" and entry.name not in files:
                    raise ModelFileError(
                        f"{folder / entry.name}: not listed in model.json 'files'; a model "
                        "folder holds only the files it lists"
                    )
    except OSError as exc:
        raise ModelFileError(f"{folder}: cannot be read ({exc.strerror})") from exc
    for name, digest in files.items():
        file = folder / name
        fh, _ = _open_regular(file, MAX_FILE_BYTES)
        sha = hashlib.sha256()
        with fh:
            while block := fh.read(2**20):
                sha.update(block)
        if sha.hexdigest() != digest:
            raise ModelFileError(f"{file}: checksum mismatch, the file was altered or damaged")


def _check_dictionary(file: Path) -> None:
    """A user dictionary: UTF-8 text (a binary file is refused here, not when first used)."""
    fh, _ = _open_regular(file, MAX_FILE_BYTES)
    with fh:
        raw = fh.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ModelFileError(f"{file}: a user dictionary must be UTF-8 text ({exc})") from exc
    if "\0" in text:
        raise ModelFileError(f"{file}: a user dictionary must be text, not binary data")


def _numeric_array(
    file: Path, shape: tuple[int, ...], why: str, bounds: tuple[float, float]
) -> np.ndarray:
    """A plain float ``.npy`` array of ``shape`` with values within ``bounds``. The header is
    read and checked first — pickled objects, ``.npz`` archives, other dtypes and shapes are
    refused before any data is read."""
    fh, size = _open_regular(file, MAX_FILE_BYTES)
    with fh:
        try:
            version = np.lib.format.read_magic(fh)
            if version == (1, 0):
                found, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
            elif version == (2, 0):
                found, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
            else:
                raise ValueError(f".npy format version {version} is not read")
        except (ValueError, OSError, EOFError, SyntaxError) as exc:
            raise ModelFileError(f"{file}: not a single .npy array ({exc})") from exc
        if dtype.kind != "f" or dtype.itemsize not in (4, 8):
            raise ModelFileError(
                f"{file}: arrays must be plain numeric data (float32 or float64), not {dtype}"
            )
        if tuple(found) != shape:
            raise ModelFileError(f"{file}: shape {tuple(found)}, but {why} need {shape}")
        expected = fh.tell() + math.prod(shape) * dtype.itemsize
        if size != expected:
            raise ModelFileError(
                f"{file}: {size:,} bytes where its header says {expected:,}; truncated or padded"
            )
        fh.seek(0)
        array = np.lib.format.read_array(fh, allow_pickle=False)
    low, high = bounds
    if not np.isfinite(array).all():
        raise ModelFileError(f"{file}: holds NaN or infinite numbers")
    if array.size and (array.min() < low or array.max() > high):
        raise ModelFileError(f"{file}: holds numbers outside {low:g} to {high:g}")
    return array


def read_model(path: str | Path) -> ModelFiles:
    """A model folder written by :func:`save`, every part checked before use: ``model.json``
    against its schema; every file in the folder listed there and every listed file a regular
    file inside it with its SHA-256 (no paths, links, devices or extra files); user dictionaries
    UTF-8 text; arrays of the right dtype and shape, finite and bounded.
    :meth:`TasClassifier.load` builds the estimator from it."""
    folder = Path(path)
    if folder.is_file():
        raise ModelFileError(
            f"{folder}: a model is a folder (model.json + .npy files), not a single file; "
            "pickle / joblib files are never loaded"
        )
    meta = _read_meta(folder)
    files: dict[str, str] = meta["files"]
    _check_folder(folder, files)
    for name in meta["user_dicts"]:
        _check_dictionary(folder / name)
    n_terms, n_classes = len(meta["terms"]), len(meta["classes"])
    terms = f"the model's {n_terms:,} terms"
    codes = f"its {n_classes} codes"
    arrays = {
        "idf": _numeric_array(folder / "idf.npy", (n_terms,), terms, _IDF_RANGE),
        "coef": _numeric_array(
            folder / "coef.npy", (n_terms, n_classes), f"{terms} and {codes}", _WEIGHT_RANGE
        ),
        "intercept": _numeric_array(
            folder / "intercept.npy", (n_classes,), codes, _WEIGHT_RANGE
        ),
    }
    params = dict(meta["params"])
    if isinstance(params.get("char_ngrams"), list):
        params["char_ngrams"] = tuple(params["char_ngrams"])
    return ModelFiles(
        folder=folder,
        meta=meta,
        arrays=arrays,
        params=params,
        rules=folder / "rules.toml",
        # Models saved before the table existed read the shipped one.
        invoice_categories=(
            folder / "invoice_categories.csv" if "invoice_categories.csv" in files else None
        ),
        user_dicts=tuple(folder / n for n in meta["user_dicts"]),
        memory=dict(meta.get("memory", {})),
    )
