"""``rulelang train interpreter|generator|empiricist --regime R``: train a neural learner;
``rulelang train all``: every regime's three learners (the paper's grid), resumably.

Ctrl-C finishes the current step, checkpoints it, names the checkpoint kept and the command
that goes on from it, and exits with 130; a second Ctrl-C stops at once (the last checkpoint,
written atomically, stays intact).
"""

from __future__ import annotations

import argparse
import signal
import sys
from contextlib import contextmanager
from typing import TYPE_CHECKING, Callable, Iterator, TextIO, TypeVar

from . import EXIT_OK
from .common import add_universe_option, dump_json, natural, positive, rate, seed, universe_from

if TYPE_CHECKING:
    from ..harness.progress import Progress

LEARNERS = ("interpreter", "generator", "empiricist")
EXIT_INTERRUPTED = 130


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train the interpreter, the conjecture generator or EMP-L",
                       description="Train a neural learner in one training regime of a data set (it sees "
                                   "only that regime's labelled scenes). Validation on the validation "
                                   "split picks the best weights; a checkpoint is written after every "
                                   "validation. Same seed, same model.")
    p.add_argument("learner", choices=LEARNERS + ("all",),
                   help="interpreter: (rule, scene) -> label; generator: table -> rule; "
                        "empiricist: EMP-L, (table, scene) -> label; all: the three learners of "
                        "every regime (--regimes), into MODELS/REGIME/LEARNER.pt; run it again to resume")
    p.add_argument("--regime", default="1438x10000", metavar="R,K",
                   help="training regime, as 'R,K' or 'RxK' (default 1438x10000)")
    p.add_argument("--data", default=None, metavar="DIR", help="data set directory (default data/odeen-v1)")
    p.add_argument("--out", default=None, metavar="FILE",
                   help="checkpoint (default models/REGIME/LEARNER.pt; models/UNIVERSE/REGIME/LEARNER.pt "
                        "for another world than odeen)")
    p.add_argument("--seed", type=seed, default=0, help="random seed (0)")
    p.add_argument("--steps", type=positive, default=None, metavar="N", help="optimizer steps (per learner default)")
    p.add_argument("--batch", type=positive, default=None, metavar="N",
                   help="rules (interpreter) or tables per step")
    p.add_argument("--scenes", type=positive, default=None, metavar="N",
                   help="scenes per rule (interpreter) or query scenes per table (empiricist)")
    p.add_argument("--lr", type=rate, default=None, help="peak learning rate")
    p.add_argument("--eval-every", type=positive, default=None, metavar="N", help="validate every N steps")
    p.add_argument("--patience", type=natural, default=None, metavar="P",
                   help="early stopping: after P validations without gain, cool down and stop "
                        "(--steps is then a cap; 0: a fixed cosine schedule over --steps)")
    p.add_argument("--d-model", type=positive, default=None, metavar="D",
                   help="the network's hidden size d (per learner default; for attention, a multiple of its 4 heads)")
    p.add_argument("--arch", choices=("attention", "slots", "modular"), default=None,
                   help="interpreter architecture (attention, the default; slots: cheaper per scene)")
    p.add_argument("--mine", type=natural, default=None, metavar="M",
                   help="interpreter: draw M samples per rule and train on the half of --scenes the "
                        "model gets most wrong, plus random ones (hard-example mining). 0: off")
    p.add_argument("--synthetic", type=natural, default=None, metavar="N",
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
    p.add_argument("--threads", type=positive, default=None, metavar="N", help="CPU threads (torch's default)")
    p.add_argument("--format", choices=("text", "json"), default="text", help="summary format")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_universe_option(p)
    g = p.add_argument_group("all")
    g.add_argument("--models", default=None, metavar="DIR", help="all: where the models go (default models)")
    g.add_argument("--regimes", default=None, metavar="R,...",
                   help="all: regimes, as RxK separated by commas (default: every regime of the data set)")
    g.add_argument("--jobs", type=positive, default=2, metavar="N",
                   help="all: models trained at once, each in its own process (default 2)")
    g.add_argument("--ship", default=None, metavar="DIR",
                   help="all, one regime: then write its models without their training state to DIR "
                        "(interp/models is where the shipped ones live)")
    p.set_defaults(run=run)


def parse_regime(text: str) -> str:
    """``1438,10000`` or ``1438x10000`` -> ``1438x10000``."""
    return text.replace(",", "x").replace(" ", "")


@contextmanager
def _ctrl_c() -> Iterator[Callable[[], bool]]:
    """While inside: the first Ctrl-C only sets a flag (asked after every step), the second
    raises ``KeyboardInterrupt`` at once."""
    hit = {"n": 0}

    def handler(signum: int, frame: object) -> None:
        hit["n"] += 1
        if hit["n"] > 1:
            raise KeyboardInterrupt
        sys.stderr.write("\nrulelang train: stopping after this step (Ctrl-C again to stop at once)\n")

    try:
        old = signal.signal(signal.SIGINT, handler)
    except ValueError:  # not the main thread: no handler, Ctrl-C behaves as usual
        yield lambda: False
        return
    try:
        yield lambda: hit["n"] > 0
    finally:
        signal.signal(signal.SIGINT, old)


T = TypeVar("T")


def _interruptible(bar: "Progress", message: Callable[[], str],
                   work: Callable[[Callable[[], bool]], T]) -> T | None:
    """``work(should_stop)`` under :func:`_ctrl_c`; None after a second Ctrl-C, when
    ``message()`` (what was kept and the command that goes on) is said."""
    try:
        with _ctrl_c() as should_stop:
            return work(should_stop)
    except KeyboardInterrupt:
        bar.close()
        sys.stderr.write(message())
        return None
    finally:
        bar.close()


def _resume_command(args: argparse.Namespace, target: object) -> str:
    data = f" --data {args.data}" if args.data else ""
    threads = f" --threads {args.threads}" if args.threads else ""
    if args.learner == "all":
        return " ".join(a for a in ["rulelang train all", data.strip(), f"--models {target}",
                                    f"--regimes {args.regimes}" if args.regimes else "",
                                    f"--jobs {args.jobs}", threads.strip()] if a)
    return f"rulelang train {args.learner} --regime {parse_regime(args.regime)}{data} --out {target}{threads} --resume"


def run(args: argparse.Namespace, out: TextIO) -> int:
    import os

    # Before Numba or torch load OpenMP: idle OpenMP threads sleep, and the checker's kernels
    # keep to --threads. (A second OpenMP pool spinning beside torch's was measured to make
    # training steps several times slower on a shared 2-core machine; the grid's workers get
    # the same settings from rulelang.interp.grid.worker_environment.)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    if args.threads:
        os.environ.setdefault("NUMBA_NUM_THREADS", str(args.threads))
    if args.learner == "all":
        return _run_all(args, out)
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
                                 ("lr", args.lr), ("eval_every", args.eval_every), ("patience", args.patience),
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
    summary = _interruptible(bar, lambda: _interrupted(args, regime, target, bar.done, before), lambda stop: train(
        ds, cfg, str(target), resume=args.resume, slim=args.slim, device=args.device, report=report,
        should_stop=stop))
    if summary is None:
        return EXIT_INTERRUPTED
    if summary["interrupted"]:
        sys.stderr.write(f"rulelang train: interrupted; kept the checkpoint at {target} (step {summary['step']}, "
                         f"best validation {summary['best_score']:.4f})\n"
                         f"go on with: {_resume_command(args, target)}\n")
        return EXIT_INTERRUPTED
    if args.format == "json":
        dump_json({k: v for k, v in summary.items() if k != "history"}, out)
    else:
        out.write(f"trained {args.learner} in regime {regime}: step {summary['step']}, best validation "
                  f"score {summary['best_score']:.4f} (step {summary['best_step']}), "
                  f"{summary['params']:,} parameters, {summary['seconds']:.0f} s; stopped by "
                  f"{summary['stopped']}; wrote {target}\n")
    return EXIT_OK


def _clock(seconds: float) -> str:
    m = int(round(seconds / 60))
    return f"{m // 60} h {m % 60:02d} min" if m >= 60 else f"{m} min"


def _run_all(args: argparse.Namespace, out: TextIO) -> int:
    """``rulelang train all``: the grid, resumable by running it again."""
    from pathlib import Path

    from rulelang.interp.grid import plan, run_grid
    from rulelang.interp.model import MODELS_DIR

    from ..data import DataSet
    from ..data.make import default_dir
    from ..errors import RulelangError
    from ..harness.progress import Progress

    single = [name for name, v in (("--out", args.out), ("--steps", args.steps), ("--batch", args.batch),
                                   ("--scenes", args.scenes), ("--lr", args.lr), ("--d-model", args.d_model),
                                   ("--arch", args.arch), ("--mine", args.mine), ("--synthetic", args.synthetic),
                                   ("--interpreter", args.interpreter), ("--eval-every", args.eval_every),
                                   ("--patience", args.patience)) if v is not None]
    if single or args.slim or args.resume:
        raise RulelangError(f"'train all' uses every learner's defaults; {', '.join(single) or '--slim/--resume'} "
                            "is for one learner", code="E505",
                            hint="run 'rulelang train all' again to resume it")
    if args.ship and (not args.regimes or "," in args.regimes):
        raise RulelangError("--ship writes the models of one regime: give it with --regimes", code="E505")
    universe = universe_from(args)
    data = args.data or default_dir(universe.name)
    ds = DataSet(data, universe)
    regimes = [parse_regime(r) for r in args.regimes.split(",") if r.strip()] if args.regimes else \
        [r.name for r in ds.regimes]
    for r in regimes:
        ds.regime(r)  # an unknown regime fails here, with the list of known ones
    models = Path(args.models) if args.models else MODELS_DIR if universe.name == "odeen" else MODELS_DIR / universe.name
    threads = args.threads or 1
    jobs = plan(regimes, models)
    todo = [j for j in jobs if j.state != "done"]
    left = sum(max(0.0, j.expected - (j.seconds if j.state == "partial" else 0.0)) for j in todo)
    workers = min(args.jobs, max(1, len(todo)))
    out.write(f"training {len(jobs)} models ({len(regimes)} regime{'s' * (len(regimes) != 1)} x "
              f"{', '.join(sorted({j.kind for j in jobs}))}) into {models}/: "
              f"{sum(j.state == 'done' for j in jobs)} done, {sum(j.state == 'partial' for j in jobs)} to resume, "
              f"{sum(j.state == 'new' for j in jobs)} to start; {workers} at a time, {threads} thread"
              f"{'s' * (threads != 1)} each\n")
    if todo:
        out.write(f"expected time: about {_clock(left / workers)} (the reference machine's times: "
                  + ", ".join(f"{k} ~{_clock(t)}" for k, t in sorted({(j.kind, j.expected) for j in todo}))
                  + " per model)\n")
    out.flush()
    total = max(1, int(sum(j.expected for j in todo)))
    bar = Progress(total, "train all", enabled=False if args.quiet else None, stream=sys.stderr)
    base = {j.key: j.step for j in todo}
    from rulelang.interp.train import DEFAULTS

    def draw(event: tuple) -> None:
        what, key, info = event
        job = next(j for j in jobs if j.key == key)
        if what == "step" and "val" in info and not bar.enabled and not args.quiet:  # a log, not a terminal
            out.write(f"  {key}: step {info['step']}, validation {info['val']:.4f}\n")
            out.flush()
        if what in ("done", "stopped", "error"):
            bar.close()
            if what == "done":
                wall = info["seconds"] + info.get("setup_seconds", 0.0)
                cpu = info.get("cpu_seconds", 0.0) + info.get("setup_cpu_seconds", 0.0)
                out.write(f"  {key}: step {info['step']}, best validation {info['best_score']:.4f} "
                          f"(step {info['best_step']}), {wall:.0f} s (CPU {cpu:.0f} s); stopped by {info['stopped']}\n")
            elif what == "error":
                out.write(f"  {key}: FAILED: {info['message']}\n")
            out.flush()
        cap = DEFAULTS[job.kind].steps
        done = 0.0
        for j in todo:
            if j.state == "done":
                done += j.expected
            elif j.step > base[j.key]:
                done += j.expected * min(0.95, j.step / cap * 2.0)  # early stopping: about half the cap
        bar.done = min(total - 1, int(done)) if any(j.state not in ("done", "failed") for j in todo) else total
        bar.update(0, f"train all {sum(j.state == 'done' for j in jobs)}/{len(jobs)} models; {key} step {job.step}")

    kept = (f"rulelang train: stopped at once; every model's last checkpoint stays in {models}/\n"
            f"go on with: {_resume_command(args, models)}\n")
    if _interruptible(bar, lambda: kept, lambda stop: run_grid(
            jobs, str(data), universe=args.universe or "odeen", workers=workers, threads=threads, seed=args.seed, on_event=draw,
            should_stop=stop)) is None:
        return EXIT_INTERRUPTED
    failed = [j for j in jobs if j.state == "failed"]
    partial = [j for j in jobs if j.state in ("partial", "new")]
    if args.format == "json":
        dump_json({"models": str(models), "jobs": [
            {"regime": j.regime, "kind": j.kind, "path": str(j.path), "state": j.state,
             **{k: v for k, v in j.result.items() if k in ("step", "best_score", "best_step", "seconds",
                                                             "stopped", "message")}} for j in jobs]}, out)
    if partial:
        sys.stderr.write("rulelang train all: interrupted; kept the checkpoints of "
                         + ", ".join(f"{j.key} (step {j.step})" for j in partial if j.step) + "\n"
                         f"go on with: {_resume_command(args, models)}\n")
        return EXIT_INTERRUPTED
    if failed:
        return 2
    if args.ship:
        from rulelang.interp import checkpoint

        for j in jobs:
            target = Path(args.ship) / j.path.name
            checkpoint.save(target, checkpoint.slim(checkpoint.load(j.path, j.kind)))
            if args.format != "json":
                out.write(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB, without its training state)\n")
    if args.format != "json":
        out.write(f"trained {len(jobs)} models in {models}/\n")
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
