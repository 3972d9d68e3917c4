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
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from ..wording import float_text, safe_link, span_text, window_label
from .._util import without_gc, write_atomic
from ..scheduling import Schedule, ScheduleEntry, window_text
from ..status import lateness_text

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

    def selects(self, entry: ScheduleEntry, schedule: Schedule | None = None) -> bool:
        m = entry.milestone
        if self.tracks and m.track not in self.tracks:
            return False
        if self.kinds and m.kind not in self.kinds:
            return False
        if self.critical_only and not (schedule.on_critical_path(entry.id) if schedule is not None else entry.critical):
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
        write_atomic(path, self.to_json())

    def to_json(self) -> str:
        """``json.dumps(..., indent=1, sort_keys=True)`` of the state, and a final newline.

        The indenting encoder is pure Python (0.07 s for 10,000 events); each event's flat record
        goes through the C encoder instead, its item separator carrying the line break and indent
        (JSON strings never hold a raw line break). Anything but flat records of strings, integers
        and nulls takes the general encoder.
        """
        records = self._flat_records()
        if records is None:
            return json.dumps({"exported": self.exported, "events": self.events}, indent=1, sort_keys=True) + "\n"
        events = "{\n" + ",\n".join(records) + "\n }" if records else "{}"
        return f'{{\n "events": {events},\n "exported": {json.dumps(self.exported)}\n}}\n'

    def _flat_records(self) -> list[str] | None:
        """Each event's record as the indenting encoder writes it, by UID; None unless every
        record is a non-empty flat dict with string keys (and ``exported`` a string or None)."""
        if type(self.exported) not in (str, type(None)) or not all(type(uid) is str for uid in self.events):
            return None
        records = []
        for uid in sorted(self.events):
            record = self.events[uid]
            if type(record) is not dict or not record or not all(
                    type(key) is str and type(value) in _FLAT for key, value in record.items()):
                return None
            records.append(f"  {_json_string(uid)}: {{\n   {_encode_record(record)[1:-1]}\n  }}")
        return records

    def revise(self, uid: str, signature: str, end: date, now: datetime, shown: str | None = None) -> dict:
        """Record the event's current dates and what else a calendar shows of it (``shown``: a digest
        of its title, status and place); bump its SEQUENCE when either changed since last time. A
        record from before ``shown`` was kept takes it without a bump."""
        known = self.events.get(uid)
        if known is None:
            known = {"dates": signature, "sequence": 0, "modified": now.isoformat(), "end": end.isoformat()}
        elif known["dates"] != signature or known.get("shown", shown) != shown:
            known = {"dates": signature, "sequence": known["sequence"] + 1, "modified": now.isoformat(),
                     "end": end.isoformat(), "previous_end": known.get("end"), "since": self.exported}
        if shown is not None:
            known["shown"] = shown
        self.events[uid] = known
        return known


_FLAT = (str, int, type(None))  # not bool or float: kept to the general encoder
_json_string = json.encoder.encode_basestring_ascii
_record_chunks = json.encoder.c_make_encoder and json.encoder.c_make_encoder(  # type: ignore[attr-defined]
    None, None, _json_string, None, ": ", ",\n   ", True, False, True)  # the C encoder, without per-call set-up
_record_encoder = json.JSONEncoder(sort_keys=True, separators=(",\n   ", ": "))  # where there is no C encoder


def _encode_record(record: dict) -> str:
    """One flat record on one level of indentation, ``{"key": value,\\n   "key": value}``."""
    return "".join(_record_chunks(record, 0)) if _record_chunks else _record_encoder.encode(record)


def state_path_for(output: Path) -> Path:
    """The state file kept beside an export: ``wsis20.ics`` -> ``.wsis20.ics.state.json``."""
    output = Path(output)
    return output.with_name(f".{output.name}.state.json")


def event_uid(roadmap_id: str, milestone_id: str) -> str:
    return f"{milestone_id}@{roadmap_id}.roadmap-tracker"


def _shown(entry: ScheduleEntry) -> str:
    """A digest of what a calendar shows of an event besides its dates: title, status, place. (Not
    the description: it carries float and forecasts, which change without a new fact.)"""
    text = "\x1f".join((_summary(entry), _status(entry), entry.milestone.venue or ""))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _signature(entry: ScheduleEntry) -> str:
    m = entry.milestone
    if m.timed:
        assert m.start is not None and m.start.moment is not None  # timed: a start with a time of day
        return f"{m.start.moment.isoformat()}/{m.end.moment.isoformat() if m.end and m.end.moment else ''}"
    return f"{entry.start.isoformat()}/{entry.end.isoformat()}"


@without_gc
def build_calendar(schedule: Schedule, options: FeedOptions = FeedOptions(),
                   state: SequenceState | None = None, *, direct: bool = True) -> bytes:
    """The iCalendar text (bytes, CRLF lines) for the milestones ``options`` selects.

    ``state`` supplies and records SEQUENCE numbers; pass the same one to later builds.
    All-day events without a reminder (nearly all of a roadmap) are written directly, a few lines
    of text each, and so is the header when there is no VTIMEZONE; icalendar writes the timed
    events, alarms and VTIMEZONEs (and then the header). Both give the same bytes (``direct=False``
    writes everything with icalendar; the tests compare the two).
    """
    roadmap = schedule.roadmap
    now = options.dtstamp or datetime.now(timezone.utc).replace(microsecond=0)
    state = state if state is not None else SequenceState()
    stamp = _utc_text(now) if direct else None
    track_titles: dict[str, str] = {}
    for declared in roadmap.tracks:
        track_titles.setdefault(declared.id, declared.title)
    zones: dict[str, tuple[date, date]] = {}
    events: list[str] = []
    modified_texts: dict[str, str | None] = {}
    for entry in schedule:
        if not options.selects(entry, schedule):
            continue
        m = entry.milestone
        uid = event_uid(roadmap.id, m.id)
        revision = state.revise(uid, _signature(entry), entry.end, now, _shown(entry))
        alarm = bool(options.alarm_days and entry.deadline is not None and entry.state not in ("done", "cancelled")
                     and entry.deadline >= schedule.as_of)  # N days before the deadline; none once it has passed
        track = track_titles.get(m.track, m.track) if m.track else None
        if stamp is not None and not m.timed and not alarm:
            modified = modified_texts.get(revision["modified"], "")
            if modified == "":
                modified = modified_texts[revision["modified"]] = _utc_text(
                    datetime.fromisoformat(revision["modified"]))
            if modified is not None:
                events.append(_direct_event(schedule, entry, uid, stamp, modified, revision, track))
                continue
        events.append(_icalendar_event(schedule, entry, uid, now, revision, track, options, zones,
                                       alarm).decode("utf-8"))
    state.exported = schedule.as_of.isoformat()  # the day the plan was read for: "moved since" names it
    head = _direct_head(schedule) if direct and not zones else _icalendar_head(schedule, zones)
    return b"".join([head.encode("utf-8"), "".join(events).encode("utf-8"), b"END:VCALENDAR\r\n"])


def _calendar_description(schedule: Schedule) -> str:
    return f"{schedule.roadmap.title}: milestones as scheduled by roadmap-tracker"  # no date: the same every day


def _icalendar_head(schedule: Schedule, zones: dict[str, tuple[date, date]]) -> str:
    """The calendar's properties and VTIMEZONEs, written by icalendar."""
    from icalendar import Calendar, Timezone, vDuration

    roadmap = schedule.roadmap
    text = _text_type()
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", text(roadmap.title))
    cal.add("x-wr-caldesc", text(_calendar_description(schedule)))
    cal.add("x-wr-timezone", text(roadmap.timezone))
    cal.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(REFRESH))
    for zone_name in sorted(zones):
        first, last = zones[zone_name]
        cal.add_component(Timezone.from_tzinfo(ZoneInfo(zone_name), zone_name,
                                               first_date=date(first.year, 1, 1),
                                               last_date=date(last.year + 1, 1, 1)))
    head = cal.to_ical().decode("utf-8")
    end = "END:VCALENDAR\r\n"
    assert head.endswith(end)
    return head[: -len(end)]


def _direct_head(schedule: Schedule) -> str:
    """The calendar's properties as :func:`_icalendar_head` writes them without VTIMEZONEs: in
    icalendar's order (its canonical ones, then by name), so that a feed of all-day events never
    imports icalendar."""
    roadmap = schedule.roadmap
    assert REFRESH == timedelta(hours=1)  # PT1H below
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + fold("PRODID:" + PRODID)
            + "CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n"
            + fold("X-WR-CALDESC:" + escape_text(_calendar_description(schedule)))
            + fold("X-WR-CALNAME:" + escape_text(roadmap.title))
            + "REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\nX-PUBLISHED-TTL:PT1H\r\n"
            + fold("X-WR-TIMEZONE:" + escape_text(roadmap.timezone)))


# -- RFC 5545 text: one guard for every value that goes into the feed --------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # tab and line breaks are handled, not dropped
_SPECIAL = re.compile(r"[\\;,\x00-\x08\x0a-\x1f\x7f]")
_URI_UNSAFE = re.compile("[\x00-\x20\x7f]")


def escape_text(value: str) -> str:
    """A TEXT value as RFC 5545 (3.3.11) writes it: ``\\``, ``\\;``, ``\\,`` and ``\\n`` escaped.

    Any line break (LF, CRLF, lone CR) becomes ``\\n``; other control characters, which no
    calendar can carry, are dropped. Tab stays (TEXT allows it).
    """
    if not _SPECIAL.search(value):
        return value
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")
    if _CONTROL.search(value):
        value = _CONTROL.sub("", value)
    return value


def escape_uri(value: str) -> str:
    """A URI value (URL): no escaping exists in RFC 5545, so spaces and control characters
    (a line break pasted into a link) are percent-encoded as RFC 3986 asks."""
    if _URI_UNSAFE.search(value):
        value = _URI_UNSAFE.sub(lambda match: f"%{ord(match.group()):02X}", value)
    return value


def fold(line: str) -> str:
    """One content line folded as icalendar folds it, with its CRLF: at most 74 UTF-8 octets a
    line, never inside a character, never right after a backslash (so an escape stays whole on
    one line for clients that unfold badly)."""
    if len(line) <= 74 and line.isascii():
        return line + "\r\n"
    data = line.encode("utf-8")
    if len(data) <= 74:
        return line + "\r\n"
    parts = []
    pos, size = 0, len(data)
    while size - pos > 74:
        cut = pos + 74
        while data[cut] & 0xC0 == 0x80:  # a continuation octet: cut before its character
            cut -= 1
        if data[cut - 1] in b"\\^":
            cut -= 1
        parts.append(data[pos:cut])
        pos = cut
    parts.append(data[pos:])
    return b"\r\n ".join(parts).decode("utf-8") + "\r\n"


def _utc_text(moment: datetime) -> str | None:
    """``20240301T080000Z`` for a UTC time; None for another zone (icalendar writes those)."""
    tz = moment.tzinfo
    if not isinstance(tz, timezone) or tz.utcoffset(None) != timedelta(0) or tz.tzname(None) != "UTC":
        return None
    return f"{moment.year:04}{moment.month:02}{moment.day:02}T{moment.hour:02}{moment.minute:02}{moment.second:02}Z"


def _event_url(m) -> str | None:
    """The event's URL: the step's first web address (the web pages' rule; never ``javascript:``)."""
    return next((link for link in m.links if safe_link(link)), None)


def _direct_event(schedule: Schedule, entry: ScheduleEntry, uid: str, stamp: str, modified: str,
                  revision: dict, track: str | None) -> str:
    """An all-day VEVENT, properties in icalendar's order (its canonical ones, then by name)."""
    m = entry.milestone
    categories = escape_text(m.kind) + ("," + escape_text(track) if track is not None else "")
    text = (
        "BEGIN:VEVENT\r\n"
        + fold("SUMMARY:" + escape_text(_summary(entry)))
        + "DTSTART;VALUE=DATE:" + entry.start.isoformat().replace("-", "")
        + "\r\nDTEND;VALUE=DATE:" + entry.exclusive_end.isoformat().replace("-", "")
        + "\r\nDTSTAMP:" + stamp + "\r\n"
        + fold("UID:" + escape_text(uid))
        + f"SEQUENCE:{revision['sequence']}\r\n"
        + fold("CATEGORIES:" + categories)
        + fold("DESCRIPTION:" + escape_text(_description(schedule, entry, revision)))
        + "LAST-MODIFIED:" + modified + "\r\n"
    )
    if m.venue:
        text += fold("LOCATION:" + escape_text(m.venue))
    text += "STATUS:" + _status(entry) + "\r\nTRANSP:TRANSPARENT\r\n"
    url = _event_url(m)
    if url:
        text += fold("URL:" + escape_uri(url))
    return text + "END:VEVENT\r\n"


def _icalendar_event(schedule: Schedule, entry: ScheduleEntry, uid: str, now: datetime, revision: dict,
                     track: str | None, options: FeedOptions, zones: dict, alarm: bool) -> bytes:
    """A VEVENT written by icalendar: timed events (TZID), reminders, stamps in other zones."""
    from icalendar import Alarm, Event, vCategory, vUri

    text = _text_type()
    m = entry.milestone
    event = Event()
    event.add("uid", text(uid))
    event.add("dtstamp", now)
    event.add("sequence", revision["sequence"])
    event.add("last-modified", datetime.fromisoformat(revision["modified"]))
    event.add("summary", text(_summary(entry)))
    if m.timed:
        zone_name = _zone_of(m, schedule.roadmap.timezone)
        zone = ZoneInfo(zone_name)
        assert m.start is not None and m.start.moment is not None  # timed: a start with a time of day
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
        event.add("location", text(m.venue))
    event.add("description", text(_description(schedule, entry, revision)))
    url = _event_url(m)
    if url:
        event.add("url", vUri(escape_uri(url)))
    categories = vCategory([])
    categories.cats = [text(m.kind)] + ([text(track)] if track is not None else [])
    event.add("categories", categories)
    event.add("status", _status(entry))
    if alarm:
        assert entry.deadline is not None and options.alarm_days is not None  # the caller's condition for alarm
        reminder = Alarm()
        reminder.add("action", "DISPLAY")
        reminder.add("description", text(f"{m.title}: due {entry.deadline.isoformat()}"))
        # N days before the deadline, but never after the event itself is over (then: on its last day)
        before_deadline = (entry.deadline - entry.start).days - options.alarm_days
        reminder.add("trigger", timedelta(days=min(before_deadline, (entry.end - entry.start).days)),
                     parameters={"RELATED": "START"})
        event.add_component(reminder)
    return event.to_ical()


_TEXT_TYPE = None


def _text_type():
    """icalendar's vText with our escaping (icalendar leaves X- properties unescaped and reads a
    literal ``\\N`` as a line break)."""
    global _TEXT_TYPE
    if _TEXT_TYPE is None:
        from icalendar import vText

        class Text(vText):
            def to_ical(self) -> bytes:
                return escape_text(str(self)).encode("utf-8")

        _TEXT_TYPE = Text
    return _TEXT_TYPE


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
    elif window_text(entry) and entry.state != "done":  # done: its dates are facts now
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
             + (f" ({entry.progress}%)" if entry.progress_reported else "")]
    late = lateness_text(entry, schedule, count=False)  # dates, not "N days ago": the event reads the same tomorrow
    if late:
        lines.append(late)
    window = window_label(*entry.window) if entry.window is not None and window_text(entry) \
        and entry.state != "done" else None
    if window:
        placed = "planned" if entry.closed_on is not None else "forecast"  # a closed window is not forecast
        lines.append(f"Dates to be confirmed: window {window}; {placed} {span_text(entry)}")
    elif not entry.fixed and entry.state not in ("done", "cancelled"):
        lines.append(f"Forecast dates: {span_text(entry)}")
    if m.condition:
        lines.append(f"Contingent: {m.condition}")
    if m.lead:
        lines.append(f"Lead: {m.lead}")
    if m.partners:
        lines.append(f"Partners: {', '.join(m.partners)}")
    if entry.deadline:
        lines.append(f"Deadline: {entry.deadline.isoformat()}" + (f" (forecast {entry.late_by} days past it)"
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
    return body.count(b"\r\nBEGIN:VEVENT\r\n")  # whole lines: a title may hold the words, never a line of them
