"""The roadmap as an iCalendar feed that Outlook, Google, Apple Calendar and Thunderbird update in place.

One VEVENT per milestone with a UID derived from the roadmap and milestone ids, so a re-export
moves events instead of duplicating them. Date-only steps are all-day events (DATE values, DTEND
exclusive); timed events carry a TZID and a VTIMEZONE. SEQUENCE rises each time a milestone's dates
change, tracked in a :class:`SequenceState` (a small JSON file) when no tracking history exists.
Output is byte-identical for the same schedule, state and ``dtstamp``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from ..wording import float_text, span_text
from .._util import without_gc, write_atomic
from ..scheduling import Schedule, ScheduleEntry, window_text

PRODID = "-//roadmap-tracker//roadmap-tracker//EN"
REFRESH = timedelta(hours=1)


@dataclass(frozen=True)
class FeedOptions:
    """Which milestones go into a feed, and how: filters, reminders and the DTSTAMP to write."""

    tracks: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    critical_only: bool = False
    date_from: date | None = None
    date_to: date | None = None
    alarm_days: int | None = None
    dtstamp: datetime | None = None

    def selects(self, entry: ScheduleEntry) -> bool:
        m = entry.milestone
        if self.tracks and m.track not in self.tracks:
            return False
        if self.kinds and m.kind not in self.kinds:
            return False
        if self.critical_only and not entry.critical:
            return False
        if self.date_from and entry.end < self.date_from:
            return False
        if self.date_to and entry.start > self.date_to:
            return False
        return True


@dataclass
class SequenceState:
    """Per-event revision numbers and the dates they were issued for.

    ``events`` maps a UID to ``{"dates": "...", "sequence": n, "modified": iso, "previous_end": iso}``.
    Loading a missing or unreadable file gives an empty state (every event at SEQUENCE 0).
    """

    events: dict = field(default_factory=dict)
    exported: str | None = None

    @classmethod
    def load(cls, path: Path) -> "SequenceState":
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls(dict(data.get("events", {})), data.get("exported"))
        except (OSError, ValueError, AttributeError):
            return cls()

    def save(self, path: Path) -> None:
        write_atomic(path, json.dumps({"exported": self.exported, "events": self.events}, indent=1,
                                      sort_keys=True) + "\n")

    def revise(self, uid: str, signature: str, end: date, now: datetime) -> dict:
        """Record the event's current dates; bump its SEQUENCE if they changed since last time."""
        known = self.events.get(uid)
        if known is None:
            known = {"dates": signature, "sequence": 0, "modified": now.isoformat(), "end": end.isoformat()}
        elif known["dates"] != signature:
            known = {"dates": signature, "sequence": known["sequence"] + 1, "modified": now.isoformat(),
                     "end": end.isoformat(), "previous_end": known.get("end"), "since": self.exported}
        self.events[uid] = known
        return known


def state_path_for(output: Path) -> Path:
    """The state file kept beside an export: ``wsis20.ics`` -> ``.wsis20.ics.state.json``."""
    output = Path(output)
    return output.with_name(f".{output.name}.state.json")


def event_uid(roadmap_id: str, milestone_id: str) -> str:
    return f"{milestone_id}@{roadmap_id}.roadmap-tracker"


def _signature(entry: ScheduleEntry) -> str:
    m = entry.milestone
    if m.timed:
        return f"{m.start.moment.isoformat()}/{m.end.moment.isoformat() if m.end and m.end.moment else ''}"
    return f"{entry.start.isoformat()}/{entry.end.isoformat()}"


@without_gc
def build_calendar(schedule: Schedule, options: FeedOptions = FeedOptions(),
                   state: SequenceState | None = None) -> bytes:
    """The iCalendar text (bytes, CRLF lines) for the milestones ``options`` selects.

    ``state`` supplies and records SEQUENCE numbers; pass the same one to later builds.
    """
    from icalendar import Alarm, Calendar, Event, Timezone, vDuration, vText

    roadmap = schedule.roadmap
    now = options.dtstamp or datetime.now(timezone.utc).replace(microsecond=0)
    state = state if state is not None else SequenceState()
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", roadmap.title)
    cal.add("x-wr-caldesc", f"{roadmap.title}: milestones as scheduled on {schedule.as_of.isoformat()} "
                            "by roadmap-tracker")
    cal.add("x-wr-timezone", roadmap.timezone)
    cal.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(REFRESH))

    entries = [e for e in schedule if options.selects(e)]
    zones: dict[str, tuple[date, date]] = {}
    events = []
    for entry in entries:
        m = entry.milestone
        uid = event_uid(roadmap.id, m.id)
        revision = state.revise(uid, _signature(entry), entry.end, now)
        event = Event()
        event.add("uid", uid)
        event.add("dtstamp", now)
        event.add("sequence", revision["sequence"])
        event.add("last-modified", datetime.fromisoformat(revision["modified"]))
        event.add("summary", _summary(entry))
        if m.timed:
            zone_name = _zone_of(m, roadmap.timezone)
            zone = ZoneInfo(zone_name)
            start = m.start.moment if m.start.moment.tzinfo else m.start.moment.replace(tzinfo=zone)
            end = m.end.moment if m.end is not None and m.end.moment else start + timedelta(hours=1)
            end = end if end.tzinfo else end.replace(tzinfo=zone)
            start, end = start.astimezone(zone), end.astimezone(zone)
            event.add("dtstart", start)
            event.add("dtend", end)
            first, last = zones.get(zone_name, (start.date(), end.date()))
            zones[zone_name] = (min(first, start.date()), max(last, end.date()))
        else:
            event.add("dtstart", entry.start)
            event.add("dtend", entry.exclusive_end)
            event.add("transp", "TRANSPARENT")
        if m.venue:
            event.add("location", m.venue)
        event.add("description", _description(schedule, entry, revision))
        if m.links:
            event.add("url", m.links[0])
        categories = [m.kind] + ([roadmap.track_title(m.track)] if m.track else [])
        event.add("categories", categories)
        event.add("status", _status(entry))
        if options.alarm_days and entry.deadline is not None and entry.state not in ("done", "cancelled") \
                and entry.deadline >= schedule.as_of:  # N days before the deadline; none once it has passed
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", vText(f"{m.title}: due {entry.deadline.isoformat()}"))
            alarm.add("trigger", timedelta(days=(entry.deadline - entry.start).days - options.alarm_days),
                      parameters={"RELATED": "START"})
            event.add_component(alarm)
        events.append(event)
    for zone_name in sorted(zones):
        first, last = zones[zone_name]
        cal.add_component(Timezone.from_tzinfo(ZoneInfo(zone_name), zone_name,
                                               first_date=date(first.year, 1, 1),
                                               last_date=date(last.year + 1, 1, 1)))
    for event in events:
        cal.add_component(event)
    state.exported = now.isoformat()
    return cal.to_ical()


def _zone_of(m, default: str) -> str:
    moment = m.start.moment
    if moment.tzinfo is not None and getattr(moment.tzinfo, "key", None):
        return moment.tzinfo.key
    return m.timezone or default


def _summary(entry: ScheduleEntry) -> str:
    m = entry.milestone
    prefix = ""
    if entry.state == "cancelled":
        prefix = "Cancelled: "
    elif window_text(entry):
        prefix = "TBC: "
    elif m.condition and entry.state != "done":
        prefix = "If confirmed: "
    return prefix + m.title


def _status(entry: ScheduleEntry) -> str:
    if entry.state == "cancelled":
        return "CANCELLED"
    if entry.state == "done" or (entry.fixed and not entry.milestone.condition):
        return "CONFIRMED"
    return "TENTATIVE"


def _description(schedule: Schedule, entry: ScheduleEntry, revision: dict) -> str:
    m = entry.milestone
    lines = [f"{m.kind.capitalize()} - {entry.status.replace('_', ' ')}"
             + (f" ({entry.progress}%)" if entry.state == "in_progress" and entry.reported_status == "in_progress"
                else "")]
    window = window_text(entry)
    if window:
        lines.append(f"Dates to be confirmed: window {window}; forecast {span_text(entry)}")
    elif not entry.fixed and entry.state not in ("done", "cancelled"):
        lines.append(f"Forecast dates: {span_text(entry)}")
    if m.condition:
        lines.append(f"Contingent: {m.condition}")
    if m.lead:
        lines.append(f"Lead: {m.lead}")
    if m.partners:
        lines.append(f"Partners: {', '.join(m.partners)}")
    if entry.deadline:
        lines.append(f"Deadline: {entry.deadline.isoformat()}" + (f" (late by {entry.late_by} days)"
                                                                  if entry.late_by else ""))
    if entry.total_float is not None:
        lines.append(f"Float: {float_text(entry.total_float)}" + (" - on the critical path" if entry.critical
                                                                 else " - near-critical" if entry.near_critical else ""))
    if entry.waiting_for:
        lines.append(f"Waits for: {', '.join(entry.waiting_for)}")
    if entry.documents:
        lines.append(f"Documents: {', '.join(entry.documents)}")
    for link in m.links:
        lines.append(link)
    previous = revision.get("previous_end")
    if previous:
        moved = (entry.end - date.fromisoformat(previous)).days
        if moved:
            since = revision.get("since") or "the previous export"
            lines.append(f"Moved {moved:+d} days since {since[:10]}")
    return "\n".join(lines)


def feed_etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def export_ics(schedule: Schedule, output: Path, options: FeedOptions = FeedOptions()) -> int:
    """Write the calendar to ``output`` atomically, with its SEQUENCE state beside it.

    Returns the number of events written.
    """
    output = Path(output)
    state_file = state_path_for(output)
    state = SequenceState.load(state_file)
    body = build_calendar(schedule, options, state)
    write_atomic(output, body)
    state.save(state_file)
    return body.count(b"BEGIN:VEVENT")
