"""The target's verdict comes from the target's own bounds: its deadline and the session that hosts
it, never the steps after it; the session that places it drives it (docs/format.md, the verdict)."""

from __future__ import annotations

from datetime import date

from roadmap_tracker.loading import parse_roadmap_bytes
from roadmap_tracker.scheduling import compute_schedule
from roadmap_tracker.status import build_status
from roadmap_tracker.wording import headline

DECISION = """\
roadmap: {id: t, title: T, target: decision}
milestones:
  - {id: draft, title: Draft, duration: 20d, not_before: 2027-01-04}
  - {id: decision, title: Decision, kind: decision, duration: 0, after: [draft], deadline: 2027-04-30}
"""

HOSTED = """\
roadmap: {id: h, title: H, target: decision}
milestones:
  - {id: synthesis, title: Synthesis, duration: 30d, not_before: 2027-01-04}
  - {id: session, title: Session, kind: session, start: 2027-04-12, end: 2027-04-16, after: [synthesis]}
  - {id: decision, title: Decision, kind: decision, duration: 0, during: [session], deadline: 2027-04-16}
"""


def report_of(text: str, as_of: date):
    roadmap, diagnostics = parse_roadmap_bytes(text.encode(), "plan.yaml")
    assert roadmap is not None and not any(d.is_error for d in diagnostics), diagnostics
    return build_status(compute_schedule(roadmap, as_of))


def test_a_step_after_the_target_does_not_change_the_targets_float_or_verdict():
    alone = report_of(DECISION, date(2027, 1, 4))
    followed = report_of(DECISION + "  - {id: report, title: Report, duration: 2mo, after: [decision]}\n",
                         date(2027, 1, 4))
    assert alone.target.total_float == followed.target.total_float == 97  # 2027-01-23 to 2027-04-30
    assert (alone.verdict, followed.verdict) == ("on_track", "on_track")
    assert "early by 97 days" in headline(followed)


def test_a_target_without_a_deadline_followed_by_steps_has_no_float_from_them():
    text = DECISION.replace(", deadline: 2027-04-30", "") + \
        "  - {id: report, title: Report, duration: 2mo, after: [decision]}\n"
    assert report_of(text, date(2027, 1, 4)).target.total_float == 0


def test_a_target_placed_in_a_near_session_is_not_at_risk_on_thin_float():
    text = HOSTED.replace("not_before: 2027-01-04}", "actual: {start: 2027-01-04, end: 2027-02-02}}")
    report = report_of(text, date(2027, 4, 5))
    assert report.schedule["decision"].total_float < 7
    assert report.verdict == "on_track", report.reasons


def test_a_target_whose_hosting_session_cannot_be_prepared_is_late_and_names_the_session_and_input():
    report = report_of(HOSTED.replace("duration: 30d", "duration: 110d"), date(2027, 1, 4))
    assert report.verdict == "late"
    assert report.reasons == ["session on 2027-04-12 cannot be prepared: synthesis ends 2027-04-23"]


def test_a_target_with_a_later_session_before_its_deadline_is_only_at_risk():
    report = report_of("""\
roadmap: {id: h, title: H, target: decision}
milestones:
  - {id: synthesis, title: Synthesis, duration: 110d, not_before: 2027-01-04}
  - {id: session, title: Session, kind: session, start: 2027-04-12, end: 2027-04-16, after: [synthesis]}
  - {id: resumed, title: Resumed session, kind: session, start: 2027-07-05, end: 2027-07-06}
  - {id: decision, title: Decision, kind: decision, duration: 0, during: [session, resumed], deadline: 2027-07-31}
""", date(2027, 1, 4))
    assert report.verdict == "at_risk", report.reasons
    assert report.reasons == ["session on 2027-04-12 cannot be prepared: synthesis ends 2027-04-23"]


def test_the_session_that_places_the_target_is_on_its_critical_path():
    schedule = report_of(HOSTED, date(2027, 1, 4)).schedule
    assert [e.id for e in schedule.critical_path] == ["session", "decision"]
    assert schedule["session"].critical


# -- links that set an end ------------------------------------------------------------------------------

FINISH_LINKED = """\
roadmap: {id: ff, title: FF}
milestones:
  - {id: workshops, title: Workshops, not_before: 2026-12-08, duration: 14d}
  - {id: report, title: Report, duration: 4w, actual: {start: 2026-11-20},
     depends_on: [{id: workshops, type: FF, lag: 2w}]}
"""


def test_a_step_under_way_still_ends_no_earlier_than_its_ff_link_allows():
    schedule = report_of(FINISH_LINKED, date(2026, 12, 8)).schedule
    assert schedule["report"].end == date(2027, 1, 4)  # workshops end 2026-12-21, two weeks more
    assert schedule["workshops"].total_float == 0
    assert schedule["report"].driving == "workshops"


def test_whatif_slip_and_finish_move_the_end_of_a_step_whose_end_a_link_sets():
    from roadmap_tracker.whatif import what_if

    text = FINISH_LINKED.replace("actual: {start: 2026-11-20}", "not_before: 2026-11-30")
    schedule = report_of(text, date(2026, 11, 23)).schedule
    assert schedule["report"].end == date(2027, 1, 4)  # set by the FF link, not by its 4 weeks
    slipped = what_if(schedule, slips={"report": 14})
    assert {m.id: m.new_end for m in slipped.moves}["report"] == date(2027, 1, 18)
    finished = what_if(schedule, finishes={"report": date(2027, 1, 20)})
    assert {m.id: m.new_end for m in finished.moves}["report"] == date(2027, 1, 20)


def test_done_steps_are_never_critical_but_stay_on_the_critical_path_feeds_and_charts_show():
    from icalendar import Calendar

    from roadmap_tracker.formats.ics import FeedOptions, build_calendar
    from roadmap_tracker.loading import load_roadmap
    from roadmap_tracker.scheduling import compute_schedule
    from tests.conftest import SHIPPED

    schedule = compute_schedule(load_roadmap(SHIPPED), date(2026, 12, 8))
    assert not schedule["ga-outcome-adopted"].critical  # done: it drives nothing any more
    assert [e.id for e in schedule.critical_path] == ["ga-outcome-adopted"]
    feed = Calendar.from_ical(build_calendar(schedule, FeedOptions(critical_only=True)))
    assert [str(e["UID"]).split("@")[0] for e in feed.walk("VEVENT")] == ["ga-outcome-adopted"]
