"""The web app of the Zendo board: the page, and a small JSON API over :class:`~rulelang.web.board.Board`.

Routes (every answer JSON but the page and its files):

==========================================  ================================================
``GET /``                                   the board (``static/index.html``)
``GET /api/universe``                       the palette: the universe's pieces and their pictures
``GET /api/session``                        ``{"game": VIEW or null}``: this browser session's game
``POST /api/games``                         a new game (``{"role": "master"|"student", ...}``), 201
``GET /api/games/ID``                       a game's view
``POST /api/games/ID/ACTION``               a move (:mod:`rulelang.web.board`); the new view
==========================================  ================================================

A browser session is a cookie (``rulelang_session``); its current game is stored with the
games, so a reload or a restarted server finds it again. Bad input of any kind — a body that
is not JSON or is too large, a bad scene or rule, an unknown game, a move out of turn — is a
4xx answer whose body is the diagnostic, ``{"diagnostic": {...}, "text": "..."}`` (the
:class:`~rulelang.errors.RulelangError`'s JSON and its rendering), and the game goes on.
POST bodies must be ``application/json``, which a page of another site cannot send without
asking first; bound to the loopback, the app also answers only to loopback host names (no
DNS rebinding).
"""

from __future__ import annotations

import json
import secrets
import socket
import sys
import threading
from importlib.resources import files
from typing import Any, TextIO

from rulelang.errors import ExtraMissing, RulelangError
from rulelang.universe import ODEEN, Universe

try:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.exceptions import HTTPException
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route
except ModuleNotFoundError as err:  # the optional extra
    if (err.name or "").split(".")[0] not in ("starlette", "uvicorn"):
        raise
    raise ExtraMissing("the Zendo board's web server and framework", (err.name or "").split(".")[0], "web") from None

from .board import Board
from .store import GameStore

#: The largest request body read (bytes); a move is a few dozen.
MAX_BODY = 16 * 1024
COOKIE = "rulelang_session"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")
#: HTTP status of each diagnostic code a request can cause; other codes (a bad scene or
#: rule, E0xx-E2xx) are 422.
STATUS = {"E901": 400, "E902": 413, "E903": 404, "E505": 409, "E506": 400}
STATIC = {"board.js": "text/javascript; charset=utf-8", "board.css": "text/css; charset=utf-8",
          "index.html": "text/html; charset=utf-8"}
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class HTTPError(RulelangError):
    """A diagnostic with the HTTP status it is answered with."""

    def __init__(self, message: str, status: int, *, code: str = "E901", hint: str | None = None) -> None:
        super().__init__(message, code=code, hint=hint, path="<request>")
        self.status = status


class AsciiJSONResponse(JSONResponse):
    """JSON with every non-ASCII character escaped: any string can be sent, even one that is
    not text (a lone surrogate in a stored game would make ``JSONResponse`` fail)."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, allow_nan=False, separators=(",", ":")).encode("ascii")


def diagnostic_response(err: RulelangError) -> JSONResponse:
    status = getattr(err, "status", None) or STATUS.get(err.code, 422)
    d = err.diagnostic
    return AsciiJSONResponse({"diagnostic": d.to_json(), "text": d.render()}, status_code=status, headers=HEADERS)


async def read_json(request: Request) -> dict[str, Any]:
    """The request's JSON object (``{}`` for an empty body), read at most :data:`MAX_BODY` bytes."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise HTTPError(f"the body must be application/json, not {ctype or 'absent'}", 415)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
        raise HTTPError(f"the body is {int(declared):,} bytes; at most {MAX_BODY:,} are read", 413, code="E902")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise HTTPError(f"the body is over {MAX_BODY:,} bytes", 413, code="E902")
    if not body.strip():
        return {}
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise HTTPError("the body is not UTF-8", 400) from None
    except json.JSONDecodeError as err:
        lines = err.doc.split("\n")  # the lines json counts
        raise RulelangError(f"the body is not JSON: {err.msg}", code="E901", path="<body>", line=err.lineno,
                            column=err.colno, source_line=lines[min(err.lineno, len(lines)) - 1]) from None
    except RecursionError:
        raise HTTPError("the body nests too deeply", 400) from None
    except ValueError as err:  # e.g. an integer of more digits than Python converts
        raise HTTPError(f"the body is not JSON we can read: {err}", 400) from None
    try:  # "\ud800" is JSON, but no text: it could be neither stored nor answered
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as err:
        raise HTTPError(f"the body holds a lone surrogate (U+{ord(err.object[err.start]):04X}), not text", 400) \
            from None
    if not isinstance(data, dict):
        raise HTTPError(f"the body must be a JSON object, not {type(data).__name__}", 400)
    return data


def _session(request: Request) -> tuple[str, bool]:
    """The browser session's id, and whether it is new (a cookie to set)."""
    sid = request.cookies.get(COOKIE, "")
    if 16 <= len(sid) <= 64 and sid.replace("-", "").replace("_", "").isalnum():
        return sid, False
    return secrets.token_urlsafe(18), True


def _with_session(resp: Response, session: tuple[str, bool] | None) -> Response:
    """``resp``, setting the session's cookie when the session is new."""
    if session is not None and session[1]:
        resp.set_cookie(COOKIE, session[0], max_age=400 * 86400, httponly=True, samesite="strict")
    return resp


def _json(data: Any, status: int = 200, session: tuple[str, bool] | None = None) -> Response:
    return _with_session(AsciiJSONResponse(data, status_code=status, headers=HEADERS), session)


def create_app(board: Board, *, loopback: bool = True, host: str | None = None) -> Starlette:
    """The Starlette app of ``board``; ``loopback``: answer only to loopback host names (and
    to ``host``, the address it is bound to, such as 127.0.0.2)."""

    async def page(request: Request) -> Response:
        return _static_file("index.html", _session(request))

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            raise HTTPError(f"no file {name!r}", 404)
        return _static_file(name)

    async def universe(request: Request) -> Response:
        return _json(board.palette())

    async def session(request: Request) -> Response:
        sid = _session(request)
        game = None if sid[1] else await run_in_threadpool(board.current, sid[0])
        return _json({"game": game}, session=sid)

    async def new_game(request: Request) -> Response:
        spec = await read_json(request)
        sid = _session(request)
        return _json(await run_in_threadpool(board.new_game, sid[0], spec), 201, session=sid)

    async def game(request: Request) -> Response:
        return _json(await run_in_threadpool(board.view, request.path_params["id"]))

    async def move(request: Request) -> Response:
        body = await read_json(request)
        p = request.path_params
        return _json(await run_in_threadpool(board.act, p["id"], p["action"], body))

    async def rulelang_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RulelangError)
        return diagnostic_response(exc)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return diagnostic_response(HTTPError(str(exc.detail), exc.status_code))

    async def internal_error(request: Request, exc: Exception) -> Response:
        # A bug of ours: one line on standard error and a diagnostic for the page, as the
        # command line does.
        sys.stderr.write(f"rulelang: internal error: {type(exc).__name__}: {exc}\n")
        return diagnostic_response(HTTPError(f"internal error: {type(exc).__name__}: {exc}", 500,
                                             code="E000", hint="please report it"))

    routes = [
        Route("/", page),
        Route("/static/{name}", static),
        Route("/api/universe", universe),
        Route("/api/session", session),
        Route("/api/games", new_game, methods=["POST"]),
        Route("/api/games/{id}", game),
        Route("/api/games/{id}/{action}", move, methods=["POST"]),
    ]
    hosts = [*LOOPBACK_NAMES, *([host, f"[{host.strip('[]')}]"] if host else [])]
    middleware = [Middleware(TrustedHostMiddleware, allowed_hosts=hosts)] if loopback else []
    return Starlette(routes=routes, middleware=middleware,
                     exception_handlers={RulelangError: rulelang_error, HTTPException: http_error,
                                         Exception: internal_error})


def _static_file(name: str, session: tuple[str, bool] | None = None) -> Response:
    body = files("rulelang.web").joinpath("static", name).read_bytes()
    return _with_session(Response(body, media_type=STATIC[name], headers=HEADERS), session)


def is_loopback(host: str) -> bool:
    return host in LOOPBACK_NAMES or host.startswith("127.")


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port`` (port 0: a free one), for the server to serve.

    Raises:
        RulelangError: E301 when the address cannot be bound.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named: asyncio sets TCP_NODELAY only on sockets that say so, and without it
    # each answer's last segment waits for the browser's delayed ACK (40 ms).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(128)  # connections wait in the backlog until the server runs
    except OSError as err:
        sock.close()
        raise RulelangError(f"cannot listen on {host}:{port}: {err.strerror or err}", code="E301") from None
    return sock


def serve(db: str, host: str = "127.0.0.1", port: int = 8714, universe: Universe = ODEEN, *,
          beams: int | None = None, interpreter: str | None = None, generator: str | None = None,
          out: TextIO = sys.stdout) -> None:
    """Run the board until interrupted: games in the SQLite file ``db``, on ``host:port``.

    Prints the address first (with ``port`` 0, the port chosen), then loads the dialect
    index and the kernels in the background.
    """
    board = Board(GameStore(db), universe, beams=beams, interpreter=interpreter, generator=generator)
    sock = listen(host, port)
    name = sock.getsockname()
    shown = f"[{name[0]}]" if sock.family == socket.AF_INET6 else name[0]
    out.write(f"rulelang: the Zendo board is at http://{shown}:{name[1]}/ (games in {db}); "
              "Ctrl-C stops it\n")
    out.flush()
    threading.Thread(target=_warm, args=(board,), daemon=True, name="warm").start()
    config = uvicorn.Config(create_app(board, loopback=is_loopback(host), host=host), log_level="warning",
                            access_log=False, lifespan="off", server_header=False)
    uvicorn.Server(config).run(sockets=[sock])


def _warm(board: Board) -> None:
    try:
        board.warm()
    except Exception as exc:  # warming is an optimisation: the first game does it otherwise
        sys.stderr.write(f"rulelang: warning: could not load the dialect index early: {exc}\n")
