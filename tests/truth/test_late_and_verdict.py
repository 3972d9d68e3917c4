"""Late against the plan, the target's verdict, and the same answers in every view."""

from __future__ import annotations

from datetime import date

from icalendar import Calendar

from roadmap_tracker.charts.gantt import COLOURS, gantt_layout
from roadmap_tracker.formats.ics import FeedOptions, build_calendar, event_uid
from roadmap_tracker.loading import parse_roadmap_bytes
from roadmap_tracker.scheduling import compute_schedule
from roadmap_tracker.status import build_status
from roadmap_tracker.text import render_show, render_status, status_dict
from roadmap_tracker.wording import headline

BEHIND = """\
roadmap: {id: behind, title: Behind, target: adopt}
milestones:
  - {id: brief, title: Background brief, duration: 5d, actual: {start: 2025-01-02, end: 2025-01-08}}
  - {id: draft, title: Draft, duration: 20d, after: [brief], lead: Secretariat}
  - {id: review, title: Review, duration: 10d, after: [draft]}
  - {id: adopt, title: Adoption, duration: 1d, after: [review], deadline: 2025-06-30}
  - {id: side, title: Side event if funded, duration: 2d, not_before: 2023-05-01, condition: if funded}
"""


def report_of(text: str, as_of: date, **kwargs):
    roadmap, diagnostics = parse_roadmap_bytes(text.encode(), "plan.yaml")
    assert roadmap is not None and not any(d.is_error for d in diagnostics), diagnostics
    return build_status(compute_schedule(roadmap, as_of), **kwargs)


def ids(report, section: str) -> list[str]:
    return [item.entry.id for item in report.sections[section]]


def test_a_step_is_expected_the_day_after_its_predecessor_finished_even_months_later():
    draft = report_of(BEHIND, date(2025, 4, 15)).schedule["draft"]
    assert draft.expected_start == date(2025, 1, 9)
    assert draft.expected_end == date(2025, 1, 28)
    assert draft.start == date(2025, 4, 15)  # the forecast: work not started begins today at the earliest


def test_a_step_whose_expected_end_passed_is_overdue_by_that_many_days():
    report = report_of(BEHIND, date(2025, 4, 15))
    assert ids(report, "overdue") == ["draft", "review", "adopt"]
    draft = report.schedule["draft"]
    assert (draft.lateness, draft.late_days) == ("overdue", 77)
    assert report.sections["overdue"][0].why == \
        "expected to end 2025-01-28, 77 days ago; now forecast 2025-05-04"


def test_a_step_not_started_after_its_expected_start_is_late_to_start():
    report = report_of(BEHIND, date(2025, 1, 20))
    assert ids(report, "late_to_start") == ["draft"]
    assert report.sections["late_to_start"][0].why == \
        "expected to start 2025-01-09 (after brief finished 2025-01-08), 11 days ago; not started"
    assert report.schedule["draft"].late_days == 11


def test_an_open_condition_is_never_overdue_and_names_the_date_that_passed():
    report = report_of(BEHIND, date(2025, 4, 15))
    assert "side" not in ids(report, "overdue") + ids(report, "late_to_start")
    why = {item.entry.id: item.why for item in report.sections["open_conditions"]}
    assert why["side"] == "if funded; expected to end 2023-05-02, 714 days ago: confirm, reschedule or cancel"


def test_an_open_condition_names_its_deadline_or_its_expected_start_when_that_is_what_passed():
    """The days are counted from one date, and the words name it: its deadline once that passed;
    a window still open is not late at all."""
    report = report_of("""\
roadmap: {id: conditions, title: Conditions}
milestones:
  - {id: due, title: Due before its end, not_before: 2024-01-08, duration: 30d, deadline: 2024-01-20,
     condition: if agreed}
  - {id: long, title: Not ended yet, start: 2024-Q1, duration: 90d, condition: if agreed}
""", date(2024, 3, 1))
    why = {item.entry.id: item.why for item in report.sections["open_conditions"]}
    assert why == {"due": "if agreed; was due 2024-01-20, 41 days ago; nothing recorded: record what happened, "
                          "reschedule or cancel",
                   "long": "if agreed; window open until 2024-03-31; nothing recorded yet"}


def test_a_blocked_open_condition_whose_time_passed_is_listed_as_blocked_too():
    report = report_of(BEHIND.replace("condition: if funded}", "condition: if funded, status: blocked}"),
                       date(2025, 4, 15))
    assert ids(report, "blocked") == ["side"] and ids(report, "open_conditions") == ["side"]
    assert report.sections["blocked"][0].why.startswith("reported blocked; expected to end 2023-05-02, 714 days ago")
    assert report.sections["open_conditions"][0].why.startswith("reported blocked; if funded; expected to end")


def test_overdue_counts_from_the_deadline_when_it_passed_first_and_names_it():
    report = report_of("""\
roadmap: {id: due, title: Due first}
milestones:
  - {id: paper, title: Paper, not_before: 2026-11-02, duration: 28d, deadline: 2026-11-13}
""", date(2026, 11, 30))
    paper = report.schedule["paper"]
    assert (paper.lateness, paper.late_days, paper.expected_end) == ("overdue", 17, date(2026, 11, 29))
    assert report.sections["overdue"][0].why == \
        "was due 2026-11-13, 17 days ago; expected to end 2026-11-29; now forecast 2026-12-27"
    assert "overdue:      by 17 days (was due 2026-11-13)" in render_show(report.schedule, "paper")


def test_show_says_a_started_step_is_set_by_its_own_dates_not_by_its_unfinished_predecessor():
    report = report_of(BEHIND.replace("after: [draft]}", "after: [draft], status: in_progress, "
                                      "actual: {start: 2025-04-01}}"), date(2025, 4, 15))
    assert "driven by:    actual dates (latest input: draft)" in render_show(report.schedule, "review")


def test_status_json_items_carry_expected_dates_and_days_late():
    data = status_dict(report_of(BEHIND, date(2025, 4, 15)))
    draft = data["overdue"][0]
    assert (draft["expected_start"], draft["expected_end"], draft["late_days"]) == ("2025-01-09", "2025-01-28", 77)
    assert all({"expected_start", "expected_end", "late_days"} <= set(item)
               for name in ("overdue", "late_to_start", "at_risk", "in_progress", "upcoming", "open_conditions")
               for item in data[name])


def test_a_plan_that_has_fallen_behind_is_late_with_the_reason_named():
    report = report_of(BEHIND.replace("deadline: 2025-06-30", "deadline: 2025-05-01"), date(2025, 4, 15))
    assert report.verdict == "late"
    assert report.reasons == ["adopt forecast 2025-05-15 is 14 days past its deadline 2025-05-01"]
    assert headline(report).startswith("Late: target adopt (Adoption) forecast 2025-05-15, "
                                       "deadline 2025-05-01 (late by 14 days)")


SUMMIT = """\
roadmap: {id: summit, title: Summit, target: adopt}
milestones:
  - {id: nego, title: Negotiation, not_before: 2027-05-01, duration: 68d}
  - {id: summit, title: Summit, kind: meeting, start: 2027-06-14, after: [nego]}
  - {id: adopt, title: Adoption, duration: 1d, after: [summit], deadline: 2027-12-31}
"""


def test_a_fixed_date_the_target_waits_for_that_cannot_be_prepared_makes_it_late_whatever_its_float():
    report = report_of(SUMMIT, date(2027, 1, 4))
    assert report.target.end < date(2027, 12, 31)
    assert report.verdict == "late"
    assert report.reasons == ["summit on 2027-06-14 cannot be prepared: nego ends 2027-07-07"]
    text = headline(report)
    assert text.startswith("Late: target adopt")
    assert "early by" not in text and "float" not in text
    assert text.endswith("; summit on 2027-06-14 cannot be prepared: nego ends 2027-07-07")


def test_early_by_appears_only_when_on_track():
    report = report_of(SUMMIT.replace("duration: 68d", "duration: 20d"), date(2027, 1, 4))
    assert report.verdict == "on_track" and report.reasons == []
    assert "(early by 199 days)" in headline(report)


def test_status_json_target_has_verdict_and_reasons():
    target = status_dict(report_of(SUMMIT, date(2027, 1, 4)))["target"]
    assert target["verdict"] == "late"
    assert target["reasons"] == ["summit on 2027-06-14 cannot be prepared: nego ends 2027-07-07"]


def test_the_text_status_prints_the_verdict_first():
    lines = render_status(report_of(SUMMIT, date(2027, 1, 4))).splitlines()
    assert lines[1].startswith("Late: ")


BLOCKED = """\
roadmap: {id: blocked, title: Blocked, target: b}
milestones:
  - {id: a, title: Waiting on a visa, duration: 5d, not_before: 2025-02-03, status: blocked}
  - {id: b, title: Then this, duration: 2d, after: [a]}
"""


def test_a_blocked_step_at_risk_still_says_it_is_blocked():
    report = report_of(BLOCKED.replace("status: blocked}", "status: blocked, deadline: 2025-03-31}"), date(2025, 1, 6))
    assert report.sections["at_risk"][0].why.startswith("reported blocked; ")


def test_reported_blocked_shows_in_show_schedule_json_feeds_and_chart():
    report = report_of(BLOCKED, date(2025, 1, 6))
    schedule = report.schedule
    assert ids(report, "blocked") == ["a"]
    assert schedule["a"].status == "blocked"
    assert "status:       blocked" in render_show(schedule, "a")
    from roadmap_tracker.text import schedule_row

    assert schedule_row(schedule["a"])["status"] == "blocked"
    assert status_dict(report)["blocked"][0]["status"] == "blocked"
    feed = Calendar.from_ical(build_calendar(schedule, FeedOptions()))
    event = next(e for e in feed.walk("VEVENT") if str(e["UID"]) == event_uid("blocked", "a"))
    assert str(event["DESCRIPTION"]).startswith("Task - blocked")
    bar = gantt_layout(schedule).bar("a")
    assert bar.category == "blocked" and bar.colour == COLOURS["blocked"]


def test_the_brief_has_an_in_progress_and_blocked_section_and_the_verdict_first():
    from roadmap_tracker.charts.brief import build_brief

    roadmap, _ = parse_roadmap_bytes(BLOCKED.encode(), "plan.yaml")
    now, before = compute_schedule(roadmap, date(2025, 1, 6)), compute_schedule(roadmap, date(2024, 12, 30))
    brief = build_brief(now, before)
    assert [row[0] for row in brief.sections["blocked"]] == ["a"] and brief.sections["in_progress"] == []
    assert brief.sections["blocked"][0][-1].startswith("reported blocked")
    assert brief.headline.startswith("On track: target b")
    assert brief.headline == headline(build_status(now, horizon=14)) + "."


def test_an_open_condition_whose_window_passed_is_listed_under_open_conditions_only():
    report = report_of(BEHIND.replace("condition: if funded", "condition: if funded, deadline: 2023-06-30"),
                       date(2025, 4, 15))
    listed = [name for name, items in report.sections.items() for item in items if item.entry.id == "side"]
    assert listed == ["open_conditions"]


def test_a_target_that_misses_its_session_is_late():
    report = report_of("""\
roadmap: {id: s, title: S, target: decision}
milestones:
  - {id: session, title: Session, kind: session, start: 2027-04-12, end: 2027-04-16}
  - {id: draft, title: Draft, duration: 8w, not_before: 2027-02-16}
  - {id: decision, title: Decision, duration: 0, during: [session], depends_on: [{id: draft, lag: 2w}]}
""", date(2027, 2, 15))
    assert report.verdict == "late"
    assert report.reasons == ["decision misses its session session (2027-04-12..2027-04-16)"]
    assert headline(report).startswith("Late: ")
