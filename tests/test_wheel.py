"""The wheel: built from the checkout, installed into a fresh virtual environment with its
dependencies, it runs ``rulelang check`` from a directory outside the checkout, so the
grammars and every subpackage must ship inside it.

Slow (about half a minute): ``python -m build --wheel`` (isolated, so its build requirements
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


def _run(cmd: list[str], cwd: Path, **kw) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, **kw)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    shutil.copytree(REPO, source, ignore=NOT_SOURCES)
    built = _run([sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp / "dist"), str(source)], tmp)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (path,) = (tmp / "dist").glob("rulelang-*.whl")
    return path


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    env_dir = tmp_path_factory.mktemp("venv") / "env"
    made = _run([sys.executable, "-m", "venv", str(env_dir)], env_dir.parent)
    assert made.returncode == 0, made.stderr
    installed = _run([str(env_dir / "bin" / "pip"), "install", "--quiet", str(wheel)], env_dir.parent)
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    return env_dir


def _packages(root: Path) -> set[str]:
    """Wheel paths of the ``__init__.py`` of every package in the checkout."""
    found = set()
    for top in ("rulelang", "search", "interp"):
        for init in (root / top).rglob("__init__.py"):
            if "__pycache__" not in init.parts:
                found.add(init.relative_to(root).as_posix())
    return found


def test_the_wheel_ships_every_package_of_the_checkout_and_the_grammars(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = _packages(REPO) - names
    assert not missing, f"packages missing from the wheel (pyproject.toml packages?): {sorted(missing)}"
    for grammar in (REPO / "grammar").glob("*.lark"):
        assert f"rulelang/grammar/{grammar.name}" in names
    assert "rulelang/py.typed" in names


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


def test_the_wheel_ships_the_default_models_and_they_load_outside_the_checkout(wheel, venv, tmp_path):
    names = set(zipfile.ZipFile(wheel).namelist())
    for kind in ("interpreter", "generator", "empiricist"):
        assert f"interp/models/{kind}.pt" in names
    # The shipped interpreter reads a rule and labels scenes; the
    # generator proposes only dialect rules. Both come from the installed package.
    code = (
        "import json\n"
        "from interp.model import ConjectureGenerator, LearnedInterpreter, model_path\n"
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
