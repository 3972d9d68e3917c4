"""A TaskJuggler (``tj3``) project of a roadmap's plan, for cross-checking our dates.

TaskJuggler is an established open-source scheduler; on finish-to-start plans its task start and
end times must equal our start and exclusive-end instants. This covers calendar-day durations,
point milestones, fixed starts, ``not_before`` and finish-to-start or start-to-start links with
non-negative lags.
"""

from __future__ import annotations

import re
from datetime import date

from .errors import InvalidValue
from .model import Milestone, Roadmap


def tj_id(milestone_id: str) -> str:
    """TaskJuggler ids are ``[A-Za-z_][A-Za-z0-9_]*``; ours may hold '-' and '.'."""
    return "t_" + re.sub(r"[^A-Za-z0-9_]", "_", milestone_id)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_tjp(roadmap: Roadmap, project_start: date, report_path: str = "schedule") -> str:
    """The roadmap as a ``.tjp`` project starting on ``project_start`` (our as-of date).

    The project writes ``<report_path>.csv`` with each task's id, start and end when scheduled.
    Raises :class:`InvalidValue` for constructs TaskJuggler cannot express the same way.
    """
    ids = {m.id: tj_id(m.id) for m in roadmap.milestones}
    if len(set(ids.values())) != len(ids):
        raise InvalidValue("two milestone ids map to the same TaskJuggler id; rename one")
    lines = [
        f"project {tj_id(roadmap.id)} {_quote(roadmap.title)} {project_start.isoformat()} +20y {{",
        '  timezone "UTC"',
        '  timeformat "%Y-%m-%d"',
        "}",
    ]
    for m in roadmap.milestones:
        lines.append(f"task {ids[m.id]} {_quote(m.title)} {{")
        lines.extend(f"  {attribute}" for attribute in _attributes(m, ids, project_start))
        lines.append("}")
    lines += [
        f"taskreport tj_schedule {_quote(report_path)} {{",
        "  formats csv",
        "  columns id, start, end",
        '  timeformat "%Y-%m-%d-%H:%M"',
        "}",
    ]
    return "\n".join(lines) + "\n"


def _attributes(m: Milestone, ids: dict[str, str], project_start: date) -> list[str]:
    attributes = []
    duration = m.duration
    if m.start is not None and m.start.exact:
        attributes.append(f"start {m.start.first.isoformat()}")
        if m.end is not None:
            attributes.append(f"end {date.fromordinal(m.end.last.toordinal() + 1).isoformat()}")
            duration = None
        elif duration is None:
            attributes.append("duration 1d")
    elif m.not_before is not None and m.not_before.first > project_start:
        attributes.append(f"start {m.not_before.first.isoformat()}")
    if duration is not None:
        if duration.is_zero:
            attributes.append("milestone")
        elif duration.unit in ("d", "w"):
            attributes.append(f"duration {duration.amount * (7 if duration.unit == 'w' else 1)}d")
        else:
            raise InvalidValue(f"milestone '{m.id}': {duration} has no exact TaskJuggler equivalent here")
    elif m.start is None:
        attributes.append("duration 1d" if m.kind != "milestone" else "milestone")
    deps = []
    for dep in m.dependencies:
        if dep.type not in ("FS", "SS") or dep.lag.amount < 0 or dep.lag.unit not in ("d", "w"):
            raise InvalidValue(f"milestone '{m.id}': a {dep.type} link with lag {dep.lag} has no exact "
                               "TaskJuggler equivalent here")
        options = []
        if dep.type == "SS":
            options.append("onstart")
        if dep.lag.amount:
            options.append(f"gapduration {dep.lag.amount * (7 if dep.lag.unit == 'w' else 1)}d")
        deps.append(ids[dep.predecessor] + (f" {{ {' '.join(options)} }}" if options else ""))
    if deps:
        attributes.append("depends " + ", ".join(deps))
    return attributes


def read_tj_csv(text: str) -> dict[str, tuple[int, int]]:
    """Parse the CSV report: TaskJuggler id -> (start, end) as day-number instants."""
    result = {}
    for line in text.splitlines()[1:]:
        cells = [c.strip('"') for c in line.split(";")]
        if len(cells) < 3 or not cells[1]:
            continue
        if any(c[11:16] not in ("", "00:00") for c in cells[1:3]):
            raise ValueError(f"TaskJuggler placed {cells[0]} inside a day ({cells[1]}..{cells[2]})")
        start, end = (date.fromisoformat(c[:10]).toordinal() for c in cells[1:3])
        result[cells[0].split(".")[-1]] = (start, end)
    return result
