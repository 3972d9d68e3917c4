"""The weekly Gantt chart as data: which rows, bars, arrows, colours and labels, before any drawing.

:func:`gantt_layout` is a pure function of a schedule (and optionally a baseline schedule), so
tests check the chart's content without drawing it; :mod:`roadmap_tracker.charts.draw` turns a
layout into PNG, SVG or PDF with matplotlib.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from ..scheduling import Schedule, ScheduleEntry
from ..status import build_status
from ..wording import headline, shorten

# status category -> fill colour (colour-blind-safe where it matters: late vs at risk vs done)
COLOURS = {
    "done": "#8fb996",
    "in_progress": "#3a86c8",
    "late": "#d7263d",
    "at_risk": "#f4a259",
    "blocked": "#7e3f98",
    "planned": "#b9d3ea",
    "contingent": "#cdb4db",
    "cancelled": "#dddddd",
}
CATEGORY_LABELS = {
    "done": "done", "in_progress": "in progress", "late": "late (overdue, late to start)", "at_risk": "at risk", "blocked": "blocked",
    "planned": "planned", "contingent": "contingent", "cancelled": "cancelled",
}
CRITICAL_COLOUR = "#7b0020"
NEAR_CRITICAL_COLOUR = "#e07a00"
TITLE_WIDTH = 44


@dataclass(frozen=True)
class GanttOptions:
    """What to chart: the date window (``date_from`` + ``weeks``), filters, arrows, risk threshold."""

    date_from: date | None = None
    weeks: int | None = None
    tracks: tuple[str, ...] = ()
    critical_only: bool = False
    arrows: str = "critical"  # all | critical | none
    risk_float: int = 7


@dataclass(frozen=True)
class Bar:
    """One step on one row. Days are day numbers (``date.toordinal()``), ``end`` exclusive."""

    id: str
    row: int
    label: str
    start: int
    end: int
    shape: str  # bar | session | milestone
    category: str
    colour: str
    critical: bool
    progress: float  # 0..1 of the bar filled
    float_days: int  # whisker length after the bar (0 when none)
    deadline: int | None
    window: tuple[int, int] | None  # fuzzy window, drawn as a faint hatched span
    baseline: tuple[int, int] | None  # ghost bar of the baseline's dates
    fixed: bool
    near_critical: bool = False


@dataclass(frozen=True)
class Row:
    """A line of the chart: a track heading (``bar`` None) or a step."""

    index: int
    label: str
    sublabel: str = ""
    heading: bool = False


@dataclass(frozen=True)
class Arrow:
    """A dependency drawn from the end (or start) of one row's bar to another's."""

    source: str
    target: str
    source_row: int
    target_row: int
    x_from: int
    x_to: int
    critical: bool


@dataclass
class GanttLayout:
    """Everything the drawing needs; nothing in it needs matplotlib."""

    title: str
    subtitle: str
    as_of: int
    start: int
    end: int
    rows: list[Row] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    arrows: list[Arrow] = field(default_factory=list)
    weeks: list[tuple[int, str]] = field(default_factory=list)
    months: list[tuple[int, str]] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)

    def bar(self, milestone_id: str) -> Bar:
        return next(b for b in self.bars if b.id == milestone_id)


def default_window(as_of: date, weeks: int | None = None, date_from: date | None = None) -> tuple[date, date]:
    """From the Monday four weeks before the as-of date, for 16 weeks, unless told otherwise."""
    if date_from is None:
        anchor = as_of - timedelta(weeks=4)
        date_from = anchor - timedelta(days=anchor.weekday())
    weeks = weeks or 16
    return date_from, date_from + timedelta(weeks=weeks)


def category_of(entry: ScheduleEntry, section: str | None) -> str:
    """The colour class of a step: done, late, at risk, in progress, contingent or planned."""
    if entry.state in ("done", "cancelled"):
        return entry.state
    if section in ("overdue", "late_to_start"):
        return "late"
    if section == "at_risk":
        return "at_risk"
    if entry.blocked:
        return "blocked"
    if entry.state == "in_progress":
        return "in_progress"
    if entry.milestone.condition:
        return "contingent"
    return "planned"


def gantt_layout(schedule: Schedule, options: GanttOptions = GanttOptions(),
                 baseline: Schedule | None = None) -> GanttLayout:
    """Lay out the chart of ``schedule`` as of its as-of date (pure: no drawing, no I/O)."""
    roadmap = schedule.roadmap
    first, last = default_window(schedule.as_of, options.weeks, options.date_from)
    start, end = first.toordinal(), last.toordinal()
    report = build_status(schedule, risk_float=options.risk_float)
    section_of = {item.entry.id: name for name, items in report.sections.items()
                  if name not in ("open_conditions", "recently_done") for item in items}

    def visible(e: ScheduleEntry) -> bool:
        s, x = e.start.toordinal(), e.end.toordinal() + 1
        if e.window:
            s, x = min(s, e.window[0].toordinal()), max(x, e.window[1].toordinal() + 1)
        if options.tracks and e.milestone.track not in options.tracks:
            return False
        if options.critical_only and not e.critical:
            return False
        return s < end and x > start

    track_order = [t.id for t in roadmap.tracks]
    for e in schedule:
        if e.milestone.track and e.milestone.track not in track_order:
            track_order.append(e.milestone.track)
    groups: list[tuple[str | None, list[ScheduleEntry]]] = [
        (track, [e for e in schedule if e.milestone.track == track and visible(e)]) for track in track_order]
    groups.append((None, [e for e in schedule if e.milestone.track is None and visible(e)]))

    iso_year, iso_week, _ = schedule.as_of.isocalendar()
    layout = GanttLayout(
        title=roadmap.title,
        subtitle=f"as of {schedule.as_of.isoformat()} (week {iso_year}-W{iso_week:02d})"
                 + (f"; baseline ghosts: {baseline.as_of.isoformat()}" if baseline else "")
                 + f". {headline(report)}",
        as_of=schedule.as_of.toordinal(), start=start, end=end)
    rows_of: dict[str, int] = {}
    for track, entries in groups:
        if not entries:
            continue
        if track is not None or any(t for t, e in groups if t is not None and e):
            layout.rows.append(Row(len(layout.rows), roadmap.track_title(track) if track else "Other", heading=True))
        for e in entries:
            row = len(layout.rows)
            rows_of[e.id] = row
            layout.rows.append(Row(row, shorten(e.title, TITLE_WIDTH), e.id))
            layout.bars.append(_bar(e, row, section_of.get(e.id), baseline))

    if options.arrows != "none":
        for e in schedule:
            if e.id not in rows_of:
                continue
            for dep in e.milestone.dependencies:
                p = dep.predecessor
                if p not in rows_of:
                    continue
                critical = schedule[p].critical and e.critical
                if options.arrows == "critical" and not critical:
                    continue
                pred = schedule[p]
                x_from = pred.span[1] if dep.type in ("FS", "FF") else pred.span[0]
                x_to = e.span[0] if dep.type in ("FS", "SS") else e.span[1]
                layout.arrows.append(Arrow(p, e.id, rows_of[p], rows_of[e.id], x_from, x_to, critical))

    day = first
    while day < last:
        year, week, _ = day.isocalendar()
        layout.weeks.append((day.toordinal(), f"W{week:02d}"))
        day += timedelta(weeks=1)
    month = date(first.year, first.month, 1)
    while month < last:
        if month >= first:
            layout.months.append((month.toordinal(), month.strftime("%b %Y")))
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    used = {b.category for b in layout.bars}
    layout.legend = [(CATEGORY_LABELS[c], COLOURS[c]) for c in COLOURS if c in used]
    return layout


def _bar(e: ScheduleEntry, row: int, section: str | None, baseline: Schedule | None) -> Bar:
    category = category_of(e, section)
    s, x = e.span
    if e.point:
        s = x = e.start.toordinal()
    shape = "milestone" if e.point else "session" if e.fixed and e.milestone.kind in ("session", "meeting", "event") \
        else "bar"
    ghost = None
    if baseline is not None and e.id in baseline.entries:
        b = baseline[e.id]
        ghost = (b.start.toordinal(), b.end.toordinal() + 1)
    progress = 1.0 if e.state == "done" else (e.progress / 100 if e.state == "in_progress" else 0.0)
    return Bar(
        id=e.id, row=row, label=shorten(e.title, TITLE_WIDTH), start=s, end=x, shape=shape, category=category,
        colour=COLOURS[category], critical=e.critical, near_critical=e.near_critical, progress=progress,
        float_days=max(0, e.total_float or 0),
        deadline=e.deadline.toordinal() if e.deadline else None,
        window=(e.window[0].toordinal(), e.window[1].toordinal() + 1) if e.window else None,
        baseline=ghost, fixed=e.fixed)
