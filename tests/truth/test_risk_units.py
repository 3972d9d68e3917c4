"""Three-point estimates in every unit: with no spread the simulation equals the schedule."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from roadmap_tracker.loading import parse_roadmap_bytes
from roadmap_tracker.risk import simulate
from roadmap_tracker.scheduling import compute_schedule

AS_OF = date(2025, 1, 6)


def _schedule(text: str):
    roadmap, diagnostics = parse_roadmap_bytes(text.encode(), "risk.yaml")
    assert roadmap is not None and not any(d.is_error for d in diagnostics), diagnostics
    return compute_schedule(roadmap, AS_OF)


@settings(max_examples=40, deadline=None)
@given(steps=st.lists(st.tuples(st.integers(1, 6), st.sampled_from(["d", "bd", "w", "mo"]),
                                st.sampled_from(["FS", "SS", "FF", "SF"])), min_size=1, max_size=5))
def test_an_estimate_without_spread_simulates_to_the_schedule_in_every_unit(steps):
    lines = ["roadmap: {id: units, title: Units}", "milestones:"]
    for i, (amount, unit, kind) in enumerate(steps):
        d = f"{amount}{unit}"
        link = f", depends_on: [{{id: s{i - 1}, type: {kind}}}]" if i else ""
        lines.append(f"  - {{id: s{i}, title: Step {i}, duration: {{optimistic: {d}, likely: {d}, "
                     f"pessimistic: {d}}}{link}}}")
    schedule = _schedule("\n".join(lines) + "\n")
    result = simulate(schedule, runs=50, seed=1, all_steps=True)
    for entry in schedule:
        assert result.steps[entry.id]["earliest"] == result.steps[entry.id]["latest"] == entry.end, entry.id


def test_estimates_in_weeks_are_weeks_not_days():
    schedule = _schedule("""\
roadmap: {id: weeks, title: Weeks}
milestones:
  - {id: a, title: A, duration: {optimistic: 2w, likely: 4w, pessimistic: 6w}}
""")
    result = simulate(schedule, runs=2000, seed=3)
    assert abs((result.mean - schedule["a"].end).days) <= 3  # 4 weeks on average, not 4 days


def test_estimates_in_months_are_months_not_days():
    schedule = _schedule("""\
roadmap: {id: months, title: Months}
milestones:
  - {id: a, title: A, duration: {optimistic: 2mo, likely: 3mo, pessimistic: 4mo}}
""")
    result = simulate(schedule, runs=2000, seed=3)
    assert abs((result.mean - schedule["a"].end).days) <= 5
