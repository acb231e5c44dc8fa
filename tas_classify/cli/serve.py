"""``serve``: the reviewer workbench in the browser."""

from __future__ import annotations

import click

from tas_classify.cli.common import MODEL_OPTION


@click.command("serve")
@click.argument(
    "ledgers", nargs=-1, metavar="[LEDGER]...", type=click.Path(exists=True, dir_okay=False)
)
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free port).")  # fmt: skip
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; another than this machine's needs --token.")  # fmt: skip
@click.option("--token", default=None, envvar="TAS_CLASSIFY_TOKEN",
              help="Access token every request must carry (?token=… once, or Authorization: "
                   "Bearer …); needed with --host. Env: TAS_CLASSIFY_TOKEN.")  # fmt: skip
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help="Folder of the reviews (SQLite file and uploaded ledgers) "
                   "[default: ~/.local/share/tas_classify/reviews].")  # fmt: skip
@click.option("--no-browser", is_flag=True, help="Do not open the browser.")
@click.option("--max-upload-mb", default=64, show_default=True, type=click.IntRange(1, 4096),
              help="Largest ledger upload accepted, in MiB.")  # fmt: skip
@MODEL_OPTION
def serve_cmd(
    ledgers: tuple[str, ...],
    port: int,
    host: str,
    token: str | None,
    data_dir: str | None,
    no_browser: bool,
    max_upload_mb: int,
    model: str | None,
) -> None:
    """Start the reviewer workbench: a local web page to open a ledger (xlsx, xls, csv in any
    Chinese encoding), confirm its columns, review the lines grouped by text with the
    largest income at risk first, correct codes (saved at once), watch the verdict, and
    export the annotated ledger, the report and the corrections. LEDGER files given here are
    opened as new reviews. Listens on 127.0.0.1 only unless --host and --token are given.

    \b
    Example:
      tas-classify serve 合同台账.xlsx --data-dir ./复核
    """
    from tas_classify.review.workbench import Workbench
    from tas_classify.web.server import default_data_dir, serve

    workbench = Workbench(
        data_dir or default_data_dir(), model=model, max_upload_bytes=max_upload_mb << 20
    )
    try:
        serve(
            workbench,
            host=host,
            port=port,
            token=token,
            open_browser=not no_browser,
            ledgers=ledgers,
            say=lambda message: click.echo(message, err=True),
        )
    except KeyboardInterrupt:  # pragma: no cover - uvicorn handles Ctrl-C itself
        pass
    finally:
        workbench.store.close()
