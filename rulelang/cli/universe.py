"""``rulelang universe show NAME|PATH``: a world, its size and its legend; ``universe list``."""

from __future__ import annotations

import argparse
from typing import TextIO

from . import EXIT_OK
from .common import draw_scene, dump_json, use_color


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("universe", help="show a world: its universe file, scene count, dialect size, legend",
                       description="Show a universe (a built-in name or a universe file): its file "
                                   "in canonical form, how many scenes and dialect rules it has, and its "
                                   "glyphs. 'list' names the built-in worlds.")
    actions = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    actions.required = True
    show = actions.add_parser("show", help="show one universe",
                              description="Show a universe: its universe file (in canonical form, as "
                                          "parse_universe reads it back), how many scenes and dialect rules "
                                          "it has, and its glyphs.")
    show.add_argument("universe", metavar="NAME|PATH", nargs="?", default="odeen",
                      help="a built-in name (odeen, odeen-8, odeen-10) or a universe file (default odeen)")
    listing = actions.add_parser("list", help="list the built-in universes",
                                 description="Name the built-in universes, with their sizes.")
    for q in (show, listing):
        q.add_argument("--format", choices=("text", "json"), default="text", help="output format")
        q.add_argument("--color", choices=("auto", "always", "never"), default="auto", help="colour the glyphs")
        q.set_defaults(run=run)


def describe(u) -> dict:
    """What ``show`` prints about a universe, as data."""
    from ..enumerate import dialect_rules
    from ..stream import job_fits, matrix_fits

    n_rules = len(dialect_rules(u))
    return {"name": u.name, "length": u.length, "glyphs": u.glyphs, "scenes": u.n_scenes,
            "dialect_rules": n_rules, "relations": list(u.relations), "counts": list(u.counts),
            "quantifiers": list(u.quantifiers),
            "exact_engine": ("in memory" if matrix_fits(u, n_rules) else "streamed in blocks"
                             if job_fits(u) else "none: too many scenes to visit"),
            "legend": {u.empty: "empty", **{g: " ".join(u.pieces[g]) for g in sorted(u.pieces)}}}


def run(args: argparse.Namespace, out: TextIO) -> int:
    from ..worldfile import BUILTIN, load_universe, to_toml

    if args.action == "list":
        rows = [describe(load_universe(n)) for n in BUILTIN]
        if args.format == "json":
            dump_json({"universes": rows}, out)
        else:
            for r in rows:
                out.write(f"{r['name']:<10} {r['length']:>2} cells  {len(r['glyphs']):>2} glyphs  "
                          f"{r['scenes']:>15,} scenes  {r['dialect_rules']:>7,} dialect rules\n")
        return EXIT_OK
    u = load_universe(args.universe)
    info = describe(u)
    if args.format == "json":
        dump_json(info | {"toml": to_toml(u)}, out)
        return EXIT_OK
    color = use_color(args, out)
    out.write(f"# universe {u.name}: {u.length} cells, {u.n_glyphs} glyphs, {u.n_scenes:,} scenes; "
              f"a dialect of {info['dialect_rules']:,} rules (exact engine: {info['exact_engine']})\n")
    out.write(to_toml(u))
    out.write("\nlegend\n")
    for glyph, words in info["legend"].items():
        out.write(f"  {draw_scene(glyph, color, u)}  {words}\n")
    out.write(f"example scene  {draw_scene(u.example_scene, color, u)}\n")
    return EXIT_OK
