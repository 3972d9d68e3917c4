"""The fast paths give the same answers as the general ones: the topological order without
networkx, the alias guard, Monte Carlo ranks."""

from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roadmap_tracker.loading import parse_roadmap_bytes
from roadmap_tracker.scheduling import dependency_graph, topological_order
from roadmap_tracker.toposort import file_order_topological
from roadmap_tracker.yamlsource import YamlProblem, parse_yaml

from .conftest import SHIPPED


def _networkx_order(roadmap):
    index = {m.id: m.index for m in roadmap.milestones}
    return list(nx.lexicographical_topological_sort(dependency_graph(roadmap), key=index.__getitem__))


def test_topological_order_of_the_shipped_roadmap_is_networkx_order():
    roadmap, _ = parse_roadmap_bytes(SHIPPED.read_bytes(), str(SHIPPED))
    assert topological_order(roadmap) == _networkx_order(roadmap)


@st.composite
def shuffled_dags(draw):
    """A DAG over n nodes, written in a random file order (so links often point backward)."""
    n = draw(st.integers(1, 30))
    edges = {(a, b) for a, b in draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=80))
             if a < b}
    file_order = draw(st.permutations(range(n)))
    return n, sorted(edges), file_order


@settings(max_examples=200, deadline=None)
@given(shuffled_dags())
def test_kahn_order_is_networkx_lexicographical_order(dag):
    n, edges, file_order = dag
    ids = [f"m{i}" for i in file_order]
    position = {node: i for i, node in enumerate(ids)}
    pairs = [(f"m{a}", f"m{b}") for a, b in edges]
    graph = nx.DiGraph()
    graph.add_nodes_from(ids)
    graph.add_edges_from(pairs)
    assert file_order_topological(ids, pairs) == \
        list(nx.lexicographical_topological_sort(graph, key=position.__getitem__))


def test_kahn_order_says_none_for_a_cycle():
    assert file_order_topological(["a", "b", "c"], [("a", "b"), ("b", "c"), ("c", "b")]) is None


@settings(max_examples=60, deadline=None)
@given(shuffled_dags())
def test_roadmaps_with_backward_links_schedule_in_networkx_order(dag):
    n, edges, file_order = dag
    lines = ["roadmap: {id: r, title: R}", "milestones:"]
    for i in file_order:
        after = [f"m{a}" for a, b in edges if b == i]
        extra = f", after: [{', '.join(after)}]" if after else ", not_before: 2024-01-01"
        lines.append(f"  - {{id: m{i}, title: Step {i}, duration: {i % 5}d{extra}}}")
    roadmap, diagnostics = parse_roadmap_bytes("\n".join(lines).encode() + b"\n", "r.yaml")
    assert roadmap is not None and not [d for d in diagnostics if d.is_error], diagnostics
    assert topological_order(roadmap) == _networkx_order(roadmap)


def test_a_cycle_is_still_described_step_by_step():
    text = (b"roadmap: {id: r, title: R}\nmilestones:\n"
            b"  - {id: a, title: A, after: [c], duration: 1d}\n"
            b"  - {id: b, title: B, after: [a], duration: 1d}\n"
            b"  - {id: c, title: C, after: [b], duration: 1d}\n")
    _, diagnostics = parse_roadmap_bytes(text, "r.yaml")
    assert [d.message for d in diagnostics if d.code == "dependency-cycle"] == ["dependency cycle: a -> b -> c -> a"]


# -- the alias guard counts values reached through aliases, not values written out -------------------

def test_values_written_out_do_not_count_toward_the_alias_limit(monkeypatch):
    from roadmap_tracker import yamlsource

    from .synthetic import synthetic_yaml

    monkeypatch.setattr(yamlsource, "MAX_ALIAS_VALUES", 1000)
    roadmap, diagnostics = parse_roadmap_bytes(synthetic_yaml(500).encode(), "big.yaml")  # ~4,000 values
    assert roadmap is not None and len(roadmap.milestones) == 500, diagnostics


def test_values_reached_through_aliases_count_toward_the_limit(monkeypatch):
    from roadmap_tracker import yamlsource

    monkeypatch.setattr(yamlsource, "MAX_ALIAS_VALUES", 1000)
    steps = "".join(f"  - {{id: m{i}, title: Step {i}, duration: 1d, partners: *everyone}}\n" for i in range(300))
    text = "roadmap: {id: r, title: R, x-partners: &everyone [UNCTAD, ITU, UNESCO]}\nmilestones:\n" + steps
    _, diagnostics = parse_roadmap_bytes(text.encode(), "aliases.yaml")
    assert [(d.code, d.line) for d in diagnostics if d.is_error][:1] == [("too-large", 3 + 250)]
    assert "aliases (*name) expand to more than 1,000 values" in diagnostics[0].message


def test_a_few_aliases_give_the_same_values_as_written_out():
    written = parse_yaml("a: [x, y]\nb: [x, y]\n")
    aliased = parse_yaml("a: &both [x, y]\nb: *both\n")
    assert written == aliased and aliased.key_lines == {"a": 1, "b": 2}


# -- the event reader gives the values and lines of a composed node graph ------------------------------

def _composed(text: str):
    """The reference: PyYAML's composer, then a plain walk of its nodes (values and lines)."""
    import yaml
    from yaml.constructor import SafeConstructor

    from roadmap_tracker.yamlsource import _TEXT_TAGS, Mapping, Sequence

    constructor = SafeConstructor()

    def walk(node):
        line = node.start_mark.line + 1
        if isinstance(node, yaml.ScalarNode):
            if node.tag in _TEXT_TAGS:
                return node.value
            return constructor.construct_object(node) if node.tag != "tag:yaml.org,2002:timestamp" else node.value
        if isinstance(node, yaml.SequenceNode):
            seq = Sequence(walk(item) for item in node.value)
            seq.line, seq.item_lines = line, [item.start_mark.line + 1 for item in node.value]
            return seq
        mapping = Mapping()
        mapping.line, mapping.key_lines = line, {}
        for key_node, value_node in node.value:
            key = walk(key_node)
            key = str(key) if key is not None else ""
            mapping[key] = walk(value_node)
            mapping.key_lines[key] = key_node.start_mark.line + 1
        return mapping

    node = yaml.compose(text, Loader=yaml.CSafeLoader)
    return None if node is None else walk(node)


def _lines(value):
    """Every line the reader recorded, as a comparable tree."""
    if isinstance(value, dict):
        return (value.line, sorted(value.key_lines.items()), [_lines(v) for v in value.values()])
    if isinstance(value, list):
        return (value.line, list(value.item_lines), [_lines(v) for v in value])
    return None


def _corpus():
    from .conftest import ROOT
    from .synthetic import synthetic_yaml

    files = [SHIPPED, *sorted((ROOT / "tests" / "scenarios").glob("*.yaml")),
             *sorted((ROOT / "roadmap_tracker" / "templates").glob("*.yaml")),
             ROOT / "tests" / "calendars" / "edge.yaml"]
    texts = [(str(f.name), f.read_text(encoding="utf-8")) for f in files]
    texts.append(("synthetic", synthetic_yaml(300, estimates=True)))
    texts.append(("styles", "a: |\n  block\n  text\nb: >\n  folded\n  text\n"
                            "c: {x: 1, y: [1.5, .inf, true, no, ~, '', 0x1F, 2024-01-01, '007']}\n"
                            "? complex key\n: value\nd:\n- - nested\n  - [deeper, {e: f}]\n"))
    return texts


@pytest.mark.parametrize("name, text", _corpus())
def test_values_and_lines_are_those_of_the_composed_graph(name, text):
    ours, reference = parse_yaml(text), _composed(text)
    assert ours == reference
    assert _lines(ours) == _lines(reference)


# -- Monte Carlo ranks: small integers, radix sort, the same order ------------------------------------

def _comparison_sort_ranks(values):
    import numpy as np

    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values))
    return ranks


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-(2 ** 40), 2 ** 40), min_size=1, max_size=300), st.integers(0, 70_000))
def test_small_integer_ranks_are_the_comparison_sort_ranks(values, spread):
    import numpy as np

    from roadmap_tracker.risk import _ranks

    array = np.array([v % (spread + 1) + 738_000 for v in values], dtype=np.int64)  # day ordinals
    assert np.array_equal(_ranks(array), _comparison_sort_ranks(array))
    wide = np.array(values, dtype=np.int64)  # beyond 16 bits: the general sort
    assert np.array_equal(_ranks(wide), _comparison_sort_ranks(wide))


def test_risk_results_with_a_fixed_seed_are_those_of_comparison_sorts_and_corrcoef(monkeypatch):
    from datetime import date

    from roadmap_tracker import risk
    from roadmap_tracker.scheduling import compute_schedule

    from .synthetic import synthetic_yaml

    roadmap, _ = parse_roadmap_bytes(synthetic_yaml(300, estimates=True).encode(), "risk.yaml")
    schedule = compute_schedule(roadmap, date(2024, 1, 1))
    fast = risk.simulate(schedule, runs=3000, seed=11, all_steps=True)
    monkeypatch.setattr(risk, "_ranks", _comparison_sort_ranks)  # and inputs one by one through np.corrcoef
    monkeypatch.setattr(risk, "_sensitivity", risk._general_sensitivity)
    reference = risk.simulate(schedule, runs=3000, seed=11, all_steps=True)
    assert fast.sensitivity == reference.sensitivity and len(fast.sensitivity) > 10
    assert (fast.percentiles, fast.criticality, fast.steps) == \
        (reference.percentiles, reference.criticality, reference.steps)


_leaves = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.text(max_size=12),
                    st.floats(allow_nan=False, allow_infinity=False, width=32))
_documents = st.recursive(_leaves, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(min_size=1, max_size=6), inner, max_size=4)), max_leaves=25)


@settings(max_examples=150, deadline=None)
@given(document=_documents, flow=st.sampled_from([None, True, False]))
def test_any_dumped_document_reads_as_the_composed_graph(document, flow):
    import yaml

    text = yaml.safe_dump(document, default_flow_style=flow, allow_unicode=True)
    ours, reference = parse_yaml(text), _composed(text)
    assert ours == reference
    assert _lines(ours) == _lines(reference)



def test_an_alias_as_a_key_reads_as_the_text_it_names_and_counts_for_duplicates():
    assert parse_yaml("a: &k name\n*k : 1\n") == {"a": "name", "name": 1}
    with pytest.raises(YamlProblem, match="key 'name' appears twice"):
        parse_yaml("a: &k name\nname: 2\n*k : 1\n")
