"""Properties of the schedule on random acyclic random_roadmaps (hypothesis)."""

from __future__ import annotations


from hypothesis import given, settings

from roadmap_tracker.dates import shift
from roadmap_tracker.scheduling import compute_schedule

from .conftest import RANDOM_AS_OF, random_roadmaps





@settings(max_examples=200, deadline=None)
@given(roadmap=random_roadmaps())
def test_no_step_starts_before_its_constraints_allow(roadmap):
    schedule = compute_schedule(roadmap, RANDOM_AS_OF)
    cal = roadmap.calendar
    for m in roadmap.milestones:
        s, e = schedule[m.id].span
        assert s >= RANDOM_AS_OF.toordinal()
        if m.not_before:
            assert s >= m.not_before.first.toordinal()
        for dep in m.dependencies:
            ps, pe = schedule[dep.predecessor].span
            anchor = pe if dep.type in ("FS", "FF") else ps
            bound = shift(anchor, dep.lag, cal)
            assert (s if dep.type in ("FS", "SS") else e) >= bound, (m.id, dep)


@settings(max_examples=200, deadline=None)
@given(roadmap=random_roadmaps())
def test_float_is_never_negative_without_deadlines_or_fixed_dates(roadmap):
    schedule = compute_schedule(roadmap, RANDOM_AS_OF)
    assert all(entry.total_float >= 0 for entry in schedule)
    assert all(entry.free_float <= entry.total_float for entry in schedule)


@settings(max_examples=200, deadline=None)
@given(roadmap=random_roadmaps())
def test_critical_steps_are_exactly_the_targets_driving_chains_ties_included(roadmap):
    schedule = compute_schedule(roadmap, RANDOM_AS_OF)
    chain = [e.id for e in schedule.driving_chain(schedule.targets[0])]
    assert chain[-1] == schedule.targets[0]
    for before, after in zip(chain, chain[1:]):
        assert schedule[after].driving == before
    tied, stack = {chain[-1]}, [chain[-1]]  # the chain, and every chain tied with it
    while stack:
        e = schedule[stack.pop()]
        for p in ((e.driving, *e.driving_ties) if e.driven else ()):
            if p not in tied:
                tied.add(p)
                stack.append(p)
    assert set(chain) <= tied
    assert {e.id for e in schedule if e.critical} == {i for i in tied if schedule[i].total_float is not None}


@settings(max_examples=200, deadline=None)
@given(roadmap=random_roadmaps())
def test_the_driving_predecessor_sets_the_start(roadmap):
    schedule = compute_schedule(roadmap, RANDOM_AS_OF)
    for m in roadmap.milestones:
        entry = schedule[m.id]
        if entry.driving is None:
            continue
        dep = next(d for d in m.dependencies if d.predecessor == entry.driving)
        ps, pe = schedule[dep.predecessor].span
        bound = shift(pe if dep.type in ("FS", "FF") else ps, dep.lag, roadmap.calendar)
        s, e = entry.span
        if dep.type in ("FS", "SS"):
            # working-day durations may move the start to the next working day
            assert s == roadmap.calendar.finish(bound, m.duration)[0] or s == bound
        else:
            assert e >= bound


@settings(max_examples=100, deadline=None)
@given(roadmap=random_roadmaps(max_steps=12))
def test_schedule_is_deterministic(roadmap):
    first = compute_schedule(roadmap, RANDOM_AS_OF)
    second = compute_schedule(roadmap, RANDOM_AS_OF)
    assert list(first.entries.values()) == list(second.entries.values())
