"""``tas-classify serve``: what it refuses before it listens."""

import socket

from click.testing import CliRunner

from tas_classify.cli import main


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_other_hosts_need_a_token(tmp_path):
    res = run("serve", "--host", "0.0.0.0", "--no-browser", "--data-dir", tmp_path / "d")
    assert res.exit_code == 1
    assert "--token" in res.output


def test_a_port_in_use_is_a_clear_error(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        res = run("serve", "--port", port, "--no-browser", "--data-dir", tmp_path / "d")
    assert res.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in res.output


def test_help_names_the_options():
    res = run("serve", "--help")
    assert res.exit_code == 0
    for option in ("--port", "--data-dir", "--no-browser", "--host", "--token", "--max-upload-mb"):
        assert option in res.output
