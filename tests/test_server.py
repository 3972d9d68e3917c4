"""The feed server as subscribers meet it: a real process on a free port, real HTTP requests."""

from __future__ import annotations


import pytest
from icalendar import Calendar

from .conftest import SMALL_FEED_ROADMAP








def test_calendar_is_served_as_text_calendar(server):
    status, headers, body = server.request("GET", "/calendar.ics")
    assert status == 200
    assert headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert body.startswith(b"BEGIN:VCALENDAR\r\n")
    assert len(Calendar.from_ical(body).walk("VEVENT")) == 6


def test_conditional_requests_get_304(server):
    _, headers, _ = server.request("GET", "/calendar.ics")
    status, _, body = server.request("GET", "/calendar.ics", {"If-None-Match": headers["ETag"]})
    assert status == 304 and body == b""
    status, _, _ = server.request("GET", "/calendar.ics", {"If-Modified-Since": headers["Last-Modified"]})
    assert status == 304


def test_head_gives_headers_without_a_body(server):
    status, headers, body = server.request("HEAD", "/calendar.ics")
    assert status == 200 and body == b"" and "ETag" in headers


def test_track_feeds_and_critical_filter(server):
    status, _, body = server.request("GET", "/calendar/work.ics")
    assert status == 200
    uids = {str(e["UID"]).split("@")[0] for e in Calendar.from_ical(body).walk("VEVENT")}
    assert uids == {"draft", "ready", "survey"}
    _, _, critical = server.request("GET", "/calendar.ics?critical=1")
    # critical means "drives the target" (hlm, a fixed date nothing leads to): the session is not on it
    assert b"UID:hlm@" in critical and b"UID:survey@" not in critical and b"UID:session@" not in critical
    assert server.request("GET", "/calendar/nope.ics")[0] == 404


@pytest.mark.parametrize("path", ["/calendar/../roadmap.yaml", "/calendar/..%2Froadmap.yaml",
                                  "/calendar/%2e%2e/roadmap.yaml", "/../../etc/passwd"])
def test_path_tricks_are_refused(server, path):
    status, _, body = server.request("GET", path)
    assert status in (400, 404)
    assert b"milestones" not in body and b"root:" not in body


def test_the_server_is_read_only(server):
    assert server.request("POST", "/calendar.ics")[0] == 405
    assert server.request("PUT", "/calendar.ics")[0] == 405


def test_edits_to_the_roadmap_are_picked_up_without_a_restart(server):
    _, first_headers, _ = server.request("GET", "/calendar.ics")
    server.touch(SMALL_FEED_ROADMAP + "  - {id: extra, title: Extra step, duration: 1d, track: work}\n")
    status, headers, body = server.request("GET", "/calendar.ics")
    assert status == 200 and b"UID:extra@small.roadmap-tracker" in body
    assert headers["ETag"] != first_headers["ETag"]


def test_a_broken_file_keeps_the_last_good_feed_and_fails_the_health_check(server):
    _, _, good = server.request("GET", "/calendar.ics")
    server.touch(SMALL_FEED_ROADMAP.replace("after: [draft]", "after: [draftt]"))
    status, _, message = server.request("GET", "/healthz")
    assert status == 503
    assert b"error[unknown-dependency]" in message and b"did you mean 'draft'?" in message
    status, headers, body = server.request("GET", "/calendar.ics")
    assert status == 200 and "Warning" in headers
    assert Calendar.from_ical(body).walk("VEVENT")[0]["UID"] == Calendar.from_ical(good).walk("VEVENT")[0]["UID"]
    assert b"Traceback" not in message


def test_new_tracking_updates_are_picked_up_without_a_restart(server, cli):
    def draft_description(body: bytes) -> str:
        return next(str(e["DESCRIPTION"]) for e in Calendar.from_ical(body).walk("VEVENT")
                    if str(e["UID"]).startswith("draft@"))

    _, _, before = server.request("GET", "/calendar.ics")
    assert draft_description(before).startswith("Report - planned")
    result = cli("--file", str(server.roadmap), "update", "draft", "--status", "in_progress", "--started",
                 "2024-02-26", "--progress", "20")
    assert result.exit_code == 0, result.output
    status, _, after = server.request("GET", "/calendar.ics")
    assert status == 200 and draft_description(after).startswith("Report - in progress (20%)")
