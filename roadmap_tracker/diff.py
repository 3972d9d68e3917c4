"""What moved between two schedules of a roadmap, by how much, and why.

The reason for each move is, in order of precedence: a *plan edit* (the milestone's own entry in
the file changed), a *reported fact* (status, progress or actual dates changed), a *knock-on*
(its driving predecessor moved), or *time* (work not started by the as-of date slides with it).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date

from .model import Milestone
from .scheduling import Schedule
from .wording import changes_text

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


def _value(value) -> str:
    """A plan value as the file writes it: ``10d``, ``2024-Q4``, ``draft FS 2d``, ``-`` for none."""
    if value is None or value == ():
        return "-"
    if isinstance(value, tuple):
        return ", ".join(_value(v) for v in value)
    if hasattr(value, "predecessor"):
        return value.predecessor + ("" if value.type == "FS" and value.lag.is_zero else
                                    f" {value.type}" + ("" if value.lag.is_zero else f" {value.lag}"))
    if hasattr(value, "text"):
        return value.text
    return str(value)


def compare_schedules(before: Schedule, after: Schedule) -> list[Move]:
    """The milestones of ``after`` whose dates or status differ from ``before``, in file order."""
    moves: list[Move] = []
    moved_ids = {e.id for e in after if e.id not in before.entries
                 or (e.start, e.end) != (before[e.id].start, before[e.id].end)}
    for entry in after:
        old = before.entries.get(entry.id)
        if old is None:
            moves.append(Move(entry.id, entry.title, None, None, entry.start, entry.end, None, None, None, None,
                              entry.status, "new", "added to the plan"))
            continue
        start_days = (entry.start - old.start).days
        end_days = (entry.end - old.end).days
        if not start_days and not end_days and old.status == entry.status:
            continue
        float_change = (entry.total_float - old.total_float
                        if entry.total_float is not None and old.total_float is not None else None)
        edits = _plan_changes(old.milestone, entry.milestone)
        facts = [f for f in FACT_FIELDS if getattr(old.milestone, f) != getattr(entry.milestone, f)]
        if not facts and (old.actual_start, old.actual_end, old.reported_status) != \
                (entry.actual_start, entry.actual_end, entry.reported_status):
            facts = ["status" if old.reported_status != entry.reported_status else "actual dates"]
        knock_on = bool(entry.driving and entry.driving in moved_ids and start_days)
        # a length edit explains a move only when the step's length changed with it
        edits = [f for f in edits if f not in ("duration", "estimate") or end_days != start_days]
        if edits:
            cause = "plan-edit"
            reason = "plan edit: " + "; ".join(
                f"{f} {_value(getattr(old.milestone, f))} -> {_value(getattr(entry.milestone, f))}" for f in edits)
            if knock_on:
                reason = f"knock-on: its driving predecessor {entry.driving} moved; " + reason
        elif facts:
            cause, reason = "reported", f"reported: {', '.join(facts)} ({entry.status.replace('_', ' ')})"
        elif entry.driving and entry.driving in moved_ids:
            cause, reason = "knock-on", f"knock-on: its driving predecessor {entry.driving} moved"
        elif not start_days and not end_days:
            cause, reason = "time", f"status is now {entry.status.replace('_', ' ')}"
        elif entry.state == "in_progress":
            cause, reason = "time", "under way past its planned end, so its forecast end moves with the as-of date"
        else:
            cause, reason = "time", "not started by the as-of date, so it slides with time"
        moves.append(Move(entry.id, entry.title, old.start, old.end, entry.start, entry.end, start_days, end_days,
                          float_change, old.status, entry.status, cause, reason))
    return moves


def explain_reports(moves: list[Move], history, as_of: date | None = None) -> list[Move]:
    """Name the update behind each move caused by a reported fact: of the updates in ``history``
    that describe the as-of day or an earlier one, the last recorded that set a date the move shows
    (an end, for a step now done; else a start), else the last recorded at all. A partial report
    recorded after a "done" one, for an earlier day, did not set the date that moved."""
    records: dict[str, list] = {}
    for record in history:
        if as_of is None or record.effective_on <= as_of:
            records.setdefault(record.milestone_id, []).append(record)
    explained = []
    for move in moves:
        wanted = ("actual_end",) if move.new_status == "done" else ("actual_start", "actual_end")
        candidates = records.get(move.id, [])
        setting = [r for r in candidates if any(f in r.changes for f in wanted)]
        record = (setting or candidates or [None])[-1]
        if move.cause == "reported" and record is not None:
            changed = changes_text(record.changes)
            note = f" ({record.note})" if record.note else ""
            move = dataclasses.replace(move, reason=f"reported by {record.author} on "
                                                    f"{record.recorded_at.date().isoformat()}: {changed}{note}")
        explained.append(move)
    return explained
