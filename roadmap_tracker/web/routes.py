"""The pages over HTTP: a Flask blueprint on the feed server's app.

Read-only by default: ``/``, ``/m/ID``, ``/gantt``, ``/calendars``, ``/status.json``,
``/schedule.json`` and the stylesheet, each with an ETag (a hash of the bytes, as the feeds have)
so a browser revalidates cheaply. Pages are rendered once per schedule and kept until the roadmap
file or the tracking store changes. Sign-in and progress reports exist only when the server runs
with ``--allow-updates`` (see :mod:`roadmap_tracker.web.accounts`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any, Callable

from .pages import (Links, PageSet, calendars_context, chart_svg, chart_window, etag_of, feed_tracks,
                    gantt_context, milestone_context, render, status_context)

# No scripts, nothing from elsewhere: the pages need only their own stylesheet (and inline SVG styles).
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


if TYPE_CHECKING:
    from .accounts import BrowserUpdates

CACHE_LIMIT = 500  # pages kept per schedule (each window of the chart and each host name is one)


@dataclass
class WebOptions:
    """What the pages need beyond the schedule: the history of updates, and the accounts when writes are on."""

    history: Callable[[str], list] | None = None  # milestone id -> updates (default: the accounts' store, or none)
    accounts: BrowserUpdates | None = None  # when --allow-updates
    moves: Callable[[Any], list] | None = None  # schedule -> what moved in the week before its as-of date
    cache: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def create_blueprint(source, options: WebOptions | None = None):
    """The pages of ``source`` (a :class:`roadmap_tracker.server.FeedSource`)."""
    from flask import Blueprint, Response, request

    options = options or WebOptions()
    web = Blueprint("web", __name__)
    css = resources.files("roadmap_tracker.web").joinpath("static/site.css").read_bytes()
    history = options.history or (options.accounts.store.history if options.accounts else lambda milestone_id: [])

    def week_moves(schedule, milestone_id: str):
        """How this milestone moved in the week before the as-of date, and why (None: not known here)."""
        if options.moves is None:
            return None
        return [m for m in options.moves(schedule) if m.id == milestone_id]

    def respond(body: str | bytes, mimetype: str = "text/html", status: int = 200, private: bool = False):
        data = body.encode("utf-8") if isinstance(body, str) else body
        response = Response(data, status=status)
        response.headers["Content-Type"] = f"{mimetype}; charset=utf-8"
        response.headers.update(SECURITY_HEADERS)
        if private:
            response.headers["Cache-Control"] = "private, no-store"
            return response
        response.headers["Cache-Control"] = "no-cache"  # always revalidate: the roadmap may have changed
        response.set_etag(etag_of(data))
        return response.make_conditional(request) if status == 200 else response

    def current():
        """The last good schedule and the file's problem, or None before any could be read."""
        source.refresh()
        return source.schedule, source.problem

    def unavailable():
        return Response(f"the roadmap cannot be read:\n{source.problem}\n", status=503, mimetype="text/plain")

    def cached(schedule, key, make):
        """Pages for anonymous readers, rendered once per schedule."""
        with options.lock:
            if options.cache.get("schedule") is not schedule or len(options.cache) > CACHE_LIMIT:
                options.cache.clear()
                options.cache["schedule"] = schedule
            if key in options.cache:
                return options.cache[key]
        value = make()
        with options.lock:
            if options.cache.get("schedule") is schedule:
                options.cache[key] = value
        return value

    def page_set(schedule, problem) -> PageSet:
        accounts = options.accounts
        user = accounts.current_user() if accounts else None
        return PageSet(schedule, Links(root=request.url_root), problem, user,
                       accounts.csrf_token() if accounts and user else None)

    def page(key, make_context, template):
        schedule, problem = current()
        if schedule is None:
            return unavailable()
        pages = page_set(schedule, problem)
        if pages.user is not None:
            return respond(render(template, **make_context(pages)), private=True)
        body = cached(schedule, (key, problem, request.url_root), lambda: render(template, **make_context(pages)))
        return respond(body)

    @web.get("/")
    def status_page():
        return page("status", status_context, "status.html")

    @web.get("/m/<milestone_id>")
    def milestone_page(milestone_id: str):
        schedule, problem = current()
        if schedule is None:
            return unavailable()
        if milestone_id not in schedule.entries:
            pages = page_set(schedule, problem)
            return respond(render("message.html", **pages.common("milestone"), page_title="Not found",
                                  message=f"There is no milestone '{milestone_id}' in this roadmap."), status=404)
        pages = page_set(schedule, problem)
        if pages.user is not None:  # signed in: the report form where the account may report, never cached
            reported = request.args.get("reported")
            message = None if reported is None else "Your report was recorded." if reported != "0" else \
                "Nothing changed, so nothing was recorded."
            may = pages.user.may_report_on(schedule.roadmap.get(milestone_id))
            context = milestone_context(pages, milestone_id, history(milestone_id), may, None, message,
                                        moved=week_moves(schedule, milestone_id))
            return respond(render("milestone.html", **context), private=True)
        return page(("m", milestone_id), lambda pages: milestone_context(
            pages, milestone_id, history(milestone_id), moved=week_moves(schedule, milestone_id)), "milestone.html")

    @web.get("/gantt")
    def gantt_page():
        schedule, problem = current()
        if schedule is None:
            return unavailable()
        window, problems = chart_window(request.args, schedule)
        status = 400 if problems else 200
        svg, steps = (None, 0) if problems else cached(schedule, ("svg", window), lambda: chart_svg(schedule, window))
        pages = page_set(schedule, problem)
        body = render("gantt.html", **gantt_context(pages, window, problems, svg, steps))
        return respond(body, status=status, private=pages.user is not None)

    @web.get("/calendars")
    def calendars_page():
        return page("calendars", lambda pages: calendars_context(pages, feed_tracks(pages.schedule)), "calendars.html")

    @web.get("/status.json")
    def status_json():
        from ..status import build_status
        from ..text import render_status

        schedule, _problem = current()
        if schedule is None:
            return unavailable()
        body = cached(schedule, "status.json", lambda: render_status(build_status(schedule), "json"))
        return respond(body, "application/json")

    @web.get("/schedule.json")
    def schedule_json():
        from ..text import render_schedule

        schedule, _problem = current()
        if schedule is None:
            return unavailable()
        return respond(cached(schedule, "schedule.json", lambda: render_schedule(schedule, "json")),
                       "application/json")

    @web.get("/assets/site.css")
    def stylesheet():
        response = respond(css, "text/css")
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response

    if options.accounts is not None:
        options.accounts.add_routes(web, current, page_set, respond)
    return web


def register(app, source, options: WebOptions | None = None) -> None:
    """Add the pages to the feed server's ``app``."""
    app.register_blueprint(create_blueprint(source, options))


__all__ = ["WebOptions", "create_blueprint", "register"]
