"""Shared fixtures and test data: the shipped roadmap, small roadmaps, the CLI runner, a real feed server,
the store's databases, random roadmaps, and checks several test modules use."""

from __future__ import annotations

import atexit
import contextlib
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import strategies as st
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar

from roadmap_tracker.cli import main
from roadmap_tracker.dates import Duration, WorkCalendar, parse_date_window
from roadmap_tracker.model import Dependency, Milestone, Roadmap

# The parse cache of the test run lives in a folder of its own, never in the user's cache.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="roadmap-tests-cache-")
atexit.register(shutil.rmtree, os.environ["XDG_CACHE_HOME"], True)

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "data" / "milestones.yaml"
PG_URL = os.environ.get("ROADMAP_TEST_POSTGRES_URL")  # a server for the store tests
DIAGNOSTIC_LINE = re.compile(r"^.+:\d+: (error|warning)\[[a-z-]+\]: .+")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def cli(runner):
    """Run ``roadmap ARGS...``; returns click's Result (exit_code, stdout, stderr)."""

    def run(*args: str, env: dict | None = None):
        return runner.invoke(main, list(args), env=env, catch_exceptions=False)

    return run


@pytest.fixture
def write_roadmap(tmp_path):
    """Write YAML text to a roadmap file in a temporary folder and return its path."""

    def write(text: str, name: str = "roadmap.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


# -- shared test data and helpers: test modules import them from here, never from each other --

SMALL_FEED_ROADMAP = """\
roadmap:
  id: small
  title: Small roadmap
  timezone: Europe/Zurich
  tracks: [{id: sessions, title: Sessions}, {id: work, title: Work}]
milestones:
  - id: session
    title: Session of 15-19 April
    kind: session
    track: sessions
    start: 2024-04-15
    end: 2024-04-19
    venue: Palais des Nations, Geneva
    after: [draft]
  - id: draft
    title: Draft report
    kind: report
    track: work
    not_before: 2024-03-04
    duration: 10d
    deadline: 2024-04-01
    lead: Secretariat
    links: [https://example.org/draft]
  - id: ready
    title: Draft ready
    kind: milestone
    track: work
    duration: 0
    after: [draft]
  - id: hlm
    title: High-level meeting
    kind: meeting
    track: sessions
    start: 2024-09-24T10:00
    end: 2024-09-24T13:00
    timezone: America/New_York
    venue: UN Headquarters, New York
  - id: geneva-briefing
    title: Briefing in Geneva
    kind: meeting
    track: sessions
    start: 2024-03-20T15:00
    end: 2024-03-20T16:30
  - id: survey
    title: Survey
    kind: survey
    track: work
    start: 2024-Q2
    duration: 4w
    condition: if funding is received
"""


def strict_ics_checks(body: bytes) -> list:
    """Parse with both libraries and check what `ical` lets through silently."""
    text = body.decode("utf-8")
    assert body.endswith(b"\r\n") and b"\n" not in body.replace(b"\r\n", b"")
    parsed = IcsCalendarStream.calendar_from_ics(text)
    cal = Calendar.from_ical(body)
    assert cal.get("PRODID") and cal.get("VERSION") == "2.0"
    zones = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")}
    for event in cal.walk("VEVENT"):
        assert event.get("UID") and event.get("DTSTAMP") and event.get("DTSTART")
        assert event.decoded("DTEND") > event.decoded("DTSTART")
        tzid = event["DTSTART"].params.get("TZID")
        if tzid:
            assert tzid in zones
    tzids = set(re.findall(r"TZID=([^:;]+)", text))
    assert tzids <= zones
    return parsed.events


RANDOM_AS_OF = date(2024, 1, 1)


@st.composite
def random_roadmaps(draw, max_steps: int = 25):
    n = draw(st.integers(1, max_steps))
    milestones = []
    for i in range(n):
        unit = draw(st.sampled_from(["d", "d", "bd", "w"]))
        duration = Duration(draw(st.integers(0, 15)), unit)
        deps = []
        if i:
            for pred in sorted(draw(st.sets(st.integers(0, i - 1), max_size=3))):
                kind = draw(st.sampled_from(["FS", "FS", "SS", "FF", "SF"]))
                lag = Duration(draw(st.integers(-5, 10)), draw(st.sampled_from(["d", "bd"])))
                deps.append(Dependency(f"m{pred}", kind, lag))
        not_before = None
        if draw(st.booleans()):
            not_before = parse_date_window(date.fromordinal(RANDOM_AS_OF.toordinal() + draw(st.integers(0, 60))))
        milestones.append(Milestone(id=f"m{i}", title=f"Step {i}", line=i + 1, index=i, duration=duration,
                                    dependencies=tuple(deps), not_before=not_before))
    return Roadmap(id="random", title="Random", milestones=tuple(milestones), calendar=WorkCalendar())


KHAL_CONFIG = """\
[calendars]
[[roadmap]]
path = {path}
type = calendar
[locale]
timeformat = %H:%M
dateformat = %Y-%m-%d
longdateformat = %Y-%m-%d
datetimeformat = %Y-%m-%d %H:%M
longdatetimeformat = %Y-%m-%d %H:%M
default_timezone = UTC
local_timezone = UTC
"""


def reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tracking.sqlite'}"
    if not PG_URL:
        pytest.skip("PostgreSQL half skipped: set ROADMAP_TEST_POSTGRES_URL to a server's database (.ci/run does)")
    reset_postgres(PG_URL)
    return PG_URL


def free_port() -> int:
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


@contextlib.contextmanager
def running_server(roadmap: Path, *args: str, port: int | None = None, capture_log: bool = False):
    """``roadmap serve`` as a real process on a free port for the ``with`` block, once /healthz
    answers; yields (Server, process). With ``capture_log`` its log is readable after the block."""
    port = port or free_port()
    process = subprocess.Popen([sys.executable, "-m", "roadmap_tracker.cli", "--file", str(roadmap), "serve",
                                "--port", str(port), *args],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE if capture_log else subprocess.DEVNULL)
    srv = Server(roadmap, port)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if srv.request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("server did not start" + (f": {process.stderr.read().decode()}" if capture_log else ""))
            time.sleep(0.1)
        yield srv, process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
def server(tmp_path):
    """A real feed server on the small feed roadmap, as of 2024-03-01."""
    roadmap = tmp_path / "roadmap.yaml"
    roadmap.write_text(SMALL_FEED_ROADMAP, encoding="utf-8")
    with running_server(roadmap, "--as-of", "2024-03-01", "--state", str(tmp_path / "state.json")) as (srv, _):
        yield srv


class Page(HTMLParser):
    """The parts of a page the tests look at: elements, attributes, links, text."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def all(self, tag: str) -> list[dict]:
        return [attrs for t, attrs in self.tags if t == tag]

    @property
    def words(self) -> str:
        return " ".join(" ".join(self.text).split())


def mpxj_reader():
    if shutil.which("java") is None:
        pytest.skip("no Java runtime: MPXJ needs one (.ci/run installs default-jre-headless)")
    jpype = pytest.importorskip("jpype", reason="JPype1 is not installed (pip install '.[test]')")
    pytest.importorskip("mpxj", reason="mpxj is not installed (pip install '.[test]')")
    if not jpype.isJVMStarted():
        jpype.startJVM()
    from org.mpxj.reader import UniversalProjectReader

    return UniversalProjectReader
