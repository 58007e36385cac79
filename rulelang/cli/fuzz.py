"""A fuzz campaign: generated inputs through the command line, in-process, with a tally.

Every input is a small file set and a command line — ``check``, ``fmt``, ``eval`` or
``explain`` — run by :func:`rulelang.cli.main` in this process. The inputs are drawn from
one seed: rules printed from random syntax trees (any depth, odd spacing, comments,
labels, CRLF), the same mutated (characters and words inserted, deleted, swapped,
replaced), word soup, very long and very deep rules, huge words and numbers, random
text; scene lines and tables, good and broken. The tally counts the inputs tried, the
diagnostics by code, the exit codes, and the failures — an internal error, a traceback,
an exit code outside 0/1/2, a failing exit without a diagnostic, a ``fmt`` that loses a line
or is not idempotent. The goal is no failure at all.

``bench/bench_fuzz.py`` runs 100,000 inputs; ``tests/test_cli_fuzz.py`` runs a few hundred
with a fixed seed on every test run.
"""

from __future__ import annotations

import contextlib
import io
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..ast import And, Not, Obj, Or, Prop, Quantity, Rule
from ..printer import format_rule
from ..universe import ODEEN, Universe

_CODE = re.compile(r"\b(?:error|warning)\[(E\d{3})\]|\"code\": \"(E\d{3})\"")
_ODD = list(" \t\r\f\v()#:_.-0123456789\x00\x85\u2028\u00a0é€\U0001f600") + ["\r\n", "\n"]


@dataclass
class Tally:
    """What a campaign saw."""

    tried: int = 0
    commands: Counter = field(default_factory=Counter)
    codes: Counter = field(default_factory=Counter)
    exits: Counter = field(default_factory=Counter)
    failures: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    durations: list[float] = field(default_factory=list, repr=False)  # seconds of each command

    def to_json(self) -> dict:
        times = sorted(self.durations)
        quantile = (lambda q: round(times[min(len(times) - 1, int(q * len(times)))], 6)) if times else (lambda q: None)
        return {"tried": self.tried, "commands": dict(self.commands), "codes": dict(sorted(self.codes.items())),
                "exit_codes": {str(k): v for k, v in sorted(self.exits.items())},
                "failures": len(self.failures), "failure_examples": self.failures[:20],
                "seconds": round(self.seconds, 3),
                "command_seconds": {"median": quantile(0.5), "p99": quantile(0.99), "max": quantile(1.0)}}


class Inputs:
    """Random inputs for the Odeen world, from one :class:`random.Random`."""

    def __init__(self, rng: random.Random, universe: Universe = ODEEN) -> None:
        self.rng, self.u = rng, universe
        self.words = sorted(universe.words) + ["and", "or", "not", "(", ")", "0", "1", "2", "7", "#"]
        self.objects = [Obj(c, s, o) for c in (None, *universe.colors) for s in (None, *universe.shapes)
                        for o in (None, *universe.orientations)
                        if (c or s) and (o is None or s is not None) and universe.selection(c, s, o)]

    # -- rules ------------------------------------------------------------------------

    def prop(self) -> Prop:
        r = self.rng
        n = r.choice([0, 1, 1, 2, 2, 3, self.u.length, r.randint(0, 9)])
        kind = r.choice(["at_least", "exactly", "at_most", "zero"])
        q = Quantity("zero", 0) if kind == "zero" else Quantity(kind, n)
        if self.u.relations and r.random() < 0.4:
            return Prop(q, r.choice(self.objects), r.choice(self.u.relations), r.choice(self.objects))
        return Prop(q, r.choice(self.objects))

    def tree(self, depth: int) -> Rule:
        r = self.rng
        if depth <= 0 or r.random() < 0.3:
            return self.prop()
        pick = r.random()
        if pick < 0.2:
            return Not(self.tree(depth - 1))
        make = And if pick < 0.6 else Or
        return make(self.tree(depth - 1), self.tree(depth - 1))

    def long_rule(self) -> str:
        r = self.rng
        n = r.choice([200, 200, 500, 2_000])
        shape = r.choice(["chain", "parens", "nots", "right"])
        if shape == "chain":
            return f" {r.choice(['and', 'or'])} ".join(format_rule(self.prop()) for _ in range(n))
        if shape == "parens":
            return "(" * n + format_rule(self.prop()) + ")" * n
        if shape == "nots":
            return "not " * n + format_rule(self.prop())
        return " and (".join(format_rule(self.prop()) for _ in range(n)) + ")" * (n - 1)

    def spaced(self, text: str) -> str:
        """``text`` with other white space between words, extra parentheses, a comment."""
        r = self.rng
        words = text.split(" ")
        text = "".join(w + r.choice([" ", " ", " ", "  ", "\t", " \f"]) for w in words).rstrip()
        if r.random() < 0.2:
            text = f"({text})"
        if r.random() < 0.2:
            text += "  # " + r.choice(["a note", "é", "#", "and"])
        return text

    def mutated(self, text: str) -> str:
        r = self.rng
        for _ in range(r.randint(1, 4)):
            op = r.random()
            if text and op < 0.45:
                i = r.randrange(len(text))
                step = r.random()
                if step < 0.4:
                    text = text[:i] + r.choice(_ODD + [chr(r.randint(1, 0x2FFF))]) + text[i:]
                elif step < 0.7:
                    text = text[:i] + text[i + 1:]
                else:
                    text = text[:i] + text[i + 1:i + 2] + text[i:i + 1] + text[i + 2:]
            else:
                words = text.split(" ")
                i, j = r.randrange(len(words)), r.randrange(len(words))
                if op < 0.6:
                    del words[i]
                elif op < 0.75:
                    words.insert(i, words[j])
                elif op < 0.85:
                    words[i], words[j] = words[j], words[i]
                else:
                    words[i] = r.choice(self.words + ["Red", "pyramids", "touching_", "at_least1"])
                text = " ".join(words)
        return text

    def rule_text(self) -> str:
        r = self.rng
        pick = r.random()
        if pick < 0.35:
            return self.spaced(format_rule(self.tree(r.randint(0, 4))))
        if pick < 0.75:
            return self.mutated(format_rule(self.tree(r.randint(0, 3))))
        if pick < 0.85:
            return " ".join(r.choice(self.words) for _ in range(r.randint(1, 12)))
        if pick < 0.87:
            return self.long_rule()
        if pick < 0.90:
            return r.choice(["zero ", "at_least ", ""]) + r.choice(["x", "red", "9"]) * r.choice([50, 5_000, 100_000])
        return "".join(chr(r.choice([r.randint(1, 127), r.randint(128, 0x10FFF)])) for _ in range(r.randint(0, 30)))

    def rule_file(self) -> str:
        r = self.rng
        lines = []
        for i in range(r.randint(0, 8)):
            pick = r.random()
            if pick < 0.1:
                lines.append(r.choice(["", "   ", "# a comment", "#"]))
                continue
            text = self.rule_text()
            if pick < 0.3:
                text = f"{r.choice(['a', 'b', 'rule-1', 'x.y', 'a'])}: {text}"
            lines.append(text)
        newline = r.choice(["\n", "\n", "\n", "\r\n"])
        return newline.join(lines) + (newline if r.random() < 0.8 else "")

    # -- scenes -----------------------------------------------------------------------

    def scene(self) -> str:
        return "".join(self.rng.choice(self.u.glyphs) for _ in range(self.u.length))

    def scene_line(self, labelled: bool = True) -> str:
        r = self.rng
        pick = r.random()
        text = self.scene()
        if labelled or pick < 0.5:
            text += r.choice([" true", " false", "  true", "\tfalse"])
        if pick < 0.2:
            return self.mutated(text + r.choice(["", " # seen", " True", " maybe", " true extra"]))
        return text

    def table(self) -> str:
        r = self.rng
        n = r.choice([0, 1, 3, 8, 20, 60])
        lines = [self.scene_line(labelled=r.random() < 0.95) for _ in range(n)]
        if lines and r.random() < 0.2:
            lines.append(lines[0].replace("true", "false") if "true" in lines[0] else lines[0])
        return "\n".join(lines) + "\n"


def _diagnostics(text: str) -> list[str]:
    return [a or b for a, b in _CODE.findall(text)]


class Campaign:
    """Runs inputs through the command line in ``workdir`` and keeps the :class:`Tally`."""

    def __init__(self, workdir: Path, seed: int = 0) -> None:
        from . import build_parser

        self.dir = Path(workdir)
        self.rng = random.Random(seed)
        self.inputs = Inputs(self.rng)
        self.parser = build_parser()  # built once: a parser per input would cost more than most inputs
        self.tally = Tally()

    def _write(self, name: str, text: str) -> str:
        path = self.dir / name
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        return str(path)

    def run(self, argv: list[str], check: Callable[[int, str], str | None] | None = None) -> tuple[int, str]:
        from . import main

        out, err = io.StringIO(), io.StringIO()
        start = time.perf_counter()
        with contextlib.redirect_stderr(err):
            code = main(argv, out=out, parser=self.parser)
        text, errors = out.getvalue(), err.getvalue()
        t = self.tally
        t.durations.append(time.perf_counter() - start)
        t.tried += 1
        t.commands[argv[0]] += 1
        t.exits[code] += 1
        codes = _diagnostics(text) + _diagnostics(errors)
        t.codes.update(codes)
        problem = None
        if "internal error" in errors or "Traceback" in errors:
            problem = errors.strip().splitlines()[0] if errors.strip() else "internal error"
        elif code not in (0, 1, 2):
            problem = f"exit code {code}"
        elif check is not None:
            problem = check(code, text + errors)
        if problem:
            t.failures.append({"argv": [a[:200] for a in argv], "problem": problem[:500]})
        return code, text

    def one(self) -> None:
        r, gen = self.rng, self.inputs
        pick = r.random()
        if pick < 0.3:
            argv = ["check", self._write("rules.rl", gen.rule_file())]
            if r.random() < 0.4:
                argv.append(self._write("scenes.txt", gen.table()))
            argv += r.choice([[], [], ["--format", "json"], ["-q"], ["-v"], ["--dialect"],
                              ["--engine", "compiled"], ["--engine", "reference"]])
            self.run(argv, _diagnosed)
        elif pick < 0.6:
            self._fmt(gen.rule_file())
        elif pick < 0.9:
            scenes = [gen.scene() if r.random() < 0.9 else gen.mutated(gen.scene()) for _ in range(r.randint(1, 4))]
            argv = ["eval", gen.rule_text(), *[s or "." for s in scenes]]
            self.run(argv + r.choice([[], ["--format", "json"], ["--dialect"]]), _diagnosed)
        else:
            argv = ["explain", self._write("table.txt", gen.table()), "--max-size", "4", "--timeout", "0.2"]
            self.run(argv + r.choice([[], ["-q"], ["--format", "json"], ["--tolerance", "1"], ["--top", "2"]]))

    def _fmt(self, text: str) -> None:
        from ..lines import line_endings, split_lines
        from ..rulefile import format_rule_file, parse_rule_file

        path = self._write("fmt.rl", text)
        mode = self.rng.choice([[], [], ["--check"], ["--diff"]])
        # --check and --diff exit 1 for a file that would change: that needs no diagnostic.
        code, _ = self.run(["fmt", *mode, path], None if mode else _diagnosed)
        if mode or code == 2:  # nothing written
            return
        after = Path(path).read_bytes().decode("utf-8", "surrogatepass")
        if len(split_lines(after)) != len(split_lines(text)):
            self.tally.failures.append({"argv": ["fmt", path], "problem": "fmt changed the number of lines",
                                        "input": text[:500]})
        elif format_rule_file(parse_rule_file(after), line_endings(after)) != after:
            self.tally.failures.append({"argv": ["fmt", path], "problem": "fmt is not idempotent",
                                        "input": text[:500]})

    def play(self, n: int, tick: Callable[[], None] | None = None) -> Tally:
        """Run ``n`` inputs; returns the tally so far."""
        start = time.perf_counter()
        for _ in range(n):
            self.one()
            if tick:
                tick()
        self.tally.seconds += time.perf_counter() - start
        return self.tally


def _diagnosed(code: int, text: str) -> str | None:
    """A command that fails on an input must say why: a located diagnostic or a usage error."""
    if code != 0 and not _diagnostics(text) and "error:" not in text:
        return f"exit {code} without a diagnostic"
    return None


def campaign(n: int, seed: int, workdir: Path, tick: Callable[[], None] | None = None) -> Tally:
    """Run a campaign of ``n`` inputs from ``seed`` in ``workdir`` (see the module docstring)."""
    return Campaign(workdir, seed).play(n, tick)
