"""The plan as the roadmap file declares it, as plain data: what a lossless export carries.

Every exporter that promises a round trip (MS Project XML, Excel) writes these values, and every
importer turns them back into the same keys; the loader then checks them as it checks any file.
Nothing computed (forecast dates, float) is in here: only what a person wrote.
"""

from __future__ import annotations

from ..dates import WEEKDAY_NAMES
from ..model import Milestone, Roadmap

#: Keys whose values are lists or mappings (they travel as JSON text in a single cell or field).
STRUCTURED = ("partners", "links", "documents", "tags", "during", "depends_on", "actual", "slip", "tracks",
              "calendar")


def milestone_fields(m: Milestone) -> dict:
    """The keys the file gave for ``m`` (defaults left out), in the order ``roadmap init`` writes them."""
    out: dict = {"id": m.id, "title": m.title}
    if m.kind != "task":
        out["kind"] = m.kind
    for key in ("track", "lead"):
        if getattr(m, key) is not None:
            out[key] = getattr(m, key)
    if m.partners:
        out["partners"] = list(m.partners)
    for key in ("venue", "timezone", "virtual"):
        if getattr(m, key) is not None:
            out[key] = getattr(m, key)
    for key in ("links", "documents"):
        if getattr(m, key):
            out[key] = list(getattr(m, key))
    if m.notes is not None:
        out["notes"] = m.notes
    if m.tags:
        out["tags"] = list(m.tags)
    for key in ("start", "end"):
        if getattr(m, key) is not None:
            out[key] = getattr(m, key).text
    if m.estimate is not None:
        out["duration"] = dict(zip(("optimistic", "likely", "pessimistic"), (str(d) for d in m.estimate)))
    elif m.duration is not None:
        out["duration"] = 0 if m.duration.is_zero else str(m.duration)
    if m.distribution != "triangular":
        out["distribution"] = m.distribution
    if m.slip is not None:
        out["slip"] = {"probability": m.slip[0], "by": str(m.slip[1])}
    for key in ("not_before", "deadline"):
        if getattr(m, key) is not None:
            out[key] = getattr(m, key).text
    if m.during:
        out["during"] = list(m.during)
    if m.dependencies:
        out["depends_on"] = dependency_list(m)
    for key in ("condition", "status", "progress"):
        if getattr(m, key) is not None:
            out[key] = getattr(m, key)
    actual = {k: v.isoformat() for k, v in (("start", m.actual_start), ("end", m.actual_end)) if v}
    if actual:
        out["actual"] = actual
    return out


def dependency_list(m: Milestone) -> list[dict]:
    return [{"id": d.predecessor, "type": d.type, **({"lag": str(d.lag)} if not d.lag.is_zero else {})}
            for d in m.dependencies]


def header_fields(roadmap: Roadmap) -> dict:
    """The header keys: id, title, time zone, target, calendar and tracks."""
    out: dict = {"id": roadmap.id, "title": roadmap.title}
    if roadmap.timezone != "UTC":
        out["timezone"] = roadmap.timezone
    if roadmap.target is not None:
        out["target"] = roadmap.target
    calendar = calendar_fields(roadmap)
    if calendar:
        out["calendar"] = calendar
    if roadmap.tracks:
        out["tracks"] = [{"id": t.id, "title": t.title} for t in roadmap.tracks]
    return out


def calendar_fields(roadmap: Roadmap) -> dict:
    from datetime import date

    calendar = roadmap.calendar
    out: dict = {}
    if calendar.workdays != frozenset(range(5)):
        out["workdays"] = [WEEKDAY_NAMES[d] for d in sorted(calendar.workdays)]
    if calendar.holidays:
        out["holidays"] = [date.fromordinal(d).isoformat() for d in sorted(calendar.holidays)]
    return out


def tidy_milestone(entry: dict) -> dict:
    """Plain finish-to-start links as ``after:``, the way people write them."""
    deps = entry.get("depends_on")
    if isinstance(deps, list) and deps and all(isinstance(d, dict) and d.get("type", "FS") == "FS" and not d.get("lag") for d in deps):
        position = list(entry).index("depends_on")
        items = list(entry.items())
        items[position] = ("after", [d["id"] for d in deps])
        return dict(items)
    return entry
