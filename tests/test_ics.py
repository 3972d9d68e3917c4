"""Calendar export: parsed back by the strict `ical` parser and by icalendar, plus our own checks."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar

from roadmap_tracker._util import write_atomic
from roadmap_tracker.formats.ics import FeedOptions, SequenceState, build_calendar, event_uid, export_ics, state_path_for
from roadmap_tracker.loading import parse_roadmap_bytes
from roadmap_tracker.scheduling import compute_schedule

from .conftest import ROOT, SHIPPED, SMALL_FEED_ROADMAP, strict_ics_checks

STAMP = datetime(2024, 3, 1, 8, 0, tzinfo=timezone.utc)
AS_OF = date(2024, 3, 1)



def _schedule(text: str = SMALL_FEED_ROADMAP, as_of: date = AS_OF):
    roadmap, diagnostics = parse_roadmap_bytes(text.encode(), "small.yaml")
    assert roadmap is not None, diagnostics
    return compute_schedule(roadmap, as_of)




def _events(body: bytes) -> dict:
    return {str(e["UID"]): e for e in Calendar.from_ical(body).walk("VEVENT")}


def test_shipped_roadmap_exports_a_valid_calendar():
    schedule = compute_schedule(parse_roadmap_bytes(SHIPPED.read_bytes(), str(SHIPPED))[0], AS_OF)
    body = build_calendar(schedule, FeedOptions(dtstamp=STAMP))
    events = strict_ics_checks(body)
    assert len(events) == len(schedule.entries)
    assert {e.uid for e in events} == {event_uid("cstd-wsis20", e.id) for e in schedule}


def test_sessions_are_all_day_events_with_an_exclusive_end():
    event = _events(build_calendar(_schedule(), FeedOptions(dtstamp=STAMP)))[event_uid("small", "session")]
    assert event.decoded("DTSTART") == date(2024, 4, 15)
    assert event.decoded("DTEND") == date(2024, 4, 20)
    assert event["DTSTART"].params["VALUE"] == "DATE"


def test_point_milestones_are_one_day_events():
    event = _events(build_calendar(_schedule(), FeedOptions(dtstamp=STAMP)))[event_uid("small", "ready")]
    assert (event.decoded("DTSTART"), event.decoded("DTEND")) == (date(2024, 3, 13), date(2024, 3, 14))


def test_timed_events_carry_their_zone_and_a_vtimezone():
    body = build_calendar(_schedule(), FeedOptions(dtstamp=STAMP))
    events = _events(body)
    hlm = events[event_uid("small", "hlm")]
    assert hlm["DTSTART"].params["TZID"] == "America/New_York"
    assert hlm.decoded("DTSTART").utcoffset().total_seconds() == -4 * 3600  # EDT in September
    briefing = events[event_uid("small", "geneva-briefing")]
    assert briefing["DTSTART"].params["TZID"] == "Europe/Zurich"
    assert briefing.decoded("DTSTART").utcoffset().total_seconds() == 3600  # CET in March
    assert [str(tz["TZID"]) for tz in Calendar.from_ical(body).walk("VTIMEZONE")] == \
        ["America/New_York", "Europe/Zurich"]
    strict_ics_checks(body)


def test_status_says_how_firm_the_dates_are():
    events = _events(build_calendar(_schedule(), FeedOptions(dtstamp=STAMP)))
    assert events[event_uid("small", "session")]["STATUS"] == "CONFIRMED"
    assert events[event_uid("small", "draft")]["STATUS"] == "TENTATIVE"
    survey = events[event_uid("small", "survey")]
    assert survey["STATUS"] == "TENTATIVE"
    assert str(survey["SUMMARY"]).startswith("TBC: ")
    assert "Dates to be confirmed: window 2024-Q2" in str(survey["DESCRIPTION"])
    assert "Contingent: if funding is received" in str(survey["DESCRIPTION"])


def test_a_step_in_a_fuzzy_window_once_done_is_confirmed_not_to_be_confirmed():
    text = SMALL_FEED_ROADMAP.replace("    condition: if funding is received\n",
                                      "    status: done\n    actual: {start: 2024-04-08, end: 2024-04-19}\n")
    survey = _events(build_calendar(_schedule(text, date(2024, 5, 1)), FeedOptions(dtstamp=STAMP)))[
        event_uid("small", "survey")]
    assert survey["STATUS"] == "CONFIRMED" and not str(survey["SUMMARY"]).startswith("TBC")
    assert "to be confirmed" not in str(survey["DESCRIPTION"])


def test_cancelled_steps_are_cancelled_events():
    text = SMALL_FEED_ROADMAP.replace("    condition: if funding is received\n", "    status: cancelled\n")
    assert _events(build_calendar(_schedule(text), FeedOptions(dtstamp=STAMP)))[
        event_uid("small", "survey")]["STATUS"] == "CANCELLED"


def test_description_tells_float_dependencies_and_lead():
    event = _events(build_calendar(_schedule(), FeedOptions(dtstamp=STAMP)))[event_uid("small", "draft")]
    description = str(event["DESCRIPTION"])
    assert "Lead: Secretariat" in description
    assert "Float: +19d" in description
    assert str(event["URL"]) == "https://example.org/draft"
    assert [str(c) for c in event["CATEGORIES"].cats] == ["report", "Work"]


def test_calendar_properties_let_clients_poll():
    cal = Calendar.from_ical(build_calendar(_schedule(), FeedOptions(dtstamp=STAMP)))
    assert str(cal["X-WR-CALNAME"]) == "Small roadmap"
    assert str(cal["X-WR-TIMEZONE"]) == "Europe/Zurich"
    assert cal.decoded("REFRESH-INTERVAL").total_seconds() == 3600
    assert "X-PUBLISHED-TTL" in cal


def test_filters_select_tracks_kinds_critical_steps_and_dates():
    schedule = _schedule()

    def uids(**kwargs):
        return {u.split("@")[0] for u in _events(build_calendar(schedule, FeedOptions(dtstamp=STAMP, **kwargs)))}

    assert uids(tracks=("work",)) == {"draft", "ready", "survey"}
    assert uids(kinds=("session", "meeting")) == {"session", "hlm", "geneva-briefing"}
    assert uids(critical_only=True) == {e.id for e in schedule if e.critical}
    assert uids(date_from=date(2024, 4, 1), date_to=date(2024, 4, 30)) == {"session", "survey"}


def test_alarm_before_deadlines():
    event = _events(build_calendar(_schedule(), FeedOptions(dtstamp=STAMP, alarm_days=14)))[
        event_uid("small", "draft")]
    alarm = event.walk("VALARM")[0]
    assert alarm["TRIGGER"].params["RELATED"] == "START"
    fires = event.decoded("DTSTART") + alarm.decoded("TRIGGER")
    # 14 days before the deadline (2024-03-18) is after the draft ends: the reminder comes on its last day
    assert fires == event.decoded("DTEND") - timedelta(days=1) == date(2024, 3, 13)


def test_no_alarm_for_a_deadline_that_has_passed():
    schedule = _schedule(as_of=date(2024, 4, 10))
    event = _events(build_calendar(schedule, FeedOptions(dtstamp=STAMP, alarm_days=14)))[event_uid("small", "draft")]
    assert schedule["draft"].state != "done"
    assert event.walk("VALARM") == []


def test_same_input_same_bytes():
    first = build_calendar(_schedule(), FeedOptions(dtstamp=STAMP), SequenceState())
    second = build_calendar(_schedule(), FeedOptions(dtstamp=STAMP), SequenceState())
    assert first == second


def test_reference_calendar_of_a_small_roadmap():
    body = build_calendar(_schedule(), FeedOptions(dtstamp=STAMP), SequenceState())
    reference = ROOT / "tests" / "reference" / "small.ics"
    assert body == reference.read_bytes()


def test_reexport_after_a_plan_change_moves_events_and_raises_their_sequence(tmp_path):
    output = tmp_path / "feed.ics"
    export_ics(_schedule(), output, FeedOptions(dtstamp=STAMP))
    first = _events(output.read_bytes())
    moved = SMALL_FEED_ROADMAP.replace("duration: 10d", "duration: 17d")
    export_ics(_schedule(moved), output, FeedOptions(dtstamp=datetime(2024, 3, 8, tzinfo=timezone.utc)))
    body = output.read_bytes()
    second = _events(body)
    strict_ics_checks(body)
    assert set(first) == set(second) and body.count(b"BEGIN:VEVENT") == len(second)
    changed = {uid.split("@")[0] for uid in second if second[uid]["SEQUENCE"] != first[uid]["SEQUENCE"]}
    assert changed == {"draft", "ready"}
    draft = second[event_uid("small", "draft")]
    assert draft["SEQUENCE"] == 1
    assert "Moved +7 days since 2024-03-01" in str(draft["DESCRIPTION"])
    assert state_path_for(output).exists()


def test_round_trip_dates_equal_the_schedule():
    schedule = _schedule()
    events = IcsCalendarStream.calendar_from_ics(build_calendar(schedule, FeedOptions(dtstamp=STAMP)).decode()).events
    by_uid = {e.uid: e for e in events}
    for entry in schedule:
        event = by_uid[event_uid("small", entry.id)]
        if not entry.milestone.timed:
            assert (event.dtstart, event.dtend) == (entry.start, entry.exclusive_end)


def test_an_interrupted_export_leaves_the_old_file(tmp_path, monkeypatch):
    output = tmp_path / "feed.ics"
    output.write_bytes(b"old calendar")

    def crash(_fd):
        raise KeyboardInterrupt

    monkeypatch.setattr("os.fsync", crash)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(output, b"new calendar" * 1000)
    assert output.read_bytes() == b"old calendar"
    assert [p.name for p in tmp_path.iterdir()] == ["feed.ics"]


def test_cli_export_writes_the_file_and_refuses_unknown_tracks(cli, tmp_path):
    output = tmp_path / "wsis20.ics"
    result = cli("--file", str(SHIPPED), "export", "ics", "-o", str(output), "--track", "consultations")
    assert result.exit_code == 0
    assert output.read_bytes().startswith(b"BEGIN:VCALENDAR\r\n")
    assert oct(output.stat().st_mode & 0o777) == "0o644"
    bad = cli("--file", str(SHIPPED), "export", "ics", "-o", str(output), "--track", "consultation")
    assert bad.exit_code == 2 and "no track 'consultation'" in bad.stderr


# -- the direct writer: same bytes as icalendar, RFC 5545 text whatever the input ---------------------

EDGE = ROOT / "tests" / "calendars" / "edge.yaml"


def _edge_schedule():
    """The edge cases as the calendar writer may meet them: a roadmap file refuses control characters
    where it is read (file:line), so they are put back into the plan in memory, as an import might."""
    import yaml

    roadmap, diagnostics = parse_roadmap_bytes(EDGE.read_bytes(), str(EDGE))
    assert roadmap is not None, diagnostics
    assert {d.code for d in diagnostics if d.is_error} <= {"control-character"}
    raw = {m["id"]: m for m in yaml.safe_load(EDGE.read_text(encoding="utf-8"))["milestones"]}
    milestones = tuple(dataclasses.replace(m, **{k: raw[m.id][k] for k in ("title", "venue") if k in raw[m.id]})
                       for m in roadmap.milestones)
    return compute_schedule(dataclasses.replace(roadmap, milestones=milestones), AS_OF)


def _both_writers(schedule, **options):
    direct = build_calendar(schedule, FeedOptions(dtstamp=STAMP, **options), SequenceState())
    reference = build_calendar(schedule, FeedOptions(dtstamp=STAMP, **options), SequenceState(), direct=False)
    return direct, reference


def test_direct_writer_gives_icalendars_bytes_on_the_shipped_roadmap():
    schedule = compute_schedule(parse_roadmap_bytes(SHIPPED.read_bytes(), str(SHIPPED))[0], AS_OF)
    direct, reference = _both_writers(schedule)
    assert direct == reference
    assert _both_writers(schedule, alarm_days=7)[0] == _both_writers(schedule, alarm_days=7)[1]


def test_direct_writer_gives_icalendars_bytes_on_ten_thousand_generated_steps():
    from .synthetic import synthetic_yaml

    roadmap, _ = parse_roadmap_bytes(synthetic_yaml(10_000).encode(), "synthetic.yaml")
    direct, reference = _both_writers(compute_schedule(roadmap, date(2024, 1, 1)))
    assert direct.count(b"BEGIN:VEVENT") == 10_000
    assert direct == reference


def test_direct_writer_gives_icalendars_bytes_on_the_edge_cases():
    direct, reference = _both_writers(_edge_schedule(), alarm_days=3)
    assert direct == reference


def test_edge_cases_parse_in_both_parsers_and_keep_their_text():
    body = build_calendar(_edge_schedule(), FeedOptions(dtstamp=STAMP, alarm_days=3))
    events = {e.uid.split("@")[0]: e for e in strict_ics_checks(body)}
    assert events["escapes"].summary == \
        "Backslash \\ semicolon ; comma , and a literal \\N that is not a line break"
    assert events["escapes"].location == "Palais des Nations; Room XX, Geneva \\ Switzerland"
    assert events["lines"].summary == "First line\nsecond line\nthird line\nfourth"
    assert events["folds-cjk"].summary.endswith("说明😀😀")
    assert events["folds-mixed"].summary == "é" * 33 + "," + "é" * 23 + "€" * 26
    parsed = _events(body)
    assert [str(c) for c in parsed[event_uid("edge", "escapes")]["CATEGORIES"].cats] == \
        ["milestone", "Main, first; track"]


def test_lines_are_folded_at_75_octets_without_splitting_a_character():
    body = build_calendar(_edge_schedule(), FeedOptions(dtstamp=STAMP))
    lines = body.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    for line in lines:
        line.decode("utf-8")  # each physical line is whole UTF-8: no character cut in two


def test_calendar_name_and_description_escape_commas_semicolons_and_backslashes():
    body = build_calendar(_edge_schedule(), FeedOptions(dtstamp=STAMP))
    assert b"\r\nX-WR-CALNAME:Edge cases\\; commas\\, semicolons \\\\ backslashes\r\n" in body
    assert b"\r\nX-WR-CALDESC:Edge cases\\; commas\\, semicolons \\\\ backslashes: milestones" in body


def test_control_characters_never_reach_the_file():
    body = build_calendar(_edge_schedule(), FeedOptions(dtstamp=STAMP))
    assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", body)
    assert re.sub(rb"\r\n", b"", body).count(b"\r") == 0
    events = {e.uid.split("@")[0]: e for e in strict_ics_checks(body)}
    assert events["controls"].summary == "Bell tab\t escape delete end"
    assert events["controls"].location == "Nul venue"


def test_a_line_break_in_a_link_is_percent_encoded_in_the_url():
    events = {e.uid.split("@")[0]: e for e in strict_ics_checks(build_calendar(_edge_schedule(),
                                                                             FeedOptions(dtstamp=STAMP)))}
    assert events["lines"].url == "https://example.org/with%0Anewline%20and%20space"
    assert events["escapes"].url == "https://example.org/a,b;c"


def test_cli_exports_multi_line_titles_and_links(cli, tmp_path):
    refused = cli("--file", str(EDGE), "export", "ics", "-o", str(tmp_path / "refused.ics"))
    assert refused.exit_code == 2 and "error[control-character]" in refused.stderr  # CR, BEL, ESC, DEL, U+0001
    plan = tmp_path / "edge.yaml"  # the same edge cases less the control characters
    plan.write_text(re.sub(r"\\[r\x07ae]|\\x7f|\\x01", "", EDGE.read_text(encoding="utf-8")), encoding="utf-8")
    output = tmp_path / "edge.ics"
    result = cli("--file", str(plan), "export", "ics", "-o", str(output))
    assert result.exit_code == 0, result.output
    body = output.read_bytes()
    strict_ics_checks(body)
    assert b"First line\\nsecond line\\nthird linefourth" in body.replace(b"\r\n ", b"")


@settings(max_examples=150, deadline=None)
@given(title=st.text(min_size=1, max_size=160), venue=st.text(max_size=90))
def test_any_title_and_venue_round_trip_and_match_icalendar(title, venue):
    roadmap, _ = parse_roadmap_bytes(b"roadmap: {id: r, title: R}\nmilestones:\n"
                                     b"  - {id: a, title: A, start: 2024-04-15}\n", "r.yaml")
    milestone = dataclasses.replace(roadmap.milestones[0], title=title, venue=venue or None)
    schedule = compute_schedule(dataclasses.replace(roadmap, milestones=(milestone,)), AS_OF)
    direct, reference = _both_writers(schedule)
    assert direct == reference
    assert max(len(line) for line in direct.split(b"\r\n")) <= 75
    event = _events(direct)[event_uid("r", "a")]
    expected = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", title.replace("\r\n", "\n").replace("\r", "\n"))
    assert str(event["SUMMARY"]) == expected


@settings(max_examples=150, deadline=None)
@given(title=st.text(min_size=1, max_size=160), zone=st.sampled_from(["UTC", "Europe/Zurich", "America/New_York"]))
def test_any_roadmap_title_gives_icalendars_header(title, zone):
    roadmap, _ = parse_roadmap_bytes(b"roadmap: {id: r, title: R}\nmilestones:\n"
                                     b"  - {id: a, title: A, start: 2024-04-15}\n", "r.yaml")
    schedule = compute_schedule(dataclasses.replace(roadmap, title=title, timezone=zone), AS_OF)
    direct, reference = _both_writers(schedule)
    assert direct == reference
    assert b"BEGIN:VTIMEZONE" not in direct  # the header was written directly


def test_a_feed_of_all_day_events_is_written_without_importing_icalendar():
    import subprocess
    import sys

    code = """
import sys
from datetime import date
from roadmap_tracker.formats.ics import build_calendar
from roadmap_tracker.loading import parse_roadmap_bytes
from roadmap_tracker.scheduling import compute_schedule
plan = b"roadmap: {id: r, title: R}\\nmilestones:\\n  - {id: a, title: A, start: 2024-04-15, end: 2024-04-17}\\n"
body = build_calendar(compute_schedule(parse_roadmap_bytes(plan, "r.yaml")[0], date(2024, 3, 1)))
print(body.count(b"BEGIN:VEVENT"), "icalendar" in sys.modules)
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.split() == ["1", "False"]


_flat_values = st.one_of(st.none(), st.integers(-10**12, 10**12), st.text(max_size=30))
_records = st.dictionaries(st.text(max_size=8), st.one_of(_flat_values, st.booleans(), st.floats(allow_nan=False),
                                                           st.lists(_flat_values, max_size=2)), max_size=6)


@settings(max_examples=200, deadline=None)
@given(events=st.dictionaries(st.text(max_size=20), st.one_of(_records, st.dictionaries(
    st.sampled_from(["dates", "end", "modified", "sequence", "since", "previous_end"]), _flat_values, max_size=6)),
    max_size=6), exported=st.one_of(st.none(), st.text(max_size=20)))
def test_the_state_file_is_the_indenting_json_encoders_text(events, exported):
    import json

    assert SequenceState(events, exported).to_json() == \
        json.dumps({"exported": exported, "events": events}, indent=1, sort_keys=True) + "\n"


@pytest.mark.parametrize("events, exported", [
    ({1: {"sequence": 0}, 2: {"sequence": 1}}, None),  # keys that are not strings
    ({"a@r": {1: "x", 2: "y"}}, "2024-03-01T08:00:00+00:00"),
    ({"a@r": {"sequence": 1}}, 20240301),  # an exported stamp that is not a string
    ({"a@r": {}, "b@r": {"sequence": 2.5, "end": True}}, None),
])
def test_odd_states_are_written_as_the_indenting_json_encoder_writes_them(events, exported):
    import json

    assert SequenceState(events, exported).to_json() == \
        json.dumps({"exported": exported, "events": events}, indent=1, sort_keys=True) + "\n"
