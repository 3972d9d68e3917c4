"""The pages as data and HTML: one Jinja2 environment shared by the server and ``roadmap publish``.

Every word and date on a page comes from the library (:func:`roadmap_tracker.status.build_status`,
:mod:`roadmap_tracker.text`, :mod:`roadmap_tracker.wording`); this module only arranges them. It
knows nothing of HTTP: :class:`Links` says where a page points, absolute paths for the server and
relative ones for a static copy, so the same templates serve both.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from .. import __version__
from .._util import whole_number
from ..model import STATUSES
from ..scheduling import Schedule
from ..status import SECTION_TITLES, build_status
from ..text import schedule_row, show_fields
from ..wording import DRIVING_REASONS, dates_text, float_text, headline, safe_link, span_text, value_text

if TYPE_CHECKING:
    from ..store.accounts import Account

DOCUMENT_SYSTEM = "https://docs.un.org/en/"  # the UN Official Document System, by symbol
# fields of `roadmap show` that the milestone page shows as links of their own instead
LINKED_FIELDS = {"waits for", "waited on by", "documents", "link", "driven by", "during"}


class Links:
    """Where each page lives: ``/m/ID`` on the server, ``m/ID.html`` (relative) in a published copy."""

    def __init__(self, static: bool = False, depth: int = 0, root: str | None = None):
        self.static, self.depth, self.root = static, depth, root

    def _path(self, server: str, static: str) -> str:
        if self.static:
            return "../" * self.depth + static
        return server

    def home(self) -> str:
        return self._path("/", "index.html")

    def milestone(self, milestone_id: str) -> str:
        return self._path(f"/m/{quote(milestone_id)}", f"m/{quote(milestone_id)}.html")

    def gantt(self, **params) -> str:
        query = urlencode({k: v for k, v in params.items() if v not in (None, "", False)})
        return self._path("/gantt" + (f"?{query}" if query else ""), "gantt.html")

    def calendars(self) -> str:
        return self._path("/calendars", "calendars.html")

    def css(self) -> str:
        return self._path("/assets/site.css", "assets/site.css")

    def status_json(self) -> str:
        return self._path("/status.json", "status.json")

    def schedule_json(self) -> str:
        return self._path("/schedule.json", "schedule.json")

    def feed(self, track: str | None = None, critical: bool = False) -> str:
        if self.static:
            name = f"calendar/{quote(track)}" if track else "calendar"
            return "../" * self.depth + name + ("-critical" if critical else "") + ".ics"
        return (f"/calendar/{quote(track)}.ics" if track else "/calendar.ics") + ("?critical=1" if critical else "")

    def absolute(self, href: str) -> str | None:
        """The full address of a link (None in a published copy without ``--base-url``)."""
        if self.root is None:
            return None
        return self.root.rstrip("/") + "/" + href.lstrip("/").lstrip("./").replace("../", "")

    def webcal(self, href: str) -> str | None:
        url = self.absolute(href)
        return "webcal://" + url.split("://", 1)[1] if url else None

    def for_depth(self, depth: int) -> "Links":
        return Links(self.static, depth, self.root)


def document_url(symbol: str) -> str:
    """A UN document symbol (E/CN.16/2024/2) at the Official Document System."""
    return DOCUMENT_SYSTEM + quote(symbol, safe="/")


_environment = None
_environment_lock = threading.Lock()


def environment():
    """The Jinja2 environment: templates shipped in the package, everything autoescaped."""
    global _environment
    with _environment_lock:
        if _environment is None:
            from jinja2 import Environment, PackageLoader, StrictUndefined

            env = Environment(loader=PackageLoader("roadmap_tracker.web", "templates"), autoescape=True,
                              undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
            env.globals.update(span_text=span_text, dates_text=dates_text, float_text=float_text, version=__version__,
                               document_url=document_url, safe_link=safe_link)
            _environment = env
        return _environment


def render(template: str, **context) -> str:
    return environment().get_template(template).render(**context)


def etag_of(body: bytes) -> str:
    """The same kind of validator as the feeds': a hash of the bytes served."""
    return hashlib.sha256(body).hexdigest()[:32]


@dataclass
class PageSet:
    """What every page shows besides its own content."""

    schedule: Schedule
    links: Links
    problem: str | None = None  # the roadmap file is broken: the last good version is shown
    user: Account | None = None  # the signed-in account, if any
    csrf: str | None = None

    def common(self, current: str) -> dict:
        roadmap = self.schedule.roadmap
        return {"links": self.links, "current": current, "roadmap": roadmap, "as_of": self.schedule.as_of,
                "problem": self.problem, "user": self.user, "csrf": self.csrf}


# -- the status page ----------------------------------------------------------------------------------

def status_context(pages: PageSet) -> dict:
    """The status page: headline, verdict (when the library gives one), every section, critical path."""
    schedule = pages.schedule
    report = build_status(schedule)
    sections: list[dict[str, Any]] = [{"name": name, "title": SECTION_TITLES.get(name, name.replace("_", " ").capitalize()),
                 "entries": items} for name, items in report.sections.items()]
    summary = ", ".join(f"{len(s['entries'])} {s['title'].lower()}" for s in sections if s["entries"])
    target = schedule.targets[0]
    chain = [{**schedule_row(e), "span": span_text(e), "float": float_text(e.total_float),
              "reason": DRIVING_REASONS.get(e.driving_reason, "")} for e in schedule.driving_chain(target)]
    return {**pages.common("status"), "page_title": "Status", "headline": headline(report),
            "verdict": getattr(report, "verdict", None), "reasons": list(getattr(report, "reasons", None) or ()),
            "summary": summary or "nothing to report", "sections": sections, "chain": chain,
            "target": schedule[target]}


# -- one milestone ------------------------------------------------------------------------------------

def milestone_context(pages: PageSet, milestone_id: str, history=(), can_report: bool = False,
                      form: dict | None = None, message: str | None = None, refused: str | None = None,
                      moved: list | None = None) -> dict:
    """Everything ``roadmap show`` says, with links, the driving chain, the history of updates and
    what moved in the week before the as-of date (``moved``: :class:`~roadmap_tracker.diff.Move`s)."""
    schedule = pages.schedule
    e = schedule[milestone_id]
    m = e.milestone
    fields = [(label, value) for label, value in show_fields(schedule, milestone_id) if label not in LINKED_FIELDS]
    chain = [{"entry": c, "reason": DRIVING_REASONS.get(c.driving_reason, "")}
             for c in schedule.driving_chain(milestone_id)]
    waits = [{"id": d.predecessor, "title": schedule[d.predecessor].title, "type": d.type,
              "lag": "" if d.lag.is_zero else str(d.lag), "state": schedule[d.predecessor].state}
             for d in m.dependencies]
    waited_on = [schedule[s] for s in schedule.successors.get(m.id, ())]
    records = [{"when": r.recorded_at.strftime("%Y-%m-%d %H:%M UTC") + (
                    "" if r.effective_on == r.recorded_at.astimezone().date() else f", as of {r.effective_on.isoformat()}"),
                "author": r.author, "note": r.note,
                "changes": [(f, value_text(old), value_text(new)) for f, (old, new) in sorted(r.changes.items())]}
               for r in history]
    return {**pages.common("milestone"), "page_title": f"{m.id}: {m.title}", "entry": e, "m": m,
            "fields": fields, "chain": chain, "waits": waits, "waited_on": waited_on,
            "during": [schedule[s] for s in m.during if s in schedule.entries], "history": records,
            "can_report": can_report, "form": form or {}, "message": message, "refused": refused,
            "moved": moved, "week_before": schedule.as_of - timedelta(days=7),
            "statuses": STATUSES}


# -- the chart ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ChartWindow:
    """The chart's window and filters as the GET parameters give them (checked by :func:`chart_window`)."""

    date_from: date | None = None
    weeks: int | None = None
    track: str | None = None
    critical: bool = False
    scale: str | None = None  # week | month | quarter; None: by span, as `roadmap gantt`


SCALES = ("week", "month", "quarter")


def chart_window(args, schedule: Schedule) -> tuple[ChartWindow, list[str]]:
    """Read ``from``, ``weeks``, ``scale``, ``track`` and ``critical`` from ``args``; problems in words."""
    from ..dates import parse_day

    problems = []
    date_from = weeks = track = None
    text = (args.get("from") or "").strip()
    if text:
        try:
            date_from = parse_day(text)
        except ValueError as exc:
            problems.append(f"from: {exc}")
    text = (args.get("weeks") or "").strip()
    if text:
        number = whole_number(text, 3)
        if number is not None and 1 <= number <= 520:
            weeks = number
        else:
            problems.append(f"weeks: '{text[:20]}' is not a number of weeks from 1 to 520")
    text = (args.get("track") or "").strip()
    if text:
        known = feed_tracks(schedule)
        if text in known:
            track = text
        else:
            problems.append(f"track: no track '{text}'; tracks: {', '.join(known)}")
    critical = (args.get("critical") or "").lower() in ("1", "true", "yes", "on")
    scale = (args.get("scale") or "").strip().lower() or None
    if scale is not None and scale not in SCALES:
        problems.append(f"scale: '{scale[:20]}' is not one of {', '.join(SCALES)}")
        scale = None
    return ChartWindow(date_from, weeks, track, critical, scale), problems


_chart_lock = threading.Lock()  # matplotlib's pyplot is not thread-safe


def chart_svg(schedule: Schedule, window: ChartWindow) -> tuple[str, int]:
    """The Gantt chart of ``window`` as inline SVG markup with real text, and the number of steps on it."""
    import matplotlib

    from ..charts.draw import render_gantt
    from ..charts.gantt import GanttOptions, gantt_layout

    options = GanttOptions(window.date_from, window.weeks, (window.track,) if window.track else (), window.critical,
                           scale=window.scale)
    layout = gantt_layout(schedule, options)
    with _chart_lock, matplotlib.rc_context({"svg.fonttype": "none"}):
        svg = render_gantt(layout, "svg").decode("utf-8")
    svg = svg[svg.index("<svg"):]
    label = f"Gantt chart: {layout.title}, {layout.subtitle}, {len(layout.bars)} steps"
    svg = svg.replace("<svg ", '<svg role="img" aria-labelledby="chart-title" focusable="false" ', 1)
    svg = svg.replace(">", f'><title id="chart-title">{_xml_text(label)}</title>', 1)
    return svg, len(layout.bars)


def _xml_text(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def gantt_context(pages: PageSet, window: ChartWindow, problems: list[str], svg: str | None, steps: int) -> dict:
    from datetime import timedelta

    from ..charts.gantt import GanttOptions, chart_window
    from ..status import build_status

    first, last, _ = chart_window(pages.schedule, build_status(pages.schedule),
                                  GanttOptions(window.date_from, window.weeks))
    last -= timedelta(days=1)  # the last day shown
    return {**pages.common("gantt"), "page_title": "Gantt chart", "window": window, "problems": problems,
            "svg": svg, "steps": steps, "first": first, "last": last, "scales": SCALES,
            "tracks": [(t, pages.schedule.roadmap.track_title(t)) for t in feed_tracks(pages.schedule)]}


# -- calendars ----------------------------------------------------------------------------------------

def calendars_context(pages: PageSet, tracks: list[str]) -> dict:
    roadmap = pages.schedule.roadmap
    links = pages.links
    named = [("Every milestone", links.feed()), ("Critical path only", links.feed(critical=True))]
    named += [(f"Track: {roadmap.track_title(t)}", links.feed(t)) for t in tracks]
    feeds = [{"title": title, "href": href, "url": links.absolute(href), "webcal": links.webcal(href)}
             for title, href in named]
    return {**pages.common("calendars"), "page_title": "Calendars", "feeds": feeds}


def feed_tracks(schedule: Schedule) -> list[str]:
    """The tracks that have a feed: declared ones in file order, then any used but not declared."""
    tracks = [t.id for t in schedule.roadmap.tracks]
    for e in schedule:
        if e.milestone.track and e.milestone.track not in tracks:
            tracks.append(e.milestone.track)
    return tracks
