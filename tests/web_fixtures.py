"""Shared set-up for the tests of the Zendo board (``rulelang serve``): a real server process
on 127.0.0.1 and a free port, an HTTP client with its own cookies (one browser session), and
Debian's chromium driven by Playwright.

Import the fixtures into a test module with ``from web_fixtures import *``.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette", reason="the board's tests need the web extra: pip install 'rulelang[web]'")

__all__ = ["Server", "Client", "server", "CHROMIUM", "CHROMIUM_ARGS", "browser"]

#: Debian's chromium (tests cannot download a browser: the network is closed).
CHROMIUM = Path("/usr/bin/chromium")
#: Without the background-networking flags chromium hangs on the closed network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-proxy-server"]
#: How ``python`` starts the command line with torch hidden (as if the neural extra were absent).
NO_TORCH = ("import sys; sys.modules['torch'] = None; from rulelang.cli import main; "
            "raise SystemExit(main(sys.argv[1:]))")


class Server:
    """``rulelang serve --port 0 --db DB`` in a child process; :meth:`start` returns its address."""

    def __init__(self, db: Path, *args: str, no_torch: bool = False) -> None:
        self.db, self.args, self.no_torch = db, args, no_torch
        self.proc: subprocess.Popen | None = None
        self.url = ""
        self.log = db.with_suffix(".stderr")

    def start(self, timeout: float = 120.0) -> str:
        head = [sys.executable, "-c", NO_TORCH] if self.no_torch else [sys.executable, "-m", "rulelang"]
        self.proc = subprocess.Popen([*head, "serve", "--port", "0", "--db", str(self.db), *self.args],
                                     stdout=subprocess.PIPE, stderr=self.log.open("ab"), text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline() if ready else ""
        if "http://" not in line:
            self.stop()
            raise AssertionError(f"the server did not start: {line!r}\n{self.log.read_text()}")
        self.url = line.split("http://", 1)[1].split("/", 1)[0]
        self.url = f"http://{self.url}"
        deadline = time.monotonic() + timeout
        while True:  # the socket is bound before the address is printed; wait for the app
            try:
                Client(self.url).get("/api/universe")
                return self.url
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self, *, kill: bool = False) -> None:
        """Stop the server: SIGTERM (uvicorn's graceful stop), or SIGKILL with ``kill``."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.proc = None

    def restart(self, *, kill: bool = True) -> str:
        self.stop(kill=kill)
        return self.start()


class Client:
    """One browser session over HTTP: JSON in and out, its own cookies, no proxy."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                                  urllib.request.HTTPCookieProcessor(self.jar))

    def request(self, method: str, path: str, body: Any = None, *, raw: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, Any]:
        """``(status, decoded JSON)`` of a request; ``raw`` sends bytes as they are."""
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        hdrs = {"Content-Type": "application/json"} if data is not None else {}
        hdrs.update(headers or {})
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=hdrs)
        try:
            with self.opener.open(req, timeout=120) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as err:
            text = err.read()
            try:
                return err.code, json.loads(text)
            except ValueError:
                return err.code, text.decode("utf-8", "replace")

    def get(self, path: str) -> Any:
        status, data = self.request("GET", path)
        assert status == 200, (status, data)
        return data

    def post(self, path: str, body: Any = None, expect: int = 200) -> Any:
        status, data = self.request("POST", path, {} if body is None else body)
        assert status == expect, (status, data)
        return data


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A board for the module's tests, its games in a fresh file."""
    srv = Server(tmp_path_factory.mktemp("board") / "games.sqlite")
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium, headless, driven by Playwright (each context a fresh profile)."""
    if not CHROMIUM.exists():
        if os.environ.get("CI", "").strip().lower() in ("true", "1"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs chromium")
        pytest.skip(f"the browser tests need {CHROMIUM} (apt-get install chromium chromium-driver)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()
