"""Pictures of scenes, tables and rules: the SVG read back as XML, the PNG decoded as pixels."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given

from rulelang import strategies
from rulelang.ast import props
from rulelang.cli import main
from rulelang.errors import RulelangError
from rulelang.parser import parse
from rulelang.reference import count, evaluate
from rulelang.render import (NAMED_COLORS, Scene, palette, piece_style, scene_svg, selected_cells,
                             table_drawing, table_svg)
from rulelang.universe import ODEEN, Universe

SVG = "{http://www.w3.org/2000/svg}"
EXAMPLES = Path(__file__).parents[1] / "examples"


def tree(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def pieces(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if "piece" in g.get("class", "").split()]


def scenes_of(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == "scene"]


def shape_of(piece: ET.Element) -> ET.Element:
    (el,) = [c for c in piece if c.tag != f"{SVG}title"]
    return el


def triangle_points(piece: ET.Element) -> np.ndarray:
    el = shape_of(piece)
    assert el.tag == f"{SVG}polygon"
    return np.array([[float(v) for v in p.split(",")] for p in el.get("points").split()])


# -- scenes ---------------------------------------------------------------------------------


def test_each_piece_is_drawn_in_its_cell_with_its_colour_and_shape():
    root = tree(scene_svg("AVBavb"))
    drawn = pieces(root)
    assert [p.get("data-glyph") for p in drawn] == list("AVBavb")
    assert [int(p.get("data-cell")) for p in drawn] == list(range(6))
    for p in drawn:
        words = ODEEN.pieces[p.get("data-glyph")]
        assert p.get("data-color") in words and p.get("data-shape") in words
        el = shape_of(p)
        assert el.get("fill") == NAMED_COLORS[p.get("data-color")]
        assert el.tag == (f"{SVG}rect" if p.get("data-shape") == "block" else f"{SVG}polygon")
    # Left to right: each piece's centre lies right of the one before.
    centres = []
    for p in drawn:
        el = shape_of(p)
        if el.tag == f"{SVG}rect":
            centres.append(float(el.get("x")) + float(el.get("width")) / 2)
        else:
            centres.append(triangle_points(p)[:, 0].mean())
    assert centres == sorted(centres) and len(set(np.round(np.diff(centres), 3))) == 1


def test_a_pyramid_points_up_or_down_as_its_glyph_says():
    up, down = pieces(tree(scene_svg("A....v")))
    for piece, pointing_up in ((up, True), (down, False)):
        pts = triangle_points(piece)
        apex = pts[np.argmin(pts[:, 1])] if pointing_up else pts[np.argmax(pts[:, 1])]
        others = [p for p in pts if not np.array_equal(p, apex)]
        # The apex is alone at its height; the base's two corners share theirs.
        assert abs(others[0][1] - others[1][1]) < 1e-6
        assert (apex[1] < others[0][1]) == pointing_up


def test_empty_cells_hold_no_piece_but_every_cell_is_drawn():
    root = tree(scene_svg("......"))
    assert pieces(root) == []
    assert len([r for r in root.iter(f"{SVG}rect") if "cell" in r.get("class", "").split()]) == 6


def test_a_label_is_a_white_or_black_zendo_stone():
    for label, colour in ((True, "white"), (False, "black")):
        (stone,) = [c for c in tree(scene_svg("Ab....", label=label)).iter(f"{SVG}circle")]
        assert stone.get("class") == f"stone {colour}" and stone.get("data-label") == str(label).lower()
    assert not list(tree(scene_svg("Ab....")).iter(f"{SVG}circle"))


def test_a_bad_scene_is_a_clear_error():
    with pytest.raises(RulelangError) as err:
        scene_svg("AbX...")
    assert err.value.code == "E202"


# -- what a rule selects --------------------------------------------------------------------


def test_the_highlight_is_the_red_pieces_touching_a_blue_one():
    rule = parse("at_least 1 red touching blue")
    root = tree(scene_svg("Ab.BVa", highlight=rule))
    chosen = {int(p.get("data-cell")) for p in pieces(root) if p.get("data-selected") == "true"}
    assert chosen == {0, 4}
    lit = {int(r.get("data-cell")) for r in root.iter(f"{SVG}rect") if "highlight" in r.get("class", "").split()}
    assert lit == {0, 4}


def test_a_highlight_can_name_the_cells():
    root = tree(scene_svg("Ab.BVa", highlight=[1, 3]))
    assert {int(p.get("data-cell")) for p in pieces(root) if p.get("data-selected") == "true"} == {1, 3}


@given(strategies.rules(max_depth=2), strategies.scenes())
def test_the_selected_cells_are_the_cells_the_propositions_count(rule, scene):
    cells = set(selected_cells(rule, scene))
    for p in props(rule):
        counted = set(selected_cells(p, scene))
        assert len(counted) == count(p, scene) and counted <= cells
    assert cells == set().union(*(selected_cells(p, scene) for p in props(rule)))


# -- tables ---------------------------------------------------------------------------------


def test_a_table_draws_every_scene_with_its_stone_and_frames_the_rules_contradictions():
    lines = [ln.split("#")[0].split() for ln in (EXAMPLES / "table.txt").read_text().splitlines()]
    pairs = [(w[0], w[1] == "true") for w in lines if w]
    rule = parse("at_least 1 red and at_least 1 blue")
    root = tree(table_svg([s for s, _ in pairs], [v for _, v in pairs], rule=rule))
    drawn = scenes_of(root)
    assert [(g.get("data-scene"), g.get("data-label")) for g in drawn] == [
        (s, str(v).lower()) for s, v in pairs]
    for g, (s, v) in zip(drawn, pairs):
        stones = [c.get("class") for c in g.iter(f"{SVG}circle")]
        assert stones == ["stone white" if v else "stone black"]
        framed = any(r.get("class") == "contradiction" for r in g.iter(f"{SVG}rect"))
        assert framed == (evaluate(rule, s) != v)
    assert any(g.get("data-scene") == "A.b..." for g in drawn if any(
        r.get("class") == "contradiction" for r in g.iter(f"{SVG}rect")))
    (title,) = [t for t in root.iter(f"{SVG}text") if t.get("class") == "title"]
    assert title.text == "at_least 1 red and at_least 1 blue"


def test_a_large_table_is_laid_out_in_columns_without_overlap():
    scenes = [ODEEN.format_scene(s) for s in ODEEN.all_scenes()[1000:1032]]
    d = table_drawing(scenes, [i % 2 == 0 for i in range(32)])
    root = tree(d.svg())
    origins = []
    for g in scenes_of(root):
        x, y = map(float, g.get("transform")[len("translate("):-1].split())
        origins.append((x, y))
    assert len(set(origins)) == 32 and len({x for x, _ in origins}) == 2
    assert all(0 <= x < d.width and 0 <= y < d.height for x, y in origins)


# -- other worlds ---------------------------------------------------------------------------


GARDEN = Universe(
    name="garden", length=4, empty="_",
    pieces={"g": ("green", "ball"), "y": ("yellow", "ball"), "G": ("green", "block"),
            "w": ("white", "cone", "left"), "c": ("coral", "block")},
    colors=("green", "yellow", "white", "coral"), shapes=("ball", "block", "cone"),
    orientations=("left",), relations=("touching",),
)


def test_another_world_is_drawn_in_its_own_colours_and_shapes():
    root = tree(scene_svg("gGwc", GARDEN))
    assert root.get("data-universe") == "garden"
    by_glyph = {p.get("data-glyph"): p for p in pieces(root)}
    assert shape_of(by_glyph["g"]).tag == f"{SVG}circle"
    assert shape_of(by_glyph["g"]).get("fill") == NAMED_COLORS["green"]
    assert shape_of(by_glyph["G"]).tag == f"{SVG}rect"
    assert shape_of(by_glyph["w"]).tag == f"{SVG}polygon"
    # A colour word nobody named gets a colour of its own, unlike every other colour.
    colours = palette(GARDEN)
    assert len(set(colours.values())) == 4 and colours["coral"].startswith("#")
    assert piece_style("w", GARDEN).angle == 270.0  # "left"


# -- PNG ------------------------------------------------------------------------------------


def test_render_writes_a_png_whose_pixels_show_the_pieces_and_stones(tmp_path):
    from PIL import Image  # an independent PNG decoder (the dev extra)

    out = tmp_path / "table.png"
    code = main(["render", str(EXAMPLES / "table.txt"), "-o", str(out), "--rule",
                 "at_least 1 red touching blue"], out=io.StringIO())
    assert code == 0
    img = Image.open(out)
    img.verify()  # CRCs and structure
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    img = np.asarray(Image.open(out).convert("RGB")).astype(int)
    # Read positions back from the SVG of the same table and look at the pixels there.
    svg_root = tree(table_svg([ln.split()[0] for ln in _table_lines()], [ln.split()[1] == "true"
                              for ln in _table_lines()], rule=parse("at_least 1 red touching blue")))
    first = scenes_of(svg_root)[0]  # "Ab....  true"
    ox, oy = map(float, first.get("transform")[len("translate("):-1].split())
    stone = next(first.iter(f"{SVG}circle"))
    red, blue = (shape_of(p) for p in pieces(first))
    tri = np.array([[float(v) for v in p.split(",")] for p in red.get("points").split()])
    rx, ry = tri.mean(axis=0)
    bx = float(blue.get("x")) + float(blue.get("width")) / 2
    by = float(blue.get("y")) + float(blue.get("height")) / 2

    def near(x: float, y: float, rgb: str) -> bool:
        want = np.array([int(rgb[i:i + 2], 16) for i in (1, 3, 5)])
        return np.abs(img[round(oy + y), round(ox + x)] - want).max() <= 12

    assert near(rx, ry + 4, NAMED_COLORS["red"])
    assert near(bx, by, NAMED_COLORS["blue"])
    assert near(float(stone.get("cx")), float(stone.get("cy")), "#fafafa")
    last = scenes_of(svg_root)[-1]  # "B.b.A.  false": a black stone
    lx, ly = map(float, last.get("transform")[len("translate("):-1].split())
    lstone = next(last.iter(f"{SVG}circle"))
    assert near(lx - ox + float(lstone.get("cx")), ly - oy + float(lstone.get("cy")), "#262626")
    width, height = (float(svg_root.get(k)) for k in ("width", "height"))
    assert img.shape[:2] == (round(height), round(width))


def _table_lines() -> list[str]:
    return [ln.split("#")[0] for ln in (EXAMPLES / "table.txt").read_text().splitlines()
            if ln.split("#")[0].strip()]


# -- the command ----------------------------------------------------------------------------


def test_render_to_svg_reports_bad_lines_and_draws_the_good_ones(tmp_path):
    src = tmp_path / "scenes.txt"
    src.write_text("Ab....  true\nABCDEF\n..vB..  false\n")
    out = io.StringIO()
    code = main(["render", str(src), "-o", str(tmp_path / "s.svg"), "--color", "never"], out=out)
    assert code == 1 and "E202" in out.getvalue()
    drawn = scenes_of(tree((tmp_path / "s.svg").read_text()))
    assert [g.get("data-scene") for g in drawn] == ["Ab....", "..vB.."]


def test_render_needs_a_known_picture_format(tmp_path):
    assert main(["render", str(EXAMPLES / "table.txt"), "-o", str(tmp_path / "x.gif")], out=io.StringIO()) == 2
    assert not (tmp_path / "x.gif").exists()


def test_render_can_write_svg_to_standard_output():
    out = io.StringIO()
    assert main(["render", str(EXAMPLES / "scenes.txt"), "-o", "-"], out=out) == 0
    assert len(scenes_of(tree(out.getvalue()))) == 8


def test_a_bad_rule_is_a_diagnostic_and_nothing_is_written(tmp_path, capsys):
    out = io.StringIO()
    code = main(["render", str(EXAMPLES / "table.txt"), "-o", str(tmp_path / "x.svg"), "--rule",
                 "at_least 1 pyramidd"], out=out)
    assert code == 2 and "did you mean 'pyramid'" in capsys.readouterr().err and out.getvalue() == ""
    assert not (tmp_path / "x.svg").exists()


def test_a_bad_world_stops_render_as_it_stops_every_command(tmp_path, capsys):
    world = tmp_path / "w.toml"
    world.write_text('[universe]\nname = "w"\nlength = 0\n')
    codes = []
    for argv in (["render", str(EXAMPLES / "scenes.txt"), "-o", str(tmp_path / "x.svg")], ["eval", "zero red", "."]):
        capsys.readouterr()
        codes.append(main([*argv, "--universe", str(world)], out=io.StringIO()))
        assert "w.toml:3:10: error[E801]" in capsys.readouterr().err
    assert codes == [1, 1] and not (tmp_path / "x.svg").exists()


# -- notebooks ------------------------------------------------------------------------------


def test_a_table_shows_as_a_picture_in_a_notebook():
    from rulelang.search.table import Table

    table = Table.from_pairs([("Ab....", True), ("......", False)])
    drawn = scenes_of(tree(table._repr_svg_()))
    assert [(g.get("data-scene"), g.get("data-label")) for g in drawn] == [("Ab....", "true"), ("......", "false")]


def test_a_scene_file_and_a_scene_show_as_pictures():
    from rulelang.scenefile import parse_scene_file

    sf = parse_scene_file((EXAMPLES / "scenes.txt").read_text())
    assert [g.get("data-scene") for g in scenes_of(tree(sf._repr_svg_()))] == [e.scene for e in sf.entries]
    garden = parse_scene_file("gGwc true\n", universe=GARDEN)
    assert tree(garden._repr_svg_()).get("data-universe") == "garden"
    scene = Scene("Ab....", label=True, highlight=parse("zero blue"))
    root = tree(scene._repr_svg_())
    assert {p.get("data-cell") for p in pieces(root) if p.get("data-selected") == "true"} == {"1"}


def test_a_rule_shows_its_simplest_satisfying_and_falsifying_scenes(warm_kernels):
    from rulelang.equivalence import examples

    rule = parse("at_least 1 red touching blue")
    html = rule._repr_html_()
    ex = examples(rule)
    svg = html[html.index("<svg"):html.index("</svg>") + len("</svg>")]
    drawn = scenes_of(tree(svg))
    assert [(g.get("data-scene"), g.get("data-label")) for g in drawn] == [
        (ex.satisfying, "true"), (ex.falsifying, "false")]
    assert f"true on {ex.n_true:,} of 117,649 scenes" in html
    constant = parse("zero red and at_least 1 red")._repr_html_()
    assert "true nowhere" in constant and constant.count('class="scene"') == 1


def test_the_title_a_rule_gives_a_table_takes_room_above_the_scenes():
    from rulelang.render import table_drawing

    root = tree(table_drawing(["Ab...."], [True], rule=parse("at_least 1 red")).svg())
    title = next(e for e in root.iter() if e.get("class") == "title")
    (scene,) = scenes_of(root)
    top = float(scene.get("transform").split()[1].rstrip(")"))
    assert title.text == "at_least 1 red" and float(title.get("y")) < top
