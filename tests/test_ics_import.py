"""Official calendars in: events as fixed-date session steps; a re-import updates them and says what moved."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from roadmap_tracker.loading import load_roadmap
from roadmap_tracker.scheduling import compute_schedule

from .conftest import SHIPPED

UN = Path(__file__).parent / "roundtrip" / "un-calendar.ics"


def test_matching_events_become_fixed_session_steps_with_venue_zone_and_uid(cli, tmp_path):
    out = tmp_path / "sessions.yaml"
    result = cli("import", "ics", str(UN), "--match", "CSTD|Commission on Science", "--track", "sessions",
                 "-o", str(out))
    assert result.exit_code == 0, result.output
    roadmap = load_roadmap(out)
    assert [m.title for m in roadmap.milestones] == [
        "Commission on Science and Technology for Development, 29th session", "CSTD 29 opening plenary"]
    session, opening = roadmap.milestones
    assert (session.kind, session.track, session.fixed) == ("session", "sessions", True)
    assert (session.start.first, session.end.last) == (date(2026, 4, 13), date(2026, 4, 17))  # DTEND exclusive
    assert session.venue == "Palais des Nations, Geneva"
    assert session.links == ("ics-uid:cstd29-2026@example.un.org", "https://unctad.org/meeting/cstd-29")
    assert opening.timezone == "Europe/Zurich" and opening.start.text == "2026-04-13T10:00"
    assert opening.end.text == "2026-04-13T13:00"


def test_re_import_updates_the_dates_it_made_and_reports_the_move(cli, tmp_path):
    out = tmp_path / "sessions.yaml"
    assert cli("import", "ics", str(UN), "--match", "CSTD|Commission", "-o", str(out)).exit_code == 0
    moved = tmp_path / "moved.ics"
    moved.write_text(UN.read_text().replace("DTSTART;VALUE=DATE:20260413", "DTSTART;VALUE=DATE:20260420")
                     .replace("DTEND;VALUE=DATE:20260418", "DTEND;VALUE=DATE:20260425"))
    result = cli("import", "ics", str(moved), "--match", "CSTD|Commission", "-o", str(out))
    assert result.exit_code == 0, result.output
    ident = load_roadmap(out).milestones[0].id
    assert f"moved {ident}: 2026-04-13..2026-04-17 -> 2026-04-20..2026-04-24" in result.stdout
    assert "0 added, 1 moved, 1 unchanged" in result.stderr
    again = load_roadmap(out).milestones[0]
    assert (again.start.first, again.end.last) == (date(2026, 4, 20), date(2026, 4, 24))


def test_merge_into_the_roadmap_keeps_its_comments_and_touches_nothing_else(cli, tmp_path):
    plan = tmp_path / "milestones.yaml"
    plan.write_text("# Our plan; keep this comment\nroadmap: {id: ours, title: Ours}\nmilestones:\n"
                    "  - id: prep  # and this one\n    title: Preparation\n    duration: 10d\n"
                    "    not_before: 2026-03-02\n", encoding="utf-8")
    result = cli("--file", str(plan), "import", "ics", str(UN), "--match", "29th session", "--merge")
    assert result.exit_code == 0, result.output
    text = plan.read_text()
    assert text.startswith("# Our plan; keep this comment\n") and "  - id: prep  # and this one\n" in text
    roadmap = load_roadmap(plan)
    assert [m.id for m in roadmap.milestones][0] == "prep" and len(roadmap.milestones) == 2


def test_our_own_feed_comes_back_with_our_ids_and_dates(cli, tmp_path):
    schedule = compute_schedule(load_roadmap(SHIPPED), date(2024, 3, 1))
    feed = tmp_path / "feed.ics"
    assert cli("--file", str(SHIPPED), "export", "ics", "-o", str(feed), "--as-of", "2024-03-01").exit_code == 0
    out = tmp_path / "sessions.yaml"
    assert cli("import", "ics", str(feed), "--match", r"^CSTD 2\d", "-o", str(out)).exit_code == 0
    steps = load_roadmap(out).milestones
    assert {"cstd-27", "cstd-28"} <= {m.id for m in steps}
    for m in steps:
        if not m.timed:
            assert (m.start.first, m.end.last) == (schedule[m.id].start, schedule[m.id].end), m.id


def test_a_recurring_event_that_matches_is_refused_at_its_line(cli, tmp_path):
    result = cli("import", "ics", str(UN), "--match", "Weekly", "-o", str(tmp_path / "s.yaml"))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{UN}:48: error[invalid-event]: event 'Weekly coordination call': is a "
                                    "recurring event")
    assert not (tmp_path / "s.yaml").exists()


@pytest.mark.parametrize("text", ["not a calendar\n", "BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:CSTD\nEND:VEVENT\n"])
def test_a_broken_calendar_is_a_clear_error(cli, tmp_path, text):
    source = tmp_path / "bad.ics"
    source.write_text(text)
    result = cli("import", "ics", str(source), "--match", "CSTD", "-o", str(tmp_path / "s.yaml"))
    assert result.exit_code == 2 and "internal error" not in result.stderr and str(source) in result.stderr


def test_no_matching_event_writes_nothing(cli, tmp_path):
    result = cli("import", "ics", str(UN), "--match", "no such meeting", "-o", str(tmp_path / "s.yaml"))
    assert result.exit_code == 2 and "nothing was written" in result.stderr


def test_events_made_in_khal_come_in(cli, tmp_path):
    import shutil
    import subprocess

    if shutil.which("khal") is None:
        pytest.skip("khal (Debian package 'khal') is not installed; .ci/run installs it")
    from .conftest import KHAL_CONFIG

    (tmp_path / "cal").mkdir()
    config = tmp_path / "khal.conf"
    config.write_text(KHAL_CONFIG.format(path=tmp_path / "cal").replace("[[roadmap]]", "[[un]]"))
    for args in (["2026-04-13", "2026-04-17", "CSTD 29th session"], ["2026-04-13", "10:00", "12:30", "CSTD opening"],
                 ["2026-05-01", "Something else"]):
        subprocess.run(["khal", "-c", str(config), "new", "-a", "un", *args], check=True, capture_output=True,
                       timeout=60)
    joined = tmp_path / "khal.ics"
    joined.write_bytes(b"".join(p.read_bytes() for p in sorted((tmp_path / "cal").glob("*.ics"))))
    out = tmp_path / "sessions.yaml"
    assert cli("import", "ics", str(joined), "--match", "CSTD", "-o", str(out)).exit_code == 0
    steps = {m.title: m for m in load_roadmap(out).milestones}
    assert set(steps) == {"CSTD 29th session", "CSTD opening"}
    assert (steps["CSTD 29th session"].start.first, steps["CSTD 29th session"].end.last) == \
        (date(2026, 4, 13), date(2026, 4, 17))
    assert steps["CSTD opening"].start.text == "2026-04-13T10:00" and steps["CSTD opening"].timezone == "UTC"


def test_a_calendar_is_fetched_from_a_url(cli, tmp_path):
    import http.server
    import threading

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(UN.parent), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/{UN.name}"
        out = tmp_path / "sessions.yaml"
        result = cli("import", "ics", url, "--match", "29th session", "-o", str(out))
        assert result.exit_code == 0, result.output
        assert load_roadmap(out).milestones[0].start.first == date(2026, 4, 13)
        missing = cli("import", "ics", url + ".gone", "--match", "CSTD", "-o", str(tmp_path / "x.yaml"))
        assert missing.exit_code == 2 and "cannot fetch the calendar" in missing.stderr
    finally:
        server.shutdown()
        server.server_close()


def test_a_merge_the_roadmap_refuses_names_the_event_and_changes_nothing(cli, tmp_path):
    plan = tmp_path / "milestones.yaml"
    original = "roadmap:\n  id: ours\n  title: Ours\n  tracks: [{id: prep, title: Preparation}]\nmilestones:\n" \
               "  - {id: prep, title: Preparation, track: prep, duration: 10d, not_before: 2026-03-02}\n"
    plan.write_text(original, encoding="utf-8")
    result = cli("--file", str(plan), "import", "ics", str(UN), "--match", "29th session", "--track", "sessions",
                 "--merge")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{UN}:24: error[unknown-track]"), result.stderr
    assert plan.read_text() == original
