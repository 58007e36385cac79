"""Benchmark: the language server on a 1,000-line rule file, against a full ``check``.

Run from the repository root::

    .venv/bin/python bench/bench_lsp.py            # about a minute
    .venv/bin/python bench/bench_lsp.py --quick

The fixture (written to a temporary directory): ``rules.rl``, 1,000 lines — dialect rules
with and without ``name:`` labels, rules of the full language, comments, blank lines and a
few bad lines — and ``rules.table`` beside it, 32 scenes labelled by the file's first rule,
so every rule is also judged on the table (E401 for the contradicted ones).

Measured end to end over stdio, ``rulelang lsp`` in a subprocess and a minimal JSON-RPC
client (frames decoded with ``json.loads``, no conversion into objects):

* **keystroke**: the time from sending a ``didChange`` (one character inserted in one rule,
  each time in another line, so that no line's result is in the cache) to receiving the
  ``publishDiagnostics`` of that version, for the whole file. Target 50 ms.
* **completion**: a completion request in the middle of a rule. Target 20 ms.
* **hover**: a hover on a rule not hovered before (canonical form, true count over all
  117,649 scenes, semantic class, simplest scenes), with the dialect index loaded and the
  kernels warm. Target 50 ms. The first hover of a session is reported apart: it builds the
  dialect index (a cache folder of the run's own, so the figure does not depend on what
  other checkouts left in ``~/.cache``), and a second server's first hover loads it.

For scale, in the same run: a full ``check`` of the file with its table in-process
(``rulelang.report.check``, what the server would do without its per-line cache), printed
as a ratio to the keystroke; and the analysis alone (no protocol), cold and after one edit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from _common import stats, verdict, write_result  # bench/ is on sys.path: the folder of the script
from rulelang.enumerate import dialect_rules
from rulelang.lsp.analysis import Analyser, Table
from rulelang.printer import format_rule
from rulelang.reference import evaluate
from rulelang.report import check
from rulelang.scenefile import parse_scene_file
from rulelang.universe import ODEEN

TARGETS_S = {"keystroke": 0.050, "completion": 0.020, "hover": 0.050}
N_LINES = 1000
FULL_LANGUAGE = ["not exactly 1 red and (at_least 1 blue touching red or zero blue)",
                 "at_least 4 block or at_least 3 pyramid pointing_up at_the_right_of red",
                 "not (zero blue surrounded_by red) or exactly 5 red"]
BAD = ["at_least 1 pyramidd", "at_least1red touching blue", "exactly 9 red", "(zero red or"]


def make_fixture(directory: Path, seed: int = 13) -> tuple[Path, str, str]:
    rng = np.random.default_rng(seed)
    rules = dialect_rules()
    picks = rng.choice(len(rules), size=N_LINES, replace=False)
    lines: list[str] = []
    for k, i in enumerate(picks):
        text = format_rule(rules[int(i)])
        if k % 97 == 5:
            lines.append(BAD[k % len(BAD)])
        elif k % 50 == 7:
            lines.append(FULL_LANGUAGE[k % len(FULL_LANGUAGE)])
        elif k % 40 == 3:
            lines.append("# a comment")
        elif k % 45 == 4:
            lines.append("")
        elif k % 3 == 0:
            lines.append(f"r{k}: {text}")
        else:
            lines.append(text + ("  # note" if k % 11 == 0 else ""))
    hidden = rules[int(picks[0])]
    scenes = ODEEN.all_scenes()[rng.choice(ODEEN.n_scenes, size=32, replace=False)]
    texts = [ODEEN.format_scene(s) for s in scenes]
    table = "".join(f"{t} {str(evaluate(hidden, t)).lower()}\n" for t in texts)
    rules_text = "\n".join(lines) + "\n"
    (directory / "rules.rl").write_text(rules_text)
    (directory / "rules.table").write_text(table)
    return directory / "rules.rl", rules_text, table


def in_process(rules_text: str, table_text: str, runs: int) -> dict:
    """Full check, the analysis cold, and the analysis after one edit (no protocol)."""
    full = []
    for _ in range(runs):
        t = time.perf_counter()
        check(rules_text, "rules.rl", table_text, "rules.table")
        full.append(time.perf_counter() - t)
    table = Table("rules.table", parse_scene_file(table_text, "rules.table"), ("bench",))
    cold, edit = [], []
    lines = rules_text.splitlines()
    for r in range(runs):
        a = Analyser()
        t = time.perf_counter()
        a.analyse(rules_text, "rules.rl", table)
        cold.append(time.perf_counter() - t)
        k = 10 + 7 * r
        edited = lines[:k] + [lines[k].replace(" ", "  ", 1)] + lines[k + 1:]
        t = time.perf_counter()
        a.analyse("\n".join(edited) + "\n", "rules.rl", table)
        edit.append(time.perf_counter() - t)
    return {"full_check": stats(full), "analysis_cold": stats(cold), "analysis_one_edit": stats(edit)}


class RawClient:
    """A minimal JSON-RPC client over the server's stdio: frames in, ``json.loads`` out.

    Timing stops when a message has arrived and been decoded, not after an editor-side
    conversion into objects, so the figures are the server's (and the pipe's).
    """

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.next_id = 0
        self.pending: dict[int, asyncio.Future] = {}
        self.published: dict[int, tuple[float, int]] = {}  # version -> (arrival, diagnostics)
        self.reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = None
            while True:
                line = await out.readline()
                if not line:
                    return
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
                elif line in (b"\r\n", b"\n"):
                    break
            msg = json.loads(await out.readexactly(length or 0))
            now = time.perf_counter()
            if msg.get("method") == "textDocument/publishDiagnostics":
                params = msg["params"]
                self.published[params.get("version") or 0] = (now, len(params["diagnostics"]))
            elif "id" in msg and msg["id"] in self.pending:
                self.pending.pop(msg["id"]).set_result((now, msg.get("result")))

    def send(self, method: str, params: object, *, request: bool = False) -> asyncio.Future | None:
        msg: dict = {"jsonrpc": "2.0", "method": method, "params": params}
        fut = None
        if request:
            self.next_id += 1
            msg["id"] = self.next_id
            fut = self.pending[self.next_id] = asyncio.get_running_loop().create_future()
        body = json.dumps(msg).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        return fut

    async def request(self, method: str, params: object) -> tuple[float, object]:
        fut = self.send(method, params, request=True)
        await self.proc.stdin.drain()  # type: ignore[union-attr]
        return await asyncio.wait_for(fut, 600)  # type: ignore[arg-type]

    async def published_at(self, version: int) -> tuple[float, int]:
        while version not in self.published:
            await asyncio.sleep(0.0002)
        return self.published[version]


async def start_server(cache: Path) -> RawClient:
    env = {**os.environ, "RULELANG_CACHE_DIR": str(cache)}
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "rulelang", "lsp", env=env,
                                                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                                                limit=64 << 20)
    return RawClient(proc)


async def stop_server(client: RawClient) -> None:
    await client.request("shutdown", None)
    client.send("exit", None)
    await client.proc.wait()


async def first_hover_from_cache(cache: Path, path: Path) -> float:
    """A second server: its first hover loads the index the first one cached."""
    client = await start_server(cache)
    await client.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
    client.send("initialized", {})
    client.send("textDocument/didOpen", {"textDocument": {"uri": path.as_uri(), "languageId": "rulelang",
                                                          "version": 1, "text": "zero red\n"}})
    await client.published_at(1)
    t = time.perf_counter()
    arrived, _ = await client.request("textDocument/hover", {"textDocument": {"uri": path.as_uri()},
                                                              "position": {"line": 0, "character": 1}})
    await stop_server(client)
    return arrived - t


async def over_stdio(path: Path, rules_text: str, n: int, cache: Path) -> dict:
    client = await start_server(cache)
    await client.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
    client.send("initialized", {})
    uri = path.as_uri()
    doc = {"uri": uri}
    lines = rules_text.splitlines()
    t0 = time.perf_counter()
    client.send("textDocument/didOpen", {"textDocument": {**doc, "languageId": "rulelang", "version": 1,
                                                           "text": rules_text}})
    arrived, n_diagnostics = await asyncio.wait_for(client.published_at(1), 120)
    open_s = arrived - t0

    good = Analyser().analyse(rules_text).entries  # 1-based lines of the good rules
    rule_lines = [k - 1 for k in sorted(good)]
    keystrokes = []
    for i in range(n):
        k = rule_lines[(i * 37) % len(rule_lines)]
        col = lines[k].index(" ")  # a space more between the first two words: a new line text
        version = i + 2
        t = time.perf_counter()
        client.send("textDocument/didChange", {
            "textDocument": {**doc, "version": version},
            "contentChanges": [{"range": {"start": {"line": k, "character": col},
                                          "end": {"line": k, "character": col}}, "text": " "}]})
        arrived, _ = await client.published_at(version)
        keystrokes.append(arrived - t)
        lines[k] = lines[k][:col] + " " + lines[k][col:]

    async def timed(method: str, k: int, col: int) -> tuple[float, object]:
        t = time.perf_counter()
        arrived, result = await client.request(method, {"textDocument": doc,
                                                        "position": {"line": k, "character": col}})
        return arrived - t, result

    completions = []
    for i in range(n):
        k = rule_lines[(i * 53) % len(rule_lines)]
        took, result = await timed("textDocument/completion", k, len(lines[k]) // 2)
        completions.append(took)

    first_hover, _ = await timed("textDocument/hover", rule_lines[0], 1)  # loads the dialect index
    hovers, repeated = [], []
    for i in range(1, n + 1):
        k = rule_lines[(i * 29) % len(rule_lines)]
        took, result = await timed("textDocument/hover", k, 1)
        assert result is not None and "semantic class" in result["contents"]["value"], (k, lines[k])
        hovers.append(took)
        took, _ = await timed("textDocument/hover", k, 1)
        repeated.append(took)
    await stop_server(client)
    return {"open_s": open_s, "diagnostics_on_open": n_diagnostics, "keystroke": stats(keystrokes),
            "completion": stats(completions), "first_hover_s": first_hover, "hover": stats(hovers),
            "hover_repeated": stats(repeated)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer runs")
    ap.add_argument("--out", type=Path, help="result file (default bench/results/lsp.json)")
    args = ap.parse_args()
    n, runs = (15, 3) if args.quick else (60, 7)
    with tempfile.TemporaryDirectory() as tmp:
        path, rules_text, table_text = make_fixture(Path(tmp))
        base = in_process(rules_text, table_text, runs)
        # A cache folder of the run's own: the first server builds the dialect index into it
        # (the first hover ever), a second one loads it (the first hover of a later session).
        cache = Path(tmp) / "cache"
        lsp = asyncio.run(over_stdio(path, rules_text, n, cache))
        lsp["first_hover_cached_s"] = asyncio.run(first_hover_from_cache(cache, Path(tmp) / "small.rl"))
    ms = lambda s: f"{1000 * s:8.1f} ms"  # noqa: E731
    ratio = base["full_check"]["median"] / lsp["keystroke"]["median"]
    print(f"fixture: {N_LINES:,}-line rule file + 32-scene table; {lsp['diagnostics_on_open']} diagnostics")
    print(f"full check, in-process (median of {runs}):      {ms(base['full_check']['median'])}")
    print(f"analysis alone, cold / after one edit:          {ms(base['analysis_cold']['median'])} / "
          f"{ms(base['analysis_one_edit']['median'])}")
    print(f"open, over stdio (first diagnostics):           {ms(lsp['open_s'])}")
    for key in ("keystroke", "completion", "hover"):
        med = lsp[key]["median"]
        print(f"{key + ' (median of ' + str(n) + ')':<48}{ms(med)}   target {ms(TARGETS_S[key])}  "
              f"{verdict(med, TARGETS_S[key])}")
    print(f"first hover ever (builds the dialect index):     {ms(lsp['first_hover_s'])}")
    print(f"first hover of a later session (loads it):      {ms(lsp['first_hover_cached_s'])}")
    print(f"hover of a rule hovered before:                 {ms(lsp['hover_repeated']['median'])}")
    print(f"full check / keystroke:                         {ratio:8.1f} x")
    write_result("lsp", {"config": {"lines": N_LINES, "table_scenes": 32, "repeats": n, "runs": runs},
                         "in_process": base, "stdio": lsp, "full_check_over_keystroke": ratio,
                         "targets_s": TARGETS_S,
                         "verdicts": {k: verdict(lsp[k]["median"], v) for k, v in TARGETS_S.items()}}, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
