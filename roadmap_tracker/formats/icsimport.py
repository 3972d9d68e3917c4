"""Official calendars in: events of an iCalendar feed (a file or a URL) as fixed-date session steps.

Sessions are decided by others and published as calendars. ``roadmap import ics`` keeps the events
whose title matches ``--match``, and makes each a step with its dates (all-day events as days,
the last day inclusive; timed events as date-times in the event's time zone), venue, time zone
and a link ``ics-uid:UID`` that identifies it on the next import. Importing again updates the
dates of the steps it created (found by that link) and reports what moved; steps it did not create
are never touched. Recurring events are refused with the line of the event (a session is a
single event).
"""

from __future__ import annotations

import re
import urllib.request
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from ..errors import Diagnostic, InvalidValue, RoadmapInvalid
from ..loading import MAX_FILE_BYTES, SLUG

UID_LINK = "ics-uid:"
_OUR_UID = re.compile(r"^(?P<id>[A-Za-z0-9][A-Za-z0-9._-]*)@[A-Za-z0-9._-]+\.roadmap-tracker$")


@dataclass
class CalendarStep:
    """A step made from one event: the YAML-ready entry and the event's line in the file."""

    uid: str
    entry: dict
    line: int


@dataclass
class Merge:
    """What a re-import changed: new steps, moved steps (old and new dates), steps gone from the feed."""

    added: list[str] = field(default_factory=list)
    moved: list[tuple[str, str, str]] = field(default_factory=list)
    unchanged: int = 0
    gone: list[str] = field(default_factory=list)
    appended: list[tuple[int, int]] = field(default_factory=list)  # (line in the merged file, event line)


def read_calendar_source(source: str, timeout: float = 30) -> tuple[bytes, str]:
    """The bytes of a calendar file or an http(s)/webcal URL (at most 32 MB), and its name."""
    if re.match(r"^(https?|webcal)://", source, re.IGNORECASE):
        url = re.sub(r"^webcal://", "https://", source, flags=re.IGNORECASE)
        request = urllib.request.Request(url, headers={"User-Agent": "roadmap-tracker (calendar import)"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http/https only)
                data = response.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise InvalidValue(f"{source}: cannot fetch the calendar: {getattr(exc, 'reason', exc)}") from None
        if len(data) > MAX_FILE_BYTES:
            raise InvalidValue(f"{source}: the calendar is larger than {MAX_FILE_BYTES // 1048576} MB")
        return data, source
    from .importers import read_source

    return read_source(Path(source)), source


def _event_lines(text: str) -> list[int]:
    """The line of each BEGIN:VEVENT, in order (icalendar does not keep lines)."""
    return [n for n, line in enumerate(text.splitlines(), 1) if line.strip().upper() == "BEGIN:VEVENT"]


def calendar_steps(data: bytes, name: str, match: str, kind: str = "session", track: str | None = None,
                   known_ids: dict[str, str] | None = None, taken: set[str] | None = None) -> list[CalendarStep]:
    """The steps for the events of ``data`` whose SUMMARY matches the regular expression ``match``.

    ``known_ids`` maps UIDs to the ids of steps made earlier (kept); ``taken`` holds ids in use.
    """
    from icalendar import Calendar

    try:
        pattern = re.compile(match, re.IGNORECASE)
    except re.error as exc:
        raise InvalidValue(f"--match '{match}' is not a regular expression: {exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RoadmapInvalid([Diagnostic("error", "not-utf8", "the calendar is not UTF-8 text", name,
                                         data[: exc.start].count(b"\n") + 1)]) from None
    try:
        calendars = Calendar.from_ical(text, multiple=True)
    except (ValueError, IndexError, KeyError) as exc:
        raise RoadmapInvalid([Diagnostic("error", "invalid-ics", f"not an iCalendar file: {exc}"[:200], name, 1,
                                         "export the calendar as .ics (iCalendar)")]) from None
    lines = iter(_event_lines(text))
    known_ids = dict(known_ids or {})
    taken = set(taken or ())
    problems: list[Diagnostic] = []
    steps: list[CalendarStep] = []
    for calendar in calendars:
        for event in calendar.walk("VEVENT"):
            line = next(lines, 1)
            summary = str(event.get("SUMMARY", "")).strip()
            if not summary or not pattern.search(summary):
                continue
            uid = str(event.get("UID", "")).strip() or f"line-{line}@{Path(name).name}"

            def bad(message: str, hint: str | None = None) -> None:
                problems.append(Diagnostic("error", "invalid-event", f"event '{summary[:60]}': {message}", name, line,
                                           hint))

            if event.get("RRULE") is not None or event.get("RDATE") is not None:
                bad("is a recurring event", "a session is one event; narrow --match or export the occurrences")
                continue
            try:
                entry = _event_entry(event, summary, kind, track)
            except ValueError as exc:
                bad(str(exc))
                continue
            ident = known_ids.get(uid) or _new_id(uid, summary, taken)
            taken.add(ident)
            known_ids[uid] = ident
            steps.append(CalendarStep(uid, {"id": ident, **entry}, line))
    if problems:
        raise RoadmapInvalid(problems)
    return steps


def _new_id(uid: str, summary: str, taken: set[str]) -> str:
    ours = _OUR_UID.match(uid)
    base = ours["id"] if ours else (re.sub(r"[^a-z0-9]+", "-", summary.lower()).strip("-")[:60] or "session")
    ident, n = base, 2
    while ident in taken:
        ident, n = f"{base}-{n}", n + 1
    return ident


def _event_entry(event, summary: str, kind: str, track: str | None) -> dict:
    start = event.decoded("DTSTART", None)
    if start is None:
        raise ValueError("has no DTSTART")
    if event.get("DTEND") is not None:
        end = event.decoded("DTEND")
    elif event.get("DURATION") is not None:
        end = start + event.decoded("DURATION")
    else:
        end = start + timedelta(days=1) if not isinstance(start, datetime) else start
    for value in (start, end):
        if not 1900 <= value.year <= 2999:
            raise ValueError(f"{value.isoformat()} is out of range (years 1900-2999)")
    entry: dict = {"title": summary[:500], "kind": kind}
    if track:
        entry["track"] = track
    if event.get("LOCATION"):
        entry["venue"] = " ".join(str(event["LOCATION"]).split())[:500]
    if isinstance(start, datetime):
        if not isinstance(end, datetime):
            raise ValueError("starts at a time but ends on a day")
        zone = getattr(start.tzinfo, "key", None)
        if start.tzinfo is not None and zone is None:  # a fixed offset or UTC: keep the instant in UTC
            from datetime import timezone

            start, end, zone = start.astimezone(timezone.utc), end.astimezone(timezone.utc), "UTC"
        if zone:
            entry["timezone"] = zone
        local_end = end.astimezone(start.tzinfo) if start.tzinfo else end
        if local_end <= start:
            raise ValueError("ends before it starts")
        entry["start"] = start.replace(tzinfo=None).isoformat(timespec="minutes")
        entry["end"] = local_end.replace(tzinfo=None).isoformat(timespec="minutes")
    else:
        last = (end if isinstance(end, date) else end.date()) - timedelta(days=1)
        if last < start:
            last = start
        entry["start"], entry["end"] = start.isoformat(), last.isoformat()
    links = [f"{UID_LINK}{event.get('UID', '')}".strip()] if event.get("UID") else []
    if event.get("URL"):
        links.append(str(event["URL"]))
    if links:
        entry["links"] = links
    order = ("title", "kind", "track", "venue", "timezone", "links", "start", "end")
    return {k: entry[k] for k in order if k in entry}


def steps_document(steps: list[CalendarStep], name: str, title: str | None = None) -> dict:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(name).stem).strip("-.") or "sessions"
    if not SLUG.match(stem):
        stem = "sessions"
    return {"roadmap": {"id": stem[:60], "title": title or f"Sessions from {Path(name).name}"},
            "milestones": [s.entry for s in steps]}


def merge_text(text: str, roadmap, steps: list[CalendarStep]) -> tuple[str, Merge]:
    """``text`` (a roadmap file) with the steps merged: dates of steps made earlier updated in
    place (comments and layout kept), new steps appended to the milestones list."""
    import yaml

    result = Merge()
    by_uid = {}
    for m in roadmap.milestones:
        for link in m.links:
            if link.startswith(UID_LINK):
                by_uid[link[len(UID_LINK):]] = m
    lines = text.splitlines(keepends=True)
    seen = set()
    new_entries = []
    for step in steps:
        existing = by_uid.get(step.uid)
        seen.add(step.uid)
        if existing is None:
            new_entries.append(step)
            result.added.append(step.entry["id"])
            continue
        old = f"{existing.start.text if existing.start else ''}..{existing.end.text if existing.end else ''}"
        new = f"{step.entry['start']}..{step.entry['end']}"
        if old == new:
            result.unchanged += 1
            continue
        for key in ("start", "end"):
            window = getattr(existing, key)
            if window is None or key not in existing.key_lines:
                raise InvalidValue(f"{roadmap.path}:{existing.line}: step '{existing.id}' came from the calendar but "
                                   f"has no '{key}' to update; add it, or remove its '{UID_LINK}' link")
            number = existing.key_lines[key] - 1
            pattern = re.compile(rf"(\b{key}:\s*['\"]?){re.escape(window.text)}(['\"]?)")
            if not pattern.search(lines[number]):
                raise InvalidValue(f"{roadmap.path}:{number + 1}: cannot find '{key}: {window.text}' to update")
            lines[number] = pattern.sub(lambda m: f"{m[1]}{step.entry[key]}{m[2]}", lines[number], count=1)
        result.moved.append((existing.id, old, new))
    result.gone = [m.id for uid, m in by_uid.items() if uid not in seen]
    merged = "".join(lines)
    if new_entries:
        if merged and not merged.endswith("\n"):
            merged += "\n"
        indent = _item_indent(text, roadmap)
        for step in new_entries:
            result.appended.append((merged.count("\n") + 1, step.line))
            block = yaml.safe_dump([step.entry], sort_keys=False, allow_unicode=True, width=110)
            merged += "".join(indent + line if line.strip() else line for line in block.splitlines(keepends=True))
    return merged, result


def _item_indent(text: str, roadmap) -> str:
    if roadmap.milestones:
        line = text.splitlines()[roadmap.milestones[0].line - 1]
        return line[: len(line) - len(line.lstrip())]
    return "  "


def located_in_calendar(diagnostics, result: Merge, calendar: str) -> list:
    """Problems in the steps appended by a merge, named at the calendar's event instead."""
    import bisect
    import dataclasses

    starts = [line for line, _ in result.appended]
    out = []
    for d in diagnostics:
        index = bisect.bisect_right(starts, d.line or 0) - 1
        out.append(dataclasses.replace(d, file=calendar, line=result.appended[index][1]) if index >= 0 else d)
    return out


__all__ = ["located_in_calendar", "calendar_steps", "merge_text", "read_calendar_source", "steps_document", "Merge", "UID_LINK"]
