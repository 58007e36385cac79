"""One namespace, torch optional: what a user's working directory or environment cannot break.

* A user's own ``search.py`` or ``interp.py`` beside their files (and on ``PYTHONPATH``) is
  never loaded by rulelang: our engines are ``rulelang.search`` and ``rulelang.interp``.
* Without torch the neural commands say, in one line, how to install it (exit 2); here
  torch is hidden from a subprocess by a meta-path finder that refuses it (the wheel test
  checks the same on a real install without torch).
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rulelang.data import MakeOptions, make_dataset

REPO = Path(__file__).resolve().parents[1]

SHADOW = 'raise SystemExit("the user\'s own {name}.py was imported instead of rulelang\'s")\n'

#: Run rulelang with torch made unimportable (as if it were not installed).
NO_TORCH = """
import sys
class _NoTorch:
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ModuleNotFoundError("No module named 'torch'", name="torch")
sys.meta_path.insert(0, _NoTorch())
from rulelang.cli import console
sys.argv[0] = "rulelang"
console()
"""


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 600):
    return subprocess.run(args, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture(scope="module")
def user_dir(tmp_path_factory, dialect) -> Path:
    """A working directory holding a user's own search.py and interp.py, a table and data."""
    d = tmp_path_factory.mktemp("user")
    for name in ("search", "interp"):
        (d / f"{name}.py").write_text(SHADOW.format(name=name))
    (d / "table.txt").write_text("A..... true\nb..... false\n")
    make_dataset(d / "data", dataclasses.replace(MakeOptions.tiny(seed=1), table_size=8), dialect=dialect)
    return d


def _rulelang() -> list[str]:
    script = Path(sys.executable).with_name("rulelang")
    return [str(script)] if script.exists() else [sys.executable, "-m", "rulelang"]


@pytest.mark.parametrize("launcher", ["script", "module"])
def test_explain_uses_our_search_not_a_users_search_py(user_dir, launcher):
    cmd = _rulelang() if launcher == "script" else [sys.executable, "-m", "rulelang"]
    done = _run([*cmd, "explain", "table.txt", "-q"], user_dir, {"PYTHONPATH": str(user_dir)})
    assert "instead of rulelang's" not in done.stdout + done.stderr
    assert done.returncode == 0 and done.stdout.strip(), done.stdout + done.stderr


def test_the_crn_benchmark_uses_our_interp_not_a_users_interp_py(user_dir, tmp_path):
    done = _run([sys.executable, "-m", "rulelang", "bench", "--solver", "crn", "--data", "data",
                 "--limit", "2", "--option", "beams=5", "--out", str(tmp_path / "r.json"), "-q"],
                user_dir, {"PYTHONPATH": str(user_dir)})
    assert "instead of rulelang's" not in done.stdout + done.stderr
    assert done.returncode == 0 and (tmp_path / "r.json").is_file(), done.stdout + done.stderr


@pytest.mark.parametrize("args", [
    ["bench", "--solver", "crn"],
    ["train", "interpreter"],
    ["play", "--machine", "student", "--student", "crn", "--secret", "zero red"],
    ["eval", "--engine", "interpreter", "zero red", "......"],
    ["explain", "table.txt", "--engine", "crn"],
    ["train", "all"],
])
def test_without_torch_a_neural_command_says_how_to_install_it_in_one_line(user_dir, args):
    extra = ["--data", "data"] if args[0] in ("bench", "train") else []
    done = _run([sys.executable, "-c", NO_TORCH, *args, *extra], user_dir)
    text = (done.stdout + done.stderr).strip()
    assert done.returncode == 2, text
    assert "\n" not in text and "Traceback" not in text, text
    assert text == ("rulelang: the neural learners need PyTorch, which is not installed; "
                    "install it with: pip install 'rulelang[neural]'")


def test_without_torch_the_exact_commands_still_work(user_dir, tmp_path):
    done = _run([sys.executable, "-c", NO_TORCH, "bench", "--solver", "explain", "--data", "data",
                 "--out", str(tmp_path / "e.json"), "-q"], user_dir)
    assert done.returncode == 0, done.stdout + done.stderr
    done = _run([sys.executable, "-c", NO_TORCH, "explain", "table.txt", "-q"], user_dir)
    assert done.returncode == 0 and done.stdout.strip(), done.stdout + done.stderr
