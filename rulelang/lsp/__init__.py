"""The language server for rule files (``rulelang lsp``), on pygls (the ``lsp`` extra).

* :mod:`rulelang.lsp.analysis` — a rule file analysed line by line, each line's result kept
  and reused while its text is unchanged: the diagnostics of ``rulelang check``, the words
  that may follow the cursor, the fixes of "did you mean" hints, the canonical formatting,
  and each rule's verdict on a table; no pygls in it.
* :mod:`rulelang.lsp.facts` — what a hover tells about a rule: canonical form, true count,
  semantic class among the dialect's phenomena, simplest scenes.
* :mod:`rulelang.lsp.server` — the protocol: pygls wiring and position conversions.

It sits on the top floor (it may use the search's dialect index for the semantic classes).
"""

from __future__ import annotations

from ..errors import ExtraMissing


def serve(*, dialect: bool = False, table: str | None = None, universe=None) -> None:
    """Serve rule files over standard input and output until the client says exit.

    Raises:
        ExtraMissing: when pygls (the ``lsp`` extra) is not installed.
    """
    try:
        import lsprotocol  # noqa: F401
        import pygls  # noqa: F401
    except ImportError:
        raise ExtraMissing("the language server and its editor features", "pygls", "lsp") from None
    from .server import serve_stdio

    serve_stdio(dialect=dialect, table=table, **({"universe": universe} if universe is not None else {}))
