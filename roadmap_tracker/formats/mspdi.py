"""MS Project XML (MSPDI): opens in MS Project, ProjectLibre and GanttProject; and back in, whole.

Export, in MS Project's own terms: tasks with start, finish and duration (working-day durations as
work time on the project calendar, ``DurationFormat`` 7; calendar-day durations as elapsed days,
``DurationFormat`` 8), milestones, predecessor links with type and lag, "must start on" for fixed
dates, "start no earlier than" for ``not_before`` and fuzzy starts, ``Deadline``, per cent
complete and actual dates, one summary task per track, and the project calendar (work week and
each holiday as an exception). What MS Project has no field for (fuzzy windows, ``during``, kind,
venue, documents, month lags, ...) travels in task extended attributes Text1-Text26 named
``rt:...`` (see docs/format.md), so that our import restores the plan exactly.

Import: the extended attributes where they are present and MS Project has not changed the task's
dates or links since the export (a check value in Text24 says so); the native fields otherwise,
so a plan edited in MS Project comes back with the edits.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from typing import Sequence

from ..dates import WEEKDAY_NAMES, Duration
from ..errors import Diagnostic, RoadmapInvalid
from ..loading import SLUG
from ..scheduling import Schedule
from .plan import STRUCTURED, header_fields, milestone_fields, tidy_milestone

NS = "http://schemas.microsoft.com/project"
LINK_TYPES = {"FF": 0, "FS": 1, "SF": 2, "SS": 3}
LINK_NAMES = {v: k for k, v in LINK_TYPES.items()}
WORKING_DAYS = 7  # DurationFormat / LagFormat "d": working time on the calendar
ELAPSED_DAYS = 8  # "ed"
ELAPSED_WEEKS = 10  # "ew"
ELAPSED_MONTHS = 12  # "emo" (MS Project's month is 30 elapsed days)
MUST_START_ON, START_NO_EARLIER_THAN = 2, 4
TENTHS_PER_DAY = 24 * 60 * 10
ELAPSED_FORMATS = {"4", "6", "8", "10", "12", "20", "36", "38", "40", "42", "44", "52"}
MINUTES_PER_DAY = 480
WORK_HOURS = (("08:00:00", "12:00:00"), ("13:00:00", "17:00:00"))

#: Our fields in MS Project's task Text fields: (field number, our key). Task 0 (the project
#: summary) carries the header in Text25. Text24 is a check value of the native dates and links.
TEXT_FIELDS = ((1, "id"), (2, "kind"), (3, "track"), (4, "lead"), (5, "partners"), (6, "venue"), (7, "timezone"),
               (8, "virtual"), (9, "links"), (10, "documents"), (11, "tags"), (12, "start"), (13, "end"),
               (14, "duration"), (15, "not_before"), (16, "deadline"), (17, "during"), (18, "depends_on"),
               (19, "condition"), (20, "status"), (21, "progress"), (22, "slip"), (23, "distribution"), (26, "actual"))
CHECK_FIELD, HEADER_FIELD = 24, 25
TIMING_KEYS = ("start", "end", "duration", "not_before", "deadline", "during", "depends_on")
TRACKING_KEYS = ("status", "progress", "actual")
TIMING_TAGS = ("Milestone", "Duration", "DurationFormat", "ConstraintType", "ConstraintDate", "Deadline")
TRACKING_TAGS = ("PercentComplete", "ActualStart", "ActualFinish")
_FIELD_IDS = {1: 188743731, 2: 188743734, 3: 188743737, 4: 188743740, 5: 188743743, 6: 188743746,
              7: 188743747, 8: 188743748, 9: 188743749, 10: 188743750}
_FIELD_IDS.update({n: 188743997 + n - 11 for n in range(11, 31)})


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0


def field_id(number: int) -> int:
    """MS Project's FieldID of task field TextN."""
    return _FIELD_IDS[number]


def _hours(days: int | float, per_day: int = 24) -> str:
    return f"PT{int(days * per_day)}H0M0S"


def _stamp(day: date, hour: int) -> str:
    return datetime(day.year, day.month, day.day, hour).isoformat()


def _encode(key: str, value) -> str:
    if key in STRUCTURED or key == "duration" and isinstance(value, dict) or isinstance(value, bool):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _native_duration(duration: Duration, days: int) -> tuple[str, int]:
    """(Duration, DurationFormat): working days as work time, the rest as the elapsed days they span."""
    if duration.unit == "bd":
        return _hours(duration.amount, 8), WORKING_DAYS
    return _hours(days), ELAPSED_DAYS


def _native_lag(lag: Duration) -> tuple[int, int]:
    """(LinkLag in tenths of a minute, LagFormat)."""
    if lag.unit == "bd":
        return lag.amount * MINUTES_PER_DAY * 10, WORKING_DAYS
    if lag.unit == "w":
        return lag.amount * 7 * TENTHS_PER_DAY, ELAPSED_WEEKS
    if lag.unit == "mo":
        return lag.amount * 30 * TENTHS_PER_DAY, ELAPSED_MONTHS
    return lag.amount * TENTHS_PER_DAY, ELAPSED_DAYS


_UNSET = {"ConstraintType": "0", "Milestone": "0", "PercentComplete": "0"}  # what an absent field means


def _check(values: dict, tags: tuple[str, ...], links: Sequence[tuple] = ()) -> str:
    """A short digest of some of a task's native fields (and its links), as written."""
    text = "\n".join([f"{k}={str(values.get(k) or _UNSET.get(k, '')).strip()}" for k in tags]
                      + ["link=" + ",".join(str(v).strip() for v in link) for link in links])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def to_mspdi(schedule: Schedule) -> str:
    roadmap = schedule.roadmap
    ET.register_namespace("", NS)
    project = ET.Element(f"{{{NS}}}Project")

    def sub(parent, tag, text=None):
        element = ET.SubElement(parent, f"{{{NS}}}{tag}")
        if text is not None:
            element.text = _XML_ILLEGAL.sub("", str(text))
        return element

    entries = list(schedule)
    first = min((e.start for e in entries), default=schedule.as_of)
    last = max((e.end for e in entries), default=schedule.as_of)
    for tag, value in (("SaveVersion", 14), ("Name", f"{roadmap.id}.xml"), ("Title", roadmap.title),
                       ("Subject", roadmap.id), ("ScheduleFromStart", 1), ("StartDate", _stamp(first, 8)),
                       ("FinishDate", _stamp(last, 17)), ("CalendarUID", 1), ("DefaultStartTime", "08:00:00"),
                       ("DefaultFinishTime", "17:00:00"), ("MinutesPerDay", MINUTES_PER_DAY),
                       ("MinutesPerWeek", MINUTES_PER_DAY * len(roadmap.calendar.workdays)), ("DaysPerMonth", 20),
                       ("DurationFormat", ELAPSED_DAYS), ("CurrentDate", _stamp(schedule.as_of, 8)),
                       ("StatusDate", _stamp(schedule.as_of, 8))):
        sub(project, tag, value)
    attributes = sub(project, "ExtendedAttributes")
    for number, key in (*TEXT_FIELDS, (CHECK_FIELD, "check"), (HEADER_FIELD, "roadmap")):
        declared = sub(attributes, "ExtendedAttribute")
        for tag, value in (("FieldID", field_id(number)), ("FieldName", f"Text{number}"), ("Alias", f"rt:{key}")):
            sub(declared, tag, value)
    _write_calendar(sub(sub(project, "Calendars"), "Calendar"), roadmap.calendar, sub)
    tasks = sub(project, "Tasks")

    def attribute(element, number: int, text: str) -> None:
        node = sub(element, "ExtendedAttribute")
        sub(node, "FieldID", field_id(number))
        sub(node, "Value", text)

    summary = sub(tasks, "Task")
    header = {k: v for k, v in header_fields(roadmap).items() if k not in ("title", "calendar")}
    header["order"] = [m.id for m in roadmap.milestones]  # tasks are grouped by track; the file's order
    for tag, value in (("UID", 0), ("ID", 0), ("Name", roadmap.title), ("OutlineNumber", 0), ("OutlineLevel", 0),
                       ("Start", _stamp(first, 8)), ("Finish", _stamp(last, 17)), ("Summary", 1)):
        sub(summary, tag, value)
    attribute(summary, HEADER_FIELD, json.dumps(header, ensure_ascii=False))

    uid = {e.id: i + 1 for i, e in enumerate(entries)}
    next_uid = len(entries) + 1
    row = 0

    def new_task() -> ET.Element:
        nonlocal row
        row += 1
        return sub(tasks, "Task")

    outline_top = 0
    for track, members in schedule.by_track():
        level = 2 if track is not None else 1
        if track is not None:
            outline_top += 1
            group = new_task()
            start = min(e.start for e in members)
            finish = max(e.end for e in members)
            for tag, value in (("UID", next_uid), ("ID", row), ("Name", roadmap.track_title(track)),
                               ("WBS", track), ("OutlineNumber", outline_top), ("OutlineLevel", 1),
                               ("Start", _stamp(start, 8)), ("Finish", _stamp(finish, 17)),
                               ("Duration", _hours((finish - start).days + 1)), ("DurationFormat", ELAPSED_DAYS),
                               ("Summary", 1), ("Milestone", 0)):
                sub(group, tag, value)
            next_uid += 1
        for number, e in enumerate(members, 1):
            outline = f"{outline_top}.{number}" if track is not None else str(outline_top + number)
            _write_task(new_task(), e, uid, row, outline, level, sub, attribute)
    ET.indent(project, space="  ")
    return '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + ET.tostring(project, encoding="unicode") \
        + "\n"


def _write_calendar(calendar_element, calendar, sub) -> None:
    for tag, value in (("UID", 1), ("Name", "Standard"), ("IsBaseCalendar", 1)):
        sub(calendar_element, tag, value)
    weekdays = sub(calendar_element, "WeekDays")
    for day_type in range(1, 8):  # 1 = Sunday .. 7 = Saturday
        weekday = (day_type + 5) % 7  # our 0 = Monday
        element = sub(weekdays, "WeekDay")
        sub(element, "DayType", day_type)
        working = weekday in calendar.workdays
        sub(element, "DayWorking", int(working))
        if working:
            times = sub(element, "WorkingTimes")
            for start, end in WORK_HOURS:
                period = sub(times, "WorkingTime")
                sub(period, "FromTime", start)
                sub(period, "ToTime", end)
    if calendar.holidays:
        exceptions = sub(calendar_element, "Exceptions")
        for ordinal in sorted(calendar.holidays):
            day = date.fromordinal(ordinal)
            exception = sub(exceptions, "Exception")
            sub(exception, "EnteredByOccurrences", 0)
            period = sub(exception, "TimePeriod")
            sub(period, "FromDate", f"{day.isoformat()}T00:00:00")
            sub(period, "ToDate", f"{day.isoformat()}T23:59:00")
            for tag, value in (("Occurrences", 1), ("Name", "Holiday"), ("Type", 1), ("DayWorking", 0)):
                sub(exception, tag, value)


def _write_task(element, e, uid: dict, row: int, outline: str, level: int, sub, attribute) -> None:
    m = e.milestone
    days = e.span[1] - e.span[0]
    values: dict = {"UID": uid[e.id], "ID": row, "Name": m.title, "WBS": m.id, "OutlineNumber": outline,
                    "OutlineLevel": level, "Start": _stamp(e.start, 8),
                    "Finish": _stamp(e.end, 17 if not e.point else 8)}
    duration = m.duration if m.duration is not None and not e.fixed and e.state != "done" else None
    values["Duration"], values["DurationFormat"] = _native_duration(duration or Duration(days), days)
    values.update({"Summary": 0, "Milestone": 1 if e.point else 0,
                   "PercentComplete": 100 if e.state == "done" else e.progress if e.state == "in_progress" else 0})
    if e.actual_start:
        values["ActualStart"] = _stamp(e.actual_start, 8)
    if e.actual_end:
        values["ActualFinish"] = _stamp(e.actual_end, 17)
    if e.fixed:
        values["ConstraintType"], values["ConstraintDate"] = MUST_START_ON, _stamp(e.start, 8)
    else:
        earliest = [w.first for w in (m.not_before, m.start) if w is not None]
        if m.during and e.state == "planned":
            earliest.append(e.start)  # the session window our schedule chose: MS Project shows that date
        if earliest:
            values["ConstraintType"], values["ConstraintDate"] = START_NO_EARLIER_THAN, _stamp(max(earliest), 8)
    if e.deadline:
        values["Deadline"] = _stamp(e.deadline, 17)
    if m.notes:
        values["Notes"] = m.notes
    if m.lead:
        values["Contact"] = m.lead
    if m.links:
        values["Hyperlink"], values["HyperlinkAddress"] = m.links[0], m.links[0]
    for tag, value in values.items():
        sub(element, tag, value)
    links = []
    for dep in m.dependencies:
        lag, lag_format = _native_lag(dep.lag)
        link_values = (("PredecessorUID", uid[dep.predecessor]), ("Type", LINK_TYPES[dep.type]),
                       ("CrossProject", 0), ("LinkLag", lag), ("LagFormat", lag_format))
        link = sub(element, "PredecessorLink")
        for tag, value in link_values:
            sub(link, tag, value)
        links.append((uid[dep.predecessor], LINK_TYPES[dep.type], lag, lag_format))
    fields = milestone_fields(m)
    for number, key in TEXT_FIELDS:
        if key in fields:
            attribute(element, number, _encode(key, fields[key]))
    attribute(element, CHECK_FIELD, f"{_check(values, TIMING_TAGS, links)}/{_check(values, TRACKING_TAGS)}")


# -- import --------------------------------------------------------------------------------------------

_DURATION = re.compile(r"^-?PT(\d+(?:\.\d+)?)H(\d+(?:\.\d+)?)M(\d+(?:\.\d+)?)S$")
MAX_TEXT = 100_000


def _parse(data: bytes, name: str):
    """The element tree of ``data`` and the line each element starts on (for error messages).

    Document type declarations are refused: MSPDI has none, and entities are how XML files attack.
    """
    from xml.parsers import expat

    builder = ET.TreeBuilder()
    lines: dict = {}
    parser = expat.ParserCreate(namespace_separator="}")

    def start(tag, attrs):
        lines[builder.start("{" + tag if "}" in tag else tag, attrs)] = parser.CurrentLineNumber

    def refuse(*_args):
        raise ValueError("a document type declaration (<!DOCTYPE>) is not allowed in MS Project XML")

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda tag: builder.end("{" + tag if "}" in tag else tag)
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        parser.Parse(data, True)
        root = builder.close()
    except expat.ExpatError as exc:
        raise RoadmapInvalid([Diagnostic("error", "invalid-import", f"not well-formed XML: "
                                         f"{expat.errors.messages[exc.code]}", name, exc.lineno or 1)]) from None
    except (ValueError, AssertionError) as exc:
        raise RoadmapInvalid([Diagnostic("error", "invalid-import", str(exc) if isinstance(exc, ValueError)
                                         else "not an XML document", name, parser.CurrentLineNumber or 1)]) from None
    return root, lines


def _slug(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", text.strip().lower()).strip("-._")
    return slug[:120] or "task"


def mspdi_to_roadmap(data: bytes, name: str) -> dict:
    """The roadmap (as a YAML-ready dict) of an MSPDI file; :class:`RoadmapInvalid` with locations."""
    return mspdi_import(data, name).document


def _no_constant(name: str):
    """JSON's NaN and Infinity are not values our export writes: refuse them as bad JSON."""
    raise ValueError(name)


class _TaskReader:
    """Reads values out of one MSPDI document, checking each where it is read: a problem is
    recorded with the line of the element it is in, and a safe default is returned."""

    def __init__(self, root, lines: dict, name: str):
        self.root, self.lines, self.name = root, lines, name
        self.problems: list[Diagnostic] = []
        self.minutes_per_day = MINUTES_PER_DAY
        self.aliases: dict[str, str] = {}

    def bad(self, message: str, element=None, hint: str | None = None) -> None:
        self.problems.append(Diagnostic("error", "invalid-import", message, self.name, self.lines.get(element, 1), hint))

    @staticmethod
    def q(tag: str) -> str:
        return f"{{{NS}}}{tag}"

    def text(self, element, tag, default=None):
        found = element.find(self.q(tag))
        if found is None or not found.text or not found.text.strip():
            return default
        return found.text.strip()[:MAX_TEXT]

    def number(self, element, tag, default: int, low: int, high: int, what: str, hint: str | None = None) -> int:
        value = self.text(element, tag)
        if value is None:
            return default
        try:
            result = float(value)
            if not math.isfinite(result):
                raise ValueError
        except ValueError:
            self.bad(f"<{tag}> is '{value[:40]}', not {what}", element.find(self.q(tag)), hint)
            return default
        if not low <= result <= high:
            self.bad(f"<{tag}> is {value[:40]}, out of range ({what}: {low} to {high})", element.find(self.q(tag)),
                     hint)
            return default
        return int(result)

    def day(self, element, tag: str) -> date | None:
        value = self.text(element, tag)
        if not value:
            return None
        try:
            result = datetime.fromisoformat(value).date()
        except ValueError:
            self.bad(f"<{tag}> '{value[:40]}' is not a date and time such as 2024-04-15T08:00:00",
                     element.find(self.q(tag)))
            return None
        if not 1900 <= result.year <= 2999:
            self.bad(f"<{tag}> {value[:40]} is out of range (years 1900-2999)", element.find(self.q(tag)))
            return None
        return result

    def duration_of(self, element) -> Duration | None:
        value = self.text(element, "Duration")
        if value is None:
            return None
        match = _DURATION.match(value)
        if not match:
            self.bad(f"<Duration> '{value[:40]}' is not of the form PT8H0M0S", element.find(self.q("Duration")))
            return None
        hours = float(match[1]) + float(match[2]) / 60 + float(match[3]) / 3600
        if hours > 100_000 * 24:
            self.bad(f"<Duration> {value[:40]} is too long (at most 100000 days)", element.find(self.q("Duration")))
            return None
        if (self.text(element, "DurationFormat") or "") in ELAPSED_FORMATS:
            return Duration(round(hours / 24), "d")
        return Duration(round(hours * 60 / self.minutes_per_day), "bd")  # working time, on the project's day

    def ours(self, element) -> dict:
        """Our extended attributes on a task, by key: (raw value, element)."""
        found = {}
        for node in element.findall(self.q("ExtendedAttribute")):
            key = self.aliases.get(self.text(node, "FieldID") or "")
            if key:
                found[key] = (self.text(node, "Value", ""), node)
        return found

    def decode(self, key: str, raw: str, node):
        if key in STRUCTURED or key in ("virtual", "progress", "roadmap") or key == "duration" and raw.startswith("{"):
            try:
                return json.loads(raw, parse_constant=_no_constant)
            except ValueError:
                self.bad(f"extended attribute rt:{key} is not the JSON our export writes: '{raw[:60]}'", node,
                         "remove the attribute to use MS Project's own fields")
                return None
        if key == "duration" and raw == "0":
            return 0
        return raw


def mspdi_import(data: bytes, name: str):
    """The roadmap of an MSPDI file, with the line of each task (:class:`~.importers.Imported`).

    Every value is checked where it is read; a problem names the line of the element it is in.
    Steps: read the project's settings, walk the outline (tracks and tasks), merge each task's
    own fields with our extended attributes, restore our step order, then the header.
    """
    from .importers import Imported

    root, lines = _parse(data, name)
    if root.tag != f"{{{NS}}}Project":
        raise RoadmapInvalid([Diagnostic("error", "invalid-import", "not an MS Project XML file (no <Project> in "
                                                                    f"the {NS} namespace)", name, 1)])
    reader = _TaskReader(root, lines, name)
    q = reader.q
    reader.minutes_per_day = reader.number(root, "MinutesPerDay", MINUTES_PER_DAY, 1, 1440,
                                           "minutes in a working day", "MS Project writes 480 for an 8-hour day")
    for attribute in root.findall(f"{q('ExtendedAttributes')}/{q('ExtendedAttribute')}"):
        alias = reader.text(attribute, "Alias") or ""
        if alias.startswith("rt:") and reader.text(attribute, "FieldID"):
            reader.aliases[reader.text(attribute, "FieldID")] = alias[3:]
    header, tracks, tasks, ids = _outline(reader, root.findall(f"{q('Tasks')}/{q('Task')}"))
    entries = [_merged_entry(reader, element, ident, task_name, track, attrs, ids)
               for element, ident, task_name, track, attrs in tasks]
    entries, tasks = _in_our_order(header, entries, tasks)
    calendar = _read_calendar(reader)
    if reader.problems:
        raise RoadmapInvalid(reader.problems)
    return Imported({"roadmap": _roadmap_header(reader, header, tracks, calendar), "milestones": entries},
                    [(name, lines.get(element, 1)) for element, *_ in tasks])


def _outline(reader: _TaskReader, elements):
    """Our header (from the project summary task), the tracks (level-1 summary tasks) and each
    real task as (element, id, title, track, our attributes), with MS Project UID -> our id."""
    header: dict = {}
    ids: dict[str, str] = {}
    used: set[str] = set()
    tracks, tasks = [], []
    current_track = None
    for element in elements:
        uid = reader.text(element, "UID")
        task_name = reader.text(element, "Name") or f"Task {uid}"
        if uid == "0":
            value, node = reader.ours(element).get("roadmap", (None, None))
            if value:
                decoded = reader.decode("roadmap", value, node)
                header = decoded if isinstance(decoded, dict) else {}
            continue
        if uid is None or reader.text(element, "IsNull") == "1":
            continue
        level = reader.number(element, "OutlineLevel", 1, 0, 100, "an outline level")
        if reader.text(element, "Summary") == "1":
            if level == 1:
                wbs = reader.text(element, "WBS")
                track_id = wbs if wbs and SLUG.match(wbs) else _slug(task_name)
                tracks.append({"id": track_id, "title": task_name})
                current_track = track_id
            continue
        attrs = reader.ours(element)
        wbs = (attrs.get("id") or (None,))[0] or reader.text(element, "WBS")
        ident = wbs if wbs and SLUG.match(wbs) and wbs not in used else _slug(task_name)
        base, n = ident, 2
        while ident in used:
            ident, n = f"{base}-{n}", n + 1
        used.add(ident)
        ids[uid] = ident
        tasks.append((element, ident, task_name, current_track if level != 1 else None, attrs))
    return header, tracks, tasks, ids


def _merged_entry(reader: _TaskReader, element, ident: str, task_name: str, track, attrs: dict, ids) -> dict:
    """One step: our extended attributes where MS Project left the task as we wrote it (the check
    value says so), MS Project's own fields where it changed them."""
    text = reader.text
    entry: dict = {"id": ident, "title": task_name}
    native = _native_entry(reader, element, ident, track, ids)
    values = {k: text(element, k, "") for k in TIMING_TAGS + TRACKING_TAGS}
    links = [tuple(text(link, k, "") for k in ("PredecessorUID", "Type", "LinkLag", "LagFormat"))
             for link in element.findall(reader.q("PredecessorLink"))]
    check = (attrs.get("check") or ("",))[0].split("/")
    timing_kept = check[0] == _check(values, TIMING_TAGS, links)
    tracking_kept = check[-1] == _check(values, TRACKING_TAGS)
    decoded = {key: reader.decode(key, value, node) for key, (value, node) in attrs.items()
               if key not in ("check", "roadmap")}
    for key, value in decoded.items():
        if value is None or key in ("id",):
            continue
        if key in TIMING_KEYS or key in TRACKING_KEYS:
            continue
        entry[key] = value
    if "track" not in decoded and track:
        entry["track"] = track
    for keys, kept in ((TIMING_KEYS, timing_kept), (TRACKING_KEYS, tracking_kept)):
        source = decoded if kept else native
        entry.update({k: source[k] for k in keys if source.get(k) is not None})
    for key in ("lead", "notes"):  # MS Project's Contact and Notes, which may have been edited there
        if native.get(key):
            entry[key] = native[key]
    if "links" not in entry and native.get("links"):
        entry["links"] = native["links"]
    return _ordered(entry)


def _in_our_order(header: dict, entries: list, tasks: list):
    """Entries (and their tasks) in the step order our export recorded; others after, as read."""
    order = header.get("order")
    if not isinstance(order, list):
        order = []
    position = {ident: i for i, ident in enumerate(order) if isinstance(ident, str)}
    ranked = sorted(range(len(entries)), key=lambda i: position.get(entries[i]["id"], len(position) + i))
    return [entries[i] for i in ranked], [tasks[i] for i in ranked]


def _roadmap_header(reader: _TaskReader, header: dict, tracks: list, calendar: dict) -> dict:
    """The roadmap's header: ours where the export wrote it, else from the project's fields."""
    root = reader.root
    title = reader.text(root, "Title") or reader.text(root, "Name") or "Imported plan"
    roadmap = {"id": header.get("id") or reader.text(root, "Subject") or _slug(title)[:60], "title": title}
    roadmap["id"] = roadmap["id"] if isinstance(roadmap["id"], str) and SLUG.match(roadmap["id"]) else _slug(title)[:60]
    for key in ("timezone", "target"):
        if isinstance(header.get(key), str):
            roadmap[key] = header[key]
    if calendar:
        roadmap["calendar"] = calendar
    if isinstance(header.get("tracks"), list) and header["tracks"]:
        roadmap["tracks"] = header["tracks"]
    elif tracks:
        roadmap["tracks"] = tracks
    return roadmap


def _native_entry(reader: _TaskReader, element, ident, track, ids) -> dict:
    """What MS Project's own fields say about a task."""
    text, number, day, bad, q = reader.text, reader.number, reader.day, reader.bad, reader.q
    duration_of = reader.duration_of
    entry: dict = {}
    if track:
        entry["track"] = track
    start, finish = day(element, "Start"), day(element, "Finish")
    milestone = text(element, "Milestone") == "1"
    constraint = number(element, "ConstraintType", 0, 0, 7, "a constraint type")
    constraint_day = day(element, "ConstraintDate")
    duration = Duration(0) if milestone else duration_of(element)
    links = element.findall(q("PredecessorLink"))
    if constraint == MUST_START_ON and constraint_day:
        entry["start"] = constraint_day.isoformat()
        if milestone:
            entry["duration"] = 0
        elif finish and finish > constraint_day:
            entry["end"] = finish.isoformat()
    else:
        if duration is not None:
            entry["duration"] = str(duration) if not duration.is_zero else 0
        if constraint == START_NO_EARLIER_THAN and constraint_day:
            entry["not_before"] = constraint_day.isoformat()
        elif not links and start:
            entry["not_before"] = start.isoformat()
    deadline = day(element, "Deadline")
    if deadline:
        entry["deadline"] = deadline.isoformat()
    percent = number(element, "PercentComplete", 0, 0, 100, "a per cent")
    actual_start, actual_end = day(element, "ActualStart"), day(element, "ActualFinish")
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
            bad(f"task '{ident}': predecessor UID {text(link, 'PredecessorUID')} is not a task of this file", link)
            continue
        kind = LINK_NAMES.get(number(link, "Type", 1, 0, 3, "a link type (0 FF, 1 FS, 2 SF, 3 SS)"), "FS")
        tenths = number(link, "LinkLag", 0, -100_000 * TENTHS_PER_DAY, 100_000 * TENTHS_PER_DAY,
                        "a lag in tenths of a minute")
        lag_format = text(link, "LagFormat", str(ELAPSED_DAYS))
        if lag_format == str(ELAPSED_WEEKS) and tenths % (7 * TENTHS_PER_DAY) == 0:
            lag = Duration(tenths // (7 * TENTHS_PER_DAY), "w")
        elif lag_format in ELAPSED_FORMATS:
            lag = Duration(round(tenths / TENTHS_PER_DAY), "d")
        else:
            lag = Duration(round(tenths / (MINUTES_PER_DAY * 10)), "bd")
        deps.append({"id": pred, "type": kind, **({"lag": str(lag)} if not lag.is_zero else {})})
    if deps:
        entry["depends_on"] = deps
    notes, lead, link = text(element, "Notes"), text(element, "Contact"), text(element, "HyperlinkAddress")
    if notes:
        entry["notes"] = notes
    if lead:
        entry["lead"] = lead
    if link:
        entry["links"] = [link]
    return entry


def _read_calendar(reader: _TaskReader) -> dict:
    """The project calendar's work week and its non-working exceptions, as our ``calendar:``."""
    root, text, q, bad = reader.root, reader.text, reader.q, reader.bad
    uid = text(root, "CalendarUID")
    calendars = root.findall(f"{q('Calendars')}/{q('Calendar')}")
    calendar = next((c for c in calendars if text(c, "UID") == uid), calendars[0] if calendars else None)
    if calendar is None:
        return {}
    workdays = set(range(5))
    holidays: set[date] = set()

    def add_range(period) -> None:
        try:
            first = datetime.fromisoformat(text(period, "FromDate", "")).date()
            last = datetime.fromisoformat(text(period, "ToDate", "")).date()
        except ValueError:
            bad("a calendar exception's dates are not dates and times such as 2024-12-25T00:00:00", period)
            return
        if not (1900 <= first.year <= 2999 and 1900 <= last.year <= 2999) or (last - first).days > 3660:
            bad("a calendar exception lies outside 1900-2999 or spans more than ten years", period)
            return
        day = first
        while day <= last:
            holidays.add(day)
            day += timedelta(days=1)

    for weekday in calendar.findall(f"{q('WeekDays')}/{q('WeekDay')}"):
        day_type, working = text(weekday, "DayType"), text(weekday, "DayWorking")
        if day_type in {str(n) for n in range(1, 8)}:
            ours = (int(day_type) + 5) % 7
            if working == "1":
                workdays.add(ours)
            elif working == "0":
                workdays.discard(ours)
        elif day_type == "0" and working == "0":
            period = weekday.find(q("TimePeriod"))
            if period is not None:
                add_range(period)
    for exception in calendar.findall(f"{q('Exceptions')}/{q('Exception')}"):
        period = exception.find(q("TimePeriod"))
        if text(exception, "DayWorking") != "1" and period is not None:
            add_range(period)
    out: dict = {}
    if not workdays:
        bad("the project calendar has no working day", calendar)
        return {}
    if workdays != set(range(5)):
        out["workdays"] = [WEEKDAY_NAMES[d] for d in sorted(workdays)]
    if holidays:
        out["holidays"] = [d.isoformat() for d in sorted(holidays)]
    return out


_ORDER = ("id", "title", "kind", "track", "lead", "partners", "venue", "timezone", "virtual", "links", "documents",
          "notes", "tags", "start", "end", "duration", "distribution", "slip", "not_before", "deadline", "during",
          "depends_on", "condition", "status", "progress", "actual")


def _ordered(entry: dict) -> dict:
    return tidy_milestone({k: entry[k] for k in _ORDER if k in entry})


__all__ = ["to_mspdi", "mspdi_to_roadmap", "mspdi_import", "field_id", "TEXT_FIELDS"]
