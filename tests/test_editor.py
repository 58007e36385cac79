"""Editor support: the TextMate grammar, made from the universe, run in VS Code's own engine.

The engine is npm's ``vscode-textmate`` on ``vscode-oniguruma``, driven by node
(``tests/textmate/tokenize.js``). ``.ci/run`` installs it into ``tests/textmate/node_modules``
(ignored); a checkout without it gets it here, from the npm registry, on first use.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from rulelang.ast import QUANTIFIERS
from rulelang.cli import main
from rulelang.editor import logical_words, textmate_grammar, textmate_json, vscode_extension
from rulelang.rulefile import LABEL, split_comment
from rulelang.universe import ODEEN, Universe

REPO = Path(__file__).parents[1]
ENGINE = REPO / "tests" / "textmate"
SHIPPED = REPO / "editors" / "rulelang.tmLanguage.json"
EXAMPLES = sorted((REPO / "examples").glob("*.rl"))


@pytest.fixture(scope="session")
def tokenize():
    """``tokenize(grammar_path, *files) -> {file: [[(text, scopes), ...] per line]}``."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail("node and npm are needed for the TextMate grammar tests (apt-get install nodejs npm)")
    if not (ENGINE / "node_modules" / "vscode-textmate").is_dir():
        done = subprocess.run([npm, "install", "--no-audit", "--no-fund"], cwd=ENGINE,
                              capture_output=True, text=True, timeout=600)
        if done.returncode:
            pytest.fail(f"npm install in {ENGINE} failed:\n{done.stderr[-2000:]}")

    def run(grammar: Path, *files: Path) -> dict[str, list[list[tuple[str, list[str]]]]]:
        done = subprocess.run([node, str(ENGINE / "tokenize.js"), str(grammar), *map(str, files)],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        raw = json.loads(done.stdout)
        return {Path(k).name: [[(t["text"], t["scopes"]) for t in line] for line in lines]
                for k, lines in raw.items()}

    return run


def expected_scope(word: str, universe: Universe = ODEEN) -> str:
    if word in universe.colors:
        return f"support.constant.color.{word}.rulelang"
    if word in universe.shapes:
        return "entity.name.type.shape.rulelang"
    if word in universe.orientations:
        return "support.type.orientation.rulelang"
    if word in universe.relations:
        return "support.function.relation.rulelang"
    if word in QUANTIFIERS:
        return "keyword.other.quantity.rulelang"
    if word in logical_words(universe):
        return "keyword.operator.logical.rulelang"
    if word.isdigit():
        return "constant.numeric.integer.rulelang"
    if word == "(":
        return "punctuation.section.parens.begin.rulelang"
    if word == ")":
        return "punctuation.section.parens.end.rulelang"
    return "invalid.illegal.word.rulelang"


def test_the_shipped_grammar_is_the_generated_one():
    assert SHIPPED.read_text(encoding="utf-8") == textmate_json(), (
        "editors/rulelang.tmLanguage.json is stale: run "
        "'rulelang editor textmate -o editors/rulelang.tmLanguage.json'")


def test_the_grammar_follows_the_universe():
    garden = Universe(name="garden", length=4, empty="_", pieces={"g": ("green", "ball")},
                      colors=("green",), shapes=("ball",), orientations=(), relations=("touching",))
    text = json.dumps(textmate_grammar(garden))
    assert "green" in text and "ball" in text and "support.constant.color.green" in text
    assert "pyramid" not in text and "red" not in text and "surrounded_by" not in text
    assert "orientation" not in textmate_grammar(garden)["repository"]


def test_every_word_of_the_examples_gets_its_scope_in_the_real_engine(tokenize):
    result = tokenize(SHIPPED, *EXAMPLES)
    checked = words = 0
    for path in EXAMPLES:
        lines = path.read_text(encoding="utf-8").splitlines()
        for text, tokens in zip(lines, result[path.name]):
            code, comment = split_comment(text)
            m = LABEL.match(code)
            words += len(re.findall(r"[()]|[^\s()#]+", code[m.end():] if m else code))
            for tok, scopes in tokens:
                word = tok.strip()
                if not word:
                    continue
                if tok.startswith("#") or (comment and scopes[-1].startswith("comment")):
                    assert "comment.line.number-sign.rulelang" in scopes
                    continue
                if word == ":" or (len(scopes) > 1 and scopes[1] == "meta.label.rulelang"):
                    assert "meta.label.rulelang" in scopes
                    if word != ":":
                        assert scopes[-1] == "entity.name.label.rulelang" and code.split(":")[0].strip() == word
                    continue
                assert scopes[-1] == expected_scope(word), (path.name, text, tok, scopes)
                assert not any(s.startswith("invalid") for s in scopes), (path.name, text, tok)
                checked += 1
    assert checked == words > 50  # every word of every rule was looked at


def test_glued_and_unknown_words_show_as_invalid_like_the_parser_says(tokenize, tmp_path):
    f = tmp_path / "bad.rl"
    f.write_text("at_least1red\nzero pyramidd touching (blue)\nx: exactly 2 red  # two\n")
    lines = tokenize(SHIPPED, f)["bad.rl"]
    assert lines[0] == [("at_least1red", ["source.rulelang", "invalid.illegal.word.rulelang"])]
    scopes = {t: s[-1] for t, s in lines[1]}
    assert scopes["pyramidd"] == "invalid.illegal.word.rulelang"
    assert scopes["blue"] == "support.constant.color.blue.rulelang"
    assert scopes["("] == "punctuation.section.parens.begin.rulelang"
    third = {t: s[-1] for t, s in lines[2]}
    assert third["x"] == "entity.name.label.rulelang" and third["2"] == "constant.numeric.integer.rulelang"
    assert third[" two"] == "comment.line.number-sign.rulelang"


def test_editor_textmate_writes_the_grammar(tmp_path):
    out = tmp_path / "g.json"
    assert main(["editor", "textmate", "-o", str(out)], out=io.StringIO()) == 0
    assert out.read_text() == textmate_json()
    buf = io.StringIO()
    assert main(["editor", "textmate"], out=buf) == 0 and json.loads(buf.getvalue())["scopeName"] == "source.rulelang"


def test_editor_vscode_writes_an_extension_that_node_accepts(tmp_path):
    assert main(["editor", "vscode", str(tmp_path / "ext")], out=io.StringIO()) == 0
    root = tmp_path / "ext"
    package = json.loads((root / "package.json").read_text())
    (grammar,) = package["contributes"]["grammars"]
    assert json.loads((root / grammar["path"]).read_text()) == textmate_grammar()
    assert (root / package["contributes"]["languages"][0]["configuration"]).is_file()
    assert set(vscode_extension()) == {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
    node = shutil.which("node")
    assert node, "node is needed to check the extension's script"
    check = subprocess.run([node, "--check", str(root / package["main"])], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
