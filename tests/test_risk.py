"""What-if and Monte Carlo schedule risk."""

from __future__ import annotations

import json
import struct
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roadmap_tracker.loading import parse_roadmap_bytes, read_roadmap
from roadmap_tracker.risk import simulate
from roadmap_tracker.scheduling import compute_schedule
from roadmap_tracker.whatif import what_if

from .conftest import ROOT, SHIPPED
from .conftest import RANDOM_AS_OF, random_roadmaps

SCENARIOS = sorted((ROOT / "tests" / "scenarios").glob("*.yaml"))


def _schedule(text: str, as_of: date = date(2024, 1, 1)):
    roadmap, diagnostics = parse_roadmap_bytes(text.encode(), "risk.yaml")
    assert roadmap is not None and not any(d.is_error for d in diagnostics), diagnostics
    return compute_schedule(roadmap, as_of)


def _assert_every_run_equals_the_schedule(schedule):
    result = simulate(schedule, runs=200, seed=1, all_steps=True)
    for entry in schedule:
        step = result.steps[entry.id]
        assert step["earliest"] == step["latest"] == entry.end, entry.id


@settings(max_examples=60, deadline=None)
@given(roadmap=random_roadmaps(max_steps=15))
def test_without_uncertainty_every_run_equals_the_schedule(roadmap):
    _assert_every_run_equals_the_schedule(compute_schedule(roadmap, RANDOM_AS_OF))


@pytest.mark.parametrize("path", [p for p in SCENARIOS if p.stem != "errors"], ids=lambda p: p.stem)
def test_without_uncertainty_scenarios_simulate_to_their_schedule(path):
    roadmap, _ = read_roadmap(path)
    _assert_every_run_equals_the_schedule(compute_schedule(roadmap, date(2024, 1, 11)))


def test_a_triangular_step_has_the_analytic_mean():
    schedule = _schedule("""\
roadmap: {id: t, title: Triangular}
milestones:
  - {id: work, title: Work, not_before: 2024-01-01, duration: {optimistic: 10d, likely: 20d, pessimistic: 60d}}
""")
    result = simulate(schedule, runs=40000, seed=3)
    expected = date(2024, 1, 1).toordinal() + (10 + 20 + 60) / 3 - 1  # inclusive last day
    assert abs(result.finishes.mean() - expected) < 0.2


def test_pert_estimates_centre_on_the_likely_value():
    schedule = _schedule("""\
roadmap: {id: t, title: PERT}
milestones:
  - id: work
    title: Work
    not_before: 2024-01-01
    duration: {optimistic: 10d, likely: 20d, pessimistic: 60d}
    distribution: pert
""")
    result = simulate(schedule, runs=40000, seed=3)
    expected = date(2024, 1, 1).toordinal() + (10 + 4 * 20 + 60) / 6 - 1
    assert abs(result.finishes.mean() - expected) < 0.2


PARALLEL = """\
roadmap: {id: p, title: Parallel, target: merge}
milestones:
  - {id: a, title: Path A, not_before: 2024-01-01, duration: {optimistic: 10d, likely: 20d, pessimistic: 40d}}
  - {id: b, title: Path B, not_before: 2024-01-01, duration: {optimistic: 10d, likely: 20d, pessimistic: 40d}}
  - {id: merge, title: Merge, duration: 0, after: [a, b]}
"""


def test_two_parallel_paths_merge_later_than_either_alone():
    merged = simulate(_schedule(PARALLEL), runs=20000, seed=5)
    alone = simulate(_schedule(PARALLEL.replace(", after: [a, b]", ", after: [a]")), runs=20000, seed=5)
    assert merged.percentiles[50] > alone.percentiles[50]


def test_criticality_splits_between_balanced_paths_and_is_one_on_a_chain():
    result = simulate(_schedule(PARALLEL), runs=20000, seed=5)
    assert result.criticality["merge"] == 1.0
    assert 0.4 < result.criticality["a"] < 0.6 and 0.4 < result.criticality["b"] < 0.6
    chain = simulate(_schedule("""\
roadmap: {id: c, title: Chain}
milestones:
  - {id: a, title: A, not_before: 2024-01-01, duration: {optimistic: 5d, likely: 10d, pessimistic: 20d}}
  - {id: b, title: B, duration: {optimistic: 5d, likely: 10d, pessimistic: 20d}, after: [a]}
  - {id: c, title: C, duration: 3d, after: [b]}
"""), runs=2000, seed=1)
    assert chain.criticality == {"a": 1.0, "b": 1.0, "c": 1.0}


def test_sensitivity_ranks_the_widest_estimate_first():
    result = simulate(_schedule("""\
roadmap: {id: s, title: Sensitivity}
milestones:
  - {id: narrow, title: Narrow, not_before: 2024-01-01, duration: {optimistic: 9d, likely: 10d, pessimistic: 11d}}
  - {id: wide, title: Wide, duration: {optimistic: 5d, likely: 20d, pessimistic: 60d}, after: [narrow]}
"""), runs=5000, seed=2)
    assert result.sensitivity[0][0] == "wide" and result.sensitivity[0][1] > 0.9


def test_slips_of_fixed_dates_and_deadline_odds():
    result = simulate(_schedule("""\
roadmap: {id: f, title: Slip, target: after}
milestones:
  - {id: ga, title: GA meeting, kind: meeting, start: 2025-10-01, end: 2025-10-02, slip: {probability: 0.25, by: 10w}}
  - {id: after, title: Follow-up, duration: 5d, after: [ga], deadline: 2025-11-30}
""", date(2025, 1, 1)), runs=20000, seed=4)
    [(mid, _deadline, chance)] = result.deadline_odds
    assert mid == "after" and 0.72 < chance < 0.78


def test_same_seed_same_result():
    first = simulate(_schedule(PARALLEL), runs=3000, seed=9)
    second = simulate(_schedule(PARALLEL), runs=3000, seed=9)
    assert (first.finishes == second.finishes).all() and first.criticality == second.criticality


@pytest.mark.parametrize("fragment, code", [
    ("duration: {optimistic: 20d, likely: 10d, pessimistic: 5d}", "invalid-estimate"),
    ("duration: {optimistic: 5d, likely: 10d}", "missing-key"),
    ("start: 2025-10-01\n    slip: {probability: 1.5, by: 2w}", "out-of-range"),
    ("duration: 10d\n    distribution: normal", "invalid-distribution"),
])
def test_bad_uncertainty_is_a_located_error(cli, write_roadmap, fragment, code):
    path = write_roadmap(f"roadmap: {{id: x, title: X}}\nmilestones:\n  - id: a\n    title: A\n    {fragment}\n")
    result = cli("validate", str(path))
    assert result.exit_code == 2
    assert f"error[{code}]" in result.stderr and f"{path}:" in result.stderr


def test_whatif_moves_successors_and_reports_broken_deadlines_and_sessions():
    schedule = _schedule("""\
roadmap: {id: w, title: What if, target: decision}
milestones:
  - {id: draft, title: Draft, not_before: 2024-01-08, duration: 20d, deadline: 2024-02-02}
  - {id: review, title: Review, duration: 5d, after: [draft]}
  - {id: session, title: Session, kind: session, start: 2024-02-12, end: 2024-02-16, after: [review]}
  - {id: decision, title: Decision, kind: decision, during: [session], after: [review]}
""")
    result = what_if(schedule, {"draft": 21})
    moved = {m.id: m for m in result.moves}
    assert moved["draft"].end_days == 21 and moved["draft"].cause == "what-if"
    assert moved["review"].reason == "knock-on: its driving predecessor draft moved"
    assert ("draft", date(2024, 2, 2), 0, 15) in result.deadlines_missed  # it had 6 days to spare
    assert result.infeasible_sessions == ["session"]
    finish = what_if(schedule, finishes={"draft": date(2024, 1, 20)})
    assert {m.id: m.end_days for m in finish.moves}["draft"] == -7


def test_cli_whatif_changes_nothing_stored(cli, tmp_path, write_roadmap):
    path = write_roadmap(PARALLEL.replace("{optimistic: 10d, likely: 20d, pessimistic: 40d}", "20d"))
    before = path.read_bytes()
    result = cli("--file", str(path), "whatif", "a", "--slip", "3w", "--slip", "b:1w", "--format", "json",
                 "--as-of", "2024-01-01")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {m["id"]: m["end_moved"] for m in data["moves"]} == {"a": 21, "b": 7, "merge": 21}
    assert path.read_bytes() == before and not (tmp_path / ".roadmap").exists()


def test_cli_risk_json_and_plot(cli, tmp_path, write_roadmap):
    path = write_roadmap(PARALLEL)
    plot = tmp_path / "risk.png"
    result = cli("--file", str(path), "risk", "--runs", "2000", "--seed", "7", "--format", "json", "--all",
                 "--plot", str(plot), "--as-of", "2024-01-01")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data["percentiles"]) == {"P10", "P50", "P80", "P95"}
    assert data["percentiles"]["P10"] <= data["percentiles"]["P50"] <= data["percentiles"]["P95"]
    assert data["milestones"]["a"]["criticality"] == data["criticality"]["a"]
    png = plot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", png[16:24])[0] > 800


def test_cli_risk_draws_the_tornado_of_the_sensitivity_ranking(cli, tmp_path, write_roadmap):
    import xml.etree.ElementTree as ET

    path = write_roadmap(UNCERTAIN)
    out = tmp_path / "tornado.svg"
    result = cli("--file", str(path), "risk", "--runs", "2000", "--seed", "7", "--tornado", str(out),
                 "--as-of", "2024-01-01")
    assert result.exit_code == 0, result.output
    texts = ["".join(t.itertext()) for t in ET.fromstring(out.read_bytes()).iter("{http://www.w3.org/2000/svg}text")]
    assert "Long $5-$9 step (a): duration" in texts and "Merge (merge): duration" in texts
    assert "Short step (b): duration" not in texts  # it never drives the target: no effect, no bar
    assert texts.index("Long $5-$9 step (a): duration") < texts.index("Merge (merge): duration")  # strongest on top


UNCERTAIN = """\
roadmap: {id: u, title: "Uncertain $ plan", target: merge}
milestones:
  - {id: a, title: "Long $5-$9 step", not_before: 2024-01-01, duration: {optimistic: 10d, likely: 20d, pessimistic: 60d}}
  - {id: b, title: Short step, not_before: 2024-01-01, duration: {optimistic: 10d, likely: 12d, pessimistic: 15d}}
  - {id: merge, title: Merge, kind: decision, duration: {optimistic: 1d, likely: 3d, pessimistic: 8d}, after: [a, b],
     deadline: 2024-02-05}
"""


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 8), st.floats(0.1, 0.6)), min_size=1, max_size=8))
def test_percentile_labels_on_one_level_never_overlap(labels):
    from roadmap_tracker.charts.risk_plot import percentile_levels

    xs, widths = [x for x, _ in labels], [w for _, w in labels]
    levels = percentile_levels(xs, widths)
    for i in range(len(xs)):
        for j in range(i + 1, len(xs)):
            if levels[i] == levels[j]:
                assert abs(xs[i] - xs[j]) >= (widths[i] + widths[j]) / 2, (i, j)


@pytest.mark.parametrize("figure", ["risk", "tornado"])
def test_risk_charts_keep_every_text_inside_the_figure_and_apart(figure):
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    from roadmap_tracker.charts.draw import chart_style
    from roadmap_tracker.charts.risk_plot import risk_figure, tornado_figure

    schedule = _schedule(UNCERTAIN)
    result = simulate(schedule, runs=3000, seed=3)
    with matplotlib.rc_context(chart_style()):
        fig = (risk_figure if figure == "risk" else tornado_figure)(result, schedule, dpi=100)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()  # places the axis labels
        renderer = canvas.get_renderer()
        texts = [t for t in fig.findobj(Text) if t.get_text() and t.get_visible()]
        boxes = {id(t): t.get_window_extent(renderer) for t in texts}
        page = fig.bbox
        for t in texts:
            box = boxes[id(t)]
            assert page.x0 - 0.5 <= box.x0 and box.x1 <= page.x1 + 0.5, t.get_text()
            assert page.y0 - 0.5 <= box.y0 and box.y1 <= page.y1 + 0.5, t.get_text()
        marks = [t for t in texts if t.get_text().startswith(("P", "deadline"))]
        for i, a in enumerate(marks):
            for b in marks[i + 1:]:
                assert not boxes[id(a)].overlaps(boxes[id(b)]), (a.get_text(), b.get_text())
        if figure == "risk":
            assert any(t.get_text().startswith("deadline 2024-02-05: ") and t.get_text().endswith("chance")
                       for t in texts)


def test_risk_on_the_shipped_roadmap_runs(cli):
    result = cli("--file", str(SHIPPED), "risk", "--runs", "500", "--seed", "1", "--as-of", "2024-03-01")
    assert result.exit_code == 0
    assert "Target ga-outcome-adopted" in result.stdout


# -- The fast paths give the figures of the general formulas, bit for bit ----------------------------

def _comparison_ranks(values):
    import numpy as np

    ranks = np.empty(len(values))
    ranks[np.argsort(values, kind="stable")] = np.arange(len(values))
    return ranks


@settings(max_examples=150, deadline=None)
@given(st.integers(2, 400).flatmap(lambda n: st.tuples(
    st.lists(st.lists(st.integers(0, 40), min_size=n, max_size=n), min_size=1, max_size=5),
    st.lists(st.integers(738_000, 738_060), min_size=n, max_size=n), st.integers(1, 3))))
def test_sensitivity_is_the_correlation_of_the_ranks_bit_for_bit(case):
    import numpy as np

    from roadmap_tracker.risk import _sensitivity

    rows, finishes, batches = case
    finishes = np.array(finishes, dtype=np.int64)
    samples = {f"s{k}": np.array_split(np.array(row, dtype=np.int64) * (k + 1), batches) for k, row in enumerate(rows)}
    expected = [(key, float(np.corrcoef(_comparison_ranks(np.concatenate(chunks)), _comparison_ranks(finishes))[0, 1])
                 if finishes.min() != finishes.max() else 0.0)
                for key, chunks in samples.items() if np.concatenate(chunks).min() != np.concatenate(chunks).max()]
    assert _sensitivity(samples, finishes) == expected


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.integers(-3, 3), min_size=6, max_size=6), min_size=1, max_size=4),
       st.one_of(st.none(), st.integers(-3, 3), st.lists(st.integers(-3, 3), min_size=6, max_size=6)))
def test_the_driving_predecessor_is_the_first_of_the_latest_bounds(rows, floor):
    import numpy as np

    from roadmap_tracker.risk import _driver, _latest

    starts = [(10 + k, np.array(row, dtype=np.int64)) for k, row in enumerate(rows)]
    floor = np.array(floor, dtype=np.int64) if isinstance(floor, list) else floor
    stacked = np.vstack([value for _, value in starts])
    latest = _latest(starts)
    assert np.array_equal(latest, stacked.max(axis=0))
    expected = np.array([j for j, _ in starts])[np.argmax(stacked, axis=0)]  # as the simulation chose before
    if floor is not None:
        expected = np.where(latest >= floor, expected, -1)
    assert np.array_equal(np.broadcast_to(_driver((starts, latest, floor)), (6,)), expected)


def uncertain_calendar_plan(count: int, seed: int) -> str:
    """``synthetic_calendar_yaml`` with three-point estimates (some PERT) and slips on half the sessions."""
    import random
    import re

    from .synthetic import synthetic_calendar_yaml

    rng = random.Random(seed)

    def estimate(match):
        amount, unit = int(match.group(1)), match.group(2)
        if amount == 0 or rng.random() < 0.2:
            return match.group(0)
        low, high = max(0, amount - rng.randint(0, amount)), amount + rng.randint(0, 2 * amount)
        pert = ", distribution: pert" if rng.random() < 0.3 else ""
        return f"duration: {{optimistic: {low}{unit}, likely: {amount}{unit}, pessimistic: {high}{unit}}}{pert}"

    text = re.sub(r"duration: (\d+)(bd|d|w)\b", estimate, synthetic_calendar_yaml(count, seed=seed))
    return re.sub(r"(kind: session, start: [0-9-]+, end: [0-9-]+)",
                  lambda m: m.group(1) + (", slip: {probability: 0.3, by: 2w}" if rng.random() < 0.5 else ""), text)


def _result_as_json(result) -> dict:
    """Every figure of a simulation, floats written exactly (repr)."""
    return json.loads(json.dumps({
        "percentiles": {str(p): d.isoformat() for p, d in result.percentiles.items()},
        "mean": result.mean.isoformat(), "finishes": {str(day): int((result.finishes == day).sum())
                                                      for day in sorted(set(result.finishes.tolist()))},
        "deadline_odds": [[mid, d.isoformat(), odds] for mid, d, odds in result.deadline_odds],
        "session_odds": [[mid, d.isoformat(), odds] for mid, d, odds in result.session_odds],
        "criticality": result.criticality, "sensitivity": [list(pair) for pair in result.sensitivity],
        "steps": {mid: {**{k: (v.isoformat() if isinstance(v, date) else v) for k, v in step.items()
                           if k != "percentiles"},
                        "percentiles": {str(p): d.isoformat() for p, d in step["percentiles"].items()}}
                  for mid, step in result.steps.items()}}))


def _reference_plans():
    from .synthetic import synthetic_yaml

    return {"calendar": (uncertain_calendar_plan(150, 3), 2001, 3),
            "finish-to-start": (synthetic_yaml(200, seed=4, estimates=True), 2000, 4)}


@pytest.mark.parametrize("name", ["calendar", "finish-to-start"])
def test_plans_with_every_kind_of_uncertainty_simulate_as_before(name):
    """Links of every type and lag, working days, sessions with slips, PERT and triangular
    estimates, steps with several predecessors: the same figures, criticality and sensitivity as
    the simulation written before its fast paths (tests/reference/risk_plans.json)."""
    text, runs, seed = _reference_plans()[name]
    result = simulate(_schedule(text), runs=runs, seed=seed, all_steps=True)
    expected = json.loads((ROOT / "tests" / "reference" / "risk_plans.json").read_text())[name]
    assert _result_as_json(result) == expected
