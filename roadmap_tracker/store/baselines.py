"""Saved baselines: a plan and its facts frozen under a name, recomputed on demand."""

from __future__ import annotations

from datetime import date

from ..scheduling import Schedule


def baseline_schedule(store, name: str) -> tuple[Schedule, dict]:
    """A saved baseline recomputed from its stored plan text and facts (and the stored row)."""
    import json

    from ..errors import RoadmapInvalid
    from ..loading import parse_roadmap_bytes
    from ..scheduling import compute_schedule
    from . import facts_from_json
    from .rules import merge_all

    row = store.baseline(name)
    roadmap, diagnostics = parse_roadmap_bytes(row["plan"].encode("utf-8"), f"baseline {name}")
    if roadmap is None or any(d.is_error for d in diagnostics):
        raise RoadmapInvalid(diagnostics)
    facts = merge_all(roadmap, facts_from_json(json.loads(row["facts"])))
    return compute_schedule(roadmap, date.fromisoformat(row["as_of"]), facts), row
