"""The implication graph: its Hasse diagram against brute force, and its exports."""

from __future__ import annotations

import io

import networkx as nx
import numpy as np
import pytest

from rulelang.cli import main
from rulelang.search.graph import implication_graph, to_dot, to_graphml
from search_fixtures import *  # noqa: F401,F403 - session fixtures


def _brute_hasse(ids, dialect) -> nx.DiGraph:
    rows = dialect.matrix.words[dialect.classes.canonical[ids]]
    g = nx.DiGraph()
    g.add_nodes_from(ids.tolist())
    for i in range(len(ids)):
        sub = ~(rows[i] & ~rows).any(axis=1)  # i's true scenes lie within those of each
        sub[i] = False
        g.add_edges_from((int(ids[i]), int(ids[j])) for j in np.flatnonzero(sub))
    return nx.transitive_reduction(g)


@pytest.mark.parametrize("seed", range(3))
def test_the_hasse_diagram_equals_the_transitive_reduction_of_brute_force_inclusion(index, dialect, seed):
    rng = np.random.default_rng(seed)
    ids = np.sort(rng.choice(index.n_classes, 250, replace=False))
    g, stats = implication_graph(ids, index)
    assert set(g.edges()) == set(_brute_hasse(ids, dialect).edges())
    assert stats.nodes == 250 and stats.edges == g.number_of_edges()


def test_an_edge_means_every_true_scene_of_its_source_is_true_for_its_target(index):
    ids = np.arange(0, index.n_classes, 37)
    g, _ = implication_graph(ids, index)
    rows = index.class_rows
    assert g.number_of_edges() > 0
    for a, b in list(g.edges())[:200]:
        assert not (rows[a] & ~rows[b]).any()
        assert g.nodes[a]["true_count"] < g.nodes[b]["true_count"]


def test_graphml_export_reads_back_with_networkx(index):
    g, _ = implication_graph(np.arange(40), index)
    back = nx.read_graphml(io.StringIO(to_graphml(g)))
    assert back.number_of_nodes() == 40 and back.number_of_edges() == g.number_of_edges()
    assert back.nodes["0"]["rule"] == index.texts[0]


def test_dot_export_names_every_node_and_edge(index):
    g, _ = implication_graph(np.arange(40), index)
    dot = to_dot(g)
    assert dot.startswith("digraph implication {") and dot.rstrip().endswith("}")
    assert dot.count(" -> ") == g.number_of_edges()
    assert f'[label="{index.texts[3]}"]' in dot


def test_the_graph_command_exports_a_tables_version_space(index, tmp_path):
    table = tmp_path / "t.txt"
    table.write_text("A.b... true\n...... false\nbbbb.. false\n")
    out_file = tmp_path / "g.graphml"
    out = io.StringIO()
    assert main(["graph", str(table), "-o", str(out_file)], out) == 0
    g = nx.read_graphml(out_file)
    assert g.number_of_nodes() > 1
    dot = io.StringIO()
    assert main(["graph", str(table), "--format", "dot"], dot) == 0
    assert dot.getvalue().startswith("digraph")


def test_the_graph_command_reports_a_bad_table(tmp_path, capsys):
    table = tmp_path / "t.txt"
    table.write_text("A..... true\nA..... false\n")
    out = io.StringIO()
    assert main(["graph", str(table)], out) == 1
    assert "E204" in capsys.readouterr().err and out.getvalue() == ""  # standard output is the graph
