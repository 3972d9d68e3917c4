"""MS Project XML (MSPDI): opens in MS Project, ProjectLibre and GanttProject; and back in.

Export: tasks with start, finish and duration (elapsed days, so weekends count as our calendar
days do), milestones, predecessor links with type and lag, "must start on" constraints for fixed
dates, "start no earlier than" for ``not_before``, deadlines, per cent complete, and one summary
task per track (the outline). Our milestone id travels in the WBS field, so a round trip keeps it.

Import: the reverse, into a roadmap file that ``roadmap validate`` accepts and whose schedule
matches the source's dates.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime

from ..dates import Duration
from ..errors import Diagnostic, RoadmapInvalid
from ..loading import SLUG
from ..scheduling import Schedule

NS = "http://schemas.microsoft.com/project"
LINK_TYPES = {"FF": 0, "FS": 1, "SF": 2, "SS": 3}
LINK_NAMES = {v: k for k, v in LINK_TYPES.items()}
ELAPSED_DAYS = 8  # DurationFormat / LagFormat: "ed"
WORKING_DAYS = 7  # "d"
MUST_START_ON, START_NO_EARLIER_THAN = 2, 4
TENTHS_PER_DAY = 24 * 60 * 10
ELAPSED_FORMATS = {"4", "6", "8", "10", "12", "20", "36", "38", "40", "42", "44", "52"}


def _hours(days: int) -> str:
    return f"PT{days * 24}H0M0S"


def _stamp(day: date, hour: int) -> str:
    return datetime(day.year, day.month, day.day, hour).isoformat()


def to_mspdi(schedule: Schedule) -> str:
    roadmap = schedule.roadmap
    ET.register_namespace("", NS)
    project = ET.Element(f"{{{NS}}}Project")

    def sub(parent, tag, text=None):
        element = ET.SubElement(parent, f"{{{NS}}}{tag}")
        if text is not None:
            element.text = str(text)
        return element

    entries = list(schedule)
    first = min(e.start for e in entries)
    last = max(e.end for e in entries)
    for tag, value in (("SaveVersion", 14), ("Name", f"{roadmap.id}.xml"), ("Title", roadmap.title),
                       ("ScheduleFromStart", 1), ("StartDate", _stamp(first, 8)), ("FinishDate", _stamp(last, 17)),
                       ("CalendarUID", 1), ("DefaultStartTime", "08:00:00"), ("DefaultFinishTime", "17:00:00"),
                       ("MinutesPerDay", 480), ("MinutesPerWeek", 2400), ("DaysPerMonth", 20),
                       ("DurationFormat", ELAPSED_DAYS), ("CurrentDate", _stamp(schedule.as_of, 8)),
                       ("StatusDate", _stamp(schedule.as_of, 8))):
        sub(project, tag, value)
    calendars = sub(project, "Calendars")
    calendar = sub(calendars, "Calendar")
    for tag, value in (("UID", 1), ("Name", "Standard"), ("IsBaseCalendar", 1)):
        sub(calendar, tag, value)
    tasks = sub(project, "Tasks")
    uid = {e.id: i + 1 for i, e in enumerate(entries)}
    next_uid = len(entries) + 1
    row = 0

    def new_task() -> ET.Element:
        nonlocal row
        row += 1
        return sub(tasks, "Task")

    tracks = [t.id for t in roadmap.tracks]
    tracks += [e.milestone.track for e in entries if e.milestone.track and e.milestone.track not in tracks]
    groups = [(t, [e for e in entries if e.milestone.track == t]) for t in tracks]
    groups.append((None, [e for e in entries if e.milestone.track is None]))
    outline_top = 0
    for track, members in groups:
        if not members:
            continue
        level = 2 if track is not None else 1
        if track is not None:
            outline_top += 1
            summary = new_task()
            start = min(e.start for e in members)
            finish = max(e.end for e in members)
            for tag, value in (("UID", next_uid), ("ID", row), ("Name", roadmap.track_title(track)),
                               ("WBS", track), ("OutlineNumber", outline_top), ("OutlineLevel", 1),
                               ("Start", _stamp(start, 8)), ("Finish", _stamp(finish, 17)),
                               ("Duration", _hours((finish - start).days + 1)), ("DurationFormat", ELAPSED_DAYS),
                               ("Summary", 1), ("Milestone", 0)):
                sub(summary, tag, value)
            next_uid += 1
        for number, e in enumerate(members, 1):
            m = e.milestone
            element = new_task()
            days = e.span[1] - e.span[0]
            outline = f"{outline_top}.{number}" if track is not None else str(outline_top + number)
            values = [("UID", uid[e.id]), ("ID", row), ("Name", m.title), ("WBS", m.id),
                      ("OutlineNumber", outline), ("OutlineLevel", level),
                      ("Start", _stamp(e.start, 8)), ("Finish", _stamp(e.end, 17 if not e.point else 8)),
                      ("Duration", _hours(days)), ("DurationFormat", ELAPSED_DAYS),
                      ("Summary", 0), ("Milestone", 1 if e.point else 0),
                      ("PercentComplete", 100 if e.state == "done" else e.progress if e.state == "in_progress" else 0)]
            if e.actual_start:
                values.append(("ActualStart", _stamp(e.actual_start, 8)))
            if e.actual_end:
                values.append(("ActualFinish", _stamp(e.actual_end, 17)))
            if e.fixed:
                values += [("ConstraintType", MUST_START_ON), ("ConstraintDate", _stamp(e.start, 8))]
            elif m.not_before is not None:
                values += [("ConstraintType", START_NO_EARLIER_THAN),
                           ("ConstraintDate", _stamp(m.not_before.first, 8))]
            if e.deadline:
                values.append(("Deadline", _stamp(e.deadline, 17)))
            if m.notes:
                values.append(("Notes", m.notes))
            for tag, value in values:
                sub(element, tag, value)
            for dep in m.dependencies:
                link = sub(element, "PredecessorLink")
                lag_days = dep.lag.amount * {"d": 1, "w": 7, "bd": 1, "mo": 30}[dep.lag.unit]
                for tag, value in (("PredecessorUID", uid[dep.predecessor]), ("Type", LINK_TYPES[dep.type]),
                                   ("CrossProject", 0), ("LinkLag", lag_days * TENTHS_PER_DAY),
                                   ("LagFormat", WORKING_DAYS if dep.lag.unit == "bd" else ELAPSED_DAYS)):
                    sub(link, tag, value)
    ET.indent(project, space="  ")
    return '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + ET.tostring(project, encoding="unicode") \
        + "\n"


# -- import --------------------------------------------------------------------------------------------

_DURATION = re.compile(r"^-?PT(\d+(?:\.\d+)?)H(\d+(?:\.\d+)?)M(\d+(?:\.\d+)?)S$")


def _slug(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", text.strip().lower()).strip("-._")
    return slug or "task"


def mspdi_to_roadmap(data: bytes, name: str) -> dict:
    """The roadmap (as a YAML-ready dict) of an MSPDI file; :class:`RoadmapInvalid` with locations."""
    problems: list[Diagnostic] = []

    def bad(message: str, line: int | None = None) -> None:
        problems.append(Diagnostic("error", "invalid-import", message, name, line or 1))

    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise RoadmapInvalid([Diagnostic("error", "invalid-import", f"not well-formed XML: {exc}", name,
                                         exc.position[0] if exc.position else 1)]) from None
    if root.tag != f"{{{NS}}}Project":
        raise RoadmapInvalid([Diagnostic("error", "invalid-import", "not an MS Project XML file (no <Project> in "
                                                                    f"the {NS} namespace)", name, 1)])
    q = lambda tag: f"{{{NS}}}{tag}"  # noqa: E731

    def text(element, tag, default=None):
        found = element.find(q(tag))
        return found.text.strip() if found is not None and found.text else default

    minutes_per_day = int(float(text(root, "MinutesPerDay", "480")))
    title = text(root, "Title") or text(root, "Name") or "Imported plan"
    tasks = root.findall(f"{q('Tasks')}/{q('Task')}")
    ids: dict[str, str] = {}
    used: set[str] = set()
    tracks, milestones = [], []
    current_track = None
    for index, element in enumerate(tasks, 1):
        uid = text(element, "UID")
        task_name = text(element, "Name") or f"Task {uid}"
        if uid in (None, "0") or text(element, "IsNull") == "1":
            continue
        if text(element, "Summary") == "1":
            level = int(text(element, "OutlineLevel", "1"))
            if level == 1:
                wbs = text(element, "WBS")
                track_id = wbs if wbs and SLUG.match(wbs) else _slug(task_name)
                tracks.append({"id": track_id, "title": task_name})
                current_track = track_id
            continue
        wbs = text(element, "WBS")
        ident = wbs if wbs and SLUG.match(wbs) and wbs not in used else _slug(task_name)
        base, n = ident, 2
        while ident in used:
            ident, n = f"{base}-{n}", n + 1
        used.add(ident)
        ids[uid] = ident
        milestones.append((element, ident, task_name, current_track if text(element, "OutlineLevel", "1") != "1"
                           else None, index))

    def day(value: str | None, where: str) -> date | None:
        if not value:
            return None
        try:
            return datetime.fromisoformat(value).date()
        except ValueError:
            bad(f"{where}: '{value}' is not a date and time")
            return None

    def duration_days(value: str | None, fmt: str | None, where: str) -> Duration | None:
        if value is None:
            return None
        match = _DURATION.match(value)
        if not match:
            bad(f"{where}: duration '{value}' is not of the form PT8H0M0S")
            return None
        hours = float(match[1]) + float(match[2]) / 60 + float(match[3]) / 3600
        if fmt in ELAPSED_FORMATS:
            return Duration(round(hours / 24), "d")
        return Duration(round(hours * 60 / minutes_per_day), "bd")  # working time, on the project's day

    result = []
    for element, ident, task_name, track, index in milestones:
        where = f"task {index} ('{task_name}')"
        entry: dict = {"id": ident, "title": task_name}
        if track:
            entry["track"] = track
        start = day(text(element, "Start"), where)
        finish = day(text(element, "Finish"), where)
        milestone = text(element, "Milestone") == "1"
        constraint = text(element, "ConstraintType")
        constraint_day = day(text(element, "ConstraintDate"), where)
        duration = Duration(0) if milestone else duration_days(text(element, "Duration"),
                                                               text(element, "DurationFormat"), where)
        links = element.findall(q("PredecessorLink"))
        if constraint == str(MUST_START_ON) and constraint_day:
            entry["start"] = constraint_day.isoformat()
            if milestone:
                entry["duration"] = 0
            elif finish and finish > constraint_day:
                entry["end"] = finish.isoformat()
        else:
            if duration is not None:
                entry["duration"] = str(duration) if not duration.is_zero else 0
            if constraint == str(START_NO_EARLIER_THAN) and constraint_day:
                entry["not_before"] = constraint_day.isoformat()
            elif not links and start:
                entry["not_before"] = start.isoformat()
        deadline = day(text(element, "Deadline"), where)
        if deadline:
            entry["deadline"] = deadline.isoformat()
        percent = int(float(text(element, "PercentComplete", "0")))
        actual_start = day(text(element, "ActualStart"), where)
        actual_end = day(text(element, "ActualFinish"), where)
        if percent >= 100:
            entry["status"] = "done"
        elif percent > 0:
            entry["status"], entry["progress"] = "in_progress", percent
        if actual_start or actual_end:
            entry["actual"] = {k: v.isoformat() for k, v in (("start", actual_start), ("end", actual_end)) if v}
        deps = []
        for link in links:
            pred = ids.get(text(link, "PredecessorUID"))
            if pred is None:
                bad(f"{where}: predecessor UID {text(link, 'PredecessorUID')} is not a task of this file")
                continue
            kind = LINK_NAMES.get(int(text(link, "Type", "1")), "FS")
            tenths = int(float(text(link, "LinkLag", "0")))
            lag_format = text(link, "LagFormat", str(ELAPSED_DAYS))
            if lag_format in ELAPSED_FORMATS:
                lag = Duration(round(tenths / TENTHS_PER_DAY), "d")
            else:
                lag = Duration(round(tenths / (minutes_per_day * 10)), "bd")
            if kind == "FS" and lag.is_zero:
                deps.append(pred)
            else:
                deps.append({"id": pred, "type": kind, **({"lag": str(lag)} if not lag.is_zero else {})})
        if deps:
            if all(isinstance(d, str) for d in deps):
                entry["after"] = deps
            else:
                entry["depends_on"] = [d if isinstance(d, dict) else {"id": d} for d in deps]
        notes = text(element, "Notes")
        if notes:
            entry["notes"] = notes
        result.append(entry)
    if problems:
        raise RoadmapInvalid(problems)
    header = {"id": _slug(title)[:60], "title": title}
    if tracks:
        header["tracks"] = tracks
    return {"roadmap": header, "milestones": result}

