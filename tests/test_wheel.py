"""The wheel: built from the checkout, installed into fresh virtual environments, it runs
from a directory outside the checkout, so the grammars and every subpackage must ship
inside it, under the one top-level name ``rulelang``.

Two installs: ``pip install rulelang`` (no torch: the language, checker, search, data and
harness all work; the neural commands say how to get torch) and ``rulelang[neural]`` (the
shipped models load and run).

Slow (about two minutes): ``python -m build --wheel`` (isolated, so its build requirements
come from the package index) on a copy of the checkout, then ``pip install`` of the wheel.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from rulelang.parser import parse
from rulelang.reference import evaluate
from rulelang.report import SMALL_BATCH
from rulelang.universe import ODEEN

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]

#: What a checkout holds that a wheel build must not see (caches, environments, results).
NOT_SOURCES = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__",
                                     ".hypothesis", ".pytest_cache", "results", "*.nbi", "*.nbc")

HIDDEN = "at_least 1 red touching blue"
RULES = f"""\
# written outside the checkout by tests/test_wheel.py
hidden: {HIDDEN}
mixed: at_least 1 red and at_least 1 blue
"""
SCENES = ["Ab....", "..vB..", "A.b...", "BBB...", ".a.V.a", "......", "vAbBaV"]


def _run(cmd: list[str], cwd: Path, extra_env: dict[str, str] | None = None,
         **kw) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return subprocess.run(cmd, cwd=cwd, env={**env, **(extra_env or {})}, capture_output=True,
                          text=True, **kw)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    shutil.copytree(REPO, source, ignore=NOT_SOURCES)
    built = _run([sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp / "dist"), str(source)], tmp)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (path,) = (tmp / "dist").glob("rulelang-*.whl")
    return path


def _venv(wheel_spec: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    env_dir = tmp_path_factory.mktemp("venv") / "env"
    made = _run([sys.executable, "-m", "venv", str(env_dir)], env_dir.parent)
    assert made.returncode == 0, made.stderr
    installed = _run([str(env_dir / "bin" / "pip"), "install", "--quiet", wheel_spec], env_dir.parent,
                     timeout=900)
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    return env_dir


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``pip install rulelang``: the core, with no torch."""
    return _venv(str(wheel), tmp_path_factory)


@pytest.fixture(scope="module")
def neural_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``pip install rulelang[neural]``: with torch (pinned to the local CPU wheel)."""
    return _venv(f"{wheel}[neural]", tmp_path_factory)


#: Where each top folder of the checkout installs (the design card keeps them at the top).
INSTALLED_AS = {"rulelang": "rulelang", "search": "rulelang/search", "interp": "rulelang/interp",
                "grammar": "rulelang/grammar"}


def _packages(root: Path) -> set[str]:
    """Wheel paths of the ``__init__.py`` of every package in the checkout."""
    found = set()
    for top, where in INSTALLED_AS.items():
        for init in (root / top).rglob("__init__.py"):
            if "__pycache__" not in init.parts:
                found.add(f"{where}/{init.relative_to(root / top).as_posix()}")
    return found


def test_the_wheel_ships_every_package_of_the_checkout_and_the_grammars(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = _packages(REPO) - names
    assert not missing, f"packages missing from the wheel (pyproject.toml packages?): {sorted(missing)}"
    for grammar in (REPO / "grammar").glob("*.lark"):
        assert f"rulelang/grammar/{grammar.name}" in names
    for book in (REPO / "search" / "books").glob("*.npz"):  # the opening books (search/book.py)
        assert f"rulelang/search/books/{book.name}" in names
    assert "rulelang/search/books/odeen.npz" in names
    assert "rulelang/py.typed" in names


def test_the_wheel_installs_one_top_level_name_and_no_torch_requirement(wheel):
    archive = zipfile.ZipFile(wheel)
    tops = {name.split("/", 1)[0] for name in archive.namelist()}
    dist_info = [t for t in tops if t.endswith(".dist-info")]
    assert tops - set(dist_info) == {"rulelang"}, sorted(tops)
    (info,) = dist_info
    if f"{info}/top_level.txt" in archive.namelist():
        assert archive.read(f"{info}/top_level.txt").decode().split() == ["rulelang"]
    meta = archive.read(f"{info}/METADATA").decode()
    requires = [line for line in meta.splitlines() if line.startswith("Requires-Dist:")]
    torch_lines = [line for line in requires if "torch" in line]
    assert torch_lines and all("extra ==" in line and "==2.13.0" in line for line in torch_lines), torch_lines


def test_rulelang_check_runs_from_the_installed_wheel_outside_the_checkout(venv, tmp_path):
    (tmp_path / "rules.rl").write_text(RULES)
    hidden = parse(HIDDEN)
    (tmp_path / "table.txt").write_text(
        "".join(f"{s} {'true' if evaluate(hidden, s, ODEEN) else 'false'}\n" for s in SCENES))

    where = _run([str(venv / "bin" / "python"), "-c", "import rulelang.checker as c; print(c.__file__)"], tmp_path)
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout + where.stderr

    text = _run([str(venv / "bin" / "rulelang"), "check", "rules.rl", "table.txt"], tmp_path)
    assert text.returncode == 1, text.stdout + text.stderr  # 'mixed' is falsified: a finding
    assert "Traceback" not in text.stdout + text.stderr
    assert "rules.rl:3:" in text.stdout and "E401" in text.stdout

    js = _run([str(venv / "bin" / "rulelang"), "check", "rules.rl", "table.txt", "--format", "json"], tmp_path)
    report = json.loads(js.stdout)
    verdicts = {r["name"]: r["explains"] for r in report["rules"]}
    assert verdicts == {"hidden": True, "mixed": False}


def test_the_installed_wheel_labels_a_large_batch_with_the_compiled_checker(venv, tmp_path):
    # More labels than SMALL_BATCH, so that `check` runs the Numba kernels inside the wheel.
    n = SMALL_BATCH // 2 + 1
    scenes = [ODEEN.format_scene(s) for s in ODEEN.all_scenes()[::ODEEN.n_scenes // n][:n]]
    hidden = parse(HIDDEN)
    (tmp_path / "rules.rl").write_text(RULES)
    (tmp_path / "table.txt").write_text(
        "".join(f"{s} {'true' if evaluate(hidden, s, ODEEN) else 'false'}\n" for s in scenes))
    js = _run([str(venv / "bin" / "rulelang"), "check", "rules.rl", "table.txt", "--format", "json"],
              tmp_path, timeout=300)
    assert js.returncode == 1, js.stderr[-3000:]
    report = json.loads(js.stdout)
    assert report["summary"]["engine"] == "compiled"
    verdicts = {r["name"]: r["explains"] for r in report["rules"]}
    assert verdicts == {"hidden": True, "mixed": False}


def _table(tmp_path: Path) -> Path:
    hidden = parse(HIDDEN)
    path = tmp_path / "table.txt"
    path.write_text("".join(f"{s} {'true' if evaluate(hidden, s, ODEEN) else 'false'}\n" for s in SCENES))
    return path


def test_without_torch_explain_and_the_explain_benchmark_run_from_the_wheel(venv, tmp_path):
    assert _run([str(venv / "bin" / "python"), "-c", "import torch"], tmp_path).returncode != 0
    rulelang = str(venv / "bin" / "rulelang")
    env_cache = {"RULELANG_CACHE_DIR": str(tmp_path / "cache")}
    table = _table(tmp_path)
    explained = _run([rulelang, "explain", str(table), "--format", "json"], tmp_path, timeout=600,
                     extra_env=env_cache)
    assert explained.returncode == 0, explained.stdout[-2000:] + explained.stderr[-2000:]
    assert json.loads(explained.stdout)["candidates_total"] >= 1
    made = _run([rulelang, "data", "make", "--out", "d", "--train", "40", "--train-small", "20",
                 "--validation", "10", "--test", "12", "--k", "20", "-q"], tmp_path, timeout=600)
    assert made.returncode == 0, made.stdout[-2000:] + made.stderr[-2000:]
    bench = _run([rulelang, "bench", "--solver", "explain", "--data", "d", "--format", "json", "-q"],
                 tmp_path, timeout=600, extra_env=env_cache)
    assert bench.returncode == 0, bench.stdout[-2000:] + bench.stderr[-2000:]
    summary = json.loads(bench.stdout)["summary"]
    assert summary["tasks"] == 12 and summary["rule_induction"] == 1.0


@pytest.mark.parametrize("command", [
    ["bench", "--solver", "crn", "--data", "d"],
    ["train", "interpreter", "--data", "d"],
    ["play", "--machine", "student", "--student", "crn", "--secret", "zero red"],
    ["eval", "--engine", "interpreter", "zero red", "......"],
])
def test_without_torch_the_neural_commands_say_how_to_get_it(venv, tmp_path, command):
    done = _run([str(venv / "bin" / "rulelang"), *command], tmp_path, timeout=300)
    assert done.returncode == 2, done.stdout + done.stderr
    text = (done.stdout + done.stderr).strip()
    assert "Traceback" not in text
    assert text.count("\n") == 0 and "pip install 'rulelang[neural]'" in text, text


def test_the_wheel_ships_the_default_models_and_they_load_outside_the_checkout(wheel, neural_venv, tmp_path):
    venv = neural_venv
    names = set(zipfile.ZipFile(wheel).namelist())
    for kind in ("interpreter", "generator", "empiricist"):
        assert f"rulelang/interp/models/{kind}.pt" in names
    # The shipped interpreter reads a rule and labels scenes; the
    # generator proposes only dialect rules. Both come from the installed package.
    code = (
        "import json\n"
        "from rulelang.interp.model import ConjectureGenerator, LearnedInterpreter, model_path\n"
        "from rulelang.universe import ODEEN\n"
        "i = LearnedInterpreter.load(model_path('interpreter'))\n"
        "g = ConjectureGenerator.load(model_path('generator'))\n"
        "s = ODEEN.parse_scenes(['AAb.vB', 'avbab.', 'A.bvab'])\n"
        "beam = g.propose(s, [True, False, False], 5)\n"
        "print(json.dumps({'path': str(i.path), 'labels': i.labels(['at_least 2 red'], s)[0].tolist(),\n"
        "                  'rules': [g.texts[int(r)] for r in beam.rules]}))\n")
    out = _run([str(venv / "bin" / "python"), "-c", code], tmp_path, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout)
    assert Path(got["path"]).is_relative_to(venv)
    assert got["labels"] == [True, False, False]
    assert 1 <= len(got["rules"]) <= 5
    for text in got["rules"]:
        parse(text, dialect=True)  # raises on anything outside the dialect


def test_the_wheel_ships_the_board_and_without_the_web_extra_serve_says_how_to_get_it(wheel, venv, tmp_path):
    names = set(zipfile.ZipFile(wheel).namelist())
    for page in (REPO / "rulelang" / "web" / "static").iterdir():
        assert f"rulelang/web/static/{page.name}" in names
    done = _run([str(venv / "bin" / "rulelang"), "serve", "--port", "0"], tmp_path, timeout=300)
    assert done.returncode == 2, done.stdout + done.stderr
    text = (done.stdout + done.stderr).strip()
    assert text.count("\n") == 0 and "pip install 'rulelang[web]'" in text, text
