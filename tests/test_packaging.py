"""The wheel carries the data files and the shipped model, so a plain `pip install .` works."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_contains_data_and_model(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        timeout=600,
    )
    (wheel,) = tmp_path.glob("tas_classify-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "tas_classify/_data/taxonomy.toml",
        "tas_classify/_data/rules.toml",
        "tas_classify/_data/dictionary.txt",
        "tas_classify/_models/default/model.json",
        "tas_classify/_models/default/coef.npy",
        "tas_classify/py.typed",
    ):
        assert needed in names, needed
