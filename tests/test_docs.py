"""docs/cli.md names every verb and every option of the command tree; the README stays short."""

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CLI_MD = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")


def _reference_module():
    spec = importlib.util.spec_from_file_location(
        "cli_reference", ROOT / "docs" / "cli_reference.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REF = _reference_module()
from tas_classify.cli import main  # noqa: E402

COMMANDS = list(REF.commands(main))


@pytest.mark.parametrize(
    "path,command", COMMANDS, ids=lambda x: " ".join(x) if isinstance(x, tuple) else ""
)
def test_every_verb_and_option_is_in_docs_cli(path, command):
    assert f"### `{' '.join(path)}`" in CLI_MD, f"verb {' '.join(path)} missing from docs/cli.md"
    for option in REF.options(command):
        assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", CLI_MD), (
            f"{' '.join(path)} {option} missing from docs/cli.md"
        )


def test_docs_cli_reference_is_current():
    """The generated part of docs/cli.md is what ``python docs/cli_reference.py`` prints now."""
    assert REF.reference() in CLI_MD


def test_readme_is_short_and_links_the_docs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 200
    for page in ("cli", "reviewers", "analysts", "developers", "design", "performance",
                 "reliability", "model-card"):  # fmt: skip
        assert f"docs/{page}.md" in readme
        assert (ROOT / "docs" / f"{page}.md").is_file()
