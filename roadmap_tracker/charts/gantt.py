"""The Gantt chart as data: every row, bar, arrow, label and legend entry, placed in inches.

:func:`gantt_layout` is a pure function of a schedule (and optionally a baseline schedule), so
tests check the chart's content and geometry without drawing it: the window, the colours, and
that no two labels overlap and none leaves the page. :mod:`roadmap_tracker.charts.draw` only
puts the layout on paper with matplotlib (PNG, SVG with real text, PDF).

Text widths are measured with the metrics of Arial/Helvetica (Liberation Sans has the same), the
first fonts of the chart's font stack, so the boxes in the layout are the boxes on the page.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from ..scheduling import Schedule, ScheduleEntry
from ..status import LATE, StatusReport, build_status, is_late
from ..wording import headline

# what a bar's fill says: its place relative to the target, or that it is done, blocked or cancelled
COLOURS = {
    "critical": "#1f4e96",
    "near_critical": "#8db4e2",
    "other": "#d0d4da",
    "done": "#9ccc94",
    "blocked": "#8e5ea2",
    "cancelled": "#eeeeee",
}
LATE_COLOUR = "#d7263d"
PROGRESS_COLOUR = "#1b1b1b"
VERDICT_COLOURS = {"on_track": "#2e9d5b", "at_risk": "#f0a030", "late": LATE_COLOUR}
LEGEND_LABELS = {
    "critical": "target's critical path", "near_critical": "near-critical", "other": "other steps",
    "done": "done", "blocked": "blocked", "cancelled": "cancelled",
    "late": "late against plan", "progress": "share done", "session": "fixed-date session",
    "milestone": "milestone (one day)", "contingent": "contingent (condition open)",
    "window": "date window (TBC)", "float": "float", "deadline": "deadline",
    "baseline": "previous plan", "arrow": "drives the next step",
}
SCALES = ("week", "month", "quarter")
TITLE_CHARS = 300  # longer titles are cut before wrapping (at a word boundary, with "…")
ID_CHARS = 40

# page geometry, inches
PAGE_WIDTH = 11.69  # A4 landscape
PAGE_HEIGHT = 8.27
MARGIN = 0.25
LABEL_MIN, LABEL_MAX = 1.3, 3.4
ROW_SIZE, ID_SIZE, TICK_SIZE, DATE_SIZE, LEGEND_SIZE = 7.5, 6.0, 6.5, 6.0, 7.0
LINE = 1.25 / 72  # line height per point of font size
BAR_HEIGHT, SESSION_HEIGHT, HEADING_HEIGHT = 0.15, 0.2, 0.22
MIN_MARK = 3 / 72  # a one-day bar is never thinner than 3 pt
MIN_ROW = 0.19  # rows of the one-page view

# Helvetica / Arial advance widths of ASCII 32..126, in 1/1000 em
_WIDTHS = (
    278, 278, 355, 556, 556, 889, 667, 222, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556,
    556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667,
    556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 222, 556,
    556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722,
    500, 500, 500, 334, 260, 334, 584)


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in inches of ``text`` at ``size`` points (wide East Asian characters count 1 em)."""
    total = 0
    for ch in text:
        code = ord(ch)
        if 32 <= code < 127:
            total += _WIDTHS[code - 32]
        else:
            total += 1000 if unicodedata.east_asian_width(ch) in "WF" else 640
    # +7%: Agg's hinting at 200 dpi draws small text up to 5% wider than the font's advances
    return total / 1000 * size / 72 * (1.1 if bold else 1.0) * 1.07


def clean(text: object, limit: int = TITLE_CHARS) -> str:
    """Text as the chart shows it: one line, no control characters, at most ``limit`` characters."""
    raw = str(text)[: limit * 4]
    raw = "".join(ch if unicodedata.category(ch) != "Cc" else " " for ch in raw)
    raw = " ".join(raw.split())
    if len(raw) <= limit:
        return raw
    cut = raw[: limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "…"


def wrap(text: str, width: float, size: float, lines: int = 2, bold: bool = False) -> list[str]:
    """``text`` in at most ``lines`` lines of at most ``width`` inches; words are never cut unless one
    word alone is wider than a line; what does not fit ends in "…" after a whole word."""
    words = text.split() or [""]
    out: list[str] = []
    current = ""
    broken = False  # the last line is a piece of a word too wide for any line
    i = 0
    while i < len(words):
        word = words[i]
        trial = f"{current} {word}" if current else word
        if text_width(trial, size, bold) <= width:
            current, i = trial, i + 1
            continue
        broken = not current
        if broken:  # one word wider than a line: the only case a word is broken
            cut = len(word)
            while cut > 1 and text_width(word[:cut], size, bold) > width:
                cut = max(1, cut * 3 // 4 if text_width(word[:cut], size, bold) > 2 * width else cut - 1)
            current, words[i] = word[:cut], word[cut:]
        out.append(current)
        current = ""
        if len(out) == lines:
            break
    else:
        out.append(current)
        return out[:lines]
    # more text than lines: end the last line with an ellipsis after a whole word
    last = out[-1]
    while last and text_width(last + " …", size, bold) > width:
        last = last[:-1] if broken else last.rsplit(" ", 1)[0] if " " in last else ""
    out[-1] = (last + " …") if last else "…"
    return out


@dataclass(frozen=True)
class GanttOptions:
    """What to chart. The window is chosen from the schedule unless ``date_from``/``weeks`` say
    otherwise (``full``: from the first step to the last); ``scale`` None picks it by span."""

    date_from: date | None = None
    weeks: int | None = None
    tracks: tuple[str, ...] = ()
    critical_only: bool = False
    arrows: str = "critical"  # all | critical | none
    risk_float: int = 7
    scale: str | None = None  # week | month | quarter
    dates: bool = False  # date labels at the bar ends
    view: str = "steps"  # steps | milestones
    full: bool = False


@dataclass(frozen=True)
class Label:
    """A piece of text: anchored at ``x`` (by ``ha``) and centred on ``y``; ``box`` is
    (left, top, right, bottom) in inches from the page's top-left corner."""

    kind: str
    text: str
    x: float
    y: float
    ha: str
    size: float
    colour: str = "#111111"
    bold: bool = False
    box: tuple[float, float, float, float] = (0, 0, 0, 0)


def _label(kind: str, text: str, x: float, y: float, ha: str = "left", size: float = ROW_SIZE,
           colour: str = "#111111", bold: bool = False) -> Label:
    w = text_width(text, size, bold)
    h = size * 1.2 / 72
    left = x if ha == "left" else x - w if ha == "right" else x - w / 2
    return Label(kind, text, x, y, ha, size, colour, bold, (left, y - h / 2, left + w, y + h / 2))


@dataclass(frozen=True)
class Row:
    """A line of the chart: a track heading or a step; ``y`` is its centre, ``height`` its height."""

    index: int
    label: str
    sublabel: str = ""
    heading: bool = False
    y: float = 0.0
    height: float = 0.0


@dataclass(frozen=True)
class Bar:
    """One step on one row. Days are day numbers (``date.toordinal()``), ``end`` exclusive;
    ``x0``/``x1`` are the drawn extent in days (a one-day step keeps a visible width)."""

    id: str
    row: int
    y: float
    label: str
    start: int
    end: int
    x0: float
    x1: float
    shape: str  # bar | session | milestone
    category: str  # a key of COLOURS
    colour: str
    critical: bool
    near_critical: bool
    late: bool
    contingent: bool
    progress: float  # 0..1 of the bar filled
    float_days: int  # whisker length after the bar (0 when none)
    deadline: int | None
    window: tuple[int, int] | None  # fuzzy window, drawn as a faint hatched span
    baseline: tuple[float, float] | None  # the previous plan's span (x), only where its dates differ
    fixed: bool
    pinned: str | None = None  # "left" / "right": outside the window, shown as a dated label at that edge


@dataclass(frozen=True)
class Arrow:
    """A dependency drawn from the end (or start) of one row's bar to another's."""

    source: str
    target: str
    source_row: int
    target_row: int
    x_from: int
    x_to: int
    y_from: float
    y_to: float
    critical: bool


@dataclass(frozen=True)
class LegendEntry:
    key: str
    label: str
    x: float  # the swatch's left edge
    y: float


@dataclass
class GanttLayout:
    """Everything the drawing needs, in inches from the page's top-left; nothing here needs matplotlib."""

    title: str
    subtitle: str
    headline: str
    verdict: str
    as_of: int
    start: int
    end: int
    scale: str
    width: float = PAGE_WIDTH
    height: float = PAGE_HEIGHT
    plot: tuple[float, float, float, float] = (0, 0, 0, 0)  # left, top, right, bottom
    rows: list[Row] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    arrows: list[Arrow] = field(default_factory=list)
    ticks: list[tuple[int, str]] = field(default_factory=list)  # lower axis row: (day, label)
    bands: list[tuple[int, str]] = field(default_factory=list)  # upper axis row: (first day, label)
    grid: list[int] = field(default_factory=list)  # day numbers of the thin grid lines
    labels: list[Label] = field(default_factory=list)
    legend: list[LegendEntry] = field(default_factory=list)
    marker: tuple[float, float] = (0, 0)  # centre of the verdict's coloured dot

    def bar(self, milestone_id: str) -> Bar:
        return next(b for b in self.bars if b.id == milestone_id)

    def x(self, day: float) -> float:
        """The page position (inches) of a day number."""
        left, _, right, _ = self.plot
        return left + (day - self.start) / (self.end - self.start) * (right - left)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _period_start(day: date, scale: str) -> date:
    if scale == "week":
        return _monday(day)
    if scale == "month":
        return date(day.year, day.month, 1)
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _next_period(day: date, scale: str) -> date:
    if scale == "week":
        return day + timedelta(weeks=1)
    months = 1 if scale == "month" else 3
    m = day.month - 1 + months
    return date(day.year + m // 12, m % 12 + 1, 1)


def scale_for(first: date, last: date) -> str:
    """Week columns up to about six months, months up to about three years, quarters beyond."""
    days = (last - first).days
    return "week" if days <= 190 else "month" if days <= 3 * 366 else "quarter"


def chart_window(schedule: Schedule, report: StatusReport, options: GanttOptions = GanttOptions()) \
        -> tuple[date, date, str]:
    """The first day, the day after the last, and the time scale.

    By default: from the earlier of two weeks before the as-of week and the oldest overdue step, to
    the later of the target (and its deadline), the next two fixed sessions on the target's chain,
    and twelve weeks after the as-of date. ``full``: the whole plan.
    """
    as_of = schedule.as_of
    target = schedule.target
    if options.full:
        first = min(min(e.start, e.window[0]) if e.window else e.start for e in schedule)
        last = max(max(e.end, e.deadline or e.end, e.window[1] if e.window else e.end) for e in schedule)
    else:
        first = _monday(as_of) - timedelta(weeks=2)
        for item in report.sections.get("overdue", ()):
            e = item.entry
            first = min(first, e.start, e.deadline or e.start)
        ahead = [e for e in schedule.driving_chain(target.id) if e.fixed and e.start >= as_of][:2]
        last = max([as_of + timedelta(weeks=12), target.end, target.deadline or target.end]
                   + [e.end for e in ahead])
    if options.date_from is not None:
        first = options.date_from
    if options.weeks:
        last = first + timedelta(weeks=options.weeks) - timedelta(days=1)
    last = max(last, first)
    scale = options.scale or scale_for(first, last)
    if not options.weeks:  # room after the last date for its mark and its date label
        last += timedelta(days=max(3, (last - first).days // 25))
    if options.date_from is None:
        first = _period_start(first, scale)
    if options.weeks:
        return first, first + timedelta(weeks=options.weeks), scale
    return first, _next_period(_period_start(last, scale), scale), scale


def category_of(entry: ScheduleEntry, section: str | None) -> str:
    """The fill of a step: done, cancelled, blocked, on the target's critical path, near-critical, other."""
    if entry.state in ("done", "cancelled"):
        return entry.state
    if entry.blocked or section == "blocked":
        return "blocked"
    if entry.critical:
        return "critical"
    if entry.near_critical:
        return "near_critical"
    return "other"


def _date_text(day: date, with_year: bool) -> str:
    return f"{day.day} {day:%b %Y}" if with_year else f"{day.day} {day:%b}"


def gantt_layout(schedule: Schedule, options: GanttOptions = GanttOptions(),
                 baseline: Schedule | None = None) -> GanttLayout:
    """Lay out the chart of ``schedule`` as of its as-of date (pure: no drawing, no I/O)."""
    roadmap = schedule.roadmap
    report = build_status(schedule, risk_float=options.risk_float)
    first, last, scale = chart_window(schedule, report, options)
    start, end = first.toordinal(), last.toordinal()
    section_of = {item.entry.id: name for name, items in report.sections.items()
                  if name not in ("open_conditions", "recently_done") for item in items}
    milestones_view = options.view == "milestones"
    dates = options.dates or milestones_view
    target = schedule.target

    def wanted(e: ScheduleEntry) -> bool:
        if options.tracks and e.milestone.track not in options.tracks:
            return False
        if options.critical_only and not schedule.on_critical_path(e.id):
            return False
        if milestones_view and not (e.fixed or e.deadline is not None or e.id == target.id or e.lateness in LATE
                                    or e.blocked):
            return False
        s, x = e.start.toordinal(), e.end.toordinal() + 1
        if e.window:
            s, x = min(s, e.window[0].toordinal()), max(x, e.window[1].toordinal() + 1)
        inside = s < end and x > start
        return inside or e.state not in ("done", "cancelled")  # live steps outside are pinned to the edge

    chosen = [e for e in schedule if wanted(e)]
    hidden = 0
    if milestones_view:  # one page: drop what is done, then what is outside the window, then the furthest out
        done = lambda e: e.state in ("done", "cancelled")  # noqa: E731
        outside = lambda e: e.start.toordinal() >= end or e.end.toordinal() < start  # noqa: E731
        ranked = sorted(chosen, key=lambda e: (e.id != target.id, e.lateness not in LATE, done(e), outside(e), e.start))
        room = PAGE_HEIGHT - 3.0  # below the header and above the legend
        fit = len(ranked)
        while fit > 1 and fit * MIN_ROW + HEADING_HEIGHT * len({e.milestone.track for e in ranked[:fit]}) > room:
            fit -= 1
        keep = {e.id for e in ranked[:fit]}
        hidden = len(chosen) - len(keep)
        chosen = [e for e in chosen if e.id in keep]

    track_order = [t.id for t in roadmap.tracks]
    for e in chosen:
        if e.milestone.track and e.milestone.track not in track_order:
            track_order.append(e.milestone.track)
    groups: list[tuple[str | None, list[ScheduleEntry]]] = [
        (t, [e for e in chosen if e.milestone.track == t]) for t in track_order]
    groups.append((None, [e for e in chosen if e.milestone.track is None]))
    groups = [(t, entries) for t, entries in groups if entries]
    headings = len(groups) > 1 or (groups and groups[0][0] is not None)

    # the label column: titles wrapped to two lines (one in the one-page view), sized to the longest
    lines_of = {e.id: wrap(clean(e.title), LABEL_MAX, ROW_SIZE, 1 if milestones_view else 2) for e in chosen}
    ids_of = {e.id: clean(e.id, ID_CHARS) for e in chosen}
    widest = max([text_width(line, ROW_SIZE) for lines in lines_of.values() for line in lines]
                 + [text_width(i, ID_SIZE) for i in ids_of.values()]
                 + [text_width(clean(roadmap.track_title(t) if t else "Other", 80), ROW_SIZE, True)
                    for t, _ in groups] + [0])
    label_w = min(LABEL_MAX, max(LABEL_MIN, widest + 0.05))

    iso_year, iso_week, _ = schedule.as_of.isocalendar()
    title = clean(roadmap.title, 200)
    subtitle = (f"As of {schedule.as_of.isoformat()} (week {iso_year}-W{iso_week:02d}); "
                f"{first.isoformat()} to {(last - timedelta(days=1)).isoformat()} by {scale}")
    if baseline is not None:
        subtitle += f"; previous plan: as of {baseline.as_of.isoformat()}"
    if hidden:
        subtitle += f"; {hidden} more not shown (done, or furthest out)"
    layout = GanttLayout(title="", subtitle="", headline=clean(headline(report), 600), verdict=report.verdict,
                         as_of=schedule.as_of.toordinal(), start=start, end=end, scale=scale)

    # header: title, headline with the verdict's dot, subtitle
    text_w = PAGE_WIDTH - 2 * MARGIN
    layout.title = wrap(title, text_w, 12, 1, bold=True)[0]
    layout.labels.append(_label("title", layout.title, MARGIN, 0.3, size=12, bold=True))
    head_lines = wrap(layout.headline, text_w - 0.2, 9, 2)
    y = 0.56
    layout.marker = (MARGIN + 0.06, y)
    for line in head_lines:
        layout.labels.append(_label("headline", line, MARGIN + 0.18, y, size=9))
        y += 9 * LINE
    layout.subtitle = wrap(clean(subtitle, 400), text_w, 7.5, 1)[0]
    layout.labels.append(_label("subtitle", layout.subtitle, MARGIN, y + 0.02, size=7.5, colour="#444444"))
    axis_top = y + 0.2

    plot_left = MARGIN + label_w + 0.15
    plot_right = PAGE_WIDTH - MARGIN - 0.1
    band_y, tick_y = axis_top + 0.08, axis_top + 0.24
    plot_top = axis_top + 0.36

    # rows
    y = plot_top
    entry_row: dict[str, int] = {}
    row_h = 0.30
    if milestones_view:
        row_h = max(MIN_ROW, min(0.3, (PAGE_HEIGHT - plot_top - 1.0 - HEADING_HEIGHT * len(groups))
                                 / max(len(chosen), 1)))
    for track, entries in groups:
        if headings:
            layout.rows.append(Row(len(layout.rows), clean(roadmap.track_title(track) if track else "Other", 80),
                                   heading=True, y=y + HEADING_HEIGHT / 2, height=HEADING_HEIGHT))
            y += HEADING_HEIGHT
        for e in entries:
            lines = lines_of[e.id]
            h = row_h if milestones_view else (0.30 if len(lines) == 1 else 0.43)
            entry_row[e.id] = len(layout.rows)
            layout.rows.append(Row(len(layout.rows), "\n".join(lines), ids_of[e.id], y=y + h / 2, height=h))
            y += h
    plot_bottom = max(y, plot_top + 0.4)
    layout.plot = (plot_left, plot_top, plot_right, plot_bottom)
    days_per_inch = (end - start) / (plot_right - plot_left)

    for row in layout.rows:
        if row.heading:
            layout.labels.append(_label("heading", row.label, MARGIN, row.y, size=ROW_SIZE, bold=True,
                                        colour="#1f2d3d"))
            continue
        lines = row.label.split("\n")
        with_id = not milestones_view or row.height >= 0.3
        block = len(lines) * ROW_SIZE * LINE + (ID_SIZE * LINE if with_id else 0)
        ly = row.y - block / 2 + ROW_SIZE * LINE / 2
        for line in lines:
            layout.labels.append(_label("row", line, MARGIN, ly))
            ly += ROW_SIZE * LINE
        if with_id:
            layout.labels.append(_label("id", row.sublabel, MARGIN, ly - ROW_SIZE * LINE / 2 + ID_SIZE * LINE / 2,
                                        size=ID_SIZE, colour="#6b6b6b"))

    # bars
    rows_by_index = {r.index: r for r in layout.rows}
    with_year = first.year != (last - timedelta(days=1)).year
    for e in chosen:
        row = rows_by_index[entry_row[e.id]]
        bar = _bar(e, row, section_of.get(e.id), baseline, start, end, days_per_inch, schedule.as_of)
        layout.bars.append(bar)
        if bar.pinned:
            edge_day = (e.start if bar.pinned == "right" else e.end).isoformat()  # the dates every view shows
            if bar.pinned == "right":
                layout.labels.append(_label("pinned", f"→ {edge_day}", plot_right - 0.04, row.y, "right",
                                            TICK_SIZE, "#222222"))
            else:
                layout.labels.append(_label("pinned", f"← {edge_day}", plot_left + 0.04, row.y, "left",
                                            TICK_SIZE, "#222222"))
        elif dates:
            _date_label(layout, e, bar, row, with_year)

    if options.arrows != "none":
        placed = {b.id: b for b in layout.bars if not b.pinned}
        for e in chosen:
            if e.id not in placed:
                continue
            for dep in e.milestone.dependencies:
                p = dep.predecessor
                if p not in placed:
                    continue
                critical = schedule[p].critical and e.critical
                if options.arrows == "critical" and not critical:
                    continue
                pred = schedule[p]
                x_from = pred.span[1] if dep.type in ("FS", "FF") else pred.span[0]
                x_to = e.span[0] if dep.type in ("FS", "SS") else e.span[1]
                if pred.point:
                    x_from = pred.start.toordinal()
                layout.arrows.append(Arrow(p, e.id, placed[p].row, placed[e.id].row, x_from, x_to,
                                           placed[p].y, placed[e.id].y, critical))

    _axis(layout, first, last, scale, band_y, tick_y)
    if not layout.bars:
        layout.labels.append(_label("empty", "nothing scheduled in this window", (plot_left + plot_right) / 2,
                                    (plot_top + plot_bottom) / 2, "center", 9, "#777777"))
    y = plot_bottom + 0.14
    if start <= layout.as_of <= end:
        layout.labels.append(_label("asof", "as of " + _date_text(schedule.as_of, True),
                                    layout.x(layout.as_of) + 0.03, y, "left", TICK_SIZE, LATE_COLOUR))
        if layout.labels[-1].box[2] > plot_right:
            layout.labels[-1] = _label("asof", "as of " + _date_text(schedule.as_of, True),
                                       layout.x(layout.as_of) - 0.03, y, "right", TICK_SIZE, LATE_COLOUR)
    y = _legend(layout, y + 0.22)
    layout.height = min(y + 0.12, PAGE_HEIGHT) if milestones_view else y + 0.12  # a page at most, not a blank half
    return layout


def _bar(e: ScheduleEntry, row: Row, section: str | None, baseline: Schedule | None, start: int, end: int,
         days_per_inch: float, as_of: date) -> Bar:
    category = category_of(e, section)
    s, x = e.span
    if e.point:
        s = x = e.start.toordinal()
    shape = "milestone" if e.point else "session" if e.fixed and e.milestone.kind in ("session", "meeting", "event") \
        else "bar"
    ghost = None
    if baseline is not None and e.id in baseline.entries:
        b = baseline[e.id]
        ghost = (float(b.start.toordinal()), float(b.end.toordinal() + 1))
        if ghost == (e.start.toordinal(), e.end.toordinal() + 1):
            ghost = None  # same dates: nothing to show
        elif ghost[1] - ghost[0] < MIN_MARK * days_per_inch:  # as visible as a one-day bar, no wider
            middle = (ghost[0] + ghost[1]) / 2
            ghost = (middle - MIN_MARK * days_per_inch / 2, middle + MIN_MARK * days_per_inch / 2)
    progress = 1.0 if e.state == "done" else (e.progress / 100 if e.state == "in_progress" else 0.0)
    window = (e.window[0].toordinal(), e.window[1].toordinal() + 1) if e.window else None
    pinned = "right" if s >= end else "left" if max(x, s + 1) <= start else None
    x0, x1 = float(s), float(x)
    if shape != "milestone" and (x1 - x0) < MIN_MARK * days_per_inch:
        mid = (x0 + x1) / 2
        x0, x1 = mid - MIN_MARK * days_per_inch / 2, mid + MIN_MARK * days_per_inch / 2
    return Bar(
        id=e.id, row=row.index, y=row.y, label=row.label, start=s, end=x, x0=x0, x1=x1, shape=shape,
        category=category, colour=COLOURS[category], critical=e.critical,
        near_critical=e.near_critical, late=is_late(e),
        contingent=bool(e.milestone.condition) and e.state not in ("done", "cancelled"), progress=progress,
        float_days=max(0, e.total_float or 0) if shape != "session" else 0,
        deadline=e.deadline.toordinal() if e.deadline else None, window=window, baseline=ghost, fixed=e.fixed,
        pinned=pinned)


def _date_label(layout: GanttLayout, e: ScheduleEntry, bar: Bar, row: Row, with_year: bool) -> None:
    """The step's dates next to its bar: right of it, else left of it, else none."""
    left, _, right, _ = layout.plot
    if e.start == e.end or e.point:
        text = _date_text(e.start, with_year)
    elif e.start.year == e.end.year and e.start.month == e.end.month and not with_year:
        text = f"{e.start.day}–{e.end.day} {e.end:%b}"
    else:
        text = f"{_date_text(e.start, with_year)} – {_date_text(e.end, with_year)}"
    pad = 0.09 if bar.shape == "milestone" else 0.04
    x_end = layout.x(bar.x1)
    x_start = layout.x(bar.x0)
    for span in (bar.baseline, bar.window):  # clear of the ghost and of the hatched window
        if span is not None:
            x_end = max(x_end, layout.x(span[1]))
            x_start = min(x_start, layout.x(span[0]))
    for label in (_label("date", text, x_end + pad, row.y, "left", DATE_SIZE, "#333333"),
                  _label("date", text, x_start - pad, row.y, "right", DATE_SIZE, "#333333")):
        if left + 0.02 <= label.box[0] and label.box[2] <= right - 0.02:
            layout.labels.append(label)
            return


def _axis(layout: GanttLayout, first: date, last: date, scale: str, band_y: float, tick_y: float) -> None:
    """The time axis: the lower row (weeks, months or quarters) under the upper row (months or years)."""
    left, _, right, _ = layout.plot
    periods = []
    day = _period_start(first, scale)
    while day < last:
        periods.append(day)
        day = _next_period(day, scale)
    layout.grid = [d.toordinal() for d in periods if d >= first]

    def tick_text(d: date) -> str:
        if scale == "week":
            return f"W{d.isocalendar()[1]:02d}"
        if scale == "month":
            return f"{d:%b}"
        return f"Q{(d.month - 1) // 3 + 1}"

    centres = []
    for d in periods:
        lo, hi = max(d, first), min(_next_period(d, scale), last)
        if (hi - lo).days * 2 >= (_next_period(d, scale) - d).days:  # label periods at least half shown
            centres.append(((lo.toordinal() + hi.toordinal()) / 2, tick_text(d), d))
    if centres:
        spacing = (right - left) / max((last - first).days, 1) * {"week": 7, "month": 30.4, "quarter": 91.3}[scale]
        widest = max(text_width(t, TICK_SIZE) for _, t, _ in centres) + 0.06
        step = max(1, -(-int(widest * 1000) // max(int(spacing * 1000), 1)))
        if scale == "week":
            shown = centres[::step]
        else:  # every first, third... month or quarter of each year, so the labels read as a pattern
            per_year = 12 if scale == "month" else 4
            step = next(n for n in (1, 2, 3, 4, 6, 12) if n >= step and per_year % n == 0) if step <= per_year \
                else per_year
            shown = [] if step == per_year else \
                [c for c in centres if ((c[2].month - 1) // (12 // per_year)) % step == 0]
        for x, t, _ in shown:
            layout.ticks.append((int(x), t))
            layout.labels.append(_label("tick", t, layout.x(x), tick_y, "center", TICK_SIZE, "#444444"))

    bands = []
    if scale == "week":
        d = date(first.year, first.month, 1)
        while d < last:
            bands.append((d, f"{d:%b %Y}"))
            d = _next_period(d, "month")
    else:
        for year in range(first.year, (last - timedelta(days=1)).year + 1):
            bands.append((date(year, 1, 1), str(year)))
    layout.bands = [(max(d, first).toordinal(), t) for d, t in bands]
    previous_right = -1.0
    for i, (d, t) in enumerate(bands):
        lo = max(d, first)
        nxt = bands[i + 1][0] if i + 1 < len(bands) else last
        x = layout.x(lo.toordinal()) + 0.03
        label = _label("band", t, x, band_y, "left", TICK_SIZE + 1, "#222222", bold=True)
        room = layout.x(min(nxt, last).toordinal())
        if label.box[2] > min(room, right) and len(bands) > 1 or label.box[0] < previous_right + 0.05:
            continue
        layout.labels.append(label)
        previous_right = label.box[2]


def _legend(layout: GanttLayout, y: float) -> float:
    """An entry for every kind of mark drawn and none for what is not; returns the bottom of the legend."""
    bars = [b for b in layout.bars if not b.pinned]
    keys = []
    for key in COLOURS:
        if any(b.category == key for b in bars):
            keys.append(key)
    checks = {
        "late": any(b.late for b in bars),
        "progress": any(0 < b.progress < 1 and b.shape != "milestone" for b in bars),
        "session": any(b.shape == "session" for b in bars),
        "milestone": any(b.shape == "milestone" for b in bars),
        "contingent": any(b.contingent for b in bars),
        "window": any(b.window for b in bars),
        "float": any(b.float_days for b in bars),
        "deadline": any(b.deadline is not None and layout.start <= b.deadline < layout.end for b in bars),
        "baseline": any(b.baseline for b in bars),
        "arrow": bool(layout.arrows),
    }
    keys += [k for k, present in checks.items() if present]
    left, right = MARGIN, PAGE_WIDTH - MARGIN
    swatch = 0.28
    col = max([text_width(LEGEND_LABELS[k], LEGEND_SIZE) for k in keys] + [0]) + swatch + 0.25
    per_row = max(1, int((right - left) // col))
    for i, key in enumerate(keys):
        x = left + (i % per_row) * col
        yy = y + (i // per_row) * 0.22
        layout.legend.append(LegendEntry(key, LEGEND_LABELS[key], x, yy))
        layout.labels.append(_label("legend", LEGEND_LABELS[key], x + swatch + 0.06, yy, "left", LEGEND_SIZE,
                                    "#222222"))
    rows = -(-len(keys) // per_row)
    return y + rows * 0.22
