"""The layers of DESIGN §4, checked on the real import graph, read statically from the source.

Every ``import`` statement of the package counts, lazy ones inside functions included:

* the core of ``rulelang/`` (language, checker, enumeration, data, measures) imports neither
  the search nor the neural engine, nor the top floor;
* ``rulelang.search`` (``search/``) imports the core only;
* ``rulelang.interp`` (``interp/``) imports the core and the search; it is the only layer
  that imports torch;
* the top floor (``rulelang/cli/``, ``rulelang/harness/``, ``rulelang/lsp/``, ``rulelang/web/``) may import every engine, but not
  torch itself;
* no module imports another module's private names (``from x import _name``), and no
  module imports a private module of another package.

A violation fails with the offending file, line and statement.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

#: Where each top folder of the checkout lives in the installed namespace.
ROOTS = {"rulelang": "rulelang", "search": "rulelang.search", "interp": "rulelang.interp",
         "grammar": "rulelang.grammar"}

#: Layer -> the layers it may import.
ALLOWED = {
    "core": {"core"},
    "search": {"core", "search"},
    "interp": {"core", "search", "interp", "torch"},
    "top": {"core", "search", "interp", "top"},
}


@dataclass(frozen=True)
class Import:
    path: str  # relative to the repository
    line: int
    source: str  # the statement as written
    importer: str  # dotted module name of the importing file
    target: str  # dotted module name imported (resolved)
    names: tuple[str, ...]  # for "from X import a, b": a, b


def module_name(path: Path) -> str:
    rel = path.relative_to(REPO).with_suffix("")
    parts = list(rel.parts)
    parts[0] = ROOTS[parts[0]]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer(module: str) -> str | None:
    """The layer of a module name (``None``: a third-party module other than torch)."""
    if module == "torch" or module.startswith("torch."):
        return "torch"
    if module in ("search", "interp") or module.split(".")[0] in ("search", "interp"):
        return "bare"  # the old top-level names: never valid
    if not (module == "rulelang" or module.startswith("rulelang.")):
        return None
    for prefix, name in (("rulelang.search", "search"), ("rulelang.interp", "interp"),
                         ("rulelang.cli", "top"), ("rulelang.harness", "top"), ("rulelang.__main__", "top"),
                         ("rulelang.lsp", "top"), ("rulelang.web", "top")):
        if module == prefix or module.startswith(prefix + "."):
            return name
    return "core"


def source_files() -> list[Path]:
    files = []
    for top in ROOTS:
        files += [p for p in (REPO / top).rglob("*.py") if "__pycache__" not in p.parts]
    return sorted(files)


def imports_of(path: Path) -> list[Import]:
    return imports_in(path.read_text(encoding="utf-8"), path)


def imports_in(text: str, path: Path) -> list[Import]:
    """Every import statement of ``text``, as if it were the source of ``path``."""
    tree = ast.parse(text, filename=str(path))
    lines = text.splitlines()
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [(a.name, ()) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            targets = [(target, tuple(a.name for a in node.names))]
        else:
            continue
        rel = path.relative_to(REPO).as_posix()
        for target, names in targets:
            out.append(Import(rel, node.lineno, lines[node.lineno - 1].strip(), me, target, names))
    return out


def all_imports() -> list[Import]:
    return [imp for p in source_files() for imp in imports_of(p)]


def violations(imports: list[Import]) -> list[str]:
    bad = []
    for imp in imports:
        mine = layer(imp.importer)
        # "from rulelang import search" imports the module rulelang.search.
        targets = [imp.target] + [f"{imp.target}.{n}" for n in imp.names
                                  if layer(f"{imp.target}.{n}") not in (layer(imp.target), None)]
        for target in targets:
            theirs = layer(target)
            if theirs is None:
                continue
            if theirs == "bare":
                bad.append(f"{imp.path}:{imp.line}: {imp.source}  (the top-level name "
                           f"{target.split('.')[0]!r} does not exist: use rulelang.{target})")
            elif theirs not in ALLOWED[mine]:
                bad.append(f"{imp.path}:{imp.line}: {imp.source}  ({mine} may not import {theirs})")
    return bad


def private_violations(imports: list[Import]) -> list[str]:
    """Imports of a private name (``_x``) or of a private module from another module."""
    bad = []
    for imp in imports:
        if not imp.target.startswith("rulelang") or imp.target == imp.importer:
            continue
        private = [p for p in imp.target.split(".") if p.startswith("_") and not p.startswith("__")]
        private += [n for n in imp.names if n.startswith("_") and not n.startswith("__")]
        for name in private:
            bad.append(f"{imp.path}:{imp.line}: {imp.source}  (imports the private name {name!r})")
    return bad


def test_the_import_graph_follows_the_layers():
    imports = all_imports()
    assert len(imports) > 200  # the walk really read the package
    bad = violations(imports)
    assert not bad, "layer violations:\n" + "\n".join(bad)


def test_no_module_imports_another_modules_private_names():
    bad = private_violations(all_imports())
    assert not bad, "private imports:\n" + "\n".join(bad)


def test_only_the_neural_layer_imports_torch():
    users = {imp.path for imp in all_imports() if layer(imp.target) == "torch"}
    assert users and all(p.startswith("interp/") for p in users), sorted(users)


@pytest.mark.parametrize("statement, importer, expected", [
    ("from rulelang.search import explain", "rulelang/measures.py", "core may not import search"),
    ("from ..interp.model import X", "rulelang/data/make.py", "core may not import interp"),
    ("from . import search", "rulelang/report.py", "core may not import search"),
    ("import torch", "rulelang/cli/train.py", "top may not import torch"),
    ("from rulelang.interp import model", "search/zendo.py", "search may not import interp"),
    ("from rulelang.cli import main", "search/zendo.py", "search may not import top"),
    ("from ..harness import api", "search/zendo.py", "search may not import top"),
    ("import search", "rulelang/harness/solvers.py", "does not exist"),
])
def test_the_checker_catches_each_kind_of_violation(statement, importer, expected):
    def helper():  # lazy imports inside functions count too
        pass

    text = f"def f():\n    {statement}\n"
    (message,) = violations(imports_in(text, REPO / importer))
    assert expected in message and message.startswith(f"{importer}:2: {statement}")


@pytest.mark.parametrize("source, target, names", [
    ("from rulelang._x import f", "rulelang._x", ("f",)),
    ("from . import _x", "rulelang", ("_x",)),
    ("from .kernels import _offset", "rulelang.kernels", ("_offset",)),
])
def test_private_imports_are_caught(source, target, names):
    imp = Import("rulelang/checker.py", 3, source, "rulelang.checker", target, names)
    (message,) = private_violations([imp])
    assert "private name" in message and message.startswith("rulelang/checker.py:3:")


def test_public_imports_pass_the_private_check():
    imp = Import("rulelang/checker.py", 3, "from . import bits", "rulelang.checker", "rulelang", ("bits",))
    assert not private_violations([imp])


def test_bench_and_tests_do_not_edit_sys_path():
    offenders = []
    for folder in ("bench", "tests"):
        for p in (REPO / folder).rglob("*.py"):
            for no, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1):
                if re.search(r"sys\.path\.(insert|append)|sys\.path\s*=", line) and p.name != "test_layers.py":
                    offenders.append(f"{p.relative_to(REPO)}:{no}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


#: The modules that use trained models; none may reach the training code.
INFERENCE = ("rulelang.interp.model", "rulelang.interp.solvers", "rulelang.interp.zendo",
             "rulelang.interp.decode", "rulelang.interp.vocab", "rulelang.interp.nets",
             "rulelang.interp.checkpoint")


def test_neural_inference_never_imports_training():
    graph: dict[str, set[str]] = {}
    for imp in all_imports():
        targets = {imp.target} | {f"{imp.target}.{n}" for n in imp.names}
        graph.setdefault(imp.importer, set()).update(t for t in targets if t.startswith("rulelang.interp"))
    for start in INFERENCE:
        seen, todo = set(), [start]
        while todo:
            m = todo.pop()
            if m in seen:
                continue
            seen.add(m)
            todo.extend(graph.get(m, ()))
        assert "rulelang.interp.train" not in seen, f"{start} reaches rulelang.interp.train"
