"""The roadmap file format in one table: which keys exist, their types and what they mean.

Both the validator (:mod:`roadmap_tracker.loading`) and the JSON Schema
(:mod:`roadmap_tracker.schema`) read these tables, so the two never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldSpec:
    """One key of the file: ``type`` names a converter in the loader and a schema in schema.py."""

    type: str
    description: str
    required: bool = False
    max_length: int | None = None  # characters; None: the type's limit in MAX_LENGTH


# Lengths: what a value may hold, checked when the file is read, so that no chart, feed or database
# column meets a value it cannot take (the store's columns are sized from these).
MAX_ID = 100        # ids: milestone, track, roadmap
MAX_TITLE = 300     # titles
MAX_TOKEN = 100     # one-word values: dates, durations, time zones, kinds, statuses
MAX_STRING = 2_000  # other text: lead, venue, condition, a link, a document symbol
MAX_TEXT = 20_000   # notes and descriptions, the longest text a file may hold
MAX_LENGTH = {"slug": MAX_ID, "string": MAX_STRING, "strings": MAX_STRING}


SLUG_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"  # ids of roadmaps, tracks and milestones

TOP_LEVEL = {
    "roadmap": FieldSpec("header", "The roadmap's header: id, title, time zone, target, calendar, tracks.", True),
    "milestones": FieldSpec("milestones", "The steps of the roadmap, in the order they should be shown.", True),
}

HEADER = {
    "id": FieldSpec("slug", "Short identifier of the roadmap (letters, digits, '-', '_', '.'); used in calendar UIDs.", True),
    "title": FieldSpec("string", "The roadmap's name, shown in every report.", True, MAX_TITLE),
    "description": FieldSpec("string", "A paragraph about the roadmap.", max_length=MAX_TEXT),
    "timezone": FieldSpec("timezone", "IANA time zone for timed events without their own, e.g. Europe/Zurich. Default UTC."),
    "target": FieldSpec("slug", "The milestone the roadmap exists to reach. Default: every milestone nothing depends on."),
    "calendar": FieldSpec("calendar", "Working days and holidays for business-day (bd) durations."),
    "tracks": FieldSpec("tracks", "Ordered groups of milestones: a list of {id, title}."),
}

CALENDAR = {
    "workdays": FieldSpec("weekdays", "Working days, e.g. [mon, tue, wed, thu, fri] (the default)."),
    "holidays": FieldSpec("days", "Days that are not worked, e.g. [2024-12-25]."),
}

TRACK = {
    "id": FieldSpec("slug", "Identifier that milestones name in 'track'.", True),
    "title": FieldSpec("string", "Heading shown for the group.", max_length=MAX_TITLE),
}

MILESTONE = {
    "id": FieldSpec("slug", "Unique identifier (letters, digits, '-', '_', '.').", True),
    "title": FieldSpec("string", "What the step is, in a few words.", True, MAX_TITLE),
    "kind": FieldSpec("kind", "session, meeting, resolution, decision, report, consultation, event, survey, "
                              "submission, publication, task or milestone. Default: task."),
    "track": FieldSpec("slug", "The track (group) the step belongs to; one of the header's tracks."),
    "lead": FieldSpec("string", "Who is responsible."),
    "partners": FieldSpec("strings", "Who else takes part."),
    "venue": FieldSpec("string", "Where it happens (city, building, or 'online')."),
    "timezone": FieldSpec("timezone", "IANA time zone of the venue, e.g. America/New_York."),
    "virtual": FieldSpec("bool", "True when the step happens online."),
    "links": FieldSpec("strings", "Web pages about the step."),
    "documents": FieldSpec("strings", "Document symbols that evidence the step, e.g. A/RES/80/173."),
    "notes": FieldSpec("string", "Free text.", max_length=MAX_TEXT),
    "tags": FieldSpec("strings", "Free labels."),
    "start": FieldSpec("date", "Exact day: a fixed date nobody can move. Fuzzy window (2023-H2): not before it opens. "
                               "A date and time (2025-12-16T10:00) makes a timed event."),
    "end": FieldSpec("date", "Last day (inclusive) of a fixed-date step; with a fuzzy start, the window it must end in."),
    "duration": FieldSpec("duration_or_estimate", "0 (a point milestone), 10d, 8bd (working days), 6w or 3mo; or a "
                                                  "three-point estimate {optimistic: 8w, likely: 12w, pessimistic: 20w}."),
    "distribution": FieldSpec("distribution", "How a three-point estimate is drawn by 'roadmap risk': triangular "
                                              "(default) or pert."),
    "slip": FieldSpec("slip", "For fixed dates that might move: {probability: 0.2, by: 4w}."),
    "not_before": FieldSpec("date", "Start no earlier than this day (or window)."),
    "deadline": FieldSpec("date", "Finish no later than this day (or by the end of this window); reported, never forced."),
    "during": FieldSpec("ids", "Sessions inside one of whose windows the step must happen; the first that fits is taken."),
    "after": FieldSpec("ids", "Finish-to-start predecessors."),
    "depends_on": FieldSpec("dependencies", "Predecessors with a link type (FS, SS, FF, SF) and a lag: [{id, type, lag}]."),
    "condition": FieldSpec("string", "The step is contingent on this, e.g. 'if extra-budgetary funding is received'."),
    "status": FieldSpec("status", "planned, in_progress, done, cancelled or blocked."),
    "progress": FieldSpec("percent", "Per cent complete, 0-100."),
    "actual": FieldSpec("actual", "What happened: {start, end} as exact days."),
}

DEPENDENCY = {
    "id": FieldSpec("slug", "The predecessor's id.", True),
    "type": FieldSpec("link_type", "FS (finish-to-start, the default), SS, FF or SF."),
    "lag": FieldSpec("lag", "Wait after the link (2w), or a lead when negative (-1w)."),
}

ACTUAL = {
    "start": FieldSpec("day", "The day the step really started."),
    "end": FieldSpec("day", "The day the step really finished (inclusive)."),
}

ESTIMATE = {
    "optimistic": FieldSpec("duration", "The shortest it could take.", True),
    "likely": FieldSpec("duration", "The most likely length; the plan uses this one.", True),
    "pessimistic": FieldSpec("duration", "The longest it could take.", True),
}

SLIP = {
    "probability": FieldSpec("probability", "Chance that the date moves, 0 to 1.", True),
    "by": FieldSpec("duration", "How far it moves when it does.", True),
}
