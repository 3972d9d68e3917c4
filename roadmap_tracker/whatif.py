"""What if a step slips, or ends on another day? The plan changed in memory, rescheduled, compared.

Nothing stored changes. The answer lists every milestone whose dates move, deadlines newly
missed, fixed-date sessions whose preparation becomes infeasible, steps that now miss the session
they were planned for (and the session they move to), and the new critical path.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, timedelta

from .dates import LAST_DAY, FIRST_DAY, DateWindow, Duration
from .errors import InvalidValue, RoadmapInvalid
from .diff import Move, compare_schedules
from .model import Facts, Milestone
from .scheduling import Schedule, compute_schedule


@dataclass
class WhatIf:
    """The result of a what-if: moves, deadlines newly missed, sessions made infeasible, steps pushed
    out of the session they were to be taken up at, critical path."""

    changes: list[str]
    moves: list[Move]
    deadlines_missed: list[tuple[str, date, int, int]] = field(default_factory=list)  # id, deadline, before, after
    infeasible_sessions: list[str] = field(default_factory=list)
    sessions_missed: list[tuple[str, tuple[str, ...], str | None]] = field(default_factory=list)  # id, missed, now in
    sessions_regained: list[tuple[str, str | None]] = field(default_factory=list)  # id, the session it now makes
    critical_path: list[str] = field(default_factory=list)
    critical_path_before: list[str] = field(default_factory=list)


def _shift_window(window: DateWindow, days: int) -> DateWindow:
    try:
        first, last = window.first + timedelta(days=days), window.last + timedelta(days=days)
    except OverflowError:
        first = last = date.max
    if first < FIRST_DAY or last > LAST_DAY:
        raise InvalidValue(f"slipping by {days:+d} days moves {window} out of the years a roadmap spans "
                           f"({FIRST_DAY}..{LAST_DAY}); give a smaller slip")
    first, last = window.first + timedelta(days=days), window.last + timedelta(days=days)
    moment = window.moment + timedelta(days=days) if window.moment else None
    return DateWindow(first, last, moment.isoformat() if moment else first.isoformat(), moment)


def _from_its_start(m: Milestone, entry) -> Milestone:
    """``m`` kept from starting before the day it starts now (a step not started yet): a changed
    length then moves its end, whatever link set that end."""
    if entry.state != "planned" or (m.not_before is not None and m.not_before.first >= entry.start):
        return m
    return dataclasses.replace(m, not_before=DateWindow(entry.start, entry.start, entry.start.isoformat()))


def what_if(schedule: Schedule, slips: dict[str, int] | None = None, finishes: dict[str, date] | None = None,
            facts: dict | None = None) -> WhatIf:
    """Reschedule ``schedule``'s roadmap with steps slipped by some days or finishing on given days.

    ``facts`` are the effective facts the schedule was computed with (the tracking store's).
    Raises :class:`InvalidValue` for a change that cannot apply (a done step, a finish before
    the start).
    """
    roadmap = schedule.roadmap
    replaced: dict[str, Milestone] = {}
    described = []
    notes: dict[str, list[str]] = {}
    for milestone_id, days in (slips or {}).items():
        entry = schedule[milestone_id]
        m = replaced.get(milestone_id, entry.milestone)
        if entry.state in ("done", "cancelled"):
            raise InvalidValue(f"'{milestone_id}' is {entry.state}; only steps still to come can slip")
        if m.fixed:
            assert m.start is not None  # fixed means a start date
            m = dataclasses.replace(m, start=_shift_window(m.start, days),
                                    end=_shift_window(m.end, days) if m.end else None)
        else:  # longer from the same start, so the end moves (an FF link cannot just start it earlier)
            span = entry.span[1] - entry.span[0]
            m = _from_its_start(dataclasses.replace(m, duration=Duration(max(span + days, 0), "d"), estimate=None),
                                entry)
        replaced[milestone_id] = m
        described.append(f"{milestone_id} slips {days:+d} days")
        notes.setdefault(milestone_id, []).append(described[-1])
    for milestone_id, day in (finishes or {}).items():
        entry = schedule[milestone_id]
        m = replaced.get(milestone_id, entry.milestone)
        if entry.state in ("done", "cancelled"):
            raise InvalidValue(f"'{milestone_id}' is {entry.state}; its finish is already known")
        if day < entry.start:
            raise InvalidValue(f"'{milestone_id}' starts {entry.start}; it cannot finish on {day}, before that")
        if m.fixed:
            m = dataclasses.replace(m, end=DateWindow(day, day, day.isoformat()), duration=None)
        else:
            m = _from_its_start(dataclasses.replace(m, duration=Duration((day - entry.start).days + 1, "d"),
                                                    estimate=None), entry)
        if entry.state == "in_progress":  # its reported progress no longer decides the end: the day given does
            facts = dict(facts or {})
            known = facts.get(milestone_id) or Facts.from_milestone(entry.milestone)
            facts[milestone_id] = Facts("done", 100, known.actual_start, day, known.documents) \
                if day < schedule.as_of else Facts("in_progress", None, known.actual_start, None, known.documents)
        replaced[milestone_id] = m
        described.append(f"{milestone_id} finishes {day.isoformat()}")
        notes.setdefault(milestone_id, []).append(described[-1])
    changed = dataclasses.replace(roadmap, milestones=tuple(replaced.get(m.id, m) for m in roadmap.milestones))
    try:
        after = compute_schedule(changed, schedule.as_of, facts)
    except RoadmapInvalid as exc:  # the changed plan runs out of range: the change is at fault, not the file
        raise InvalidValue(f"with {', '.join(described)}, {exc.diagnostics[0].message}; "
                           "give a smaller slip or an earlier finish") from None
    reasons = {mid: "; ".join(text) for mid, text in notes.items()}
    moves = [dataclasses.replace(m, cause="what-if", reason=f"what-if: {reasons[m.id]}") if m.id in reasons else m
             for m in compare_schedules(schedule, after)]
    result = WhatIf(described, moves)
    for entry in after:
        before = schedule[entry.id]
        if entry.late_by > before.late_by:
            result.deadlines_missed.append((entry.id, entry.deadline, before.late_by, entry.late_by))
    infeasible_before = {d.milestone for d in schedule.diagnostics if d.code == "fixed-date-infeasible"}
    result.infeasible_sessions = [d.milestone for d in after.diagnostics
                                  if d.code == "fixed-date-infeasible" and d.milestone not in infeasible_before]
    for entry in after:
        before = schedule[entry.id]
        newly = tuple(s for s in entry.missed_sessions if s not in before.missed_sessions)
        if newly:
            result.sessions_missed.append((entry.id, newly, entry.session))
        elif before.missed_sessions and entry.session is not None and entry.session in before.missed_sessions:
            result.sessions_regained.append((entry.id, entry.session))
    result.critical_path = [e.id for e in after.driving_chain(after.targets[0])]
    result.critical_path_before = [e.id for e in schedule.driving_chain(schedule.targets[0])]
    return result
