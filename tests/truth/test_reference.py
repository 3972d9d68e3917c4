"""The schedule agrees with the reference written from docs/format.md on random plans: float, late
dates and driving predecessors, with every link type, day and working-day lags, holidays, fixed
dates, deadlines, not-before dates and actuals."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from roadmap_tracker.dates import DateWindow, Duration, WorkCalendar
from roadmap_tracker.model import Dependency, Milestone, Roadmap
from roadmap_tracker.scheduling import compute_schedule
from tests.truth import reference

AS_OF = date(2025, 1, 6)


def day(offset: int) -> date:
    return AS_OF + timedelta(days=offset)


def window(d: date) -> DateWindow:
    return DateWindow(d, d, d.isoformat())


@st.composite
def plans(draw, max_steps: int = 14):
    n = draw(st.integers(1, max_steps))
    holidays = frozenset(day(o).toordinal() for o in draw(st.sets(st.integers(-20, 60), max_size=4)))
    milestones, plan = [], []
    for i in range(n):
        unit = draw(st.sampled_from(["d", "d", "bd", "w", "mo"]))
        amount = draw(st.integers(0, 2 if unit == "mo" else 4 if unit == "w" else 12))
        links = []
        if i:
            for pred in sorted(draw(st.sets(st.integers(0, i - 1), max_size=3))):
                kind = draw(st.sampled_from(["FS", "SS", "FF", "SF"]))
                lag_unit = draw(st.sampled_from(["d", "bd"]))
                links.append((f"m{pred}", kind, draw(st.integers(-6, 8)), lag_unit))
        step = {"id": f"m{i}", "duration": (amount, unit), "links": links}
        fields = {}
        shape = draw(st.sampled_from(["movable"] * 5 + ["fixed", "done"]))
        if shape == "fixed":
            first = day(draw(st.integers(-10, 50)))
            if draw(st.booleans()):
                last = first + timedelta(days=draw(st.integers(0, 10)))
                fields.update(start=window(first), end=window(last), duration=None)
                step["fixed"] = (first.toordinal(), last.toordinal())
            else:
                fields.update(start=window(first))
                step["fixed"] = (first.toordinal(), None)
        elif shape == "done":
            first = day(draw(st.integers(-60, -5)))
            last = first + timedelta(days=draw(st.integers(0, 4)))
            fields.update(status="done", actual_start=first, actual_end=last)
            step["actual"] = (first.toordinal(), last.toordinal())
        elif draw(st.booleans()):
            nb = day(draw(st.integers(0, 40)))
            fields["not_before"] = window(nb)
            step["not_before"] = nb.toordinal()
        if shape != "done" and draw(st.booleans()):
            dl = day(draw(st.integers(0, 80)))
            fields["deadline"] = window(dl)
            step["deadline"] = dl.toordinal()
        duration = fields.pop("duration", Duration(amount, unit))
        milestones.append(Milestone(
            id=f"m{i}", title=f"Step {i}", line=i + 1, index=i, duration=duration,
            dependencies=tuple(Dependency(p, k, Duration(a, u)) for p, k, a, u in links), **fields))
        plan.append(step)
    roadmap = Roadmap(id="random", title="Random", milestones=tuple(milestones),
                      calendar=WorkCalendar(holidays=holidays))
    return roadmap, plan, holidays


@settings(max_examples=300, deadline=None)
@given(case=plans(), shift=st.integers(0, 70))
def test_float_late_dates_and_driving_predecessors_agree_with_the_reference(case, shift):
    """On a random as-of date too (after the facts): fixed dates come into session or pass unrecorded."""
    roadmap, plan, holidays = case
    as_of = AS_OF + timedelta(days=shift)
    ours = compute_schedule(roadmap, as_of)
    theirs = reference.schedule(plan, as_of, holidays=holidays)
    for step in plan:
        e, r = ours[step["id"]], theirs[step["id"]]
        assert e.span == (r.S, r.E), step["id"]
        assert e.driving == r.driving, step["id"]
        if "actual" in step:
            assert e.total_float is None
            continue
        assert e.total_float == r.total_float, step["id"]
        if "fixed" not in step:
            # a point milestone that follows a finish shows on that step's last day (one day back)
            back = e.span[0] - e.start.toordinal() if e.point else 0
            assert e.late_start == date.fromordinal(r.LS - back), step["id"]
            late_finish = r.LF - back if e.point else r.LF - 1
            assert e.late_finish == date.fromordinal(late_finish), step["id"]


@settings(max_examples=200, deadline=None)
@given(case=plans())
def test_expected_dates_agree_with_the_reference(case):
    roadmap, plan, holidays = case
    ours = compute_schedule(roadmap, AS_OF)
    theirs = reference.schedule(plan, AS_OF, holidays=holidays, expected=True)
    for step in plan:
        e, r = ours[step["id"]], theirs[step["id"]]
        if e.point or "actual" in step:
            continue
        assert (e.expected_start, e.expected_end) == (date.fromordinal(r.S), date.fromordinal(r.E - 1)), step["id"]
