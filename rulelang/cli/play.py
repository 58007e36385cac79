"""``rulelang play``: Zendo in the terminal, the machine as master or as student.

Commands and answers come from standard input line by line, so a game can be scripted
(``printf 'A.....\\nguess zero red\\n' | rulelang play --secret 'zero red'``).
"""

from __future__ import annotations

import argparse
import io
import sys
from typing import TextIO

from . import EXIT_ERROR, EXIT_OK
from .common import add_universe_option, draw_scene, error_line, natural, positive, seconds, seed, universe_from, use_color


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "play", help="play Zendo: guess the machine's rule, or let it guess yours",
        description="Zendo in one dimension. --machine master (default): the machine hides a "
                    "rule (random, or --secret); propose scenes to see their labels and guess "
                    "the rule. --machine student: the machine asks scenes until it can name "
                    "your rule; answer true or false, or give --secret to let it play alone.")
    p.add_argument("--machine", choices=("master", "student"), default="master",
                   help="the machine's role (default: master, you guess)")
    p.add_argument("--secret", metavar="RULE",
                   help="the hidden rule (master: instead of a random one; student: answers "
                        "automatically, the game runs unattended)")
    p.add_argument("--seed", type=seed, default=None, help="seed for the random hidden rule")
    p.add_argument("--confidence", type=float, default=1.0, metavar="P",
                   help="student: guess once the best rule's posterior reaches P (default 1: "
                        "only when one phenomenon is left)")
    p.add_argument("--criterion", choices=("cover", "gain", "minimax"), default="cover",
                   help="student: how to pick the next scene (default cover: even splits, the opening "
                        "book's question in the largest states, and a planned cover of the sparse rules; "
                        "gain: the old greedy questioner)")
    p.add_argument("--prior", choices=("uniform", "simplicity"), default="uniform",
                   help="student: the belief information gain is measured under")
    p.add_argument("--max-size", type=natural, default=10, metavar="N",
                   help="student: largest rule of the full-language fallback search")
    p.add_argument("--timeout", type=seconds, default=10.0, metavar="S",
                   help="student: seconds for the full-language fallback search")
    p.add_argument("--student", choices=("search", "crn"), default="search",
                   help="student: the exact version-space search (default), or the neural CRN "
                        "(conjecture generator + learned interpreter; the shipped models unless "
                        "--interpreter/--generator are given)")
    p.add_argument("--beams", type=positive, default=None, metavar="B",
                   help="student crn: conjectures per turn (default: the CRN's, as in 'bench --solver crn')")
    p.add_argument("--interpreter", metavar="FILE", help="student crn: interpreter checkpoint")
    p.add_argument("--generator", metavar="FILE", help="student crn: generator checkpoint")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                   help="colour the pieces (auto: on a terminal, unless NO_COLOR is set)")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="student: also show the student's own conjecture when it reports a simpler "
                        "equivalent rule")
    add_universe_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    from rulelang.errors import RulelangError
    from rulelang.parser import parse
    from rulelang.search import dialect_index
    from rulelang.search.zendo import (Console, MasterGame, Oracle, SearchStudent, StudentGame,
                                       play_master, play_student, random_secret)

    color = use_color(args, out)
    universe = universe_from(args)
    secret = None
    if args.secret is not None:
        try:
            secret = parse(args.secret, universe=universe)
        except RulelangError as err:  # it stops the game before it starts: standard error
            sys.stderr.write(err.located(path="<secret>", source_line=args.secret).diagnostic.render(
                use_color(args, sys.stderr)) + "\n")
            return EXIT_ERROR
    if not 0.0 < args.confidence <= 1.0:  # (NaN fails too)
        error_line("play: --confidence must lie in (0, 1]")
        return EXIT_ERROR
    stdin = sys.stdin if sys.stdin is not None else io.StringIO("")  # closed: no answers at all
    echo = not (hasattr(stdin, "isatty") and stdin.isatty())
    con = Console(stdin, out, echo=echo, draw=lambda s: draw_scene(s, color, universe), verbose=args.verbose)
    if args.machine == "master":
        if secret is None:
            secret = random_secret(args.seed, dialect_index(universe))
        play_master(MasterGame(secret, universe), con, color)
        return EXIT_OK
    if args.student == "crn":
        from rulelang.interp.model import BEAMS, ConjectureGenerator, LearnedInterpreter, model_path
        from rulelang.interp.zendo import NeuralStudent

        student = NeuralStudent(LearnedInterpreter.load(model_path("interpreter", args.interpreter), universe),
                                ConjectureGenerator.load(model_path("generator", args.generator), universe),
                                universe=universe, beams=args.beams or BEAMS, seed=args.seed or 0)
        game = StudentGame(student, universe, oracle=Oracle(secret, universe) if secret is not None else None,
                           max_questions=60)
    else:
        student = SearchStudent(universe=universe, confidence=args.confidence, criterion=args.criterion,
                                prior=args.prior, synth_max_size=args.max_size, synth_timeout=args.timeout)
        game = StudentGame(student, universe, oracle=Oracle(secret, universe) if secret is not None else None)
    play_student(game, con, color)
    return EXIT_OK
