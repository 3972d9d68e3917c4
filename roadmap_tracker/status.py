"""Where the roadmap stands on a day: the sections of ``roadmap status``.

Every judgement here is derived from the schedule and the as-of date, never stored: a step is
overdue when a date it had to meet has passed, at risk when its forecast breaks a deadline or
its float against a deadline or fixed date is thin, blocked when it should have started and something it waits for is not done.
Each step appears in at most one of overdue, at risk, blocked, in progress and upcoming.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from .scheduling import Schedule, ScheduleEntry

SECTIONS = ("overdue", "at_risk", "blocked", "in_progress", "upcoming", "recently_done", "open_conditions")
SECTION_TITLES = {
    "overdue": "Overdue", "at_risk": "At risk", "blocked": "Blocked", "in_progress": "In progress",
    "upcoming": "Next up", "recently_done": "Recently done", "open_conditions": "Open conditions",
}


@dataclass(frozen=True)
class StatusItem:
    """One step in a section, with the reason it is there (``why``), in words."""

    entry: ScheduleEntry
    why: str


@dataclass
class StatusReport:
    """The status of a roadmap on ``as_of``: the target's headline and the sections."""

    schedule: Schedule
    as_of: date
    horizon: int
    risk_float: int
    sections: dict[str, list[StatusItem]] = field(default_factory=dict)

    @property
    def target(self) -> ScheduleEntry:
        return self.schedule.target

    @property
    def target_deadline(self) -> date | None:
        target = self.target
        if target.deadline is not None:
            return target.deadline
        return target.end if target.fixed else None

    @property
    def counts(self) -> dict[str, int]:
        return {name: len(self.sections.get(name, ())) for name in SECTIONS}


def _days(n: int) -> str:
    return f"{n} day" if abs(n) == 1 else f"{n} days"


def build_status(schedule: Schedule, horizon: int = 30, risk_float: int = 7) -> StatusReport:
    """Sort the steps of ``schedule`` into the status sections.

    ``horizon``: days ahead for "next up" (and back for "recently done"); ``risk_float``: a
    movable step with less total float than this is at risk.
    """
    as_of = schedule.as_of
    ahead = as_of + timedelta(days=horizon)
    behind = as_of - timedelta(days=horizon)
    report = StatusReport(schedule, as_of, horizon, risk_float, {name: [] for name in SECTIONS})
    add = lambda name, entry, why: report.sections[name].append(StatusItem(entry, why))  # noqa: E731
    for e in schedule:
        live = e.state not in ("done", "cancelled")
        if e.milestone.condition and live:
            add("open_conditions", e, e.milestone.condition)
        if e.state == "done":
            finished = e.actual_end or e.end
            if behind <= finished <= as_of:
                add("recently_done", e, f"finished {finished}")
            continue
        if not live:
            continue
        overdue = _overdue(e, as_of)
        if overdue:
            add("overdue", e, overdue)
            continue
        risk = _risk(e, risk_float)
        if risk:
            add("at_risk", e, risk)
            continue
        blocked = _blocked(e, as_of)
        if blocked:
            add("blocked", e, blocked)
            continue
        if e.state == "in_progress":
            done_share = f"{e.progress}% done" if e.reported_status == "in_progress" else "under way"
            add("in_progress", e, f"{done_share}, forecast to finish {e.end}")
        elif e.start <= ahead and e.end >= as_of:
            add("upcoming", e, "under way" if e.start <= as_of else f"starts in {_days((e.start - as_of).days)}")
    return report


def _overdue(e: ScheduleEntry, as_of: date) -> str | None:
    if e.deadline is not None and e.deadline < as_of:
        return f"was due {e.deadline}, {_days((as_of - e.deadline).days)} ago"
    if e.fixed and e.end < as_of:
        return f"its date {e.end} has passed and it is not recorded as done"
    return None


def _risk(e: ScheduleEntry, risk_float: int) -> str | None:
    if e.late_by > 0:
        return f"forecast {e.end} is {_days(e.late_by)} past its deadline {e.deadline}"
    if e.total_float is not None and e.total_float < 0:
        return f"{_days(-e.total_float)} behind what later fixed dates and deadlines allow"
    if e.total_float is not None and e.bounded and not e.anchored and e.total_float < risk_float:
        return f"only {_days(e.total_float)} of float"
    return None


def _blocked(e: ScheduleEntry, as_of: date) -> str | None:
    if e.state != "planned":
        return None
    if e.reported_status == "blocked":
        return "reported blocked" + (f"; waits for {', '.join(e.waiting_for)}" if e.waiting_for else "")
    if e.waiting_for and e.late_start is not None and e.late_start <= as_of:
        return f"should have started by {e.late_start}; waits for {', '.join(e.waiting_for)}"
    return None
