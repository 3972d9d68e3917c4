"""A Mermaid gantt chart of the schedule, to paste into GitHub or GitLab markdown.

Sections per track, ``crit`` from the computed critical path, ``milestone`` for points,
``done``/``active`` from status. A step whose date is set by a finish-to-start predecessor is
written ``after`` it (Mermaid then draws it exactly where we schedule it); others get their date.
Titles are made safe for Mermaid's line syntax; ids are reduced to letters, digits and ``_``.
"""

from __future__ import annotations

import re

from ..scheduling import Schedule, ScheduleEntry

_UNSAFE = str.maketrans({":": "\u2236", ";": ",", "#": "No.", "\n": " ", "\r": " ", "%": " pct"})


def mermaid_id(milestone_id: str) -> str:
    return "m_" + re.sub(r"[^A-Za-z0-9_]", "_", milestone_id)


def mermaid_text(text: str) -> str:
    """A title Mermaid accepts on a task line (no ':', ';', '#', line breaks or '%%' comments)."""
    return re.sub(r"\s+", " ", text.translate(_UNSAFE)).strip() or "untitled"


def _timing(entry: ScheduleEntry, schedule: Schedule) -> str:
    days = entry.span[1] - entry.span[0]
    m = entry.milestone
    if entry.driving and entry.driving_reason == "predecessor":
        dep = next((d for d in m.dependencies if d.predecessor == entry.driving), None)
        pred = schedule[entry.driving]
        if dep is not None and dep.type == "FS" and dep.lag.is_zero and pred.span[1] == entry.span[0] \
                and not pred.point:
            return f"after {mermaid_id(entry.driving)}, {days}d"
    start = entry.start if not entry.point else entry.end
    return f"{start.isoformat()}, {days}d"


def to_mermaid(schedule: Schedule) -> str:
    roadmap = schedule.roadmap
    lines = ["gantt", f"    title {mermaid_text(roadmap.title)} (as of {schedule.as_of.isoformat()})",
             "    dateFormat YYYY-MM-DD", "    axisFormat %b %Y"]
    for track, entries in schedule.by_track():
        lines.append(f"    section {mermaid_text(roadmap.track_title(track) if track else 'Other')}")
        for entry in entries:
            tags = []
            if entry.critical:
                tags.append("crit")
            if entry.state == "done":
                tags.append("done")
            elif entry.state == "in_progress":
                tags.append("active")
            if entry.point:
                tags.append("milestone")
            tags.append(mermaid_id(entry.id))
            lines.append(f"    {mermaid_text(entry.title)} :{', '.join(tags)}, {_timing(entry, schedule)}")
    return "\n".join(lines) + "\n"
