"""Every view says the same word about a step: the library computes it once."""

from __future__ import annotations

import json

PLAN = """\
roadmap: {id: agree, title: Views agree, target: decision}
milestones:
  - {id: side-event, title: Side event, duration: 2d, not_before: 2024-01-08,
     condition: if a host is found}
  - {id: draft, title: Draft, duration: 10d, not_before: 2024-01-08}
  - {id: decision, title: Decision, duration: 0, after: [draft]}
"""


def test_an_open_condition_is_window_passed_in_every_view_never_overdue(cli, write_roadmap):
    path = write_roadmap(PLAN)
    args = ("--file", str(path))
    schedule = {row["id"]: row for row in json.loads(cli(*args, "schedule", "--as-of", "2024-03-01",
                                                         "--format", "json").stdout)}
    status = json.loads(cli(*args, "status", "--as-of", "2024-03-01", "--format", "json").stdout)
    show = cli(*args, "show", "side-event", "--as-of", "2024-03-01").stdout
    table = cli(*args, "schedule", "--as-of", "2024-03-01").stdout
    assert [i["id"] for i in status["overdue"]] == ["draft", "decision"]
    assert [i["id"] for i in status["open_conditions"]] == ["side-event"]
    assert "open cond. 52d" in next(line for line in table.splitlines() if line.startswith("side-event"))
    assert "overdue" in next(line for line in table.splitlines() if line.startswith("draft "))
    assert "expected to end 2024-01-09, 52 days ago" in show and "overdue" not in show
    assert [i["why"] for i in status["open_conditions"]] == [
        "if a host is found; expected to end 2024-01-09, 52 days ago: confirm, reschedule or cancel"]
    assert schedule["side-event"]["late_days"] == 52  # its expected end, 2024-01-09, passed 52 days ago
    assert (schedule["side-event"]["lateness"], schedule["draft"]["lateness"]) == ("window_passed", "overdue")
    assert [i["lateness"] for i in status["open_conditions"]] == ["window_passed"]


def test_the_calendar_says_overdue_from_the_date_status_counts_from(cli, write_roadmap, tmp_path):
    """The feed names the date; the days since it are left out, so an event reads the same every day."""
    from icalendar import Calendar

    path = write_roadmap(PLAN)
    args = ("--file", str(path))
    status = json.loads(cli(*args, "status", "--as-of", "2024-03-01", "--format", "json").stdout)
    late_days = {row["id"]: row["late_days"] for row in json.loads(cli(
        *args, "schedule", "--as-of", "2024-03-01", "--format", "json").stdout)}
    feed = tmp_path / "plan.ics"
    assert cli(*args, "export", "ics", "--as-of", "2024-03-01", "-o", str(feed)).exit_code == 0
    described = {str(e["UID"]).split("@")[0].split("/")[-1]: str(e["DESCRIPTION"])
                 for e in Calendar.from_ical(feed.read_bytes()).walk("VEVENT")}
    draft = next(text for uid, text in described.items() if "draft" in uid)
    assert [i["id"] for i in status["overdue"]][0] == "draft"
    assert late_days["draft"] == 44 and "Overdue: expected to end 2024-01-17; now forecast" in draft
    side = next(text for uid, text in described.items() if "side-event" in uid)
    assert "Open condition: expected to end 2024-01-09: confirm" in side and "Overdue" not in side


def test_the_calendar_says_which_session_a_late_step_misses_as_status_does(cli, write_roadmap, tmp_path):
    from icalendar import Calendar

    path = write_roadmap("""\
roadmap: {id: missed, title: Missed sessions, target: adopt}
milestones:
  - {id: s1, title: Session 1, kind: session, start: 2024-04-15, end: 2024-04-19}
  - {id: s2, title: Session 2, kind: session, start: 2024-06-10, end: 2024-06-14}
  - {id: draft, title: Draft, not_before: 2024-01-08, duration: 30w}
  - {id: adopt, title: Adoption, kind: decision, during: [s1, s2], after: [draft]}
""")
    args = ("--file", str(path))
    status = json.loads(cli(*args, "status", "--as-of", "2024-07-15", "--format", "json").stdout)
    why = next(i["why"] for section in status.values() if isinstance(section, list)
               for i in section if isinstance(i, dict) and i.get("id") == "adopt")
    feed = tmp_path / "missed.ics"
    assert cli(*args, "export", "ics", "--as-of", "2024-07-15", "-o", str(feed)).exit_code == 0
    adopt = next(str(e["DESCRIPTION"]) for e in Calendar.from_ical(feed.read_bytes()).walk("VEVENT")
                 if "Adoption" in str(e["SUMMARY"]))
    missed = why.split("; ")[0]  # status: "misses its session s1 (...), s2 (...); no later session ..."
    assert missed.startswith("misses its session s1 (2024-04-15..2024-04-19), s2") and missed in adopt
