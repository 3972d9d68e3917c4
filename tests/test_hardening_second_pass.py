"""Second hardening pass: feeds carry only web links and a true count of events, a calendar sees every
change it shows, and a result that cannot be written is an error, not a silent success."""

from __future__ import annotations

from icalendar import Calendar

from tests.conftest import strict_ics_checks


PLAN = """\
roadmap: {id: h, title: Hostile feed}
milestones:
  - id: a
    title: "Looks like BEGIN:VEVENT inside a title"
    start: 2026-03-02
    links: ["javascript:alert(1)", "https://example.org/a"]
  - id: b
    title: Only a script
    start: 2026-03-03
    links: ["javascript:alert(1)"]
"""


def test_a_script_link_never_reaches_an_events_url_and_the_first_web_address_does(cli, write_roadmap, tmp_path):
    path = write_roadmap(PLAN)
    out = tmp_path / "h.ics"
    result = cli("--file", str(path), "export", "ics", "--as-of", "2026-01-05", "-o", str(out))
    assert result.exit_code == 0, result.output
    events = {str(e["UID"]).split("@")[0]: e for e in Calendar.from_ical(out.read_bytes()).walk("VEVENT")}
    assert str(events["a"]["URL"]) == "https://example.org/a"
    assert "URL" not in events["b"]
    assert len(strict_ics_checks(out.read_bytes())) == 2  # the strict parser reads both events


def test_the_export_counts_events_not_the_words_begin_vevent(cli, write_roadmap, tmp_path):
    path = write_roadmap(PLAN)
    result = cli("--file", str(path), "export", "ics", "--as-of", "2026-01-05", "-o", str(tmp_path / "h.ics"))
    assert "(2 events)" in result.stderr


def test_cancelling_or_retitling_an_event_raises_its_sequence(write_roadmap):
    from datetime import date, datetime, timezone

    from roadmap_tracker.formats.ics import FeedOptions, SequenceState, build_calendar
    from roadmap_tracker.loading import load_roadmap
    from roadmap_tracker.scheduling import compute_schedule

    state = SequenceState()
    stamp = FeedOptions(dtstamp=datetime(2026, 1, 5, tzinfo=timezone.utc))

    def sequences(text: str) -> dict:
        schedule = compute_schedule(load_roadmap(write_roadmap(text)), date(2026, 1, 5))
        feed = Calendar.from_ical(build_calendar(schedule, stamp, state))
        return {str(e["UID"]).split("@")[0]: int(e["SEQUENCE"]) for e in feed.walk("VEVENT")}

    assert sequences(PLAN) == {"a": 0, "b": 0}
    assert sequences(PLAN) == {"a": 0, "b": 0}  # nothing changed: nothing moves
    changed = PLAN.replace("title: Only a script", "title: Only a script (renamed)").replace(
        "start: 2026-03-02", "start: 2026-03-02\n    status: cancelled")
    assert sequences(changed) == {"a": 1, "b": 1}


def test_a_state_file_from_before_keeps_its_sequences(write_roadmap):
    from datetime import date, datetime, timezone

    from roadmap_tracker.formats.ics import FeedOptions, SequenceState, build_calendar
    from roadmap_tracker.loading import load_roadmap
    from roadmap_tracker.scheduling import compute_schedule

    schedule = compute_schedule(load_roadmap(write_roadmap(PLAN)), date(2026, 1, 5))
    state = SequenceState()
    build_calendar(schedule, FeedOptions(dtstamp=datetime(2026, 1, 5, tzinfo=timezone.utc)), state)
    for record in state.events.values():  # as an earlier version wrote it
        record.pop("shown")
    feed = Calendar.from_ical(build_calendar(schedule, FeedOptions(), state))
    assert {int(e["SEQUENCE"]) for e in feed.walk("VEVENT")} == {0}


def test_a_result_that_cannot_be_written_to_a_closed_standard_output_is_an_error():
    import subprocess
    import sys

    from tests.conftest import ROOT, SHIPPED

    for command in ("status", "export ics -o -"):
        done = subprocess.run(f"'{sys.executable}' '{ROOT / 'cli.py'}' --file '{SHIPPED}' {command} >&-", shell=True,
                              capture_output=False, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        assert done.returncode == 2, (command, done.stderr)
        assert "standard output is closed, so nothing was written; give -o FILE" in done.stderr


def test_validate_stops_after_a_hundred_messages_and_counts_the_rest(cli, write_roadmap):
    lines = "".join(f"  - {{id: s{i}, title: S, durration: 3d}}\n" for i in range(250))
    path = write_roadmap("roadmap: {id: m, title: M}\nmilestones:\n" + lines)
    result = cli("validate", str(path))
    shown = [line for line in result.stderr.splitlines() if "error[unknown-key]" in line]
    assert result.exit_code == 2 and len(shown) == 100
    assert "... and 150 more" in result.stderr and f"{path}: 250 errors, 0 warnings" in result.stderr


def test_an_out_of_range_link_validity_is_refused_before_the_account_is_created(cli, write_roadmap):
    path = write_roadmap(PLAN, "milestones.yaml")
    refused = cli("--file", str(path), "users", "add", "anna", "--role", "viewer", "--valid", "100000000")
    assert refused.exit_code == 2 and "give 1 to 365 days" in refused.output
    assert "no accounts" in cli("--file", str(path), "users", "list").output


def test_a_reminder_never_fires_after_its_event_has_ended(cli, write_roadmap, tmp_path):
    from datetime import timedelta

    path = write_roadmap("""\
roadmap: {id: r, title: Reminders}
milestones:
  - {id: early, title: Ends long before its deadline, start: 2026-03-02, end: 2026-03-06, deadline: 2026-06-30}
  - {id: tight, title: Due on its last day, not_before: 2026-03-02, duration: 20d, deadline: 2026-03-21}
""")
    out = tmp_path / "r.ics"
    assert cli("--file", str(path), "export", "ics", "--as-of", "2026-01-05", "--alarm", "14d",
               "-o", str(out)).exit_code == 0
    for event in Calendar.from_ical(out.read_bytes()).walk("VEVENT"):
        length = event.decoded("DTEND") - event.decoded("DTSTART")
        for alarm in event.walk("VALARM"):
            assert alarm.decoded("TRIGGER") < length, str(event["UID"])
    triggers = {str(e["UID"]).split("@")[0]: [a.decoded("TRIGGER") for a in e.walk("VALARM")]
                for e in Calendar.from_ical(out.read_bytes()).walk("VEVENT")}
    assert triggers == {"early": [timedelta(days=4)], "tight": [timedelta(days=5)]}  # 14 days before 2026-03-21


def test_odd_numbers_and_a_bad_host_header_are_a_400_with_a_message_never_a_500(server):
    for path in ("/gantt?weeks=%C2%B2", "/gantt?weeks=" + "9" * 4401):
        status, _, body = server.request("GET", path)
        assert status == 400 and b"weeks:" in body, path
    for path in ("/", "/calendars", "/m/draft", "/calendar.ics"):
        status, _, body = server.request("GET", path, headers={"Host": "a b"})
        assert status == 400 and b"bad Host header" in body, path
    assert server.request("GET", "/calendars", headers={"Host": "localhost:8080"})[0] == 200


def test_moved_since_names_the_as_of_day_of_the_previous_export_not_the_clock(write_roadmap):
    from datetime import date

    from roadmap_tracker.formats.ics import FeedOptions, SequenceState, build_calendar
    from roadmap_tracker.loading import load_roadmap
    from roadmap_tracker.scheduling import compute_schedule

    roadmap = load_roadmap(write_roadmap("roadmap: {id: m, title: M}\nmilestones:\n"
                                         "  - {id: a, title: A, duration: 3d, not_before: 2026-01-05}\n"))
    state = SequenceState()
    build_calendar(compute_schedule(roadmap, date(2026, 7, 15)), FeedOptions(), state)
    feed = Calendar.from_ical(build_calendar(compute_schedule(roadmap, date(2026, 7, 16)), FeedOptions(), state))
    assert "Moved +1 days since 2026-07-15" in str(feed.walk("VEVENT")[0]["DESCRIPTION"])
