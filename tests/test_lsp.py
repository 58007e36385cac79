"""The language server end to end: ``rulelang lsp`` in a subprocess, a real client over stdio.

The client is pytest-lsp's (pygls underneath). Most servers run with the dialect index off
(``classes: false``); the hover test that shows semantic classes builds the index once, into
a cache folder of its own.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from rulelang.equivalence import examples
from rulelang.parser import parse
from rulelang.report import check
from rulelang.rulefile import format_rule_file, parse_rule_file
from search_fixtures import index  # noqa: F401  (the dialect index, built once a session)

EXAMPLES = Path(__file__).parents[1] / "examples"
FIXTURES = Path(__file__).parent / "fixtures"
SERVER = [sys.executable, "-m", "rulelang", "lsp"]
TIMEOUT = 60  # seconds for any one answer: generous on two shared cores


def recording_client() -> LanguageClient:
    """pytest-lsp's test client, which also keeps every diagnostics notification in order.

    (Waiting for "the next notification" can miss one that arrives right behind another;
    a record cannot.)
    """
    from pygls.protocol import default_converter
    from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

    def record(client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        client.diagnostics[params.uri] = params.diagnostics
        client.published.append(params)  # type: ignore[attr-defined]

    client = LanguageClient(converter_factory=default_converter)
    client.published = []  # type: ignore[attr-defined]
    register_lsp_features(client, {**DEFAULT_CLIENT_FEATURES, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: record})
    return client


def config(**env: str) -> ClientServerConfig:
    return ClientServerConfig(server_command=SERVER, server_env={**os.environ, **env},
                              client_factory=recording_client)


async def start(client: LanguageClient, root: Path | None = None, **options) -> None:
    await client.initialize_session(types.InitializeParams(
        capabilities=types.ClientCapabilities(),
        root_uri=root.as_uri() if root else None,
        initialization_options={"classes": False, **options}))


@pytest_lsp.fixture(config=config())
async def client(lsp_client: LanguageClient):
    await start(lsp_client)
    yield
    await lsp_client.shutdown_session()


# -- helpers --------------------------------------------------------------------------------


async def diagnostics_for(client: LanguageClient, uri: str, version: int | None,
                          after: int) -> list[types.Diagnostic]:
    """The diagnostics of ``uri`` at ``version`` published after the ``after``-th notification."""

    async def wait():
        while True:
            for params in client.published[after:]:  # type: ignore[attr-defined]
                if params.uri == uri and (version is None or params.version == version):
                    return list(params.diagnostics)
            await asyncio.sleep(0.002)

    return await asyncio.wait_for(wait(), TIMEOUT)


def mark(client: LanguageClient) -> int:
    return len(client.published)  # type: ignore[attr-defined]


async def open_doc(client: LanguageClient, uri: str, text: str, version: int = 1) -> list[types.Diagnostic]:
    after = mark(client)
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=uri, language_id="rulelang", version=version, text=text)))
    return await diagnostics_for(client, uri, version, after)


def as_check(diags: list[types.Diagnostic]) -> list[tuple]:
    """(code, line, column, end column, first line of the message), 1-based like ``check``."""
    return [(d.code, d.range.start.line + 1, d.range.start.character + 1, d.range.end.character + 1,
             d.message.split("\n", 1)[0]) for d in diags]


def check_findings(text: str, table: str | None = None) -> list[tuple]:
    report = check(text, "r.rl", table, "t.txt")
    return [(f.error.code, f.error.line, f.error.column, f.error.end_column, f.error.message)
            for f in report.findings() if f.kind != "scene"]


def apply(text: str, edits: list[types.TextEdit]) -> str:
    """Apply non-overlapping LSP edits (ASCII text, so columns are code points)."""
    lines = text.split("\n")
    offsets = [0]
    for ln in lines:
        offsets.append(offsets[-1] + len(ln) + 1)

    def off(p: types.Position) -> int:
        return min(offsets[min(p.line, len(lines))] + p.character, len(text))

    for e in sorted(edits, key=lambda e: off(e.range.start), reverse=True):
        text = text[: off(e.range.start)] + e.new_text + text[off(e.range.end):]
    return text


# -- diagnostics ----------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("name", ["good.rl", "bad.rl", "unformatted.rl"])
async def test_diagnostics_have_the_codes_and_ranges_of_check(client: LanguageClient, name):
    text = (FIXTURES / name).read_text(encoding="utf-8")
    diags = await open_doc(client, f"untitled:{name}", text)
    assert as_check(diags) == check_findings(text)
    assert all(d.source == "rulelang" and d.severity == types.DiagnosticSeverity.Error for d in diags)


@pytest.mark.asyncio
async def test_a_document_typed_character_by_character_never_has_stale_diagnostics(client: LanguageClient):
    final = ("# rules\nred_meets_blue: at_least 1 red touching blue\nx: zero pyramidd\n"
             "x: exactly 2 red\n(not zero blue or at_most 7 red\n")
    uri = "untitled:typed.rl"
    await open_doc(client, uri, "")
    text, version, line, col = "", 1, 0, 0
    steps = list(final) + ["\b"] * 12 + list(final[-12:])  # type, take the last line back, retype
    for ch in steps:
        version += 1
        if ch == "\b":
            start = types.Position(line, col - 1) if col else None
            if start is None:  # delete the line break before
                prev = text[:-1].rsplit("\n", 1)[-1]
                start = types.Position(line - 1, len(prev))
            change = types.TextDocumentContentChangePartial(range=types.Range(start, types.Position(line, col)), text="")
            text = text[:-1]
            line, col = start.line, start.character
        else:
            change = types.TextDocumentContentChangePartial(
                range=types.Range(types.Position(line, col), types.Position(line, col)), text=ch)
            text += ch
            line, col = (line + 1, 0) if ch == "\n" else (line, col + 1)
        after = mark(client)
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=version), [change]))
        diags = await diagnostics_for(client, uri, version, after)
        # Never stale: nothing published for this document after it carries an older version.
        assert all(p.version == version for p in client.published[after:] if p.uri == uri)
        assert as_check(diags) == check_findings(text), (version, repr(text))
    assert text == final
    assert {"E001", "E105"} <= {d.code for d in diags}


@pytest.mark.asyncio
async def test_closing_a_document_clears_its_diagnostics(client: LanguageClient):
    uri = "untitled:closing.rl"
    assert await open_doc(client, uri, "zero pyramidd\n")
    after = mark(client)
    client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))
    assert await diagnostics_for(client, uri, None, after) == []


# -- a table beside the rule file -----------------------------------------------------------


@pytest.mark.asyncio
async def test_each_rule_is_judged_on_the_table_beside_its_file(client: LanguageClient, tmp_path):
    rules = (EXAMPLES / "rules.rl").read_text()
    table = (EXAMPLES / "table.txt").read_text()
    (tmp_path / "rules.rl").write_text(rules)
    (tmp_path / "rules.table").write_text(table)
    uri = (tmp_path / "rules.rl").as_uri()
    diags = await open_doc(client, uri, rules)
    assert as_check(diags) == check_findings(rules, table)
    report = check(rules, "r.rl", table, "t.txt")
    contradicted = [d for d in diags if d.code == "E401"]
    assert len(contradicted) == len(report.contradicted) > 0
    for d, r in zip(contradicted, report.contradicted):
        # The first falsifying scenes (three at most, as check prints them), where the table has them.
        assert [(i.location.range.start.line + 1, i.message.split()[0]) for i in d.related_information] == [
            (f.line, f.scene) for f in r.falsifiers][:3]
        assert all(i.location.uri == (tmp_path / "rules.table").as_uri() for i in d.related_information)
    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(
        types.TextDocumentIdentifier(uri), types.Range(types.Position(0, 0), types.Position(100, 0))))
    by_line = {h.position.line + 1: h.label for h in hints}
    assert by_line == {r.entry.line: ("✓ explains rules.table" if r.explains else
                                      f"✗ falsified by {len(r.falsifiers)} of 12 in rules.table")
                       for r in report.results}


@pytest.mark.asyncio
async def test_a_setting_names_the_table_and_an_edited_table_judges_again(tmp_path):
    async with _client(tmp_path, table="observations.txt") as client:
        (tmp_path / "observations.txt").write_text("Ab.... true\n")
        uri = (tmp_path / "r.rl").as_uri()
        diags = await open_doc(client, uri, "zero red\nat_least 1 red\n")
        assert [(d.code, d.range.start.line) for d in diags] == [("E401", 0)]
        # The table opened in the editor and edited there: the rule file is judged on its text.
        table_uri = (tmp_path / "observations.txt").as_uri()
        after = mark(client)
        client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
            uri=table_uri, language_id="plaintext", version=1, text="Ab.... false\nXYZ\n")))
        diags = await diagnostics_for(client, uri, 1, after)
        assert [(d.code, d.range.start.line) for d in diags] == [("E401", 1)]
        assert [d.code for d in client.diagnostics[table_uri]] == ["E201"]


@pytest.mark.asyncio
async def test_changing_the_dialect_setting_checks_the_open_files_again(client: LanguageClient):
    uri = "untitled:dialect.rl"
    assert await open_doc(client, uri, "exactly 3 red\n") == []
    after = mark(client)
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"rulelang": {"dialect": True}}))
    diags = await diagnostics_for(client, uri, 1, after)
    assert as_check(diags) == [("E001", 1, 9, 10, "the Odeen dialect counts only 1 or 2, not 3")]


class _client:
    """A client of its own server, for a test that needs its own settings or environment."""

    def __init__(self, root: Path | None = None, env: dict | None = None, **options) -> None:
        self.root, self.env, self.options = root, env or {}, options

    async def __aenter__(self) -> LanguageClient:
        self.client = await config(**self.env).start()
        await start(self.client, self.root, **self.options)
        return self.client

    async def __aexit__(self, *exc) -> None:
        await self.client.shutdown_session()
        await self.client.stop()


# -- completion, hover, formatting, fixes ---------------------------------------------------


@pytest.mark.asyncio
async def test_completion_offers_the_words_that_may_follow(client: LanguageClient):
    uri = "untitled:complete.rl"
    await open_doc(client, uri, "name: at_least 1 re\n")
    got = await client.text_document_completion_async(types.CompletionParams(
        types.TextDocumentIdentifier(uri), types.Position(0, len("name: at_least 1 re"))))
    labels = [i.label for i in got.items]
    assert labels == ["red", "blue", "block", "pyramid"]
    assert all(i.text_edit.range.start.character == len("name: at_least 1 ") for i in got.items)
    got = await client.text_document_completion_async(types.CompletionParams(
        types.TextDocumentIdentifier(uri), types.Position(0, len("name: at_least "))))
    assert [i.label for i in got.items] == [str(n) for n in range(7)]


@pytest.mark.asyncio
async def test_hover_shows_the_rules_facts_and_its_semantic_class(tmp_path, index):
    async with _client(env={"RULELANG_CACHE_DIR": str(tmp_path / "cache")}, classes=True) as client:
        uri = "untitled:hover.rl"
        text = ("red_meets_blue: at_least 1 red   touching blue\nexactly 3 red\nzero red and at_least 1 red\n"
                "exactly 5 blue\n")
        await open_doc(client, uri, text)

        async def hover(line: int) -> str:
            got = await asyncio.wait_for(client.text_document_hover_async(types.HoverParams(
                types.TextDocumentIdentifier(uri), types.Position(line, 20))), 600)
            return got.contents.value

        first = await hover(0)
        rule = parse("at_least 1 red touching blue")
        ex = examples(rule)
        c = _class_of(index, rule)
        assert "**red_meets_blue**: `at_least 1 red touching blue`" in first
        assert f"true on **{ex.n_true:,}** of 117,649 scenes" in first and "constant: no" in first
        assert f"semantic class: **#{c:,}** of the dialect's 11,618 phenomena" in first
        assert f"{int(index.members[c]):,} dialect rules" in first
        assert f"satisfies it: `{ex.satisfying}`; that falsifies it: `{ex.falsifying}`" in first
        # A rule of the full language may still say what a dialect rule says...
        same = await hover(1)
        c = _class_of(index, parse("exactly 3 red"))
        assert c is not None and "`exactly 3 red` (full language)" in same
        assert f"**#{c:,}**" in same and f"canonical rule `{index.texts[c]}`" in same
        # ...or what none does.
        beyond = await hover(3)
        assert _class_of(index, parse("exactly 5 blue")) is None
        assert "none of the dialect's phenomena" in beyond
        constant = await hover(2)
        assert "constant: yes: true on no scene" in constant and "satisfies it: none" in constant
        assert "canonical rule `" in constant  # the class of the rules true nowhere


def _class_of(index, rule) -> int | None:
    import numpy as np

    from rulelang.checker import compile_rules, run

    row = run(compile_rules([rule])).words[0]
    hits = np.flatnonzero((index.class_rows == row).all(axis=1))
    return int(hits[0]) if hits.size else None


@pytest.mark.asyncio
async def test_formatting_gives_the_canonical_form_of_fmt(client: LanguageClient):
    text = (FIXTURES / "unformatted.rl").read_text()
    uri = "untitled:fmt.rl"
    await open_doc(client, uri, text)
    edits = await client.text_document_formatting_async(types.DocumentFormattingParams(
        types.TextDocumentIdentifier(uri), types.FormattingOptions(tab_size=4, insert_spaces=True)))
    assert edits and apply(text, edits) == format_rule_file(parse_rule_file(text))


@pytest.mark.asyncio
@pytest.mark.parametrize("line, fixed", [("x: at_least 1 pyramidd touching red", "x: at_least 1 pyramid touching red"),
                                         ("at_least1red touching blue", "at_least 1 red touching blue")])
async def test_a_quick_fix_applies_the_hint(client: LanguageClient, line, fixed):
    uri = f"untitled:fix{len(line)}.rl"
    (diag,) = await open_doc(client, uri, line + "\n")
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(uri), diag.range, types.CodeActionContext(diagnostics=[diag])))
    (action,) = actions
    assert action.kind == types.CodeActionKind.QuickFix
    assert apply(line + "\n", action.edit.changes[uri]) == fixed + "\n"
    parse(fixed.split(":", 1)[-1] if fixed.startswith("x:") else fixed)


# -- bad input ------------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("kind", ["binary", "megabyte line", "parentheses", "deep"])
async def test_bad_input_gets_diagnostics_and_the_server_keeps_serving(client: LanguageClient, kind):
    text = {
        "binary": "zero red\n\x00\x01\x02\x7f\x1b[31m\ufffd\x00 zero\n" + "".join(map(chr, range(1, 32))) + "\n",
        "megabyte line": "zero red\n" + "at_least1red" * 90_000 + "\n",
        "parentheses": "(" * 100_000 + "\n",
        "deep": "(" * 50_000 + "zero red" + ")" * 50_000 + "\n",
    }[kind]
    uri = f"untitled:bad-{kind.replace(' ', '-')}.rl"
    diags = await open_doc(client, uri, text)
    assert all(len(d.message) < 1000 for d in diags)
    # The same findings as check, whatever the input: a rule nested 50,000 deep is a rule
    # like any other (nothing to report), the others get check's diagnostics.
    assert as_check(diags) == check_findings(text)
    assert bool(diags) == (kind != "deep")
    # Still serving: a completion on a fresh document answers.
    await open_doc(client, f"{uri}.after.rl", "zero \n")
    got = await client.text_document_completion_async(types.CompletionParams(
        types.TextDocumentIdentifier(f"{uri}.after.rl"), types.Position(0, 5)))
    assert "red" in [i.label for i in got.items]


def _frame(obj: dict | bytes) -> bytes:
    body = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def _read_frames(stream) -> "list[dict]":
    frames = []
    while True:
        header = b""
        while not header.endswith(b"\r\n\r\n"):
            ch = stream.read(1)
            if not ch:
                return frames
            header += ch
        length = int(header.split(b"Content-Length:")[1].split(b"\r\n")[0])
        frames.append(json.loads(stream.read(length)))


def test_invalid_utf8_in_a_message_becomes_diagnostics_and_the_server_keeps_serving():
    text = b"zero red\nat_least 1 \xff\xfe red\n\xc3\x28 zero blue\n"
    did_open = (b'{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": '
                b'{"uri": "untitled:raw.rl", "languageId": "rulelang", "version": 1, "text": "'
                + text.replace(b"\n", b"\\n") + b'"}}}')
    messages = [
        _frame({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"processId": None, "rootUri": None, "capabilities": {},
                           "initializationOptions": {"classes": False}}}),
        _frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
        _frame(did_open),
        _frame({"jsonrpc": "2.0", "id": 2, "method": "textDocument/completion",
                "params": {"textDocument": {"uri": "untitled:raw.rl"}, "position": {"line": 0, "character": 5}}}),
        _frame({"jsonrpc": "2.0", "id": 3, "method": "shutdown"}),
        _frame({"jsonrpc": "2.0", "method": "exit"}),
    ]
    done = subprocess.run(SERVER, input=b"".join(messages), capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    import io

    frames = _read_frames(io.BytesIO(done.stdout))
    (published,) = [f for f in frames if f.get("method") == "textDocument/publishDiagnostics"]
    got = [(d["code"], d["range"]["start"]["line"] + 1, d["range"]["start"]["character"] + 1)
           for d in published["params"]["diagnostics"]]
    replaced = text.decode("utf-8", "replace")
    assert got == [(c, ln, col) for c, ln, col, _, _ in check_findings(replaced)] and got
    (completion,) = [f for f in frames if f.get("id") == 2]
    assert "red" in [i["label"] for i in completion["result"]["items"]]
    assert any(f.get("id") == 3 and "error" not in f for f in frames)


def test_every_request_gets_an_answer_even_a_bad_one():
    """pygls alone drops requests whose params do not fit (the editor would wait forever)
    and requests after shutdown; a change to a document never opened must not pop up an
    error either."""
    uri = "untitled:answers.rl"
    position = {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 5}}
    requests = {
        2: ("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": -1, "character": 0}}),
        3: ("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": "x", "character": 0}}),
        4: ("textDocument/completion", None),
        5: ("textDocument/completion", {"textDocument": {"uri": "file:///no/such/never-opened.rl"},
                                        "position": {"line": 0, "character": 0}}),
        6: ("textDocument/completion", {**position, "position": {"line": 1000, "character": 0}}),
        7: ("textDocument/completion", position),
        8: ("shutdown", None),
        9: ("textDocument/hover", position),
        10: ("shutdown", None),
    }
    messages = [
        _frame({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"processId": None, "rootUri": None, "capabilities": {},
                           "initializationOptions": {"classes": False}}}),
        _frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
        _frame({"jsonrpc": "2.0", "method": "textDocument/didChange",
                "params": {"textDocument": {"uri": "untitled:never.rl", "version": 2},
                           "contentChanges": [{"text": "zero rde"}]}}),
        _frame({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "rulelang", "version": 1, "text": "zero \n"}}}),
    ]
    for rid, (method, params) in requests.items():
        messages.append(_frame({"jsonrpc": "2.0", "id": rid, "method": method,
                                **({} if params is None else {"params": params})}))
    messages.append(_frame({"jsonrpc": "2.0", "method": "exit"}))
    done = subprocess.run(SERVER, input=b"".join(messages), capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    import io

    frames = _read_frames(io.BytesIO(done.stdout))
    answers = {f["id"]: f for f in frames if "id" in f and "method" not in f}
    assert sorted(answers) == list(range(1, 11))
    for rid in (2, 3, 4):
        assert answers[rid]["error"]["code"] == -32602, answers[rid]
    assert answers[5]["result"] is None  # never opened: not read from disk
    assert answers[6]["result"]["items"] == []  # past the end of the document
    assert "red" in [i["label"] for i in answers[7]["result"]["items"]]
    assert "error" not in answers[8]
    assert answers[9]["error"]["code"] == answers[10]["error"]["code"] == -32600
    assert not [f for f in frames if f.get("method") == "window/showMessage"], frames
    published = [f["params"]["uri"] for f in frames if f.get("method") == "textDocument/publishDiagnostics"]
    assert "untitled:never.rl" not in published


@pytest.mark.asyncio
async def test_lines_end_where_the_editor_ends_them(client: LanguageClient):
    """Form feeds, U+2028 and the like are characters of a line (the protocol ends lines at
    \\n, \\r\\n and \\r only): diagnostics, edits and formatting land where the editor has them."""
    uri = "untitled:breaks.rl"
    text = "zero red  # a\u2028b\x0cc\x85d\nzero bleu\n"
    diags = await open_doc(client, uri, text)
    assert as_check(diags) == check_findings(text)
    assert [d.range.start.line for d in diags] == [1]
    after = mark(client)
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(version=2, uri=uri),
        [types.TextDocumentContentChangePartial(types.Range(types.Position(1, 5), types.Position(1, 9)), "blue")]))
    assert await diagnostics_for(client, uri, 2, after) == []
    fed = "zero   red\x0c\nat_least   1 blue\n"
    await open_doc(client, "untitled:feed.rl", fed)
    edits = await client.text_document_formatting_async(types.DocumentFormattingParams(
        types.TextDocumentIdentifier("untitled:feed.rl"), types.FormattingOptions(4, True)))
    assert apply(fed, edits) == format_rule_file(parse_rule_file(fed)) == "zero red\nat_least 1 blue\n"


def test_without_the_extra_the_server_says_how_to_install_it():
    code = ("import sys; sys.modules['pygls'] = None; from rulelang.cli import main; "
            "raise SystemExit(main(['lsp']))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "pip install 'rulelang[lsp]'" in done.stderr
