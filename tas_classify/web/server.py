"""Running the workbench: a uvicorn server on a socket bound here (so that ``--port 0`` gets a
free port and the URL printed is the real one), the model warmed in the background, reviews a
stopped server left half-classified started again, and the browser opened once it listens."""

from __future__ import annotations

import os
import socket
import sys
import threading
import webbrowser
from collections.abc import Callable, Sequence
from pathlib import Path

from tas_classify.errors import ReviewError
from tas_classify.review.workbench import Workbench
from tas_classify.web.app import LOCAL_HOSTS, create_app


def default_data_dir() -> Path:
    """Where reviews are kept unless ``--data-dir`` says otherwise: the user's data folder
    (``%LOCALAPPDATA%`` on Windows, ``$XDG_DATA_HOME`` or ``~/.local/share`` elsewhere)."""
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        base = Path(os.environ["LOCALAPPDATA"])
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "tas_classify" / "reviews"


def is_local(host: str) -> bool:
    return host in LOCAL_HOSTS


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port`` (0: a free port), or a ReviewError saying why not."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    if sys.platform != "win32":  # on Windows it would let a second server take the same port
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise ReviewError(f"cannot listen on {host}:{port} ({exc.strerror or exc})") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def serve(
    workbench: Workbench,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    token: str | None = None,
    open_browser: bool = True,
    ledgers: Sequence[str] = (),
    say: Callable[[str], None] = print,
) -> None:
    """Serve ``workbench`` until interrupted. ``ledgers`` are added as new reviews first (their
    columns to confirm); the browser opens on the first, or on the start page."""
    if not is_local(host) and not token:
        raise ReviewError(
            f"--host {host} makes the reviews reachable from other machines; "
            "give an access token with --token as well"
        )
    import uvicorn

    sock = bind(host, port)
    actual = sock.getsockname()[1]
    shown = f"[{host.strip('[]')}]" if ":" in host else host
    base = f"http://{shown}:{actual}"
    first = ""
    for path in ledgers:
        review = workbench.add_ledger(path, Path(path).name)
        say(f"{path}: review {review.id}, columns to confirm at {base}/reviews/{review.id}/setup")
        first = first or f"/reviews/{review.id}/setup"
    url = base + (first or "/") + (f"?token={token}" if token else "")
    resumed = workbench.resume()
    if resumed:
        say(f"classifying again {len(resumed)} review(s) a stopped server left unfinished")
    threading.Thread(target=workbench.warm, name="warm-model", daemon=True).start()
    app = create_app(workbench, token=token, hosts=LOCAL_HOSTS if is_local(host) else ())
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)

    def announce() -> None:
        while not server.started and not server.should_exit:
            threading.Event().wait(0.02)
        if server.started:
            say(f"tas-classify workbench: {url}  (data: {workbench.store.folder}; Ctrl-C stops)")
            if open_browser:
                webbrowser.open(url)

    threading.Thread(target=announce, name="announce", daemon=True).start()
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
