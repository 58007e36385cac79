"""``rulelang train interpreter|generator|empiricist --regime R``: train a neural learner."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from . import EXIT_OK
from .common import add_universe_option, dump_json, seed, universe_from

LEARNERS = ("interpreter", "generator", "empiricist")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train the interpreter, the conjecture generator or EMP-L",
                       description="Train a neural learner in one training regime of a data set (it sees "
                                   "only that regime's labelled scenes). Validation on the validation "
                                   "split picks the best weights; a checkpoint is written after every "
                                   "validation. Same seed, same model.")
    p.add_argument("learner", choices=LEARNERS,
                   help="interpreter: (rule, scene) -> label; generator: table -> rule; "
                        "empiricist: EMP-L, (table, scene) -> label")
    p.add_argument("--regime", default="1438x10000", metavar="R,K",
                   help="training regime, as 'R,K' or 'RxK' (default 1438x10000)")
    p.add_argument("--data", default=None, metavar="DIR", help="data set directory (default data/odeen-v1)")
    p.add_argument("--out", default=None, metavar="FILE",
                   help="checkpoint (default models/REGIME/LEARNER.pt; models/UNIVERSE/REGIME/LEARNER.pt "
                        "for another world than odeen)")
    p.add_argument("--seed", type=seed, default=0, help="random seed (0)")
    p.add_argument("--steps", type=int, default=None, metavar="N", help="optimizer steps (per learner default)")
    p.add_argument("--batch", type=int, default=None, metavar="N",
                   help="rules (interpreter) or tables per step")
    p.add_argument("--scenes", type=int, default=None, metavar="N",
                   help="scenes per rule (interpreter) or query scenes per table (empiricist)")
    p.add_argument("--lr", type=float, default=None, help="peak learning rate")
    p.add_argument("--eval-every", type=int, default=None, metavar="N", help="validate every N steps")
    p.add_argument("--d-model", type=int, default=None, metavar="D",
                   help="the network's hidden size d (per learner default)")
    p.add_argument("--arch", choices=("attention", "slots"), default=None,
                   help="interpreter architecture (attention, the default; slots: cheaper per scene)")
    p.add_argument("--mine", type=int, default=None, metavar="M",
                   help="interpreter: draw M samples per rule and train on the half of --scenes the "
                        "model gets most wrong, plus random ones (hard-example mining). 0: off")
    p.add_argument("--synthetic", type=int, default=None, metavar="N",
                   help="generator: also practise on every dialect rule outside the validation and "
                        "test phenomena, N random scenes each, labelled by the learned interpreter "
                        "(never the checker); half of each batch. 0: off")
    p.add_argument("--interpreter", default=None, metavar="FILE",
                   help="generator --synthetic: the interpreter (default models/REGIME/interpreter.pt)")
    p.add_argument("--resume", action="store_true",
                   help="go on from the checkpoint at --out (its configuration; --steps may extend it)")
    p.add_argument("--slim", action="store_true",
                   help="write the final model without its training state (smaller; cannot be resumed)")
    p.add_argument("--device", default="auto", help="auto (CUDA if available, else CPU), cpu, cuda")
    p.add_argument("--threads", type=int, default=None, metavar="N", help="CPU threads (torch's default)")
    p.add_argument("--format", choices=("text", "json"), default="text", help="summary format")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_universe_option(p)
    p.set_defaults(run=run)


def parse_regime(text: str) -> str:
    """``1438,10000`` or ``1438x10000`` -> ``1438x10000``."""
    return text.replace(",", "x").replace(" ", "")


def run(args: argparse.Namespace, out: TextIO) -> int:
    from dataclasses import replace
    from pathlib import Path

    from rulelang.interp.model import MODELS_DIR
    from rulelang.interp.train import DEFAULTS, set_threads, train

    from ..data import DataSet
    from ..data.make import default_dir
    from ..errors import RulelangError
    from ..harness.progress import Progress

    regime = parse_regime(args.regime)
    universe = universe_from(args)
    ds = DataSet(args.data or default_dir(universe.name), universe)
    ds.regime(regime)  # an unknown regime fails here, with the list of known ones
    models = MODELS_DIR if universe.name == "odeen" else MODELS_DIR / universe.name  # one folder per world
    target = Path(args.out) if args.out else models / regime / f"{args.learner}.pt"
    if args.threads:
        set_threads(args.threads)
    cfg = replace(DEFAULTS[args.learner], regime=regime, seed=args.seed)
    if args.resume:  # the checkpoint's own configuration; --steps may extend it
        cfg = replace(cfg, steps=0)
    changes = {k: v for k, v in (("steps", args.steps), ("batch", args.batch), ("scenes", args.scenes),
                                 ("lr", args.lr), ("eval_every", args.eval_every),
                                 ("mine", args.mine), ("synthetic", args.synthetic), ("interpreter", args.interpreter))
               if v is not None}
    net = dict(cfg.net)
    if args.d_model is not None:
        net["d"] = args.d_model
    if args.arch is not None:
        net["arch"] = args.arch
    if net != cfg.net:
        changes["net"] = net
    cfg = replace(cfg, **changes)
    if not args.resume and target.exists() and not args.out:
        raise RulelangError("a model is already there", code="E505", path=str(target),
                            hint="use --resume to go on training it, or --out for another file")
    bar = Progress(cfg.steps, f"{args.learner} {regime}", enabled=False if args.quiet else None,
                   stream=sys.stderr)
    shown = {"val": ""}

    def report(step: int, stats: dict) -> None:
        if "val_score" in stats:
            shown["val"] = f" val {stats['val_score']:.4f}"
        bar.total = max(bar.total, step)
        bar.done = step - 1
        bar.update(1, f"{args.learner} {regime} loss {stats['loss']:.4f} acc {stats['acc']:.3f}{shown['val']}")

    before = target.stat().st_mtime_ns if target.is_file() else None
    try:
        summary = train(ds, cfg, str(target), resume=args.resume, slim=args.slim, device=args.device,
                        report=report)
    except KeyboardInterrupt:
        bar.close()
        sys.stderr.write(_interrupted(args, regime, target, bar.done, before))
        return 130
    finally:
        bar.close()
    if args.format == "json":
        dump_json({k: v for k, v in summary.items() if k != "history"}, out)
    else:
        out.write(f"trained {args.learner} in regime {regime}: step {summary['step']}, best validation "
                  f"score {summary['best_score']:.4f} (step {summary['best_step']}), "
                  f"{summary['params']:,} parameters, {summary['seconds']:.0f} s; wrote {target}\n")
    return EXIT_OK


def _interrupted(args: argparse.Namespace, regime: str, target, step: int, before: int | None) -> str:
    """What an interrupted run leaves behind, and the command that goes on from it."""
    import shlex

    from rulelang.interp import checkpoint

    from ..errors import RulelangError

    head = f"rulelang: training interrupted after step {step:,}\n"
    try:
        ckpt = checkpoint.load(target, args.learner) if target.is_file() else None
    except RulelangError:
        ckpt = None
    if ckpt is None or "state" not in ckpt:
        return head + ("rulelang: no checkpoint was written yet (one is written at every validation); "
                       "run the same command again to start over\n")
    when = "written before this run" if before == target.stat().st_mtime_ns else "the last validation"
    resume = ["rulelang", "train", args.learner, "--regime", regime, "--out", str(target), "--resume"]
    if args.data:
        resume[3:3] = ["--data", args.data]
    return (head + f"rulelang: kept {target}: step {int(ckpt['step']):,} ({when}), best validation score "
            f"{float(ckpt['best_score']):.4f} at step {int(ckpt['best_step']):,}\n"
            f"rulelang: go on with: {shlex.join(resume)}\n")
