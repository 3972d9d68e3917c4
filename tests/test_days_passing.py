"""As the calendar moves on: sessions held on their dates, closed windows and open windows read
true on every day, in every view (docs/format.md, "What is presumed as days pass")."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from icalendar import Calendar

from roadmap_tracker.formats.ics import FeedOptions, SequenceState, build_calendar, event_uid
from roadmap_tracker.loading import load_roadmap, parse_roadmap_bytes
from roadmap_tracker.scheduling import compute_schedule
from roadmap_tracker.status import build_status
from roadmap_tracker.text import render_show, status_dict
from roadmap_tracker.wording import span_text, window_label
from tests.conftest import SHIPPED

STAMP = datetime(2026, 12, 8, 9, 0, tzinfo=timezone.utc)

SESSION = """\
roadmap: {id: s, title: S, target: decision}
milestones:
  - {id: session, title: Session, kind: session, start: 2026-12-07, end: 2026-12-11}
  - {id: decision, title: Decision, kind: decision, duration: 0, during: [session], deadline: 2026-12-11}
"""

FOLLOW_UP = """\
roadmap: {id: f, title: Follow-up}
milestones:
  - {id: input, title: Input report, duration: 0, deadline: 2026-02, condition: if requested}
  - {id: spring, title: Spring session, kind: session, start: 2026-03, end: 2026-04, duration: 5d,
     after: [input], condition: dates not announced}
  - {id: meeting, title: Expert meeting, kind: meeting, start: 2026-06-15, end: 2026-06-17}
  - {id: minutes, title: Minutes, duration: 10d, after: [meeting]}
  - {id: note, title: Note to the next session, duration: 5d, after: [spring]}
"""


def schedule_of(text: str, as_of: date):
    roadmap, diagnostics = parse_roadmap_bytes(text.encode(), "plan.yaml")
    assert roadmap is not None and not any(d.is_error for d in diagnostics), diagnostics
    return compute_schedule(roadmap, as_of)


def section_of(report, step_id: str) -> list[str]:
    return [name for name, items in report.sections.items() if any(i.entry.id == step_id for i in items)]


# -- a session on its dates -------------------------------------------------------------------------

def test_an_unrecorded_session_between_its_dates_is_in_session_with_float_zero_and_not_late():
    report = build_status(schedule_of(SESSION, date(2026, 12, 8)))
    session = report.schedule["session"]
    assert (session.presumed, session.lateness, session.total_float) == ("in_session", None, 0)
    assert section_of(report, "session") == ["in_progress"]
    assert report.sections["in_progress"][0].why == "in session until 2026-12-11 (nothing recorded yet)"


def test_a_decision_during_a_sitting_session_is_due_by_the_sessions_last_day_not_overdue():
    report = build_status(schedule_of(SESSION, date(2026, 12, 8)))
    assert report.sections["overdue"] == [] and report.verdict == "on_track"
    decision = report.schedule["decision"]
    assert (decision.lateness, decision.due_by) == (None, date(2026, 12, 11))


def test_a_decision_not_recorded_after_its_session_is_overdue_from_the_sessions_last_day():
    decision = schedule_of(SESSION, date(2026, 12, 14))["decision"]
    assert (decision.lateness, decision.late_days) == ("overdue", 3)


def test_an_unrecorded_session_after_its_dates_is_to_confirm_never_late():
    report = build_status(schedule_of(SESSION, date(2026, 12, 14)))
    session = report.schedule["session"]
    assert (session.presumed, session.lateness, session.total_float) == ("held", "to_confirm", None)
    assert (session.start, session.end) == (date(2026, 12, 7), date(2026, 12, 11))
    assert section_of(report, "session") == ["to_confirm"]
    assert report.sections["to_confirm"][0].why == "ended 2026-12-11, 3 days ago; held as planned? record the outcome"


def test_a_session_recorded_as_under_way_has_float_zero():
    text = SESSION.replace("end: 2026-12-11}", "end: 2026-12-11, actual: {start: 2026-12-07}}")
    assert schedule_of(text, date(2026, 12, 8))["session"].total_float == 0


def test_what_follows_a_held_meeting_is_scheduled_from_its_planned_end_and_waits_for_it():
    schedule = schedule_of(FOLLOW_UP, date(2026, 6, 25))
    minutes = schedule["minutes"]
    assert schedule["meeting"].presumed == "held"
    assert minutes.expected_start == date(2026, 6, 18) and minutes.waiting_for == ("meeting",)
    assert (minutes.lateness, minutes.late_days) == ("late_to_start", 7)


# -- a closed window ----------------------------------------------------------------------------------

def test_a_window_that_closed_with_its_condition_open_keeps_its_planned_dates_and_has_no_float():
    for as_of in (date(2026, 5, 1), date(2026, 9, 1), date(2026, 12, 8)):
        spring = schedule_of(FOLLOW_UP, as_of)["spring"]
        assert (spring.start, spring.end) == (date(2026, 3, 1), date(2026, 3, 5)), as_of
        assert (spring.presumed, spring.total_float, spring.closed_on) == ("closed", None, date(2026, 4, 30))


def test_a_closed_window_says_when_it_closed_in_status_show_and_validate_alike():
    schedule = schedule_of(FOLLOW_UP, date(2026, 12, 8))
    words = "window closed 2026-04-30, 222 days ago; nothing recorded: record what happened, reschedule or cancel"
    why = {i.entry.id: i.why for i in build_status(schedule).sections["open_conditions"]}
    assert why["spring"] == "dates not announced; " + words
    assert words in render_show(schedule, "spring")
    assert [d.message for d in schedule.diagnostics if d.milestone == "spring"] == [f"'spring': {words}"]


def test_a_closed_deadline_counts_from_the_deadline():
    schedule = schedule_of(FOLLOW_UP, date(2026, 12, 8))
    assert schedule["input"].closed_on == date(2026, 2, 28)
    assert "was due 2026-02-28, 283 days ago" in build_status(schedule).sections["open_conditions"][0].why


def test_what_follows_a_closed_window_waits_for_it_from_its_planned_end():
    note = schedule_of(FOLLOW_UP, date(2026, 12, 8))["note"]
    assert note.expected_start == date(2026, 3, 6) and note.waiting_for == ("spring",)


def test_a_window_still_open_is_never_late():
    schedule = schedule_of(FOLLOW_UP, date(2026, 4, 15))  # mid-April in a March-April window
    spring = schedule["spring"]
    assert (spring.presumed, spring.lateness, spring.due_by) == ("window_open", None, date(2026, 4, 30))
    assert (spring.start, spring.end) == (date(2026, 3, 1), date(2026, 3, 5))
    assert "expected to end" not in render_show(schedule, "spring")


def test_ordinary_work_without_a_condition_is_still_overdue_and_forecast_from_today():
    text = FOLLOW_UP.replace("deadline: 2026-02, condition: if requested", "deadline: 2026-02")
    entry = schedule_of(text, date(2026, 4, 1))["input"]
    assert (entry.presumed, entry.lateness, entry.start) == (None, "overdue", date(2026, 4, 1))


def test_the_status_json_lists_held_steps_under_to_confirm():
    data = status_dict(build_status(schedule_of(SESSION, date(2026, 12, 20))))
    assert [i["id"] for i in data["to_confirm"]] == ["session"]
    assert data["to_confirm"][0]["lateness"] == "to_confirm" and data["to_confirm"][0]["float"] is None


# -- the calendar does not walk ----------------------------------------------------------------------

def feed(schedule, state: SequenceState) -> bytes:
    return build_calendar(schedule, FeedOptions(dtstamp=STAMP), state)


def test_the_shipped_calendar_is_byte_identical_on_consecutive_days():
    roadmap = load_roadmap(SHIPPED)
    state = SequenceState()
    today = feed(compute_schedule(roadmap, date(2026, 12, 8)), state)
    tomorrow = feed(compute_schedule(roadmap, date(2026, 12, 9)), state)
    assert today == tomorrow


def test_a_closed_windows_event_stays_on_its_planned_dates_at_sequence_zero_for_months():
    roadmap, _ = parse_roadmap_bytes(FOLLOW_UP.encode(), "plan.yaml")
    state = SequenceState()
    uid = event_uid("f", "spring")
    for months in range(10):
        as_of = date(2026, 5, 1) + timedelta(days=30 * months)
        events = {str(e["UID"]): e for e in Calendar.from_ical(feed(compute_schedule(roadmap, as_of), state)).walk("VEVENT")}
        event = events[uid]
        assert (event.decoded("DTSTART"), event.decoded("DTEND"), int(event["SEQUENCE"])) == \
            (date(2026, 3, 1), date(2026, 3, 6), 0), as_of
        assert "window closed 2026-04-30" in str(event["DESCRIPTION"])


# -- the shipped roadmap, today ------------------------------------------------------------------------

def test_the_shipped_roadmap_forecasts_nothing_for_this_week_that_no_source_places_there():
    schedule = compute_schedule(load_roadmap(SHIPPED), date(2026, 12, 8))
    this_week = (date(2026, 12, 7), date(2026, 12, 13))
    placed = [e.id for e in schedule if e.state not in ("done", "cancelled")
              and e.start <= this_week[1] and e.end >= this_week[0]]
    assert placed == []
    cstd29 = schedule["cstd-29"]
    assert (cstd29.start, cstd29.total_float, cstd29.closed_on, cstd29.late_days) == \
        (date(2026, 3, 1), None, date(2026, 4, 30), 222)


@pytest.mark.parametrize("first, last, words", [
    (date(2027, 1, 1), date(2027, 2, 28), "Jan-Feb 2027"),
    (date(2027, 1, 1), date(2027, 3, 31), "2027-Q1"),
    (date(2023, 7, 1), date(2023, 12, 31), "2023-H2"),
    (date(2025, 1, 1), date(2025, 12, 31), "2025"),
    (date(2026, 3, 1), date(2026, 3, 31), "Mar 2026"),
    (date(2026, 12, 1), date(2027, 1, 31), "Dec 2026-Jan 2027"),
    (date(2024, 3, 4), date(2024, 3, 10), "2024-03-04..2024-03-10"),
])
def test_windows_print_as_windows(first, last, words):
    assert window_label(first, last) == words


def test_the_chart_pins_a_closed_step_to_its_planned_date_and_never_draws_it_late():
    from roadmap_tracker.charts.gantt import gantt_layout

    layout = gantt_layout(compute_schedule(load_roadmap(SHIPPED), date(2026, 12, 8)))
    pinned = {label.text for label in layout.labels if label.kind == "pinned"}
    assert {"← 2025-12-17", "← 2026-03-05", "← 2026-07-10"} <= pinned  # ungis-roadmap, cstd-29, wsis-forum-2026
    assert not any(bar.late for bar in layout.bars)


PREPARED = """\
roadmap: {id: p, title: P, target: decision}
milestones:
  - {id: draft, title: Draft, duration: 8w, not_before: 2026-03-02}
  - {id: expert, title: Expert meeting, kind: meeting, start: 2026-06-08, end: 2026-06-10, after: [draft]}
  - {id: final, title: Final, duration: 6w, after: [expert]}
  - {id: autumn, title: Autumn session, kind: session, start: 2026-10-12, end: 2026-10-16, after: [final]}
  - {id: decision, title: Decision, kind: decision, duration: 0, during: [autumn], deadline: 2026-10-16}
"""


def test_a_meeting_sitting_without_its_input_is_in_progress_not_blocked_and_makes_the_target_late():
    report = build_status(schedule_of(PREPARED, date(2026, 6, 9)))  # draft never recorded
    assert section_of(report, "expert") == ["in_progress"]
    assert report.verdict == "late"
    assert report.reasons[0].startswith("expert is sitting (2026-06-08..2026-06-10) without draft: draft ends")


def test_a_meeting_presumed_held_without_its_input_keeps_the_target_late():
    report = build_status(schedule_of(PREPARED, date(2026, 7, 15)))
    assert section_of(report, "expert") == ["to_confirm"]
    assert report.verdict == "late"
    assert report.reasons[0].startswith("expert was to meet (2026-06-08..2026-06-10) without draft")


def test_a_meeting_held_with_its_input_done_leaves_the_target_on_track():
    text = PREPARED.replace("not_before: 2026-03-02}", "actual: {start: 2026-03-02, end: 2026-04-24}}")
    assert build_status(schedule_of(text, date(2026, 7, 15))).verdict == "on_track"


def test_a_step_after_a_presumed_held_meeting_says_it_waits_for_an_unrecorded_step():
    text = PREPARED.replace("not_before: 2026-03-02}", "actual: {start: 2026-03-02, end: 2026-04-24}}")
    report = build_status(schedule_of(text, date(2026, 7, 15)))
    why = {i.entry.id: i.why for i in report.sections["late_to_start"]}
    assert why["final"] == ("expected to start 2026-06-11, 34 days ago; not started; "
                            "waits for expert (presumed held 2026-06-08..2026-06-10, nothing recorded)")


def test_a_fixed_point_milestone_is_not_late_on_its_day_and_is_to_confirm_from_the_next():
    text = """\
roadmap: {id: m, title: M}
milestones:
  - {id: deadline, title: Submissions close, kind: milestone, start: 2026-03-31}
"""
    on_the_day = schedule_of(text, date(2026, 3, 31))["deadline"]
    assert (on_the_day.presumed, on_the_day.lateness) == (None, None)
    after = schedule_of(text, date(2026, 4, 2))["deadline"]
    assert (after.presumed, after.closed_on, after.late_days) == ("held", date(2026, 3, 31), 2)


def test_a_step_placed_in_a_session_is_expected_by_its_last_day_and_counts_from_it():
    report = build_status(schedule_of(SESSION.replace("target: decision", "target: session"), date(2026, 12, 14)))
    why = {i.entry.id: i.why for i in report.sections["overdue"]}
    assert "expected to end 2026-12-11, 3 days ago" in why["decision"]  # the session's last day


def test_a_fixed_step_under_way_has_its_own_dates_as_late_dates():
    text = SESSION.replace("end: 2026-12-11}", "end: 2026-12-11, actual: {start: 2026-12-07}}")
    session = schedule_of(text, date(2026, 12, 8))["session"]
    assert (session.late_start, session.late_finish, session.total_float) == \
        (date(2026, 12, 7), date(2026, 12, 11), 0)


def test_a_window_is_shown_only_while_the_forecast_lies_inside_it():
    from roadmap_tracker.wording import dates_text

    text = """\
roadmap: {id: w, title: W}
milestones:
  - {id: prep, title: Preparation, duration: 60d, not_before: 2026-09-01}
  - {id: informals, title: Informals, start: 2026-10, end: 2026-10, duration: 5d, after: [prep]}
"""
    early, late = schedule_of(text, date(2026, 6, 1)), schedule_of(text, date(2026, 9, 20))
    assert dates_text(early["informals"]) != "Oct 2026"  # prep ends 2026-10-30: forecast past the window
    assert dates_text(late["informals"]) == span_text(late["informals"])


def test_a_window_step_waiting_for_unrecorded_work_is_forecast_after_it_not_kept_on_its_planned_dates():
    text = """\
roadmap: {id: w, title: W}
milestones:
  - {id: report, title: Report, duration: 30d, not_before: 2026-03-02}
  - {id: consult, title: Regional consultation, kind: meeting, start: 2026-05, end: 2026-05, duration: 5d,
     after: [report]}
"""
    schedule = schedule_of(text, date(2026, 5, 15))  # the report was never recorded
    consult, report = schedule["consult"], schedule["report"]
    assert consult.presumed is None and consult.start > report.end


def test_a_session_hosting_a_step_on_the_way_to_the_target_that_sits_without_its_input_makes_it_late():
    text = """\
roadmap: {id: c, title: C, target: adopt}
milestones:
  - {id: report, title: Report, duration: 30d, not_before: 2026-03-02}
  - {id: csd, title: Commission session, kind: session, start: 2026-06-15, end: 2026-06-19, after: [report]}
  - {id: resolution, title: Resolution, kind: decision, duration: 0, during: [csd]}
  - {id: adopt, title: Adoption, duration: 1d, after: [resolution], deadline: 2026-12-31}
"""
    report = build_status(schedule_of(text, date(2026, 6, 16)))
    assert report.verdict == "late"
    assert report.reasons[0].startswith("csd is sitting (2026-06-15..2026-06-19) without report")


def test_a_session_after_a_kick_off_presumed_held_is_not_sitting_without_it():
    text = """\
roadmap: {id: k, title: K, target: decision}
milestones:
  - {id: kickoff, title: Bureau kick-off, kind: milestone, start: 2026-01-15}
  - {id: session, title: Session, kind: session, start: 2026-02-12, end: 2026-02-18, after: [kickoff]}
  - {id: decision, title: Decision, kind: decision, duration: 0, during: [session], deadline: 2026-02-18}
"""
    for as_of in (date(2026, 2, 15), date(2026, 3, 15)):
        report = build_status(schedule_of(text, as_of))
        assert not any("without kickoff" in reason for reason in report.reasons), (as_of, report.reasons)
    assert build_status(schedule_of(text, date(2026, 2, 15))).verdict == "on_track"


def test_show_keeps_a_space_after_a_long_label():
    text = "roadmap: {id: l, title: L}\nmilestones:\n  - {id: a, title: A, duration: 30d, not_before: 2026-01-05}\n"
    assert "late to start: by 10 days" in render_show(schedule_of(text, date(2026, 1, 15)), "a")


def test_validate_and_status_count_the_same_warnings_without_an_as_of(cli):
    import json

    warnings = json.loads(cli("--file", str(SHIPPED), "validate", "--format", "json").stdout)
    status = cli("--file", str(SHIPPED), "status")
    assert f"note: {len(warnings)} warning" in status.stderr
