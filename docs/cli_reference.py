"""Print the CLI reference (Markdown) from click's command tree: every verb's ``--help``.

    python docs/cli_reference.py > /tmp/ref.md   # then paste into docs/cli.md below its marker

``tests/test_docs.py`` checks that every verb and option of the tree is named in docs/cli.md.
"""

from __future__ import annotations

from collections.abc import Iterator

import click

from tas_classify.cli import main


def commands(
    group: click.Group, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command under ``group`` with its path of verb names (groups included)."""
    for name in sorted(group.commands):
        command = group.commands[name]
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from commands(command, (*prefix, name))


def options(command: click.Command) -> list[str]:
    """Every option string of ``command`` (``-o``, ``--output`` …), ``--help`` left out."""
    return [
        opt
        for param in command.params
        if isinstance(param, click.Option)
        for opt in (*param.opts, *param.secondary_opts)
    ]


def reference() -> str:
    """Each command's ``--help`` as ``tas-classify`` prints it (``-h`` too, 100 columns)."""
    out = []
    root = main.make_context(
        "tas-classify", [], resilient_parsing=True, terminal_width=100, max_content_width=100
    )
    for path, command in commands(main):
        parent = root
        for name in path[:-1]:
            group = parent.command
            assert isinstance(group, click.Group)
            sub = group.commands[name]
            parent = sub.make_context(name, [], parent=parent, resilient_parsing=True)
        ctx = command.make_context(path[-1], [], parent=parent, resilient_parsing=True)
        out.append(f"### `{' '.join(path)}`\n\n```text\n{command.get_help(ctx)}\n```\n")
    return "\n".join(out)


if __name__ == "__main__":
    print(reference())
