"""Without uncertainty, `roadmap risk` says what `roadmap schedule` says, on any day: every run has
the schedule's dates, and the criticality index is 100% exactly for the critical steps, 0% for the
rest, on plans with sessions, passed windows, conditions, done and fixed steps seen from random days."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from roadmap_tracker.dates import DateWindow, Duration, WorkCalendar
from roadmap_tracker.model import Dependency, Milestone, Roadmap
from roadmap_tracker.risk import simulate
from roadmap_tracker.scheduling import compute_schedule

BASE = date(2026, 1, 5)


def day(offset: int) -> date:
    return BASE + timedelta(days=offset)


def exact(d: date) -> DateWindow:
    return DateWindow(d, d, d.isoformat())


@st.composite
def plans(draw, max_steps: int = 10):
    n = draw(st.integers(2, max_steps))
    milestones, sessions = [], []
    for i in range(n):
        fields: dict = {}
        shape = draw(st.sampled_from(["movable"] * 4 + ["session", "window", "done", "conditional"]))
        deps = []
        if i and shape != "done":
            for pred in sorted(draw(st.sets(st.integers(0, i - 1), max_size=2))):
                deps.append(Dependency(f"m{pred}", draw(st.sampled_from(["FS", "FS", "SS", "FF"])),
                                       Duration(draw(st.integers(0, 5)), "d")))
        duration = Duration(draw(st.integers(0, 20)), draw(st.sampled_from(["d", "bd", "w"])))
        if shape == "session":
            first = day(draw(st.integers(0, 200)))
            fields.update(kind="session", start=exact(first), end=exact(first + timedelta(days=draw(st.integers(0, 4)))))
            duration = None
            sessions.append(f"m{i}")
        elif shape == "window":
            month = draw(st.integers(1, 3))
            first = date(2026, month, 1)
            fields.update(kind="session", start=DateWindow(first, date(2026, month, 28), "2026-%02d" % month))
        elif shape == "done":
            first = day(draw(st.integers(-40, 10)))
            fields.update(status="done", actual_start=first, actual_end=first + timedelta(days=3))
        elif shape == "conditional":
            fields.update(condition="if agreed", deadline=exact(day(draw(st.integers(20, 200)))))
        if shape == "movable" and sessions and draw(st.booleans()):
            fields["during"] = tuple(draw(st.sets(st.sampled_from(sessions), min_size=1, max_size=2)))
        if shape == "movable" and draw(st.booleans()):
            fields["not_before"] = exact(day(draw(st.integers(0, 120))))
        milestones.append(Milestone(id=f"m{i}", title=f"Step {i}", line=i + 1, index=i, duration=duration,
                                    dependencies=tuple(deps), **fields))
    roadmap = Roadmap(id="r", title="R", milestones=tuple(milestones), calendar=WorkCalendar(),
                      target=draw(st.sampled_from([None, f"m{n - 1}"])))
    return roadmap, day(draw(st.integers(-10, 260)))


@settings(max_examples=150, deadline=None)
@given(case=plans())
def test_without_uncertainty_risk_agrees_with_the_schedule_on_any_day(case):
    roadmap, as_of = case
    schedule = compute_schedule(roadmap, as_of)
    # a window still ahead is drawn uniformly in each run (that is uncertainty); a passed one is not
    assume(all(e.window is None or e.presumed is not None or e.state != "planned" for e in schedule))
    result = simulate(schedule, runs=50, seed=3, all_steps=True)
    for entry in schedule:
        step = result.steps[entry.id]
        assert step["earliest"] == step["latest"] == entry.end, entry.id
        assert result.criticality[entry.id] == (1.0 if entry.critical else 0.0), entry.id


UNPREPARED = """\
roadmap: {id: h, title: H, target: decision}
milestones:
  - {id: synthesis, title: Synthesis, not_before: 2027-01-04,
     duration: {optimistic: 20d, likely: 30d, pessimistic: 120d}}
  - {id: session, title: Session, kind: session, start: 2027-03-01, end: 2027-03-05, after: [synthesis]}
  - {id: decision, title: Decision, kind: decision, duration: 0, during: [session], deadline: 2027-03-31}
"""


def _schedule(text: str, as_of: date):
    from roadmap_tracker.loading import parse_roadmap_bytes

    roadmap, diagnostics = parse_roadmap_bytes(text.encode(), "risk.yaml")
    assert roadmap is not None and not any(d.is_error for d in diagnostics), diagnostics
    return compute_schedule(roadmap, as_of)


def test_the_targets_deadline_odds_weigh_the_preparation_of_the_session_that_hosts_it():
    result = simulate(_schedule(UNPREPARED, date(2027, 1, 4)), runs=2000, seed=7)
    ready = dict((mid, p) for mid, _, p in result.session_odds)["session"]
    assert 0.2 < ready < 0.9
    assert result.deadline_chance("decision") == ready  # the date itself is always met; the session is not


def test_the_risk_plot_prints_the_tables_deadline_odds(tmp_path):
    from roadmap_tracker.charts.risk_plot import _deadline_share
    import numpy as np

    result = simulate(_schedule(UNPREPARED, date(2027, 1, 4)), runs=500, seed=7)
    finishes = np.asarray(result.finishes)
    assert _deadline_share(result, finishes, date(2027, 3, 31).toordinal()) == result.deadline_chance("decision")


def test_a_point_placed_on_the_day_after_its_deadline_misses_it_in_every_run():
    text = """\
roadmap: {id: p, title: P, target: point}
milestones:
  - {id: point, title: Point, kind: milestone, duration: 0, not_before: 2027-02-01, deadline: 2027-01-31}
"""
    result = simulate(_schedule(text, date(2027, 1, 4)), runs=100, seed=1)
    assert result.deadline_chance("point") == 0.0


def test_a_slip_on_a_step_without_fixed_dates_is_a_warning_naming_its_line():
    schedule = _schedule("""\
roadmap: {id: s, title: S}
milestones:
  - {id: draft, title: Draft, duration: 10d,
     slip: {probability: 0.3, by: 2w}}
""", date(2027, 1, 4))
    assert [(d.code, d.line, d.level) for d in schedule.diagnostics] == [("slip-ignored", 4, "warning")]

