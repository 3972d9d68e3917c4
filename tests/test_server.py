"""The feed server as subscribers meet it: a real process on a free port, real HTTP requests."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from icalendar import Calendar

from .test_ics import SMALL


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, roadmap: Path, port: int):
        self.roadmap, self.port = roadmap, port

    def request(self, method: str, path: str, headers: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()

    def request_body(self, method: str, path: str, body: str, headers: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(method, path, body=body.encode(), headers=headers or {})
            response = connection.getresponse()
            return response.status, response.headers, response.read()
        finally:
            connection.close()

    def touch(self, text: str) -> None:
        """Rewrite the roadmap so that the server sees a new modification time."""
        before = self.roadmap.stat().st_mtime_ns
        self.roadmap.write_text(text, encoding="utf-8")
        os.utime(self.roadmap, ns=(before + 2_000_000_000, before + 2_000_000_000))


@pytest.fixture
def server(tmp_path):
    roadmap = tmp_path / "roadmap.yaml"
    roadmap.write_text(SMALL, encoding="utf-8")
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "roadmap_tracker.cli", "--file", str(roadmap), "serve", "--port", str(port), "--as-of", "2024-03-01",
         "--state", str(tmp_path / "state.json")],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    srv = Server(roadmap, port)
    deadline = time.monotonic() + 20
    while True:
        try:
            if srv.request("GET", "/healthz")[0] == 200:
                break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"server did not start: {process.stderr.read().decode()}")
        time.sleep(0.1)
    yield srv
    process.terminate()
    process.wait(timeout=10)


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
    server.touch(SMALL + "  - {id: extra, title: Extra step, duration: 1d, track: work}\n")
    status, headers, body = server.request("GET", "/calendar.ics")
    assert status == 200 and b"UID:extra@small.roadmap-tracker" in body
    assert headers["ETag"] != first_headers["ETag"]


def test_a_broken_file_keeps_the_last_good_feed_and_fails_the_health_check(server):
    _, _, good = server.request("GET", "/calendar.ics")
    server.touch(SMALL.replace("after: [draft]", "after: [draftt]"))
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
