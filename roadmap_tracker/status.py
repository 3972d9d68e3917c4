"""Where the roadmap stands on a day: the sections of ``roadmap status`` and the target's verdict.

Every judgement here is derived from the schedule and the as-of date, never stored (the words are
defined in docs/format.md): a step is overdue when its expected end, its deadline or its fixed
date has passed; late to start when it has not started and its expected start has passed; at risk
when its forecast breaks a deadline or its float against a deadline or fixed date is thin; blocked
when reported so, or when it should have started and something it waits for is not done. Each
step appears in at most one of overdue, late to start, at risk, blocked, in progress and upcoming;
a step whose condition is still open is never overdue or late to start: it stays under open
conditions, with the date that passed and how long ago.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from .scheduling import Schedule, ScheduleEntry, closed_text
from .wording import span_text

SECTIONS = ("overdue", "late_to_start", "at_risk", "blocked", "in_progress", "upcoming", "recently_done",
            "to_confirm", "open_conditions")
SECTION_TITLES = {
    "overdue": "Overdue", "late_to_start": "Late to start", "at_risk": "At risk", "blocked": "Blocked",
    "in_progress": "In progress", "upcoming": "Next up", "recently_done": "Recently done",
    "to_confirm": "To confirm", "open_conditions": "Open conditions",
}
VERDICTS = ("on_track", "at_risk", "late")
LATE = ("overdue", "late_to_start")  # the lateness words that mean late against plan


def is_late(entry: ScheduleEntry) -> bool:
    """Late against plan (docs/format.md): overdue or late to start against the expected dates, or
    forecast past its deadline. An open condition whose time passed, a step presumed held or in
    session, and a closed window are not late: they wait for someone to record what happened."""
    if entry.state in ("done", "cancelled") or entry.presumed is not None or entry.lateness == "window_passed":
        return False
    return entry.lateness in LATE or entry.late_by > 0


@dataclass(frozen=True)
class StatusItem:
    """One step in a section, with the reason it is there (``why``), in words."""

    entry: ScheduleEntry
    why: str


@dataclass
class StatusReport:
    """The status of a roadmap on ``as_of``: the target's verdict and the sections.

    ``verdict`` is ``on_track``, ``at_risk`` or ``late``; ``reasons`` are short sentences, each
    naming the step that decides it. ``baseline``: a schedule to measure variance against.
    """

    schedule: Schedule
    as_of: date
    horizon: int
    risk_float: int
    sections: dict[str, list[StatusItem]] = field(default_factory=dict)
    verdict: str = "on_track"
    reasons: list[str] = field(default_factory=list)
    baseline: Schedule | None = None

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

    def variance(self, entry: ScheduleEntry) -> tuple[date | None, date | None, int | None]:
        """``(baseline_start, baseline_end, variance_days)`` of a step: days its forecast end lies
        after the baseline's (negative: earlier); ``None`` without a baseline or a step in it."""
        if self.baseline is None or entry.id not in self.baseline.entries:
            return None, None, None
        then = self.baseline[entry.id]
        return then.start, then.end, (entry.end - then.end).days


def _days(n: int) -> str:
    return f"{n} day" if abs(n) == 1 else f"{n} days"


def build_status(schedule: Schedule, horizon: int = 30, risk_float: int = 7,
                 baseline: Schedule | None = None) -> StatusReport:
    """Sort the steps of ``schedule`` into the status sections and weigh the target's verdict.

    ``horizon``: days ahead for "next up" (and back for "recently done"); ``risk_float``: a
    movable step with less total float than this is at risk.
    """
    as_of = schedule.as_of
    ahead = as_of + timedelta(days=horizon)
    behind = as_of - timedelta(days=horizon)
    report = StatusReport(schedule, as_of, horizon, risk_float, {name: [] for name in SECTIONS}, baseline=baseline)
    add = lambda name, entry, why: report.sections[name].append(StatusItem(entry, why))  # noqa: E731
    for e in schedule:
        live = e.state not in ("done", "cancelled")
        conditional = bool(e.milestone.condition) and live
        if conditional:
            passed = f"; {condition_passed(e, as_of)}" if e.lateness else \
                f"; {window_open_text(e)}" if e.presumed == "window_open" else ""
            add("open_conditions", e, ("reported blocked; " if e.blocked else "") + e.milestone.condition + passed)
        if e.state == "done":
            finished = e.actual_end or e.end
            if behind <= finished <= as_of:
                add("recently_done", e, f"finished {finished}")
            continue
        if not live:
            continue
        if e.presumed == "held":  # its dates passed with nothing recorded: presumed held, to confirm
            add("to_confirm", e, ("reported blocked; " if e.blocked else "") + closed_text(e, as_of))
            continue
        if conditional and e.lateness:  # its time passed: it waits under open conditions, and is blocked if reported so
            if e.blocked:
                add("blocked", e, "reported blocked; " + condition_passed(e, as_of))
            continue
        reported = "reported blocked; " if e.blocked else ""
        if e.lateness == "overdue":
            add("overdue", e, reported + _missed(e, schedule) + _overdue(e, as_of) + unrecorded_inputs(e, schedule))
            continue
        if e.lateness == "late_to_start":
            add("late_to_start", e, reported + _missed(e, schedule) + _late_to_start(e, schedule)
                + unrecorded_inputs(e, schedule))
            continue
        risk = _risk(e, risk_float)
        if risk:
            add("at_risk", e, reported + _missed(e, schedule) + risk)
            continue
        blocked = _blocked(e, as_of)
        if blocked:
            add("blocked", e, blocked)
            continue
        if e.presumed == "in_session":
            waits = f"; waits for {', '.join(e.waiting_for)}" if e.waiting_for else ""
            add("in_progress", e, f"in session until {e.end} (nothing recorded yet){waits}")
        elif e.presumed == "window_open":
            if not conditional:
                add("upcoming", e, window_open_text(e))
        elif e.state == "in_progress":
            done_share = f"{e.progress}% done" if e.progress_reported else "under way"
            add("in_progress", e, f"{done_share}, forecast to finish {e.end}")
        elif e.start <= ahead and e.end >= as_of:
            opens = "its window opens" if e.window is not None and e.start == e.window[0] else "starts"
            add("upcoming", e, f"{opens} today" if e.start <= as_of else f"{opens} in {_days((e.start - as_of).days)}")
    report.verdict, report.reasons = _verdict(report)
    return report


def _missed(e: ScheduleEntry, schedule: Schedule) -> str:
    """``misses its session X (dates); now waits for Y`` for a step that no longer fits a session it
    was meant for; ``its session X (dates) is over with nothing recorded for it`` when that session
    has ended (it was due by its last day); empty otherwise."""
    if not e.missed_sessions:
        return ""
    over = [schedule[w] for w in e.missed_sessions if schedule[w].end < schedule.as_of]
    if over and e.due_by is not None and e.due_by == over[-1].end and e.session is None:
        last = over[-1]
        return (f"its session {last.id} ({last.start}..{last.end}) is over with nothing recorded for it: "
                "record what happened, or add a later session to 'during'; ")
    missed = ", ".join(f"{w} ({schedule[w].start}..{schedule[w].end})" for w in e.missed_sessions)
    now = f"now waits for {e.session} ({schedule[e.session].start})" if e.session else \
        "no later session in its 'during' list: add one, or cancel it"
    return f"misses its session {missed}; {now}; "


def lateness_text(e: ScheduleEntry, schedule: Schedule, count: bool = True) -> str | None:
    """The step's lateness on the as-of day (overdue, late to start, a window passed, dates passed
    with nothing recorded, a session missed) in the words `roadmap status` gives it, for views that
    show one step at a time; None when it is not late. ``count=False`` names the dates without the
    days since them (calendar descriptions, which must read the same from one day to the next)."""
    missed = _missed(e, schedule)
    if e.lateness == "overdue":
        return "Overdue: " + missed + _overdue(e, schedule.as_of, count) + unrecorded_inputs(e, schedule)
    if e.lateness == "late_to_start":
        return "Late to start: " + missed + _late_to_start(e, schedule, count) + unrecorded_inputs(e, schedule)
    if e.lateness == "to_confirm":
        return "To confirm: " + closed_text(e, schedule.as_of, count)
    if e.lateness == "window_passed":
        return "Open condition: " + condition_passed(e, schedule.as_of, count=count)
    if missed:  # not late yet, but it no longer fits the session it was meant for
        return "Late: " + missed.removesuffix("; ")
    return None


def counted_from(e: ScheduleEntry, as_of: date) -> tuple[str, date | None]:
    """The date a late step's ``late_days`` count from, with the words for it: its expected end
    (``expected to end``), its deadline (``was due``) or its expected start (``expected to
    start``); a fixed step's own date (``its date``). Every view names this one date."""
    candidates: list[tuple[str, date | None]] = [("its date", e.end)] if e.fixed else []
    candidates += [("expected to end", e.expected_end), ("was due", e.deadline), ("expected to start", e.expected_start)]
    for phrase, day in candidates:
        if day is not None and (as_of - day).days == e.late_days:
            return phrase, day
    return "expected to end", e.expected_end


def condition_passed(e: ScheduleEntry, as_of: date, aside: str = "", count: bool = True) -> str:
    """For an open condition whose time passed (lateness ``window_passed``): which of its dates
    passed, and how long ago, e.g. ``expected to end 2026-11-11, 18 days ago: confirm, ...``."""
    if e.closed_on is not None:
        return closed_text(e, as_of, count)
    phrase, day = counted_from(e, as_of)
    return f"{phrase} {day}{_ago(e.late_days, count)}{aside}: confirm, reschedule or cancel"


def unrecorded_inputs(e: ScheduleEntry, schedule: Schedule) -> str:
    """``; waits for draft, kickoff (presumed held 2026-01-20..2026-01-21, nothing recorded)``: what
    it waits for, when that includes steps whose dates passed with nothing recorded (it is scheduled
    from their planned end); empty otherwise. Every step it waits for is named, the one that drives
    it first."""
    if not any(schedule[w].closed_on is not None for w in e.waiting_for):
        return ""
    order = sorted(e.waiting_for, key=lambda w: w != e.driving)

    def said(p: ScheduleEntry) -> str:
        if p.closed_on is None:
            return p.id
        how = "presumed held" if p.presumed == "held" else "window closed, planned"
        return f"{p.id} ({how} {span_text(p)}, nothing recorded)"

    return "; waits for " + ", ".join(said(schedule[w]) for w in order)


def window_open_text(e: ScheduleEntry) -> str:
    """A step whose planned dates in its window passed, the window still open: not late."""
    return f"window open until {e.due_by}; nothing recorded yet"


def _ago(days: int, count: bool) -> str:
    return f", {_days(days)} ago" if count else ""


def _overdue(e: ScheduleEntry, as_of: date, count: bool = True) -> str:
    """``expected to end X, N days ago; was due D; now forecast F``: the days count from the date
    named first (see :func:`counted_from`); the other date that passed follows without a count."""
    if e.fixed:
        ago = f" ({_days(e.late_days)} ago)" if count else ""
        return f"its date {e.end} has passed{ago} and it is not recorded as done"
    phrase, day = counted_from(e, as_of)
    also = [f"{other} {date_}" for other, date_ in (("expected to end", e.expected_end), ("was due", e.deadline))
            if other != phrase and date_ is not None and date_ < as_of]
    return "; ".join([f"{phrase} {day}{_ago(e.late_days, count)}", *also, f"now forecast {e.end}"])


def _late_to_start(e: ScheduleEntry, schedule: Schedule, count: bool = True) -> str:
    after = ""
    done = [schedule[d.predecessor] for d in e.milestone.dependencies
            if schedule[d.predecessor].state == "done"]
    if done and not e.waiting_for:  # everything it waits for is done: name the last to finish
        p = max(done, key=lambda p: (p.actual_end or p.end, -p.milestone.index))
        after = f" (after {p.id} finished {p.actual_end or p.end})"
    return f"expected to start {e.expected_start}{after}{_ago(e.late_days, count)}; not started"


def _risk(e: ScheduleEntry, risk_float: int) -> str | None:
    if e.late_by > 0:
        return f"forecast {e.end} is {_days(e.late_by)} past its deadline {e.deadline}"
    if e.total_float is not None and e.total_float < 0:
        return f"{_days(-e.total_float)} behind what later fixed dates and deadlines allow"
    if e.total_float is not None and e.bounded and not e.anchored and e.total_float < risk_float:
        return f"only {_days(e.total_float)} of float"
    return None


def cannot_be_prepared(schedule: Schedule, entry: ScheduleEntry) -> str | None:
    """Why a planned fixed-date step cannot be prepared in time (its predecessors need a later
    date than it has), naming the predecessor, or ``None``. A fixed date that has come (in session,
    presumed held) meets without what it waits for, if anything: that is said the same way."""
    if not entry.fixed or entry.state != "planned":
        return None
    if entry.presumed in ("in_session", "held"):
        # what it waits for that is neither recorded nor itself presumed held (a kick-off held
        # unrecorded before a session is no missing input)
        missing = [schedule[w] for w in entry.waiting_for if schedule[w].closed_on is None]
        if not missing:
            return None
        p = max(missing, key=lambda p: (p.end, -p.milestone.index))
        sitting = "is sitting" if entry.presumed == "in_session" else "was to meet"
        return f"{entry.id} {sitting} ({entry.start}..{entry.end}) without {p.id}: {p.id} ends {p.end}"
    if entry.presumed is not None or entry.required_start is None or entry.driving is None:
        return None
    if entry.required_start <= entry.start:
        return None
    p = schedule[entry.driving]
    link = next((d for d in entry.milestone.dependencies if d.predecessor == p.id), None)
    moment = f"starts {p.start}" if link is not None and link.type in ("SS", "SF") else f"ends {p.end}"
    return f"{entry.id} on {entry.start} cannot be prepared: {p.id} {moment}"


def target_waits_for(schedule: Schedule, deadline: date | None) -> tuple[list[str], set[str]]:
    """What the target waits for: itself, every step it depends on through its links and the session
    that hosts it (with what that session depends on), in date order; and the fixed-date steps among
    them whose preparation decides it (a fixed date that cannot be prepared happens without its
    input, so the target cannot happen as planned): all of them, except a hosting session when a
    later session in the target's ``during`` list still ends by its deadline. The verdict and
    ``roadmap risk``'s deadline odds weigh the same steps."""
    t = schedule.target
    hosts = [t.session] if t.session else []
    ancestors, stack = [], [t.id, *hosts]
    seen = set(stack)
    while stack:
        current = stack.pop()
        ancestors.append(current)
        e = schedule[current]
        # its links, and the session a step on the way is placed in (it happens there or not at all)
        for p in [d.predecessor for d in e.milestone.dependencies] + ([e.session] if e.session else []):
            if p not in seen:
                seen.add(p)
                stack.append(p)
    later_hosts = [w for w in t.milestone.during if w not in hosts and schedule[w].start > (
        schedule[t.session].start if t.session else t.start) and (deadline is None or schedule[w].end <= deadline)]
    ordered = sorted(ancestors, key=lambda i: (schedule[i].start, schedule[i].milestone.index))
    decisive = {mid for mid in ordered if schedule[mid].fixed and not (mid in hosts and later_hosts)}
    return ordered, decisive


def _verdict(report: StatusReport) -> tuple[str, list[str]]:
    """The target's verdict, weighing its forecast against its deadline and every fixed-date step
    among its predecessors whose preparation cannot finish in time."""
    schedule, t = report.schedule, report.target
    if t.state in ("done", "cancelled"):
        return "on_track", []
    late, reasons = False, []
    deadline = report.target_deadline
    if deadline is not None and t.end > deadline:
        late = True
        reasons.append(f"{t.id} forecast {t.end} is {_days((t.end - deadline).days)} past its deadline {deadline}")
    elif t.lateness == "overdue":
        late = True
        reasons.append(f"{t.id} is overdue by {_days(t.late_days)}")
    if t.missed_sessions and t.session is None:
        late = True
        last = schedule[t.missed_sessions[-1]]
        reasons.append(f"{t.id} misses its session {last.id} ({last.start}..{last.end})")
    elif not reasons and t.total_float is not None and t.total_float < 0:
        late = True
        reasons.append(f"{t.id} forecast {t.end} is {_days(-t.total_float)} behind what its dates allow")
    waits_for, decisive = target_waits_for(schedule, deadline)
    for mid in waits_for:
        why = cannot_be_prepared(schedule, schedule[mid])
        if why:
            late = late or mid in decisive
            reasons.append(why)
    if not reasons and not t.anchored and deadline is not None and t.total_float is not None \
            and t.total_float < report.risk_float:
        reasons.append(f"{t.id} has only {_days(t.total_float)} of float before its deadline {deadline}")
    if late:
        return "late", reasons
    return ("at_risk" if reasons else "on_track"), reasons


def _blocked(e: ScheduleEntry, as_of: date) -> str | None:
    if e.presumed is not None and not e.blocked:  # its dates have come: it meets, or met, on them
        return None
    if e.blocked:
        return "reported blocked" + (f"; waits for {', '.join(e.waiting_for)}" if e.waiting_for else "")
    if e.state == "planned" and e.waiting_for and e.late_start is not None and e.late_start <= as_of:
        return f"should have started by {e.late_start}; waits for {', '.join(e.waiting_for)}"
    return None
