"""Shared wording: the few phrases every view (terminal, feeds, chart, brief) must say the same way."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .scheduling import ScheduleEntry
    from .status import StatusReport


def iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def span_text(entry: ScheduleEntry) -> str:
    """``2024-04-15..2024-04-19``, or one day when the step is a single day."""
    if entry.start == entry.end:
        return entry.start.isoformat()
    return f"{entry.start.isoformat()}..{entry.end.isoformat()}"


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def window_label(first: date, last: date) -> str:
    """A window as intergovernmental texts name it: ``Mar-Apr 2026``, ``2027-Q1``, ``2023-H2``,
    ``2025``, ``Dec 2026-Jan 2027``; a single day as the day."""
    if first == last:
        return first.isoformat()
    whole_months = first.day == 1 and (last + timedelta(days=1)).day == 1
    if not whole_months:
        return f"{first.isoformat()}..{last.isoformat()}"
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    if first.year == last.year:
        if months == 12:
            return str(first.year)
        if months == 6 and first.month in (1, 7):
            return f"{first.year}-H{1 if first.month == 1 else 2}"
        if months == 3 and first.month % 3 == 1:
            return f"{first.year}-Q{first.month // 3 + 1}"
        if months == 1:
            return f"{_MONTHS[first.month - 1]} {first.year}"
        return f"{_MONTHS[first.month - 1]}-{_MONTHS[last.month - 1]} {first.year}"
    return f"{_MONTHS[first.month - 1]} {first.year}-{_MONTHS[last.month - 1]} {last.year}"


def dates_text(entry: ScheduleEntry) -> str:
    """The dates a list shows for a step: its window (``Mar-Apr 2026``) while its dates are not
    known (not done, not started, placed by a window the file gives) and it is forecast inside that
    window, else :func:`span_text` (a forecast outside the window is news the window would hide)."""
    if entry.window is not None and entry.state == "planned" and not entry.fixed \
            and entry.window[0] <= entry.start and entry.end <= entry.window[1]:
        return window_label(*entry.window)
    return span_text(entry)


def safe_link(url: str) -> str | None:
    """Only web addresses become links (web pages, a calendar event's URL): a ``javascript:`` or
    ``data:`` value in a file stays text."""
    return url if url.lower().startswith(("https://", "http://")) else None


def float_text(value: int | None) -> str:
    if value is None:
        return "-"
    return f"{value:+d}d"


def shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def value_text(value) -> str:
    """A recorded value for people: '-' only for nothing (a progress of 0 is '0')."""
    if value is None or value == "" or value == []:
        return "-"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def changes_text(changes: dict) -> str:
    """``progress 40 -> 60; status planned -> in_progress``: the fields an update changed."""
    return "; ".join(f"{field} {value_text(old)} -> {value_text(new)}" for field, (old, new) in sorted(changes.items()))


def markdown_cell(text: object) -> str:
    """Text safe inside a Markdown table cell: backslashes and pipes escaped, line breaks as
    spaces, ``<`` as an entity (so a title cannot open HTML in a rendered brief)."""
    return " ".join(str(text).replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").split())


VERDICT_WORDS = {"on_track": "On track", "at_risk": "At risk", "late": "Late"}


def headline(report: StatusReport) -> str:
    """One sentence on the target, verdict first: its forecast against its deadline, its float, and
    what else decides it (a fixed date among its predecessors that cannot be prepared in time).
    "early by N days" only when the verdict is on track."""
    t = report.target
    deadline = report.target_deadline
    if t.state == "done":
        return f"Done: target {t.id} ({t.title}) finished {iso(t.actual_end or t.end)}"
    text = f"{VERDICT_WORDS[report.verdict]}: target {t.id} ({t.title}) forecast {iso(t.end)}"
    if deadline:
        gap = (deadline - t.end).days
        if gap < 0:
            text += f", deadline {iso(deadline)} (late by {-gap} days)"
        elif gap == 0:
            text += f", deadline {iso(deadline)} (on the day)"
        elif report.verdict == "on_track":
            text += f", deadline {iso(deadline)} (early by {gap} days)"
        else:
            text += f", deadline {iso(deadline)}"
    if not (report.verdict == "late" and (t.total_float or 0) >= 0):  # late for a reason its float does not show
        text += f", float {float_text(t.total_float)}"
    others = [r for r in report.reasons if not r.startswith(f"{t.id} forecast ")]
    if others:
        text += "; " + others[0] + (f" (and {len(others) - 1} more)" if len(others) > 1 else "")
    return text


DRIVING_REASONS = {
    "predecessor": "set by its predecessor", "fixed": "fixed date", "actual": "actual dates",
    "as-of": "cannot start before the as-of date", "not-before": "not before its 'not_before' date",
    "window": "placed in a session's window", "presumed": "its planned dates (nothing recorded)", "none": "",
}
