"""``roadmap serve``: read-only calendar feeds over HTTP (Flask app, served by waitress).

Flask gives routing, HEAD and conditional-request helpers with little code; waitress is a
pure-Python production WSGI server (threads, no C build, runs the same on every platform).
The feed follows the roadmap file and the tracking store: each request checks the file's
modification stamp and the store's (a file stamp for SQLite, the last update id for PostgreSQL)
and rebuilds when either changed, or when the day changed. A broken file never takes the feed down: the
last good calendar keeps being served (with a ``Warning`` header) and ``/healthz`` answers 503
with the validation messages. Whatever fails between reading the file and writing the feed (a
value the calendar writer cannot take, a state file that cannot be read or written) is treated the
same way: ``/healthz`` always reports the state the feeds are in. Routes live under ``/calendar``;
``/dashboard`` and ``/chart`` are left free for the views to come.

Limits (waitress, set in :data:`WAITRESS_LIMITS`): request bodies over :data:`MAX_BODY_BYTES` are
refused before they are read (the feeds take none, the pages' forms send a few KB), at most
``connection_limit`` connections are open at once, and a connection idle for ``channel_timeout``
seconds is closed, so idle or half-open clients cannot hold the server.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable

from .errors import RoadmapError, RoadmapInvalid
from .formats.ics import FeedOptions, SequenceState, build_calendar, feed_etag

TRACK_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
STAMP_INTERVAL = 0.025  # seconds between two looks at the tracking store's change stamp
MAX_BODY_BYTES = 64 * 1024  # feeds take no body and the pages' forms send a few KB; larger is refused unread
WAITRESS_LIMITS: dict[str, Any] = {
    "max_request_body_size": MAX_BODY_BYTES,  # 413 before the body is spooled
    "max_request_header_size": 64 * 1024,
    "connection_limit": 500,   # open connections at once (waitress' default is 100)
    "channel_timeout": 15,     # seconds a connection may sit idle before it is closed
    "cleanup_interval": 5,     # how often idle connections are looked for
    "backlog": 1024,
}
log = logging.getLogger("roadmap_tracker.server")


@dataclass
class Feed:
    body: bytes
    etag: str
    modified: datetime


class FeedSource:
    """Builds feeds from a roadmap file and keeps the last good schedule when the file breaks."""

    def __init__(self, roadmap_path: Path, state_path: Path | None = None, today=date.today,
                 facts=None, facts_stamp=None):
        """``facts(roadmap, day)`` gives the tracking store's facts known on ``day``; ``facts_stamp()``
        changes when they do."""
        self.facts: Callable[[Any, date], dict] = facts or (lambda roadmap, day: {})
        self.facts_stamp = facts_stamp or (lambda: None)
        self.path = Path(roadmap_path)
        self.state_path = state_path
        self.today = today
        self.lock = threading.Lock()
        self.stamp: tuple | None = None
        self.schedule = None
        self.problem: str | None = None
        self.feeds: dict[tuple, Feed] = {}
        self.generation = 0  # counts schedules built; keys the feed cache
        self._stamp, self._stamp_at, self._writes_seen = None, -STAMP_INTERVAL, -1
        self.failed: set[tuple] = set()  # feeds that could not be written for this generation
        self.state = SequenceState()
        if state_path:
            try:
                self.state = SequenceState.load(state_path)
                if not all(isinstance(v, dict) and isinstance(v.get("dates"), str)
                           and isinstance(v.get("sequence"), int) for v in self.state.events.values()):
                    raise ValueError("its events are not what this version writes")
            except Exception as exc:  # damaged state: SEQUENCE numbers restart, and we say so
                log.warning("cannot use %s (%s); SEQUENCE numbers start again", state_path, _one_line(exc))
                self.state = SequenceState()

    def _store_stamp(self):
        """The store's change stamp, asked at most every :data:`STAMP_INTERVAL` seconds: under load the
        database sees a few queries a second, not one per request, and a report made elsewhere shows
        within that time (one made through this process's pages, at once)."""
        from .store import local_writes

        now, writes = time.monotonic(), local_writes()
        if now - self._stamp_at >= STAMP_INTERVAL or writes != self._writes_seen:  # a report made here shows at once
            self._stamp, self._stamp_at, self._writes_seen = self.facts_stamp(), now, writes
        return self._stamp

    def refresh(self) -> None:
        """Reload the roadmap if the file (or the day, or the store) changed since the last look.

        Any failure keeps the last good schedule and sets ``problem`` (``/healthz`` then says 503).
        """
        from .loading import load_roadmap
        from .scheduling import compute_schedule

        try:
            stat = self.path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size, self.today(), self._store_stamp())
        except OSError as exc:
            self.problem = f"{self.path}: cannot read the roadmap file: {exc.strerror}"
            return
        except Exception as exc:  # the store's stamp: unreachable database and the like
            self.problem = f"cannot read the tracking store: {_one_line(exc)}"
            return
        with self.lock:
            if stamp == self.stamp:
                return
            self.stamp = stamp
            try:
                roadmap = load_roadmap(self.path)
                day = self.today()
                schedule = compute_schedule(roadmap, day, self.facts(roadmap, day))
            except RoadmapInvalid as exc:
                self.problem = "\n".join(str(d) for d in exc.diagnostics if d.is_error)
                return
            except RoadmapError as exc:
                self.problem = str(exc)
                return
            except Exception as exc:  # a bug must not take the feed down either; it is logged
                log.exception("cannot schedule %s", self.path)
                self.problem = f"{self.path}: cannot be scheduled ({type(exc).__name__}); see the server log"
                return
            self.schedule = schedule
            self.generation += 1
            self.problem = None

    def feed(self, options: FeedOptions) -> Feed | None:
        """The calendar for ``options`` from the last good schedule (None before the first)."""
        self.refresh()
        with self.lock:
            if self.schedule is None:
                return None
            key = (self.generation, options)  # ids of freed objects are reused: a counter is not
            if key in self.failed:
                return next((f for k, f in self.feeds.items() if k[1] == options), None)
            if key not in self.feeds:
                previous = next((f for k, f in self.feeds.items() if k[1] == options), None)
                try:
                    now = datetime.now(timezone.utc).replace(microsecond=0)
                    body = build_calendar(self.schedule, FeedOptions(**{**options.__dict__, "dtstamp": now}),
                                          self.state)
                    if self.state_path:
                        self.state.save(self.state_path)
                except Exception as exc:  # the calendar writer or the state file: keep the last good feed
                    log.exception("cannot write the feed for %s", self.path)
                    self.failed = {k for k in self.failed if k[0] == self.generation} | {key}
                    self.problem = f"{self.path}: the calendar cannot be written ({_one_line(exc)}); serving the " \
                                   "last good feed"
                    return previous
                etag = feed_etag(_without_dtstamps(body))
                modified = previous.modified if previous and previous.etag == etag else now
                self.feeds = {k: f for k, f in self.feeds.items() if k[1] != options}
                self.feeds[key] = Feed(body, etag, modified)
            return self.feeds[key]

    def tracks(self) -> set[str]:
        self.refresh()
        if self.schedule is None:
            return set()
        return {t.id for t in self.schedule.roadmap.tracks} | {e.milestone.track for e in self.schedule
                                                                if e.milestone.track}


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0][:200] if text else type(exc).__name__)


def _without_dtstamps(body: bytes) -> bytes:
    """The feed minus its DTSTAMP lines: what the ETag should depend on."""
    return b"\r\n".join(line for line in body.split(b"\r\n") if not line.startswith(b"DTSTAMP"))


HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9.\-]{0,252})|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?")


def create_app(source: FeedSource, web=None):
    """The WSGI application serving ``source``'s feeds and pages (``web``: :class:`~.web.routes.WebOptions`)."""
    from flask import Flask, Response, request

    app = Flask("roadmap_tracker")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES

    def calendar_response(options: FeedOptions):
        feed = source.feed(options)
        if feed is None:
            return Response(f"the roadmap cannot be read:\n{source.problem}\n", status=503,
                            mimetype="text/plain")
        response = Response(feed.body, mimetype="text/calendar")
        response.headers["Content-Type"] = "text/calendar; charset=utf-8"
        response.headers["Cache-Control"] = "public, max-age=300"
        response.set_etag(feed.etag.strip('"'))
        response.last_modified = feed.modified
        if source.problem:
            response.headers["Warning"] = '199 roadmap-tracker "roadmap file invalid; serving the last good feed"'
        return response.make_conditional(request)

    @app.before_request
    def refuse_bodies():
        if request.content_length and request.content_length > MAX_BODY_BYTES:
            return Response(f"request body too large (at most {MAX_BODY_BYTES // 1024} KB)\n", status=413,
                            mimetype="text/plain")
        if not HOST.fullmatch(request.host or ""):  # pages build addresses from it: a name, a port, no spaces
            return Response("bad Host header: give a host name or address, with an optional port\n", status=400,
                            mimetype="text/plain")
        return None

    def critical() -> bool:
        return request.args.get("critical", "").lower() in ("1", "true", "yes")

    @app.get("/calendar.ics")
    def whole_calendar():
        return calendar_response(FeedOptions(critical_only=critical()))

    @app.get("/calendar/<track>.ics")
    def track_calendar(track: str):
        if not TRACK_ID.match(track) or track not in source.tracks():
            return Response(f"no track '{track}'\n", status=404, mimetype="text/plain")
        return calendar_response(FeedOptions(tracks=(track,), critical_only=critical()))

    @app.get("/healthz")
    def healthz():
        source.refresh()
        if source.problem:
            return Response(f"roadmap file invalid:\n{source.problem}\n", status=503, mimetype="text/plain")
        if source.schedule is not None and not any(k[0] == source.generation for k in source.feeds):
            source.feed(FeedOptions())  # the state the feeds are in: build the main feed if nobody has yet
            if source.problem:
                return Response(f"roadmap file invalid:\n{source.problem}\n", status=503, mimetype="text/plain")
        return Response("ok\n", mimetype="text/plain")

    @app.errorhandler(404)
    def not_found(_error):
        return Response("not found; feeds are /calendar.ics and /calendar/<track>.ics\n", status=404,
                        mimetype="text/plain")

    @app.errorhandler(405)
    def not_allowed(_error):
        return Response("this server is read-only\n", status=405, mimetype="text/plain")

    @app.errorhandler(Exception)
    def failure(error):  # never a traceback to a client
        from werkzeug.exceptions import HTTPException

        if isinstance(error, HTTPException):
            return Response(f"{error.code} {error.name}\n", status=error.code, mimetype="text/plain")
        app.logger.exception("error while serving %s", request.path)
        return Response("internal error\n", status=500, mimetype="text/plain")

    from .web.routes import register

    register(app, source, web)
    return app


def serve(roadmap_path: Path, host: str, port: int, state_path: Path | None = None, threads: int = 4,
          as_of: date | None = None, facts=None, facts_stamp=None, web=None) -> None:
    """Run the feed server until interrupted; ``as_of`` pins the day (default: today, every day)."""
    from waitress import serve as waitress_serve

    configure_logging()
    source = FeedSource(roadmap_path, state_path, today=(lambda: as_of) if as_of else date.today,
                        facts=facts, facts_stamp=facts_stamp)
    source.refresh()
    if source.problem:
        log.warning("%s", source.problem)
    waitress_serve(create_app(source, web), host=host, port=port, threads=threads, ident="roadmap-tracker",
                   **WAITRESS_LIMITS)


class _Summarised(logging.Filter):
    """Lets the first of a run of repeated warnings through, then one summary line per ``every`` seconds.

    Under load waitress warns "Task queue depth is N" on every request; a log of those says nothing
    a count does not.
    """

    def __init__(self, every: float = 60.0):
        super().__init__()
        self.every, self.suppressed = every, 0
        self.since: float | None = None
        self.lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        now = time.monotonic()
        with self.lock:
            if self.since is None or now - self.since >= self.every:
                if self.suppressed and self.since is not None:
                    record.msg = f"{record.getMessage()} (and {self.suppressed} similar warnings in the last " \
                                 f"{now - self.since:.0f} s)"
                    record.args = ()
                self.since, self.suppressed = now, 0
                return True
            self.suppressed += 1
            return False


def configure_logging() -> None:
    """Log at info to stderr; waitress' per-request queue warnings summarised."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("waitress.queue").addFilter(_Summarised())


__all__ = ["FeedSource", "create_app", "serve"]
