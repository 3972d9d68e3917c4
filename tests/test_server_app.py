"""The feed server's behaviour, in-process through Flask's test client (test_server.py runs it for real)."""

from __future__ import annotations

from datetime import date

import pytest
from icalendar import Calendar

from roadmap_tracker.server import FeedSource, create_app

PLAN = """\
roadmap: {id: feeds, title: Feeds roadmap, target: decision, tracks: [{id: sessions, title: Sessions}]}
milestones:
  - {id: draft, title: Draft report, not_before: 2024-01-08, duration: 10d}
  - {id: session, title: Annual session, kind: session, track: sessions, start: 2024-04-15, end: 2024-04-19}
  - {id: decision, title: Decision, kind: decision, during: [session], after: [draft]}
"""


@pytest.fixture
def roadmap_file(tmp_path):
    path = tmp_path / "milestones.yaml"
    path.write_text(PLAN, encoding="utf-8")
    return path


@pytest.fixture
def client(roadmap_file, tmp_path):
    source = FeedSource(roadmap_file, tmp_path / "state.json", today=lambda: date(2024, 3, 1))
    return create_app(source).test_client()


def _rewrite(path, text):
    import os

    before = path.stat().st_mtime_ns
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))


def test_calendar_is_served_with_one_event_per_milestone(client):
    response = client.get("/calendar.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    events = Calendar.from_ical(response.data).walk("VEVENT")
    assert len(events) == 3


def test_a_track_feed_holds_only_that_track(client):
    events = Calendar.from_ical(client.get("/calendar/sessions.ics").data).walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["Annual session"]


def test_an_unknown_track_is_404(client):
    assert client.get("/calendar/nope.ics").status_code == 404


def test_an_unchanged_feed_answers_304_to_its_etag(client):
    first = client.get("/calendar.ics")
    again = client.get("/calendar.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_a_broken_file_keeps_the_last_good_feed_and_healthz_says_503(client, roadmap_file):
    good = client.get("/calendar.ics").data
    _rewrite(roadmap_file, PLAN.replace("after: [draft]", "after: [drafts]"))
    served = client.get("/calendar.ics")
    assert served.status_code == 200 and "Warning" in served.headers
    assert Calendar.from_ical(served.data).walk("VEVENT") == Calendar.from_ical(good).walk("VEVENT")
    health = client.get("/healthz")
    assert health.status_code == 503 and b"unknown-dependency" in health.data


def test_a_fixed_file_brings_healthz_back(client, roadmap_file):
    _rewrite(roadmap_file, "roadmap: [")
    assert client.get("/healthz").status_code == 503
    _rewrite(roadmap_file, PLAN)
    assert client.get("/healthz").status_code == 200


def test_the_server_refuses_writes(client):
    assert client.post("/calendar.ics", data=b"x").status_code == 405


def test_an_edit_moves_the_event_and_changes_the_etag(client, roadmap_file):
    first = client.get("/calendar.ics")
    _rewrite(roadmap_file, PLAN.replace("start: 2024-04-15, end: 2024-04-19", "start: 2024-04-22, end: 2024-04-26"))
    second = client.get("/calendar.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and second.headers["ETag"] != first.headers["ETag"]
    session = next(e for e in Calendar.from_ical(second.data).walk("VEVENT") if str(e["SUMMARY"]) == "Annual session")
    assert session.decoded("DTSTART") == date(2024, 4, 22) and int(session["SEQUENCE"]) == 1
