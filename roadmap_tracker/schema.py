"""JSON Schema of the roadmap file, generated from :mod:`roadmap_tracker.spec`.

Editors (VS Code's YAML extension, JetBrains) use it to autocomplete keys and flag mistakes
before ``roadmap validate`` runs.
"""

from __future__ import annotations

from . import spec
from .model import KINDS, LINK_TYPES, STATUSES

_DATE_PATTERN = (r"^\d{4}(-(H[12]|Q[1-4]|W\d{2}|\d{2}(-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?"
                 r"(Z|[+-]\d{2}:?\d{2})?)?)?))?$")
_DURATION_PATTERN = r"^\s*\d+\s*(d|bd|w|mo)\s*$"
_LAG_PATTERN = r"^\s*[+-]?\s*\d+\s*(d|bd|w|mo)\s*$"


def _object(fields: dict, title: str | None = None) -> dict:
    schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {key: {**_type(f.type), **_max_length(f), "description": f.description}
                       for key, f in fields.items()},
    }
    required = [key for key, f in fields.items() if f.required]
    if required:
        schema["required"] = required
    if title:
        schema["title"] = title
    return schema


def _max_length(field) -> dict:
    """The length limit the loader enforces, for text fields (see spec.MAX_LENGTH)."""
    from .spec import MAX_LENGTH

    if field.type not in ("string", "slug"):
        return {}
    return {"maxLength": field.max_length or MAX_LENGTH[field.type]}


def _type(name: str) -> dict:
    slug = {"type": "string", "pattern": spec.SLUG_PATTERN}
    date = {"type": "string", "pattern": _DATE_PATTERN}
    simple: dict[str, dict] = {
        "string": {"type": "string"},
        "slug": slug,
        "strings": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "ids": {"anyOf": [slug, {"type": "array", "items": slug}]},
        "bool": {"type": "boolean"},
        "timezone": {"type": "string", "examples": ["Europe/Zurich", "America/New_York"]},
        "date": {"anyOf": [date, {"type": "integer", "minimum": 1900, "maximum": 2999}]},
        "day": {"type": "string", "format": "date"},
        "duration": {"anyOf": [{"const": 0}, {"type": "string", "pattern": _DURATION_PATTERN}]},
        "lag": {"anyOf": [{"const": 0}, {"type": "string", "pattern": _LAG_PATTERN}]},
        "kind": {"enum": list(KINDS)},
        "status": {"enum": list(STATUSES)},
        "link_type": {"enum": list(LINK_TYPES)},
        "percent": {"type": "number", "minimum": 0, "maximum": 100},
        "weekdays": {"type": "array", "minItems": 1,
                     "items": {"enum": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}},
        "days": {"type": "array", "items": {"type": "string", "format": "date"}},
    }
    if name in simple:
        return simple[name]
    if name == "distribution":
        return {"enum": ["triangular", "pert"]}
    if name == "probability":
        return {"type": "number", "minimum": 0, "maximum": 1}
    nested = {  # built only when asked for: they refer back to this function
        "duration_or_estimate": lambda: {"anyOf": [_type("duration"), _object(spec.ESTIMATE)]},
        "slip": lambda: _object(spec.SLIP),
        "dependencies": lambda: {"type": "array", "items": {"anyOf": [slug, _object(spec.DEPENDENCY)]}},
        "actual": lambda: _object(spec.ACTUAL),
        "calendar": lambda: _object(spec.CALENDAR),
        "tracks": lambda: {"type": "array", "items": {"anyOf": [slug, _object(spec.TRACK)]}},
        "header": lambda: _object(spec.HEADER),
        "milestones": lambda: {"type": "array", "items": _object(spec.MILESTONE, "Milestone")},
    }
    return nested[name]()


def roadmap_schema() -> dict:
    """The JSON Schema (draft 2020-12) of a roadmap file."""
    schema = _object(spec.TOP_LEVEL)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://roadmap-tracker.invalid/roadmap.schema.json",
        "title": "roadmap-tracker roadmap file",
        "description": "A roadmap of an intergovernmental process: milestones, dates and dependencies.",
        **schema,
    }
