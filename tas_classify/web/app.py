"""The reviewer workbench as a local web app (Starlette): server-rendered pages, a small JSON API
the pages use, and guards for a server a browser on the same machine talks to.

Every route is thin: it parses the request, calls one function of
:mod:`tas_classify.review` and renders the answer. Pages are Jinja2 templates with autoescaping
(every ledger cell is text); the CSS and the one script ship in the package (no CDN).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import shutil
import tempfile
from collections.abc import Awaitable, Callable, MutableMapping
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from tas_classify import taxonomy
from tas_classify._version import __version__
from tas_classify.errors import (
    ReviewError,
    ReviewNotFoundError,
    TasClassifyError,
    UploadTooLargeError,
)
from tas_classify.report.income import TRACKS, IncomeReport
from tas_classify.review.exports import EXPORTS, SUMMARY_FORMATS, export, export_summary
from tas_classify.review.workbench import ReviewOptions, Workbench

HERE = Path(__file__).resolve().parent
PAGE_SIZE = 100
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
TOKEN_COOKIE = "tas_token"
#: Sent with every answer: no framing (clickjacking), scripts and styles from the server only (the
#: verdict bars are sized with style attributes), no content sniffing, no referrer.
SECURITY_HEADERS = (
    (
        b"content-security-policy",
        b"default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        b"frame-ancestors 'none'; form-action 'self'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)
OPTION_NAMES = tuple(ReviewOptions.__dataclass_fields__)
_FLAGS = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


# ---------------------------------------------------------------------- guards
class Guard:
    """Refuses what a local server must not take: a body over the upload limit (413, counted
    as it arrives), a ``Host`` that is not the server's (DNS rebinding), a state-changing request
    from another site (``Origin`` / ``Sec-Fetch-Site``), and, when the server has an access
    token, any request without it (``?token=`` once sets a cookie; an API client sends
    ``Authorization: Bearer``)."""

    def __init__(self, app: ASGIApp, *, limit: int, hosts: tuple[str, ...],
                 token: str | None) -> None:  # fmt: skip
        self.app, self.limit, self.hosts, self.token = app, limit, hosts, token
        # room for the multipart envelope and the options around the file; the file itself is
        # held to ``limit`` where it is stored
        self.max_body = limit + (1 << 16)
        # the cookie holds a digest of the token, never the token itself
        self._cookie = hashlib.sha256(token.encode("utf-8")).hexdigest() if token else ""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        refusal = self._refusal(request)
        if refusal is not None:
            refusal.headers.update({k.decode(): v.decode() for k, v in SECURITY_HEADERS})
            await refusal(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body:
                raise HTTPException(413, self._too_big())
            return message

        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body:
            refusal = _error(request, 413, self._too_big())
            refusal.headers.update({k.decode(): v.decode() for k, v in SECURITY_HEADERS})
            await refusal(scope, receive, send)
            return
        given = request.query_params.get("token")
        extra = list(SECURITY_HEADERS)
        if self.token and given and _same(given, self.token):
            cookie = f"{TOKEN_COOKIE}={self._cookie}; HttpOnly; SameSite=Strict; Path=/"
            extra.append((b"set-cookie", cookie.encode("ascii")))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).extend(extra)
            await send(message)

        await self.app(scope, limited, with_headers)

    def _too_big(self) -> str:
        return (f"the upload is larger than {self.limit / (1 << 20):g} MiB, the limit "
                "(tas-classify serve --max-upload-mb)")  # fmt: skip

    def _refusal(self, request: Request) -> Response | None:
        host = _host_name(request.headers.get("host", ""))
        if self.hosts and host not in self.hosts:
            return _error(request, 400, f"this server answers to {', '.join(self.hosts)} only")
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            origin = request.headers.get("origin")
            site = request.headers.get("sec-fetch-site")
            own = f"{request.url.scheme}://{request.headers.get('host', '')}"
            foreign = (origin is not None and origin != own) or site in ("cross-site", "same-site")
            # a sandboxed frame or a redirect says "null": believed only with Fetch Metadata
            if origin == "null" and site in ("same-origin", "none"):
                foreign = False
            if foreign:
                return _error(request, 403, "a request from another site was refused")
        if self.token:
            sent = [request.query_params.get("token", "")]
            bearer = request.headers.get("authorization", "")
            if bearer.lower().startswith("bearer "):
                sent.append(bearer[7:].strip())
            cookie = request.cookies.get(TOKEN_COOKIE, "")
            if not (any(s and _same(s, self.token) for s in sent)
                    or (cookie and _same(cookie, self._cookie))):  # fmt: skip
                return _error(request, 401, "this server needs its access token (?token=…)")
        return None


def _same(given: str, token: str) -> bool:
    """A constant-time comparison of any two strings (``compare_digest`` takes ASCII only)."""
    return secrets.compare_digest(given.encode("utf-8", "replace"), token.encode("utf-8"))


_HOST = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[^:\[\]]+)(?::\d{1,5})?")


def _host_name(host: str) -> str:
    """The name in a ``Host`` header without the port (``[::1]:8000`` → ``[::1]``); empty for
    a header that is not a host and port."""
    match = _HOST.fullmatch(host)
    return match.group(1) if match else ""


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get(
        "accept", "")  # fmt: skip


def _error(request: Request, status: int, message: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": message}, status_code=status)
    page = _templates().env.get_template("error.html").render(
        status=status, message=message, version=__version__
    )
    return Response(page, status_code=status, media_type="text/html; charset=utf-8")


# ---------------------------------------------------------------------- helpers
_TEMPLATES: list[Jinja2Templates] = []


def _templates() -> Jinja2Templates:
    if not _TEMPLATES:
        templates = Jinja2Templates(directory=HERE / "templates")
        templates.env.autoescape = True  # every template, whatever its name
        templates.env.globals.update(
            version=__version__, tracks=TRACKS, percent=_percent, yuan=_yuan, scopes=_scopes()
        )
        templates.env.filters["pager"] = _pager
        _TEMPLATES.append(templates)
    return _TEMPLATES[0]


def _scopes() -> dict[str, str]:
    """Each code's name and Annex scope text, shown when the pointer rests on a code."""
    return {c.code: f"{c.code} {c.name}：{c.scope}" for c in taxonomy.categories()}


def _pager(query: Any, offset: int) -> str:
    """The page's query string with ``offset`` set."""
    from urllib.parse import urlencode

    pairs = [(k, v) for k, v in query.multi_items() if k != "offset"]
    return urlencode([*pairs, ("offset", str(max(0, offset)))])


def _percent(value: Any) -> str:
    return "—" if value is None else f"{float(value) * 100:.1f}%"


def _yuan(value: Any) -> str:
    if value is None:
        return "—"
    return f"{Decimal(value):,.2f}"


def _flag(request: Request, name: str) -> bool | None:
    value = request.query_params.get(name, "").strip().lower()
    if not value or value == "any":
        return None
    if value not in _FLAGS:
        raise ReviewError(f"'{name}' must be true or false, not {value!r}")
    return _FLAGS[value]


def _filters(request: Request) -> dict[str, Any]:
    q = request.query_params
    return {
        "needs_review": _flag(request, "needs_review"),
        "code": q.get("code") or None,
        "reviewed": _flag(request, "reviewed"),
        "q": (q.get("q") or "").strip()[:200] or None,
        "subgroup": q.get("group") or None,
    }


def _codes(workbench: Workbench, review_id: str) -> list[taxonomy.Category]:
    return [taxonomy.get(c) for c in workbench.allowed_codes(review_id)]


def _download_name(file_name: str, fmt: str) -> str:
    stem = Path(file_name).stem.replace('"', "").strip() or "ledger"
    suffix = EXPORTS[fmt][0]
    what = {"xlsx": "_复核", "csv": "_复核", "json": "_报告", "html": "_报告",
            "report-xlsx": "_报告", "corrections": "_更正"}[fmt]  # fmt: skip
    return f"{stem}{what}{suffix}"


def _verdict_context(report: IncomeReport, workbench: Workbench, review_id: str) -> dict[str, Any]:
    return {"report": report, "status": workbench.status(review_id), "review_id": review_id}


def _export_folder(workbench: Workbench) -> Path:
    folder = workbench.store.folder / "exports"
    folder.mkdir(exist_ok=True)
    return Path(tempfile.mkdtemp(dir=folder))


# ---------------------------------------------------------------------- the app
def create_app(
    workbench: Workbench,
    *,
    token: str | None = None,
    hosts: tuple[str, ...] = LOCAL_HOSTS,
    max_upload_bytes: int | None = None,
) -> ASGIApp:
    """The workbench app over ``workbench``. ``hosts``: the ``Host`` names it answers to (empty:
    any); ``token``: an access token every request must carry."""
    templates = _templates()
    limit = workbench.max_upload_bytes if max_upload_bytes is None else max_upload_bytes

    def page(request: Request, name: str, **context: Any) -> Response:
        return templates.TemplateResponse(request, name, context)

    async def call(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await run_in_threadpool(func, *args, **kwargs)

    # ------------------------------------------------------------------ pages
    async def index(request: Request) -> Response:
        reviews = await call(workbench.reviews)
        return page(request, "index.html", reviews=reviews, summary_formats=SUMMARY_FORMATS)

    async def upload(request: Request) -> Response:
        async with request.form(max_files=1, max_fields=20) as form:
            file = form.get("file")
            if not isinstance(file, UploadFile) or not file.filename:
                raise ReviewError("choose a ledger file to upload")
            review = await call(
                workbench.add_ledger, file.file, file.filename, {}, max_bytes=limit
            )
        return RedirectResponse(f"/reviews/{review.id}/setup", status_code=303)

    async def setup(request: Request) -> Response:
        review_id = request.path_params["review_id"]
        review = await call(workbench.store.review, review_id)
        options = ReviewOptions.from_dict(review.options)
        # "Preview again" sends the choices in the query: nothing is saved until Classify
        chosen = {k: v for k, v in request.query_params.items() if k in OPTION_NAMES}
        if chosen:
            options = ReviewOptions.from_dict(
                {**options.to_dict(), **{k: None for k in OPTION_NAMES}, **chosen}
            )
        preview = await call(workbench.preview, review_id, options)
        return page(request, "setup.html", review=review, options=options, preview=preview)

    async def setup_post(request: Request) -> Response:
        review_id = request.path_params["review_id"]
        async with request.form(max_files=0, max_fields=40) as form:
            values = {k: v for k, v in form.items() if isinstance(v, str) and k != "action"}
            action = form.get("action")
        options = ReviewOptions.from_dict(values)
        if action == "preview":
            query = urlencode({k: v for k, v in options.to_dict().items() if v is not None})
            return RedirectResponse(f"/reviews/{review_id}/setup?{query}", status_code=303)
        await call(workbench.set_options, review_id, options)
        await call(workbench.start, review_id)
        return RedirectResponse(f"/reviews/{review_id}", status_code=303)

    async def review_page(request: Request) -> Response:
        review_id = request.path_params["review_id"]
        review = await call(workbench.store.review, review_id)
        if review.status != "ready":
            return page(request, "progress.html", review=review)
        filters = _filters(request)
        groups = await call(workbench.groups, review_id, **filters)
        try:
            offset = max(0, int(request.query_params.get("offset", "0")))
        except ValueError:
            offset = 0
        report = await call(workbench.report, review_id)
        return page(
            request,
            "review.html",
            review=review,
            options=ReviewOptions.from_dict(review.options),
            groups=groups[offset:offset + PAGE_SIZE],
            matched=len(groups),
            offset=offset,
            page_size=PAGE_SIZE,
            filters=filters,
            query=request.query_params,
            codes=_codes(workbench, review_id),
            subgroups=sorted({c.subgroup for c in taxonomy.categories() if c.subgroup}),
            exports=EXPORTS,
            **_verdict_context(report, workbench, review_id),
        )

    async def verdict_panel(request: Request) -> Response:
        review_id = request.path_params["review_id"]
        report = await call(workbench.report, review_id)
        return page(request, "_verdict.html", **_verdict_context(report, workbench, review_id))

    async def correct_form(request: Request) -> Response:
        review_id, key = request.path_params["review_id"], request.path_params["key"]
        async with request.form(max_files=0, max_fields=10) as form:
            code = form.get("code")
            back = str(form.get("back") or "")
        await call(workbench.correct, review_id, key, code if isinstance(code, str) else None)
        return RedirectResponse(_back(review_id, back), status_code=303)

    async def undo_form(request: Request) -> Response:
        review_id = request.path_params["review_id"]
        async with request.form(max_files=0, max_fields=10) as form:
            back = str(form.get("back") or "")
        await call(workbench.undo, review_id)
        return RedirectResponse(_back(review_id, back), status_code=303)


    async def delete_form(request: Request) -> Response:
        await call(workbench.delete, request.path_params["review_id"])
        return RedirectResponse("/", status_code=303)

    # ------------------------------------------------------------------ API
    async def api_reviews(request: Request) -> Response:
        reviews = await call(workbench.reviews)
        return JSONResponse([r.to_dict() for r in reviews])

    async def api_create(request: Request) -> Response:
        import json

        async with request.form(max_files=1, max_fields=20) as form:
            file = form.get("file")
            if not isinstance(file, UploadFile) or not file.filename:
                raise ReviewError("multipart field 'file' with the ledger is missing")
            raw = form.get("options") or "{}"
            try:
                options = json.loads(raw if isinstance(raw, str) else "{}")
            except json.JSONDecodeError as exc:
                raise ReviewError(f"'options' is not JSON: {exc}") from None
            review = await call(
                workbench.add_ledger, file.file, file.filename, options, max_bytes=limit
            )
        ready = bool(review.options.get("amount_column"))
        if ready:
            await call(workbench.start, review.id)
        review = await call(workbench.store.review, review.id)
        body = review.to_dict()
        if not ready:
            body["problem"] = "no amount column found: set one (PUT /api/reviews/{id}/options)"
        location = {"Location": f"/api/reviews/{review.id}"}
        return JSONResponse(body, status_code=201, headers=location)

    async def api_review(request: Request) -> Response:
        review = await call(workbench.store.review, request.path_params["review_id"])
        return JSONResponse(review.to_dict())

    async def api_options(request: Request) -> Response:
        review_id = request.path_params["review_id"]
        review = await call(workbench.store.review, review_id)
        given = await _json_body(request)  # merged over the review's options: send what changes
        options = ReviewOptions.from_dict({**review.options, **given})
        await call(workbench.set_options, review_id, options)
        await call(workbench.start, review_id)
        return JSONResponse((await call(workbench.store.review, review_id)).to_dict())

    async def api_groups(request: Request) -> Response:
        groups = await call(workbench.groups, request.path_params["review_id"], **_filters(request))
        return JSONResponse([g.to_dict() for g in groups])

    async def api_group_put(request: Request) -> Response:
        review_id, key = request.path_params["review_id"], request.path_params["key"]
        body = await _json_body(request)
        code = body.get("code")
        reviewed = body.get("reviewed", True)
        if code is not None and not isinstance(code, str):
            raise ReviewError("'code' must be a code such as ITO-01, or null")
        if not isinstance(reviewed, bool):
            raise ReviewError("'reviewed' must be true or false")
        group = await call(workbench.correct, review_id, key, code, reviewed)
        return JSONResponse(group.to_dict())

    async def api_undo(request: Request) -> Response:
        review_id = request.path_params["review_id"]
        key = await call(workbench.undo, review_id)
        group = None if key is None else await call(workbench.find_group, review_id, key)
        return JSONResponse({"key": key, "group": None if group is None else group.to_dict()})

    async def api_verdict(request: Request) -> Response:
        report = await call(workbench.report, request.path_params["review_id"])
        return JSONResponse(report.to_dict())

    async def api_status(request: Request) -> Response:
        status = await call(workbench.status, request.path_params["review_id"])
        return JSONResponse(status.to_dict())

    async def api_export(request: Request) -> Response:
        review_id = request.path_params["review_id"]
        fmt = request.query_params.get("format", "xlsx")
        if fmt not in EXPORTS:
            raise ReviewError(f"format must be one of {', '.join(EXPORTS)}")
        review = await call(workbench.store.review, review_id)
        folder = _export_folder(workbench)
        path = folder / ("export" + EXPORTS[fmt][0])
        try:
            await call(export, workbench, review_id, fmt, path)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return FileResponse(
            path,
            media_type=EXPORTS[fmt][1],
            filename=_download_name(review.file_name, fmt),
            background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
        )

    async def api_summary(request: Request) -> Response:
        fmt = request.query_params.get("format", "xlsx")
        if fmt not in SUMMARY_FORMATS:
            raise ReviewError(f"format must be one of {', '.join(SUMMARY_FORMATS)}")
        folder = _export_folder(workbench)
        path = folder / f"summary.{fmt}"
        try:
            await call(export_summary, workbench, path, fmt)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        media = {"xlsx": EXPORTS["xlsx"][1], "html": EXPORTS["html"][1], "csv": EXPORTS["csv"][1]}
        return FileResponse(
            path,
            media_type=media[fmt],
            filename=f"附件2_汇总.{fmt}",
            background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
        )

    async def api_codes(request: Request) -> Response:
        return JSONResponse([c.to_dict() for c in taxonomy.categories()])

    # ------------------------------------------------------------------ errors
    async def on_error(request: Request, exc: Exception) -> Response:
        if isinstance(exc, ReviewNotFoundError):
            return _error(request, 404, str(exc))
        if isinstance(exc, UploadTooLargeError):
            return _error(request, 413, str(exc))
        if isinstance(exc, HTTPException):
            return _error(request, exc.status_code, str(exc.detail))
        return _error(request, 400 if isinstance(exc, TasClassifyError) else 500, str(exc))

    routes = [
        Route("/", index),
        Route("/reviews", upload, methods=["POST"]),
        Route("/reviews/{review_id}", review_page),
        Route("/reviews/{review_id}/setup", setup),
        Route("/reviews/{review_id}/setup", setup_post, methods=["POST"]),
        Route("/reviews/{review_id}/verdict-panel", verdict_panel),
        Route("/reviews/{review_id}/groups/{key}", correct_form, methods=["POST"]),
        Route("/reviews/{review_id}/undo", undo_form, methods=["POST"]),
        Route("/reviews/{review_id}/delete", delete_form, methods=["POST"]),
        Route("/api/reviews", api_reviews),
        Route("/api/reviews", api_create, methods=["POST"]),
        Route("/api/reviews/{review_id}", api_review),
        Route("/api/reviews/{review_id}/options", api_options, methods=["PUT"]),
        Route("/api/reviews/{review_id}/groups", api_groups),
        Route("/api/reviews/{review_id}/groups/{key}", api_group_put, methods=["PUT"]),
        Route("/api/reviews/{review_id}/undo", api_undo, methods=["POST"]),
        Route("/api/reviews/{review_id}/verdict", api_verdict),
        Route("/api/reviews/{review_id}/status", api_status),
        Route("/api/reviews/{review_id}/export", api_export),
        Route("/api/summary", api_summary),
        Route("/api/codes", api_codes),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={TasClassifyError: on_error, HTTPException: on_error},
    )
    return Guard(app, limit=limit, hosts=hosts, token=token)


def _back(review_id: str, back: str) -> str:
    """Where a form returns: the review page with the reviewer's filters (never another site)."""
    query = back.split("?", 1)[1] if "?" in back else ""
    return f"/reviews/{review_id}" + (f"?{query}" if query else "")


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise ReviewError("the request body must be a JSON object") from None
    if not isinstance(body, dict):
        raise ReviewError("the request body must be a JSON object")
    return body
