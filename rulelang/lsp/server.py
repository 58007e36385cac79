"""The language server: pygls wiring around :mod:`rulelang.lsp.analysis` and :mod:`~rulelang.lsp.facts`.

Features: diagnostics on every change (``check``'s codes and ranges; E401 with the falsifying
scenes as related information when a table lies beside the rule file), completion of the
words that may follow the cursor, hover (:func:`rulelang.lsp.facts.hover_markdown`),
formatting (``fmt``'s canonical form, as per-line edits), quick fixes for "did you mean" and
glued words, and an inlay hint after each rule saying whether it explains the table.

Settings (``initializationOptions``, or ``workspace/didChangeConfiguration`` under
``rulelang``): ``table`` — the table of a rule file, relative to it (default
``{stem}.table``); ``dialect`` — accept only the Odeen dialect; ``classes`` — look semantic
classes up in the dialect index (default on; the index is loaded, or built once and cached,
on the first hover).

Bad input never stops the server: invalid UTF-8 in a message is read as U+FFFD (the
document then gets its diagnostics like any other), and a failure while analysing a document
becomes a diagnostic on it rather than an exception. Every request gets an answer
(:class:`RulelangProtocol`): one whose params do not fit its method gets the error
"invalid params" (-32602), one after ``shutdown`` "invalid request" (-32600); a change to a
document never opened is ignored. Lines end at ``\n``, ``\r\n`` or ``\r`` only, as the
protocol says (:class:`EditorDocument`), so positions agree with the editor's.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidRequest
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, default_converter
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import TextDocument, Workspace

from ..errors import RulelangError
from ..lines import split_lines
from ..universe import ODEEN, Universe
from .analysis import DEFAULT_TABLE, Analyser, Analysis, Table, completions, fix_of, load_table, table_path
from .facts import hover_markdown, rule_facts

logger = logging.getLogger(__name__)

RULE_SUFFIX = ".rl"
#: A contradiction lists at most this many falsifying scenes as related information (as
#: ``check`` does without ``-v``); its message gives their number.
MAX_RELATED = 3
SOURCE = "rulelang"


@dataclass
class Settings:
    table: str = DEFAULT_TABLE
    dialect: bool = False
    classes: bool = True

    def update(self, options: Any) -> None:
        if not isinstance(options, dict):
            return
        options = options.get("rulelang", options) if isinstance(options.get("rulelang"), dict) else options
        if isinstance(options.get("table"), str) and options["table"]:
            self.table = options["table"]
        if isinstance(options.get("dialect"), bool):
            self.dialect = options["dialect"]
        if isinstance(options.get("classes"), bool):
            self.classes = options["classes"]


class LenientStdin:
    """Standard input whose message bodies have invalid UTF-8 replaced by U+FFFD.

    A JSON-RPC body must be UTF-8; one that is not would otherwise be dropped whole, and the
    document it carried would keep stale diagnostics.
    """

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw

    def readline(self) -> bytes:
        return self.raw.readline()

    def read(self, n: int) -> bytes:
        data = self.raw.read(n)
        try:
            data.decode("utf-8")
            return data
        except UnicodeDecodeError:
            return data.decode("utf-8", "replace").encode("utf-8")


class EditorDocument(TextDocument):
    """A document whose lines end where the protocol says (pygls splits them with
    ``str.splitlines``, which also breaks at form feeds, U+2028 and the like: an edit would
    land on the wrong line)."""

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(split_lines(self.source, keepends=True))


class EditorWorkspace(Workspace):
    """The workspace of :class:`EditorDocument` documents."""

    def _create_text_document(self, doc_uri: str, source: str | None = None, version: int | None = None,
                              language_id: str | None = None) -> TextDocument:
        return EditorDocument(doc_uri, source=source, version=version, language_id=language_id,
                              sync_kind=self._sync_kind, position_codec=self._position_codec)


@dataclass(frozen=True)
class _Unreadable:
    """A request whose params pygls could not read: answered with ``error``."""

    id: int | str
    method: str
    error: JsonRpcException


class RulelangProtocol(LanguageServerProtocol):
    """pygls's protocol, made to answer every request (see the module docstring).

    pygls drops a request whose params do not fit its method (it only shows the user a
    message), and any request after ``shutdown``: the editor would wait for an answer
    forever.
    """

    def structure_message(self, data: dict[str, Any]):
        try:
            return super().structure_message(data)
        except JsonRpcException as err:
            if "jsonrpc" in data and "method" in data and isinstance(data.get("id"), (int, str)):
                return _Unreadable(data["id"], str(data["method"]), err)
            logger.warning("dropped a message that does not fit its method: %s", err)
            return data  # a notification: nothing to answer (handle_message ignores it)

    def handle_message(self, message) -> None:
        if isinstance(message, _Unreadable):
            error = message.error.to_response_error()
            error.message = f"{error.message}: the params do not fit {message.method}"
            self._send_response(message.id, error=error)
            return
        if not hasattr(message, "jsonrpc"):  # a notification that could not be read
            return
        method = getattr(message, "method", "")
        if self._shutdown and method != types.EXIT:
            if getattr(message, "id", None) is not None and method:  # a request, not a notification
                self._send_response(message.id, error=JsonRpcInvalidRequest(
                    "the server is shutting down").to_response_error())
            return
        if method == types.TEXT_DOCUMENT_DID_CHANGE and self._workspace is not None \
                and message.params.text_document.uri not in self._workspace.text_documents:
            logger.warning("ignored a change to a document never opened: %s", message.params.text_document.uri)
            return
        super().handle_message(message)


class RulelangServer(LanguageServer):
    """The rulelang language server (one per editor session)."""

    def __init__(self, *, universe: Universe = ODEEN, dialect: bool = False, table: str | None = None) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            ver = version("rulelang")
        except PackageNotFoundError:
            ver = "unknown"
        super().__init__("rulelang", ver, text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
                         protocol_cls=RulelangProtocol)
        self.converter = default_converter()
        self.universe = universe
        self.settings = Settings(table or DEFAULT_TABLE, dialect)
        self.analyser = Analyser(universe, dialect)
        self.analyses: dict[str, Analysis] = {}
        self.tables: dict[str, Table] = {}  # table path -> the last one read
        self._index: asyncio.Future | None = None
        self._facts: OrderedDict[str, str] = OrderedDict()
        # Each diagnostic as the JSON text sent, by what decides it: a keystroke then converts
        # and encodes one line's diagnostics, not the whole file's.
        self._sent: OrderedDict[tuple, str] = OrderedDict()

    # -- settings and tables ---------------------------------------------------------------

    def configure(self, options: Any) -> None:
        self.settings.update(options)
        if self.settings.dialect != self.analyser.dialect:
            self.analyser = Analyser(self.universe, self.settings.dialect)
            self._facts.clear()

    def table_for(self, rule_path: str) -> Table | None:
        path = table_path(rule_path, self.settings.table)
        key = str(path)
        uri = from_fs_path(key)
        doc = self.workspace.text_documents.get(uri) if uri else None
        cached = self.tables.get(key)
        if doc is not None:
            if cached is not None and cached.key == ("open", doc.version):
                return cached
            table = load_table(path, doc.source, doc.version, universe=self.universe)
        else:
            try:
                st = path.stat()
                stamp = ("disk", st.st_mtime_ns, st.st_size)
            except (OSError, ValueError):  # ValueError: a NUL in the path
                stamp = None
            if stamp is None:
                if cached is not None:  # the table went away: clear what was said about it
                    del self.tables[key]
                    self.publish_scene_diagnostics(key, None)
                return None
            if cached is not None and cached.key == stamp:
                return cached
            table = load_table(path, universe=self.universe)
        if table is None:
            return None
        self.tables[key] = table
        self.publish_scene_diagnostics(key, table)
        return table

    # -- diagnostics ---------------------------------------------------------------------

    def refresh(self, uri: str) -> None:
        """Analyse a rule document and publish its diagnostics (never stale, never raising)."""
        doc = self.workspace.get_text_document(uri)
        path = doc.path or uri
        try:
            # Only a file on disk has a folder to find its table in (not "untitled:" and the like).
            table = self.table_for(path) if uri.startswith("file:") else None
            analysis = self.analyser.analyse(doc.source, path, table)
            self.analyses[uri] = analysis
            diagnostics = [self.sent_form(err, analysis, uri) for err in analysis.diagnostics]
        except Exception as exc:  # a bug of ours must not leave stale diagnostics behind
            logger.exception("analysis of %s failed", uri)
            self.analyses.pop(uri, None)
            diagnostics = [self.encode(types.Diagnostic(
                range=types.Range(types.Position(0, 0), types.Position(0, 1)), source=SOURCE, code="E000",
                message=f"internal error while checking this file: {type(exc).__name__}: {str(exc)[:200]}",
                severity=types.DiagnosticSeverity.Error))]
        self.publish(uri, doc.version, diagnostics)

    def encode(self, obj: Any) -> str:
        return json.dumps(self.converter.unstructure(obj))  # ASCII: ensure_ascii is on

    def publish(self, uri: str, version: int | None, diagnostics: list[str]) -> None:
        """Send ``textDocument/publishDiagnostics`` with diagnostics already encoded.

        The frame is written straight to pygls' writer: encoding a whole file's diagnostics
        again on every keystroke would cost more than the analysis itself.
        """
        writer = self.protocol.writer
        if writer is None:
            return
        body = (f'{{"jsonrpc": "2.0", "method": "{types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS}", '
                f'"params": {{"uri": {json.dumps(uri)}, "version": {json.dumps(version)}, '
                f'"diagnostics": [{", ".join(diagnostics)}]}}}}').encode("utf-8")
        writer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def sent_form(self, err: RulelangError, analysis: Analysis, uri: str) -> str:
        """The JSON text of a diagnostic, made once per (line, its text, its table)."""
        d = err.diagnostic
        raw = analysis.lines[d.line - 1] if d.line and 0 < d.line <= len(analysis.lines) else ""
        table = (analysis.table.path, analysis.table.key) if d.code == "E401" and analysis.table else None
        key = (uri, d.line, raw, table, d.code, d.column, d.end_column, d.message, d.hint)
        hit = self._sent.get(key)
        if hit is not None:
            self._sent.move_to_end(key)
            return hit
        hit = self._sent[key] = self.encode(self.to_lsp(err, analysis, uri))
        if len(self._sent) > 50_000:
            self._sent.popitem(last=False)
        return hit

    def refresh_all(self) -> None:
        for uri in list(self.workspace.text_documents):
            if is_rule_file(uri):
                self.refresh(uri)

    def publish_scene_diagnostics(self, table_key: str, table: Table | None) -> None:
        uri = from_fs_path(table_key)
        if uri is None:
            return
        doc = self.workspace.text_documents.get(uri)
        lines = table.scene_file.lines if table is not None else []
        errors = table.scene_file.errors if table is not None else []
        self.publish(uri, doc.version if doc is not None else None,
                     [self.encode(self.to_lsp(e, None, uri, lines)) for e in errors])

    def position(self, lines: list[str], line: int, column: int) -> types.Position:
        """A 0-based (line, code-point column) position in the client's units."""
        raw = lines[line] if 0 <= line < len(lines) else ""
        if raw.isascii() or self.workspace.position_encoding == types.PositionEncodingKind.Utf32:
            return types.Position(line, column)
        return types.Position(line, self.workspace.position_codec.client_num_units(raw[:column]))

    def to_lsp(self, err: RulelangError, analysis: Analysis | None, uri: str,
               lines: list[str] | None = None) -> types.Diagnostic:
        d = err.diagnostic
        lines = analysis.lines if analysis is not None else (lines or [])
        line = (d.line or 1) - 1
        raw = lines[line] if 0 <= line < len(lines) else ""
        col = (d.column or 1) - 1
        end = (d.end_column - 1) if d.end_column is not None else max(len(raw), col + 1)
        message = d.message
        if d.expected:
            message += "\nexpected: " + ", ".join(d.expected)
        if d.hint:
            message += "\nhint: " + d.hint
        fix = fix_of(err)
        related = None
        if analysis is not None and d.code == "E401":
            related = [types.DiagnosticRelatedInformation(
                location=types.Location(uri=from_fs_path(f.path) or f.path, range=types.Range(
                    types.Position(f.line - 1, f.column - 1), types.Position(f.line - 1, f.column - 1 + len(f.scene)))),
                message=f"{f.scene} is labelled {str(f.expected).lower()}, the rule says {str(f.got).lower()}")
                for f in analysis.falsifiers.get(d.line or 0, ())[:MAX_RELATED]]
        return types.Diagnostic(
            range=types.Range(self.position(lines, line, col), self.position(lines, line, max(end, col))),
            message=message, severity=types.DiagnosticSeverity.Error, code=d.code, source=SOURCE,
            related_information=related or None, data={"fix": fix} if fix is not None else None)

    # -- hover ---------------------------------------------------------------------------

    async def index(self):
        """The dialect index, loaded (or built and cached) once, off the event loop."""
        if not self.settings.classes:
            return None
        if self._index is None:
            from ..search.index import dialect_index

            self._index = asyncio.get_running_loop().run_in_executor(None, dialect_index, self.universe)
        try:
            return await self._index
        except Exception:  # too many scenes for an index, no memory...: hover without classes
            logger.exception("the dialect index is not available")
            return None

    async def hover_text(self, analysis: Analysis, line: int) -> str | None:
        entry = analysis.entry_at(line)
        if entry is None:
            return None
        index = await self.index()
        key = f"{entry.name}\0{entry.text}\0{index is not None}"
        hit = self._facts.get(key)
        if hit is not None:
            self._facts.move_to_end(key)
            return hit
        try:
            text = hover_markdown(rule_facts(entry.rule, self.universe, index), entry.name)
        except RulelangError as err:  # a universe too large to label every scene
            text = f"`{entry.text}`\n\n{err.message}"
        except RecursionError:
            return None
        self._facts[key] = text
        if len(self._facts) > 1024:
            self._facts.popitem(last=False)
        return text


def is_rule_file(uri: str) -> bool:
    return uri.lower().split("?", 1)[0].endswith(RULE_SUFFIX)


def build_server(*, universe: Universe = ODEEN, dialect: bool = False, table: str | None = None) -> RulelangServer:
    """A server with every feature registered (not started)."""
    server = RulelangServer(universe=universe, dialect=dialect, table=table)

    @server.feature(types.INITIALIZE)
    def initialize(ls: RulelangServer, params: types.InitializeParams) -> None:
        # pygls has just made a plain Workspace; no document is open in it yet.
        ls.workspace.__class__ = EditorWorkspace
        ls.configure(params.initialization_options)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(ls: RulelangServer, params: types.DidChangeConfigurationParams) -> None:
        ls.configure(params.settings)
        ls.tables.clear()
        ls.refresh_all()

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: RulelangServer, params: types.DidChangeWatchedFilesParams) -> None:
        ls.refresh_all()

    def changed(ls: RulelangServer, uri: str) -> None:
        if is_rule_file(uri):
            ls.refresh(uri)
            return
        path = to_fs_path(uri)
        if path is not None and str(Path(path)) in {str(table_path(to_fs_path(u) or u, ls.settings.table))
                                                    for u in ls.workspace.text_documents if is_rule_file(u)}:
            ls.refresh_all()  # a table being edited: judge its rule files again

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: RulelangServer, params: types.DidOpenTextDocumentParams) -> None:
        changed(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: RulelangServer, params: types.DidChangeTextDocumentParams) -> None:
        changed(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: RulelangServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.refresh_all()  # a table saved from another editor, say

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: RulelangServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.analyses.pop(uri, None)
        if is_rule_file(uri):
            ls.publish(uri, None, [])
        else:
            changed(ls, uri)  # a table closed: read it from disk again

    @server.feature(types.TEXT_DOCUMENT_COMPLETION,
                    types.CompletionOptions(trigger_characters=[" ", "("]))
    def completion(ls: RulelangServer, params: types.CompletionParams) -> types.CompletionList | None:
        doc = ls.workspace.text_documents.get(params.text_document.uri)
        if doc is None:  # never opened: pygls would read it from disk, if it is there at all
            return None
        lines = split_lines(doc.source)
        if params.position.line > len(lines):  # past the end (its last line may be empty)
            return types.CompletionList(is_incomplete=False, items=[])
        pos = doc.position_from_client_units(params.position)
        raw = lines[pos.line] if pos.line < len(lines) else ""
        start, words = completions(raw, pos.character, universe=ls.universe, dialect=ls.analyser.dialect)
        rng = types.Range(ls.position(lines, pos.line, start), ls.position(lines, pos.line, pos.character))
        items = [types.CompletionItem(label=w, kind=types.CompletionItemKind.Keyword, sort_text=f"{k:03d}",
                                      text_edit=types.TextEdit(range=rng, new_text=w))
                 for k, w in enumerate(words)]
        return types.CompletionList(is_incomplete=False, items=items)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: RulelangServer, params: types.HoverParams) -> types.Hover | None:
        uri = params.text_document.uri
        analysis = ls.analyses.get(uri)
        if analysis is None:
            return None
        line = params.position.line + 1
        text = await ls.hover_text(analysis, line)
        entry = analysis.entry_at(line)
        if text is None or entry is None:
            return None
        rng = types.Range(ls.position(analysis.lines, line - 1, entry.column - 1),
                          ls.position(analysis.lines, line - 1, entry.column - 1 + len(entry.text)))
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text), range=rng)

    @server.feature(types.TEXT_DOCUMENT_FORMATTING)
    def formatting(ls: RulelangServer, params: types.DocumentFormattingParams) -> list[types.TextEdit]:
        uri = params.text_document.uri
        analysis = ls.analyses.get(uri)
        if analysis is None:
            return []
        text = ls.workspace.get_text_document(uri).source
        try:
            formatted = analysis.formatted()
        except RecursionError:
            return []
        return line_edits(ls, analysis.lines, text, formatted)

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    def code_action(ls: RulelangServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        actions = []
        for d in params.context.diagnostics:
            fix = d.data.get("fix") if isinstance(d.data, dict) else None
            if not isinstance(fix, str) or d.source != SOURCE:
                continue
            actions.append(types.CodeAction(
                title=f"Replace with {fix!r}", kind=types.CodeActionKind.QuickFix, diagnostics=[d],
                is_preferred=True,
                edit=types.WorkspaceEdit(changes={params.text_document.uri: [types.TextEdit(d.range, fix)]})))
        return actions

    @server.feature(types.TEXT_DOCUMENT_INLAY_HINT)
    def inlay_hint(ls: RulelangServer, params: types.InlayHintParams) -> list[types.InlayHint]:
        analysis = ls.analyses.get(params.text_document.uri)
        if analysis is None or analysis.table is None:
            return []
        name = Path(analysis.table.path).name
        hints = []
        for line, v in sorted(analysis.verdicts.items()):
            if not params.range.start.line <= line - 1 <= params.range.end.line:
                continue
            raw = analysis.lines[line - 1]
            label = (f"explains {name}" if v.explains
                     else f"falsified by {len(analysis.falsifiers.get(line, ()))} of {v.n_labelled} in {name}")
            hints.append(types.InlayHint(position=ls.position(analysis.lines, line - 1, len(raw.rstrip())),
                                         label=("✓ " if v.explains else "✗ ") + label, padding_left=True))
        return hints

    return server


def line_edits(ls: RulelangServer, lines: list[str], text: str, formatted: str) -> list[types.TextEdit]:
    """Edits that turn ``text`` into ``formatted``, one per changed line (same line count)."""
    new = split_lines(formatted)
    edits = []
    for k, (old, want) in enumerate(zip(lines, new)):
        if old != want:
            edits.append(types.TextEdit(types.Range(types.Position(k, 0), ls.position(lines, k, len(old))), want))
    if lines and not text.endswith(("\n", "\r")):
        end = ls.position(lines, len(lines) - 1, len(lines[-1]))
        edits.append(types.TextEdit(types.Range(end, end), "\n"))
    return edits


def serve_stdio(*, dialect: bool = False, table: str | None = None, universe: Universe = ODEEN) -> None:
    """Run the server on standard input and output until the client says exit."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="rulelang lsp: %(message)s")
    server = build_server(universe=universe, dialect=dialect, table=table)
    server.start_io(LenientStdin(sys.stdin.buffer), sys.stdout.buffer)
