"""``roadmap serve``: read-only calendar feeds over HTTP (Flask app, served by waitress).

Flask gives routing, HEAD and conditional-request helpers with little code; waitress is a
pure-Python production WSGI server (threads, no C build, runs the same on every platform).
The feed follows the roadmap file and the tracking store: each request checks the file's
modification stamp and the store's (a file stamp for SQLite, the last update id for PostgreSQL)
and rebuilds when either changed, or when the day changed. A broken file never takes the feed down: the
last good calendar keeps being served (with a ``Warning`` header) and ``/healthz`` answers 503
with the validation messages. Routes live under ``/calendar``; ``/dashboard`` and ``/chart`` are
left free for the views to come.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from .errors import RoadmapError, RoadmapInvalid
from .formats.ics import FeedOptions, SequenceState, build_calendar, feed_etag

TRACK_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass
class Feed:
    body: bytes
    etag: str
    modified: datetime


class FeedSource:
    """Builds feeds from a roadmap file and keeps the last good schedule when the file breaks."""

    def __init__(self, roadmap_path: Path, state_path: Path | None = None, today=date.today,
                 facts=None, facts_stamp=None):
        """``facts(roadmap)`` gives the tracking store's facts; ``facts_stamp()`` changes when they do."""
        self.facts = facts or (lambda roadmap: {})
        self.facts_stamp = facts_stamp or (lambda: None)
        self.path = Path(roadmap_path)
        self.state_path = state_path
        self.today = today
        self.lock = threading.Lock()
        self.stamp: tuple | None = None
        self.schedule = None
        self.problem: str | None = None
        self.feeds: dict[tuple, Feed] = {}
        self.state = SequenceState.load(state_path) if state_path else SequenceState()

    def refresh(self) -> None:
        """Reload the roadmap if the file (or the day) changed since the last look."""
        from .loading import load_roadmap
        from .scheduling import compute_schedule

        try:
            stat = self.path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size, self.today(), self.facts_stamp())
        except OSError as exc:
            self.problem = f"{self.path}: cannot read the roadmap file: {exc.strerror}"
            return
        with self.lock:
            if stamp == self.stamp:
                return
            try:
                roadmap = load_roadmap(self.path)
            except RoadmapInvalid as exc:
                self.problem = "\n".join(str(d) for d in exc.diagnostics if d.is_error)
                self.stamp = stamp
                return
            try:
                facts = self.facts(roadmap)
            except RoadmapError as exc:
                self.problem = str(exc)
                self.stamp = stamp
                return
            self.schedule = compute_schedule(roadmap, self.today(), facts)
            self.problem = None
            self.stamp = stamp

    def feed(self, options: FeedOptions) -> Feed | None:
        """The calendar for ``options`` from the last good schedule (None before the first)."""
        self.refresh()
        with self.lock:
            if self.schedule is None:
                return None
            key = (id(self.schedule), options)
            if key not in self.feeds:
                now = datetime.now(timezone.utc).replace(microsecond=0)
                body = build_calendar(self.schedule, FeedOptions(**{**options.__dict__, "dtstamp": now}),
                                      self.state)
                previous = next((f for k, f in self.feeds.items() if k[1] == options), None)
                etag = feed_etag(_without_dtstamps(body))
                modified = previous.modified if previous and previous.etag == etag else now
                self.feeds = {k: f for k, f in self.feeds.items() if k[1] != options}
                self.feeds[key] = Feed(body, etag, modified)
                if self.state_path:
                    self.state.save(self.state_path)
            return self.feeds[key]

    def tracks(self) -> set[str]:
        self.refresh()
        if self.schedule is None:
            return set()
        return {t.id for t in self.schedule.roadmap.tracks} | {e.milestone.track for e in self.schedule
                                                                if e.milestone.track}


def _without_dtstamps(body: bytes) -> bytes:
    """The feed minus its DTSTAMP lines: what the ETag should depend on."""
    return b"\r\n".join(line for line in body.split(b"\r\n") if not line.startswith(b"DTSTAMP"))


def create_app(source: FeedSource, web=None):
    """The WSGI application serving ``source``'s feeds and pages (``web``: :class:`~.web.routes.WebOptions`)."""
    from flask import Flask, Response, request

    app = Flask("roadmap_tracker")

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

    source = FeedSource(roadmap_path, state_path, today=(lambda: as_of) if as_of else date.today,
                        facts=facts, facts_stamp=facts_stamp)
    source.refresh()
    waitress_serve(create_app(source, web), host=host, port=port, threads=threads, ident="roadmap-tracker")


__all__ = ["FeedSource", "create_app", "serve"]
