"""The rules of docs/format.md "What the schedule means", one reduced case each (as of 2025-01-06)."""

from __future__ import annotations

from datetime import date

from roadmap_tracker.loading import parse_roadmap_bytes
from roadmap_tracker.scheduling import compute_schedule

AS_OF = date(2025, 1, 6)  # a Monday


def schedule_of(milestones: str, as_of: date = AS_OF, target: str | None = None):
    header = f"roadmap: {{id: case, title: Case{', target: ' + target if target else ''}}}\n"
    text = header + "milestones:\n" + milestones
    roadmap, diagnostics = parse_roadmap_bytes(text.encode(), "case.yaml")
    assert roadmap is not None, diagnostics
    return compute_schedule(roadmap, as_of)


def test_a_step_that_only_starts_its_successor_takes_its_late_dates_from_that_successor():
    s = schedule_of("""\
  - {id: a, title: A, duration: 3d}
  - {id: b, title: B, duration: 2d, deadline: 2025-01-20, depends_on: [{id: a, type: SS}]}
""")
    assert s["a"].late_start == date(2025, 1, 19)
    assert s["a"].late_finish == date(2025, 1, 21)
    assert s["a"].total_float == 13
    assert not s["a"].near_critical or s["a"].total_float <= 7


def test_a_lead_lets_a_step_finish_after_its_successors_late_finish():
    s = schedule_of("""\
  - {id: a, title: A, duration: 5d}
  - {id: b, title: B, duration: 5d, depends_on: [{id: a, type: FF, lag: -3d}]}
""")
    assert s["b"].late_finish == date(2025, 1, 10)
    assert s["a"].late_finish == date(2025, 1, 13)
    assert s["a"].total_float == 3


def test_a_start_bound_on_a_working_day_step_falls_back_to_a_working_day():
    s = schedule_of("""\
  - {id: a, title: A, duration: 1bd, deadline: 2025-01-31}
  - {id: b, title: B, duration: 1d, deadline: 2025-01-12, depends_on: [{id: a, type: SS}]}
""")
    assert s["a"].late_start == date(2025, 1, 10)  # Friday: Sunday the 12th is no working day
    assert s["a"].late_finish == date(2025, 1, 10)
    assert s["a"].total_float == 4


def test_a_working_day_steps_late_finish_is_a_working_day():
    s = schedule_of("""\
  - {id: a, title: A, duration: 2bd, deadline: 2025-01-12}
""")
    assert s["a"].late_finish == date(2025, 1, 10)
    assert s["a"].late_start == date(2025, 1, 9)


def test_the_driving_predecessor_of_a_fixed_step_is_measured_on_its_real_span():
    s = schedule_of("""\
  - {id: a, title: A, duration: 10d}
  - {id: c, title: C, duration: 1d, not_before: 2025-01-20}
  - {id: x, title: X, start: 2025-01-07, end: 2025-01-20, depends_on: [{id: a}, {id: c, type: SF}]}
""")
    assert s["x"].driving == "a"  # c would need a start on 2025-01-19 with a one-day span, 2025-01-06 with its real one
    assert s["x"].total_float == -9
    assert [e.id for e in s.driving_chain("x")] == ["a", "x"]


def test_the_driving_predecessor_of_a_done_step_is_measured_on_its_actual_span():
    s = schedule_of("""\
  - {id: a, title: A, duration: 10d, actual: {start: 2024-11-01, end: 2024-11-10}}
  - {id: c, title: C, duration: 1d, actual: {start: 2024-11-20, end: 2024-11-20}}
  - {id: x, title: X, duration: 1d, depends_on: [{id: a}, {id: c, type: SF}],
     actual: {start: 2024-11-01, end: 2024-11-14}}
""", as_of=date(2025, 1, 6))
    assert s["x"].driving == "a"


def test_on_a_tie_the_predecessor_first_in_the_file_drives():
    s = schedule_of("""\
  - {id: a, title: A, duration: 2d}
  - {id: b, title: B, duration: 2d}
  - {id: c, title: C, duration: 1d, after: [b, a]}
""")
    assert s["c"].driving == "a"


def test_a_milestone_with_only_a_start_is_a_point_at_the_start_of_its_day():
    s = schedule_of("""\
  - {id: m, title: M, kind: milestone, start: 2025-02-03}
  - {id: n, title: N, duration: 1d, after: [m]}
""")
    assert (s["m"].start, s["m"].end) == (date(2025, 2, 3), date(2025, 2, 3))
    assert s["n"].start == date(2025, 2, 3)


def test_a_fixed_date_off_the_targets_chain_is_not_critical():
    s = schedule_of("""\
  - {id: side, title: Side event, kind: meeting, start: 2025-03-03}
  - {id: draft, title: Draft, duration: 10d}
  - {id: adopt, title: Adoption, duration: 1d, after: [draft]}
""", target="adopt")
    assert s.targets[0] == "adopt"
    assert [e.id for e in s if e.critical] == ["draft", "adopt"]
    assert not s["side"].critical and not s["side"].near_critical


def test_near_critical_steps_lead_to_the_target_with_thin_float():
    s = schedule_of("""\
  - {id: long, title: Long, duration: 10d}
  - {id: short, title: Short, duration: 6d}
  - {id: spare, title: Spare, duration: 1d}
  - {id: adopt, title: Adoption, duration: 1d, after: [long, short]}
""")
    assert s["long"].critical and not s["short"].critical
    assert s["short"].near_critical  # 4 days of float
    assert not s["spare"].near_critical  # leads nowhere near the target


def test_the_driving_chain_stops_at_a_fixed_date_its_preparation_can_meet():
    s = schedule_of("""\
  - {id: prep, title: Preparation, duration: 5d}
  - {id: summit, title: Summit, kind: meeting, start: 2025-03-03}
  - {id: adopt, title: Adoption, duration: 1d, after: [summit, prep]}
""")
    assert [e.id for e in s.critical_path] == ["summit", "adopt"]



def test_a_step_reported_done_without_dates_is_done_once_its_planned_end_has_passed():
    plan = """\
  - {id: a, title: A, not_before: 2025-01-06, duration: 5d, status: done}
  - {id: b, title: B, duration: 5d, after: [a]}
"""
    assert schedule_of(plan, as_of=date(2025, 1, 11))["a"].state == "done"
    assert schedule_of(plan, as_of=date(2025, 1, 8))["a"].state == "in_progress"  # the past as it was known


def test_a_step_placed_by_a_sessions_window_is_driven_by_the_session():
    s = schedule_of("""\
  - {id: session, title: Session, kind: session, start: 2025-03-03, end: 2025-03-07}
  - {id: draft, title: Draft, duration: 5d}
  - {id: agree, title: Agreed, duration: 1d, during: [session], after: [draft]}
""")
    assert (s["agree"].driving, s["agree"].driving_reason) == ("session", "window")
    assert [e.id for e in s.driving_chain("agree")] == ["session", "agree"]  # a fixed date its input meets: it stops


def test_a_point_after_a_fixed_point_shows_on_the_same_day():
    s = schedule_of("""\
  - {id: opening, title: Opening, kind: milestone, start: 2025-03-10}
  - {id: launch, title: Launch, kind: milestone, after: [opening]}
""")
    assert s["launch"].start == s["launch"].end == date(2025, 3, 10)


def test_a_cancelled_step_pins_no_float_and_is_never_the_default_target():
    s = schedule_of("""\
  - {id: draft, title: Draft, duration: 5d}
  - {id: dropped, title: Dropped, duration: 30d, after: [draft], deadline: 2025-01-12, status: cancelled}
""")
    assert s.targets[0] == "draft"
    assert s["draft"].total_float == 0  # an end point now: bounded by the plan's end, not by the cancelled step
    assert (s["dropped"].early_start, s["dropped"].early_finish) == (s["dropped"].start, s["dropped"].end)


def test_an_end_point_with_a_deadline_answers_to_its_deadline_not_to_the_plans_end():
    s = schedule_of("""\
  - {id: long, title: Long, duration: 30d}
  - {id: report, title: Report after the rest, duration: 5d, after: [long], deadline: 2025-03-07}
""")
    assert s["report"].total_float == 26  # ends 2025-02-09; due 2025-03-07: never "only 0 days of float"
    from roadmap_tracker.status import build_status

    assert "report" not in [item.entry.id for item in build_status(s).sections["at_risk"]]


def test_the_target_takes_its_own_deadline_even_after_the_plans_end():
    s = schedule_of("""\
  - {id: long, title: Long, duration: 30d, deadline: 2025-03-06}
""")
    assert s["long"].total_float == 30


def test_a_step_under_way_at_100_percent_ends_on_the_as_of_day_at_the_earliest():
    s = schedule_of("""\
  - {id: a, title: A, duration: 5d, progress: 100, status: in_progress, actual: {start: 2024-12-20}}
""")
    assert s["a"].end == AS_OF


def test_a_step_reported_done_without_dates_is_done_once_its_planned_dates_pass():
    s = schedule_of("""\
  - {id: late, title: Not started, not_before: 2024-11-04, duration: 10d}
  - {id: a, title: A, duration: 5d, after: [late], status: done}
""")
    assert s["late"].start == AS_OF  # forecast from the as-of date
    assert (s["a"].state, s["a"].start, s["a"].end) == ("done", date(2024, 11, 14), date(2024, 11, 18))


def test_every_chain_that_ties_for_driving_the_target_is_critical():
    s = schedule_of("""\
  - {id: legal, title: Legal review, duration: 10d}
  - {id: finance, title: Finance review, duration: 10d}
  - {id: sign, title: Signature, duration: 1d, after: [legal, finance]}
""")
    assert s["sign"].driving == "legal" and s["sign"].driving_ties == ("finance",)
    assert s["legal"].critical and s["finance"].critical
    assert [e.id for e in s.critical_path] == ["legal", "sign"]  # 'roadmap path' names the first chain


def test_risk_counts_every_tied_chain_as_critical():
    from roadmap_tracker.risk import simulate

    s = schedule_of("""\
  - {id: legal, title: Legal review, duration: 10d}
  - {id: finance, title: Finance review, duration: 10d}
  - {id: sign, title: Signature, duration: 1d, after: [legal, finance]}
""")
    criticality = simulate(s, runs=20, seed=1).criticality
    assert criticality == {"legal": 1.0, "finance": 1.0, "sign": 1.0}


def test_a_step_that_fits_none_of_its_sessions_overruns_the_first_ahead_with_negative_float():
    s = schedule_of("""\
  - {id: session, title: Session, kind: session, start: 2025-03-17, end: 2025-03-21}
  - {id: talks, title: Talks, duration: 10d, during: [session]}
""", target="talks")
    talks = s["talks"]
    assert (talks.start, talks.end, talks.total_float) == (date(2025, 3, 17), date(2025, 3, 26), -5)
    assert [d.code for d in s.diagnostics] == ["no-window-fits"]


def test_free_float_across_a_working_day_lead_is_measured_on_the_steps_side_like_total_float():
    s = schedule_of("""\
  - {id: a, title: A, duration: 3d, not_before: 2025-01-06}
  - {id: b, title: B, start: 2025-01-09, depends_on: [{id: a, lag: -2bd}]}
""")
    assert s["a"].total_float == s["a"].free_float == 4  # its only successor: both say the same
