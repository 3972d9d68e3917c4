"""What moved between two schedules of a roadmap, by how much, and why.

The reason for each move is, in order of precedence: a *plan edit* (the milestone's own entry in
the file changed), a *reported fact* (status, progress or actual dates changed), a *knock-on*
(its driving predecessor moved), or *time* (work not started by the as-of date slides with it).
"""

from __future__ import annotations

import dataclasses
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .model import Milestone, Roadmap
from .scheduling import Schedule

FACT_FIELDS = ("status", "progress", "actual_start", "actual_end")
IGNORED_FIELDS = {"line", "index", "key_lines"} | set(FACT_FIELDS)


@dataclass(frozen=True)
class Move:
    """One milestone whose dates changed: days moved (positive = later) and the reason in words."""

    id: str
    title: str
    old_start: date | None
    old_end: date | None
    new_start: date
    new_end: date
    start_days: int | None
    end_days: int | None
    float_change: int | None
    old_status: str | None
    new_status: str
    cause: str  # plan-edit | reported | knock-on | time | new
    reason: str


def _plan_changes(old: Milestone, new: Milestone) -> list[str]:
    return [f.name for f in dataclasses.fields(Milestone)
            if f.name not in IGNORED_FIELDS and getattr(old, f.name) != getattr(new, f.name)]


def compare_schedules(before: Schedule, after: Schedule) -> list[Move]:
    """The milestones of ``after`` whose dates or status differ from ``before``, in file order."""
    moves: list[Move] = []
    moved_ids = {e.id for e in after if e.id not in before.entries
                 or (e.start, e.end) != (before[e.id].start, before[e.id].end)}
    for entry in after:
        old = before.entries.get(entry.id)
        if old is None:
            moves.append(Move(entry.id, entry.title, None, None, entry.start, entry.end, None, None, None, None,
                              entry.state, "new", "added to the plan"))
            continue
        start_days = (entry.start - old.start).days
        end_days = (entry.end - old.end).days
        if not start_days and not end_days and old.state == entry.state:
            continue
        float_change = (entry.total_float - old.total_float
                        if entry.total_float is not None and old.total_float is not None else None)
        edits = _plan_changes(old.milestone, entry.milestone)
        facts = [f for f in FACT_FIELDS if getattr(old.milestone, f) != getattr(entry.milestone, f)]
        if not facts and (old.actual_start, old.actual_end, old.reported_status) != \
                (entry.actual_start, entry.actual_end, entry.reported_status):
            facts = ["status" if old.reported_status != entry.reported_status else "actual dates"]
        if edits:
            cause, reason = "plan-edit", f"plan edit: {', '.join(edits)} changed in the file"
        elif facts:
            cause, reason = "reported", f"reported: {', '.join(facts)} ({entry.state.replace('_', ' ')})"
        elif entry.driving and entry.driving in moved_ids:
            cause, reason = "knock-on", f"knock-on: its driving predecessor {entry.driving} moved"
        elif not start_days and not end_days:
            cause, reason = "time", f"status is now {entry.state.replace('_', ' ')}"
        else:
            cause, reason = "time", "not started by the as-of date, so it slides with time"
        moves.append(Move(entry.id, entry.title, old.start, old.end, entry.start, entry.end, start_days, end_days,
                          float_change, old.state, entry.state, cause, reason))
    return moves


def roadmap_file_at(path: Path, when: date) -> bytes | None:
    """The roadmap file as committed in git before ``when`` (None outside git or without history)."""
    path = Path(path).resolve()
    try:
        rev = subprocess.run(["git", "rev-list", "-1", f"--before={when.isoformat()}T00:00", "HEAD", "--",
                              path.name], cwd=path.parent, capture_output=True, text=True, check=True,
                             timeout=30).stdout.strip()
        if not rev:
            return None
        return subprocess.run(["git", "show", f"{rev}:./{path.name}"], cwd=path.parent, capture_output=True,
                              check=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None


def previous_roadmap(roadmap: Roadmap, when: date) -> tuple[Roadmap, str]:
    """The plan as it stood on ``when``: from git history if there is one, else the current file."""
    from .loading import parse_roadmap_bytes

    data = roadmap_file_at(Path(roadmap.path), when) if roadmap.path != "<memory>" else None
    if data is not None:
        old, diagnostics = parse_roadmap_bytes(data, f"{roadmap.path}@{when.isoformat()}")
        if old is not None and not any(d.is_error for d in diagnostics):
            return old, f"the roadmap file as committed in git before {when.isoformat()}"
    return roadmap, "the current roadmap file, as git has no earlier version"


def explain_reports(moves: list[Move], history) -> list[Move]:
    """Name the update behind each move caused by a reported fact (the latest one in ``history``)."""
    latest = {}
    for record in history:
        latest[record.milestone_id] = record
    explained = []
    for move in moves:
        record = latest.get(move.id)
        if move.cause == "reported" and record is not None:
            changed = ", ".join(f"{field} {old or '-'} -> {new or '-'}" for field, (old, new) in
                                sorted(record.changes.items()))
            note = f" ({record.note})" if record.note else ""
            move = dataclasses.replace(move, reason=f"reported by {record.author} on "
                                                    f"{record.recorded_at.date().isoformat()}: {changed}{note}")
        explained.append(move)
    return explained


def roadmap_at_revision(path: Path, rev: str) -> Roadmap:
    """The roadmap file as it is at a git revision; :class:`InvalidValue` when git cannot show it."""
    from .errors import InvalidValue, RoadmapInvalid
    from .loading import parse_roadmap_bytes

    path = Path(path).resolve()
    try:
        data = subprocess.run(["git", "show", f"{rev}:./{path.name}"], cwd=path.parent, capture_output=True,
                              check=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        detail = (getattr(exc, "stderr", b"") or b"").decode(errors="replace").strip()
        raise InvalidValue(f"git cannot show {path.name} at '{rev}': {detail or exc}") from None
    roadmap, diagnostics = parse_roadmap_bytes(data, f"{rev}:{path.name}")
    if roadmap is None or any(d.is_error for d in diagnostics):
        raise RoadmapInvalid(diagnostics)
    return roadmap


def baseline_schedule(store, name: str) -> tuple[Schedule, dict]:
    """A saved baseline recomputed from its stored plan text and facts (and the stored row)."""
    import json

    from .errors import RoadmapInvalid
    from .loading import parse_roadmap_bytes
    from .scheduling import compute_schedule
    from .storage import facts_from_json
    from .tracking import merge_all

    row = store.baseline(name)
    roadmap, diagnostics = parse_roadmap_bytes(row["plan"].encode("utf-8"), f"baseline {name}")
    if roadmap is None or any(d.is_error for d in diagnostics):
        raise RoadmapInvalid(diagnostics)
    facts = merge_all(roadmap, facts_from_json(json.loads(row["facts"])))
    return compute_schedule(roadmap, date.fromisoformat(row["as_of"]), facts), row
