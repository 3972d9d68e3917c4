"""CSV and JSON: the roadmap for spreadsheets and programs, out and (CSV) back in.

The CSV columns are documented in docs/format.md; the plan columns come back in with
``roadmap import csv``, the computed ones (forecast, float, critical) are for reading only.
"""

from __future__ import annotations

import csv
import io
import json
import re

from ..text import schedule_row
from ..wording import iso
from ..scheduling import Schedule

PLAN_COLUMNS = ("id", "title", "kind", "track", "lead", "start", "end", "duration", "not_before", "deadline",
                "depends_on", "during", "condition", "status", "progress", "actual_start", "actual_end")
COMPUTED_COLUMNS = ("forecast_start", "forecast_end", "total_float", "critical")
CSV_COLUMNS = PLAN_COLUMNS + COMPUTED_COLUMNS

#: A cell starting with one of these is a formula to Excel and LibreOffice (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def safe_cell(value: object) -> object:
    """``value`` as a spreadsheet may show it without running it: text that would start a formula
    gets a leading ``'`` (the OWASP rule), except plain numbers. A value that already starts with
    ``'`` before such a character gets one more, so :func:`unsafe_cell` gives back the exact text.
    """
    if not isinstance(value, str) or not value:
        return value
    if value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    if value.startswith("'") and value.lstrip("'").startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unsafe_cell(value: str) -> str:
    """The text :func:`safe_cell` protected."""
    if value.startswith("'") and value.lstrip("'").startswith(FORMULA_STARTS):
        return value[1:]
    return value


def dependency_text(milestone) -> str:
    """``a; b SS 2d; c FF -1w``: predecessors, with type and lag where they are not plain FS."""
    parts = []
    for dep in milestone.dependencies:
        text = dep.predecessor
        if dep.type != "FS" or not dep.lag.is_zero:
            text += f" {dep.type}" + ("" if dep.lag.is_zero else f" {dep.lag}")
        parts.append(text)
    return "; ".join(parts)


def to_csv(schedule: Schedule) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for e in schedule:
        m = e.milestone
        writer.writerow({key: safe_cell(value) for key, value in {
            "id": m.id, "title": m.title, "kind": m.kind, "track": m.track or "", "lead": m.lead or "",
            "start": m.start.text if m.start else "", "end": m.end.text if m.end else "",
            "duration": str(m.duration) if m.duration is not None else "",
            "not_before": m.not_before.text if m.not_before else "", "deadline": m.deadline.text if m.deadline else "",
            "depends_on": dependency_text(m), "during": "; ".join(m.during), "condition": m.condition or "",
            "status": m.status or "", "progress": "" if m.progress is None else m.progress,
            "actual_start": iso(m.actual_start) or "", "actual_end": iso(m.actual_end) or "",
            "forecast_start": iso(e.start), "forecast_end": iso(e.end),
            "total_float": "" if e.total_float is None else e.total_float, "critical": str(e.critical).lower(),
        }.items()})
    return out.getvalue()


def to_json(schedule: Schedule) -> str:
    """The full computed schedule; its shape is :func:`export_json_schema`."""
    roadmap = schedule.roadmap
    milestones = []
    for e in schedule:
        m = e.milestone
        milestones.append({
            **schedule_row(e),
            "deadline": iso(e.deadline), "lead": m.lead, "venue": m.venue, "condition": m.condition,
            "progress": e.progress, "actual_start": iso(e.actual_start), "actual_end": iso(e.actual_end),
            "point": e.point, "window": [iso(e.window[0]), iso(e.window[1])] if e.window else None,
            "documents": list(e.documents), "links": list(m.links),
            "dependencies": [{"id": d.predecessor, "type": d.type, "lag": str(d.lag)} for d in m.dependencies],
        })
    return json.dumps({
        "roadmap": {"id": roadmap.id, "title": roadmap.title, "plan_hash": roadmap.content_hash,
                    "tracks": [{"id": t.id, "title": t.title} for t in roadmap.tracks]},
        "as_of": schedule.as_of.isoformat(), "targets": list(schedule.targets), "milestones": milestones,
    }, indent=2, ensure_ascii=False) + "\n"


def export_json_schema() -> dict:
    """JSON Schema (draft 2020-12) of ``roadmap export json``."""
    date = {"type": ["string", "null"], "format": "date"}
    day = {"type": "string", "format": "date"}
    step = {
        "type": "object",
        "required": ["id", "title", "kind", "track", "start", "end", "early_start", "early_finish", "late_start",
                     "late_finish", "total_float", "free_float", "critical", "fixed", "status", "driving",
                     "dependencies"],
        "properties": {
            "id": {"type": "string"}, "title": {"type": "string"}, "kind": {"type": "string"},
            "track": {"type": ["string", "null"]}, "start": day, "end": day, "early_start": day,
            "early_finish": day, "late_start": date, "late_finish": date,
            "total_float": {"type": ["integer", "null"], "description": "calendar days; null when done"},
            "free_float": {"type": ["integer", "null"]}, "critical": {"type": "boolean"},
            "fixed": {"type": "boolean"},
            "status": {"enum": ["planned", "in_progress", "done", "cancelled", "blocked"]},
            "near_critical": {"type": "boolean"}, "expected_start": date, "expected_end": date,
            "late_days": {"type": "integer"},
            "lateness": {"enum": ["overdue", "late_to_start", "window_passed", "to_confirm", None],
                         "description": "what late_days counts: null when neither late, nor an open condition whose "
                                        "time passed, nor presumed held (docs/format.md)"},
            "presumed": {"enum": ["in_session", "window_open", "held", "closed", None],
                         "description": "what is taken for granted of a step with nothing recorded whose dates came"},
            "closed_on": date,
            "driving_ties": {"type": "array", "items": {"type": "string"}},
            "driving": {"type": ["string", "null"]}, "deadline": date, "lead": {"type": ["string", "null"]},
            "venue": {"type": ["string", "null"]}, "condition": {"type": ["string", "null"]},
            "progress": {"type": "integer"}, "actual_start": date, "actual_end": date, "point": {"type": "boolean"},
            "window": {"type": ["array", "null"], "items": day},
            "documents": {"type": "array", "items": {"type": "string"}},
            "links": {"type": "array", "items": {"type": "string"}},
            "dependencies": {"type": "array", "items": {
                "type": "object", "required": ["id", "type", "lag"],
                "properties": {"id": {"type": "string"}, "type": {"enum": ["FS", "SS", "FF", "SF"]},
                               "lag": {"type": "string"}}}},
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://roadmap-tracker.invalid/export.schema.json",
        "title": "roadmap-tracker computed schedule (roadmap export json)",
        "type": "object", "required": ["roadmap", "as_of", "targets", "milestones"],
        "properties": {
            "roadmap": {"type": "object", "required": ["id", "title"]},
            "as_of": day, "targets": {"type": "array", "items": {"type": "string"}},
            "milestones": {"type": "array", "items": step},
        },
    }

