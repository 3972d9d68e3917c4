"""A TaskJuggler (``tj3``) project of a roadmap's plan, for cross-checking our dates.

TaskJuggler is an established open-source scheduler; on finish-to-start plans its task start and
end times must equal our start and exclusive-end instants. This covers calendar-day durations,
point milestones, fixed starts, ``not_before`` and finish-to-start or start-to-start links with
non-negative lags.
"""

from __future__ import annotations

import re
from datetime import date

from ..dates import Duration
from ..errors import InvalidValue
from ..model import Milestone, Roadmap


def tj_id(milestone_id: str) -> str:
    """TaskJuggler ids are ``[A-Za-z_][A-Za-z0-9_]*``; ours may hold '-' and '.'."""
    return "t_" + re.sub(r"[^A-Za-z0-9_]", "_", milestone_id)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_tjp(roadmap: Roadmap, project_start: date, report_path: str = "schedule", schedule=None) -> str:
    """The roadmap as a ``.tjp`` project starting on ``project_start`` (our as-of date).

    The project writes ``<report_path>.csv`` with each task's id, start and end when scheduled.
    Steps TaskJuggler can schedule the same way (calendar-day durations; finish-to-start or
    start-to-start links with lags of zero or more) keep their links. With a ``schedule``, every
    other step (done, fixed, or using working days, months, FF/SF links or leads) is written with
    the dates we computed and its links as comments; without one, :class:`InvalidValue` says why.
    """
    ids = {m.id: tj_id(m.id) for m in roadmap.milestones}
    if len(set(ids.values())) != len(ids):
        raise InvalidValue("two milestone ids map to the same TaskJuggler id; rename one")
    if schedule is not None:
        project_start = min([project_start] + [e.start for e in schedule])
    lines = [
        f"project {tj_id(roadmap.id)} {_quote(roadmap.title)} {project_start.isoformat()} +20y {{",
        '  timezone "UTC"',
        '  timeformat "%Y-%m-%d"',
        "}",
    ]
    for m in roadmap.milestones:
        try:
            attributes = _attributes(m, ids, project_start)
            if schedule is not None and schedule[m.id].state in ("done", "in_progress"):
                raise InvalidValue("its dates are facts")
            floor = _floor(m, project_start)
            if floor is not None:
                lines.append(f"task nb_{ids[m.id]} {_quote('not before ' + floor.isoformat())} "
                             f"{{ start {floor.isoformat()} milestone }}")
        except InvalidValue as reason:
            if schedule is None:
                raise
            attributes = _pinned(schedule[m.id], ids, str(reason))
        lines.append(f"task {ids[m.id]} {_quote(m.title)} {{")
        lines.extend(f"  {attribute}" for attribute in attributes)
        lines.append("}")
    lines += [
        f"taskreport tj_schedule {_quote(report_path)} {{",
        "  formats csv",
        "  columns id, start, end",
        '  timeformat "%Y-%m-%d-%H:%M"',
        "}",
    ]
    return "\n".join(lines) + "\n"


def _pinned(entry, ids: dict[str, str], reason: str) -> list[str]:
    """A step written with the dates we computed, its links kept as comments."""
    s, e = entry.span
    attributes = [f"# dates as roadmap-tracker computed them: {reason}"]
    attributes += [f"# {d.type} {d.predecessor}" + ("" if d.lag.is_zero else f" lag {d.lag}")
                   for d in entry.milestone.dependencies]
    attributes.append(f"start {date.fromordinal(s).isoformat()}")
    attributes.append("milestone" if s == e else f"end {date.fromordinal(e).isoformat()}")
    return attributes


def _attributes(m: Milestone, ids: dict[str, str], project_start: date) -> list[str]:
    attributes = []
    duration = m.duration
    if m.start is not None and m.start.exact:
        raise InvalidValue("a fixed date")
    if m.during:
        raise InvalidValue("placed in a session's window")
    floor = _floor(m, project_start)
    floor_anchor = None
    if floor is not None:
        # "not before": a dependency on a milestone at that day (a plain 'start' would fix the date)
        floor_anchor = f"nb_{ids[m.id]}"
    if m.end is not None:
        raise InvalidValue("a window of dates")
    if duration is None:
        duration = Duration(0) if m.kind == "milestone" else Duration(1)
    if duration.is_zero:
        attributes.append("milestone")
    elif duration.unit in ("d", "w"):
        attributes.append(f"duration {duration.amount * (7 if duration.unit == 'w' else 1)}d")
    else:
        raise InvalidValue(f"{duration} has no exact TaskJuggler equivalent")
    deps = []
    for dep in m.dependencies:
        if dep.type not in ("FS", "SS") or dep.lag.amount < 0 or dep.lag.unit not in ("d", "w"):
            raise InvalidValue(f"a {dep.type} link with lag {dep.lag} has no exact TaskJuggler equivalent")
        options = []
        if dep.type == "SS":
            options.append("onstart")
        if dep.lag.amount:
            options.append(f"gapduration {dep.lag.amount * (7 if dep.lag.unit == 'w' else 1)}d")
        deps.append(ids[dep.predecessor] + (f" {{ {' '.join(options)} }}" if options else ""))
    if floor_anchor:
        deps.append(floor_anchor)
    if deps:
        attributes.append("depends " + ", ".join(deps))
    return attributes


def _floor(m: Milestone, project_start: date) -> date | None:
    floor = max([w.first for w in (m.not_before, m.start) if w is not None], default=None)
    return floor if floor is not None and floor > project_start else None


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
