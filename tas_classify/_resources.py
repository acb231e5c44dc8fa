"""Locate the files the package ships: ``data/`` and ``models/``.

In an installed wheel they live inside the package (``tas_classify/_data``,
``tas_classify/_models``,
mapped there by ``pyproject.toml``); in a source checkout or an editable install they are read from
the repository's top-level ``data/`` and ``models/``, so there is one copy to edit.
"""

from __future__ import annotations

from pathlib import Path

# The package folder itself (what ``importlib.resources.files("tas_classify")`` gives for a
# package installed as files; importing ``importlib.resources`` costs ~30 ms of start-up).
_PACKAGE = Path(__file__).resolve().parent
_SOURCE_ROOT = _PACKAGE.parent


def _locate(packaged: str, source: str) -> Path:
    inside = _PACKAGE / packaged
    return inside if inside.is_dir() else _SOURCE_ROOT / source


def data_path(*parts: str) -> Path:
    """Path of a file under the shipped ``data/`` folder."""
    return _locate("_data", "data").joinpath(*parts)


def model_path(*parts: str) -> Path:
    """Path of a file under the shipped ``models/`` folder."""
    return _locate("_models", "models").joinpath(*parts)
