"""The critical-path schedule: early and late dates, float, the driving predecessor of each step.

Phases (as in TaskJuggler's ``Project#schedule``): *prepare* the graph and each step's facts as of
a date, *forward* pass (early dates, forecast), *backward* pass (late dates, float), *finish*
(critical flags and warnings: fixed dates made impossible, windows that do not fit, deadlines
missed). Every view reads the schedule this module computes. The one other forward pass is the
Monte Carlo one in :mod:`roadmap_tracker.risk` (the same arithmetic on arrays of runs); a property
test keeps it equal to this one when nothing is uncertain.

Arithmetic works on *instants* (see :mod:`roadmap_tracker.dates`): a step on days ``s..e``
inclusive runs from instant ``s`` to ``e + 1``. Finish-to-start means
``succ.start >= pred.end + lag``; SS ``succ.start >= pred.start + lag``; FF
``succ.end >= pred.end + lag``; SF ``succ.end >= pred.start + lag``.
"""

from __future__ import annotations

import math
from operator import itemgetter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Mapping as TMapping

from .dates import DateOutOfRange, DateWindow, Duration, WorkCalendar, shift, unshift
from .errors import Diagnostic, RoadmapInvalid
from .model import Dependency, Facts, Milestone, Roadmap
from ._util import without_gc

ONE_DAY = Duration(1, "d")
ZERO = Duration(0, "d")


@dataclass(slots=True)
class ScheduleEntry:
    """The computed schedule of one step (all dates inclusive days; floats in calendar days).

    Entries are values the scheduler computes and views only read. Slots, not frozen: a frozen
    dataclass sets each of its 35 fields through ``object.__setattr__``, which made building the
    entries the largest single cost of scheduling a large plan, and a ``__dict__`` per entry
    nearly tripled its memory.

    ``state`` is derived from facts and the as-of date: ``done``, ``in_progress``, ``planned``,
    ``cancelled``. ``start``/``end`` are the forecast (actual dates where known). ``driving`` is
    the predecessor that sets the early start (for fixed and done steps: the latest input), and
    ``driving_reason`` says what set the date: ``predecessor``, ``fixed``, ``actual``, ``as-of``,
    ``not-before``, ``window`` or ``none``. ``total_float`` is ``None`` for done and cancelled
    steps. ``window`` is the fuzzy window the file gave, kept for display. ``span`` holds the start and end *instants* (day
    numbers, half-open) that the arithmetic used. ``anchored`` steps take
    their dates from the calendar (fixed dates, a session's window, a fuzzy span), so thin float
    is no risk for them; negative float still is. ``bounded`` steps have a deadline or fixed date
    downstream; the float of the others is only measured against the end of the plan.
    ``presumed`` is what is taken for granted about a step with nothing recorded whose own dates
    (or window) have come: ``in_session`` between a fixed step's first and last day,
    ``window_open`` once the planned dates in its window have passed but the window has not,
    ``held`` after its dates (or after a session's window), ``closed`` when its window passed with
    its condition open; ``closed_on`` is the day the days since then count from.
    """

    id: str
    milestone: Milestone
    state: str
    start: date
    end: date
    early_start: date
    early_finish: date
    late_start: date | None
    late_finish: date | None
    total_float: int | None
    free_float: int | None
    critical: bool
    fixed: bool
    point: bool
    driving: str | None
    driving_reason: str
    progress: int
    deadline: date | None
    window: tuple[date, date] | None
    actual_start: date | None
    actual_end: date | None
    documents: tuple[str, ...] = ()
    waiting_for: tuple[str, ...] = ()
    reported_status: str | None = None
    anchored: bool = False
    bounded: bool = False
    span: tuple[int, int] = (0, 0)
    near_critical: bool = False
    driven: bool = False
    expected_start: date | None = None
    expected_end: date | None = None
    late_days: int = 0
    lateness: str | None = None  # overdue | late_to_start | window_passed (an open condition's) | None
    required_start: date | None = None
    session: str | None = None
    missed_sessions: tuple[str, ...] = ()
    progress_reported: bool = False  # under way with a per cent reported (else ``progress`` 0 means unknown)
    driving_ties: tuple[str, ...] = ()  # predecessors that need the same start as ``driving``
    presumed: str | None = None  # in_session | window_open | held | closed (see :data:`PRESUMED`), or None
    closed_on: date | None = None  # the last day of a closed window or of a held step's dates
    due_by: date | None = None  # the last day it may happen: its session's (placed in one), its open window's

    @property
    def blocked(self) -> bool:
        """Reported blocked and not finished: shown as blocked in every view."""
        return self.reported_status == "blocked" and self.state not in ("done", "cancelled")

    @property
    def status(self) -> str:
        """The state as every view shows it: ``blocked`` when reported so, else :attr:`state`."""
        return "blocked" if self.blocked else self.state

    @property
    def exclusive_end(self) -> date:
        """The day after the step ends: what calendars call an exclusive end (DTEND)."""
        return self.end + timedelta(days=1)

    @property
    def title(self) -> str:
        return self.milestone.title

    @property
    def late_by(self) -> int:
        """Days the forecast finish lies past the deadline (0 when on time or no deadline)."""
        if self.deadline is None or self.state == "cancelled":
            return 0
        return max(0, (self.end - self.deadline).days)


@dataclass
class Schedule:
    """The computed schedule of a roadmap as of a date, entries in file order."""

    roadmap: Roadmap
    as_of: date
    entries: dict[str, ScheduleEntry]
    targets: tuple[str, ...]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    successors: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __iter__(self):
        return iter(self.entries.values())

    def __getitem__(self, milestone_id: str) -> ScheduleEntry:
        return self.entries[milestone_id]

    @property
    def target(self) -> ScheduleEntry:
        """The headline step: the declared target, else the latest-finishing end point."""
        return self.entries[self.targets[0]]

    @property
    def project_end(self) -> date:
        return max(e.end for e in self.entries.values())

    def by_track(self, entries=None) -> list[tuple[str | None, list[ScheduleEntry]]]:
        """``entries`` (default: all) grouped by track: declared tracks first, in the header's order,
        then undeclared ones as they appear, then steps without a track (``None``); empty groups
        are left out. Every view that groups by track uses this order."""
        entries = list(self if entries is None else entries)
        order = [t.id for t in self.roadmap.tracks]
        order += [e.milestone.track for e in entries if e.milestone.track and e.milestone.track not in order]
        groups: dict[str | None, list[ScheduleEntry]] = {track: [] for track in order}
        groups[None] = []
        for e in entries:
            groups[e.milestone.track].append(e)
        return [(track, items) for track, items in groups.items() if items]

    def driving_chain(self, milestone_id: str) -> list[ScheduleEntry]:
        """The chain of driving predecessors ending at ``milestone_id``, earliest first.

        It follows the driving predecessor back until a step whose date is set by itself (a fixed
        date its predecessors can meet, actual dates, the as-of date, ``not_before``, a window).
        """
        return [self.entries[i] for i in _chain(self.entries, milestone_id)]

    @property
    def critical_path(self) -> list[ScheduleEntry]:
        """The target's driving chain, earliest first: the steps marked critical, and the done or
        presumed steps where it begins (what ``--critical-only`` feeds and charts show)."""
        return self.driving_chain(self.targets[0]) if self.targets else []

    def on_critical_path(self, milestone_id: str) -> bool:
        """Whether the step is on :attr:`critical_path` (computed once per schedule)."""
        ids = self.__dict__.get("_critical_ids")
        if ids is None:
            ids = self.__dict__["_critical_ids"] = {e.id for e in self.critical_path}
        return milestone_id in ids


class _Step:
    """Working state of one step during the passes (instants, not dates)."""

    __slots__ = ("m", "facts", "state", "duration", "S", "E", "pred_start", "pred_end", "LS", "LF",
                 "fixed", "offset", "driving", "reason", "deadline", "window", "not_before", "progress",
                 "session_window", "ls_bound", "lf_bound", "bounded", "required", "session", "missed",
                 "presumed", "closes", "open_until", "ties", "overrun")

    # Declared for readers and type checkers; the slots above hold them (no per-step __dict__).
    m: Milestone
    facts: Facts | Milestone  # what is known of its progress (see _prepare)
    state: str
    duration: Duration
    S: int  # early start instant
    E: int  # early end instant (exclusive)
    pred_start: int | None  # the start its predecessors allow (None: no bound)
    pred_end: int | None
    LS: int  # late start and finish instants
    LF: int
    fixed: bool
    offset: int
    driving: str | None
    reason: str
    deadline: int | None  # instant the step must end by
    window: tuple[date, date] | None  # a fuzzy start window, as written
    not_before: int | None
    progress: int
    session_window: tuple[int, int] | None
    ls_bound: int | None
    lf_bound: int | None
    bounded: bool
    required: int | None
    session: str | None
    missed: list[str] | tuple[()]  # sessions it could not fit in (a list only for steps placed in sessions)
    presumed: str | None  # in_session | held | closed (see PRESUMED)
    closes: int | None  # held or closed: the instant after the last day its own dates or window allowed
    open_until: int | None  # window_open: the instant its window closes
    ties: list[str] | None  # other predecessors needing the same start as the driving one
    overrun: int | None  # fits none of its sessions: the end of the one it is placed in, overrunning it

    def __init__(self, m: Milestone, facts: Facts | Milestone):
        self.m = m
        self.facts = facts
        self.offset = 0
        self.driving: str | None = None
        self.reason = "none"
        self.session_window: tuple[int, int] | None = None
        self.required: int | None = None
        self.session: str | None = None
        self.missed = ()
        self.presumed: str | None = None
        self.closes: int | None = None
        self.open_until: int | None = None
        self.ties: list[str] | None = None
        self.overrun: int | None = None


def _chain(entries, milestone_id: str) -> list[str]:
    chain, seen = [], set()
    current: str | None = milestone_id
    while current is not None and current not in seen:
        seen.add(current)
        chain.append(current)
        entry = entries[current]
        current = entry.driving if entry.driven else None
    return list(reversed(chain))


_first = itemgetter(0)  # sort links by file position alone (stable: ties keep their order)


@without_gc
def compute_schedule(roadmap: Roadmap, as_of: date, facts: TMapping[str, Facts] | None = None, *,
                     risk_float: int = 7) -> Schedule:
    """Schedule ``roadmap`` as it stands on ``as_of``.

    ``facts`` overrides what the file records for some steps (the tracking store's latest
    updates). Facts dated after ``as_of`` are ignored, so a past as-of date shows the past.
    ``risk_float``: steps leading to the target with at most this much float are near-critical.
    The roadmap must be valid (see :func:`roadmap_tracker.loading.load_roadmap`).
    """
    facts = facts or {}
    calendar = roadmap.calendar
    today = as_of.toordinal()
    milestones = roadmap.milestones
    order = {m.id: m.index for m in milestones}
    steps = {m.id: _prepare(m, facts.get(m.id) or m, today, calendar) for m in milestones}
    topo = topological_order(roadmap)
    diagnostics: list[Diagnostic] = []
    # links in file order: a step's dependencies sorted by their predecessors' position (stable on
    # ties); its successors come out in file order because the steps are visited in file order
    preds: dict[str, tuple[Dependency, ...]] = {}
    succs: dict[str, list] = {m.id: [] for m in milestones}
    for m in milestones:
        mid, deps = m.id, m.dependencies
        if len(deps) > 1:
            positions = [order[d.predecessor] for d in deps]
            if positions != sorted(positions):
                deps = tuple(d for _, d in sorted(zip(positions, deps), key=_first))
        preds[mid] = deps
        for d in deps:
            succs[d.predecessor].append((mid, d))

    node = ""  # the step being computed, for the message when a date runs out of range
    try:
        # Forecast and expected dates, step by step. Expected: the plan as written, work not started
        # not moved to the as-of date. Only the steps the as-of date held back (or kept running) and
        # what follows them can differ from the forecast; where they come out the same, the forecast
        # stands for them (and their successors). A step whose own dates or window have passed with
        # nothing recorded keeps its expected dates as its forecast (see _presume).
        expected: dict[str, _Step] = {}
        moved: set[str] = set()  # steps whose expected dates differ from the forecast
        for node in topo:
            phase = "forecast"
            step = steps[node]
            _forward(step, preds[node], steps, today, calendar)
            phase = "expected dates"
            if step.reason == "as-of" or step.state == "in_progress" or step.m.during or (moved and any(
                    d.predecessor in moved for d in preds[node])):
                m = step.m
                again = _prepare(m, facts.get(m.id) or m, today, calendar)
                _forward(again, preds[node], expected, today, calendar, floor=False)
                if _same_dates(again, step):
                    expected[node] = step
                else:
                    expected[node] = again
                    moved.add(node)
            else:
                expected[node] = step
            if step.facts.status == "done" and step.facts.actual_end is None and expected[node] is not step:
                # reported done without dates: done on its planned dates, as the plan has them (its
                # predecessors' forecast from the as-of date would keep it in the future for ever)
                steps[node] = step = expected[node]
                moved.discard(node)
            if step.state == "planned":
                known = all(steps[d.predecessor].state in ("done", "cancelled") or steps[d.predecessor].closes
                            is not None for d in preds[node])  # could it have happened? its inputs say so
                presumed = _presume(step, expected[node], today, calendar, known)
                if presumed in ("window_open", "held", "closed"):
                    if expected[node] is not step:
                        again = expected[node]  # its planned dates stand: successors follow from them
                        again.presumed, again.closes, again.open_until = presumed, step.closes, step.open_until
                        steps[node] = step = again
                        moved.discard(node)
                    step.reason = "presumed"  # its dates are the plan's, taken as they stand: nothing drives them

        phase = "latest dates"
        targets = _targets(roadmap, steps, succs)
        project_end = max((s.E for s in steps.values() if s.state != "cancelled"), default=today)
        target = targets[0] if targets else None
        for node in reversed(topo):
            if node == target and succs[node]:  # the target answers to its own bounds, not to what follows it
                _backward(steps[node], (), steps, _end_before(target, succs, steps, today), calendar)
            else:
                _backward(steps[node], succs[node], steps, project_end, calendar)

        phase = "float"
        entries = {}
        days = _Days()
        for node in order:
            entries[node] = _entry(steps[node], preds[node], succs[node], steps, calendar, expected[node], today, days)
    except (DateOutOfRange, OverflowError) as exc:
        raise _out_of_range(roadmap, steps[node].m, phase, exc) from None

    if targets:  # a roadmap without steps has none
        _mark_critical(entries, targets[0], preds, risk_float)
    schedule = Schedule(roadmap, as_of, entries, targets, diagnostics,
                        {n: tuple([s for s, _ in succs[n]]) for n in topo})
    _post_checks(schedule, steps, preds)
    return schedule


def _targets(roadmap: Roadmap, steps: dict[str, _Step], succs) -> tuple[str, ...]:
    """The declared target, else the end points (steps no live step waits for, not cancelled
    themselves) by latest forecast finish, ties in file order; a cancelled step is never the
    default target unless every step is cancelled."""
    if roadmap.target:
        return (roadmap.target,)
    live = [m for m in roadmap.milestones if steps[m.id].state != "cancelled"]
    sinks = [m for m in live if not any(steps[s].state != "cancelled" for s, _ in succs[m.id])]
    ranked = sorted(sinks, key=lambda m: (-steps[m.id].E, m.index))
    return tuple(m.id for m in ranked) if ranked else tuple(roadmap.ids[:1])


def _end_before(target: str, succs, steps: dict[str, _Step], today: int) -> int:
    """The plan's end without what follows ``target``: what a target without a deadline or session
    is measured against (steps after the target cannot give it float, nor take it away)."""
    after, stack = {target}, [target]
    while stack:
        for succ_id, _ in succs[stack.pop()]:
            if succ_id not in after:
                after.add(succ_id)
                stack.append(succ_id)
    ends = [s.E for mid, s in steps.items() if s.state != "cancelled" and (mid == target or mid not in after)]
    return max(ends, default=today)


def _same_dates(a: _Step, b: _Step) -> bool:
    """Whether two computations of a step agree on everything the expected dates are read from."""
    return a.S == b.S and a.E == b.E and a.offset == b.offset and a.state == b.state


def _out_of_range(roadmap: Roadmap, m: Milestone, phase: str, exc: Exception) -> RoadmapInvalid:
    """A date pushed out of 1900-2999 while computing ``m``, as a located error: the step, the line
    of the duration or link that pushed it, and what to change."""
    culprit = getattr(exc, "duration", None)
    line = m.key_lines.get("duration") if culprit is not None and culprit == m.duration else None
    if line is None and culprit is not None:
        line = next((d.line for d in m.dependencies if d.lag == culprit and d.line), None)
    message = str(exc) if isinstance(exc, DateOutOfRange) else "its dates would run out of range"
    return RoadmapInvalid([Diagnostic(
        "error", "date-out-of-range", f"milestone '{m.id}': computing its {phase}, {message}",
        roadmap.path, line or m.line,
        "roadmaps span 1900-01-01 to 2999-12-31; shorten the durations or lags on this chain, or correct a "
        "reported date ('roadmap history'; 'roadmap update ID --reopen')")])


def dependency_graph(roadmap: Roadmap):
    """The roadmap as a networkx DiGraph: an edge per dependency (``deps`` lists the links) and per
    ``during`` (the session must be dated before the step placed in it)."""
    import networkx as nx

    graph: nx.DiGraph = nx.DiGraph()
    graph.add_nodes_from(m.id for m in roadmap.milestones)
    for m in roadmap.milestones:
        for session in m.during:
            graph.add_edge(session, m.id)
        for dep in m.dependencies:
            if graph.has_edge(dep.predecessor, m.id):
                graph.edges[dep.predecessor, m.id].setdefault("deps", []).append(dep)
            else:
                graph.add_edge(dep.predecessor, m.id, deps=[dep])
    return graph


def topological_order(roadmap: Roadmap) -> list[str]:
    """Milestone ids with every predecessor first, ties broken by file order.

    Most roadmaps list steps after what they wait for; then file order is that order and no graph
    is needed. Otherwise Kahn's algorithm keyed by file order (the order networkx's
    lexicographical topological sort gives, without its import on the status path).
    """
    from .toposort import file_order_topological

    index = {m.id: m.index for m in roadmap.milestones}
    if _in_file_order(roadmap.milestones, index):
        return [m.id for m in roadmap.milestones]
    order = file_order_topological([m.id for m in roadmap.milestones],
                                   [(p, m.id) for m in roadmap.milestones for p in (*m.during, *m.predecessors)])
    if order is not None:
        return order
    import networkx as nx  # a cycle (the roadmap was not validated): networkx says which

    return list(nx.lexicographical_topological_sort(dependency_graph(roadmap), key=index.__getitem__))


def _in_file_order(milestones, index: dict[str, int]) -> bool:
    """Whether every step comes after all it depends on (its predecessors and sessions)."""
    for m in milestones:
        here = m.index
        for d in m.dependencies:
            if index[d.predecessor] >= here:
                return False
        for session in m.during:
            if index[session] >= here:
                return False
    return True


# -- prepare ---------------------------------------------------------------------------------------

def _prepare(m: Milestone, facts: Facts | Milestone, today: int, calendar: WorkCalendar) -> _Step:
    """A step's working state. ``facts`` are the tracking store's, or the milestone itself when the
    file's stand: it carries the same five fields (status, progress, actual dates, documents), so
    a large plan needs no copy of them per step."""
    step = _Step(m, facts)
    actual_start = facts.actual_start if facts.actual_start and facts.actual_start.toordinal() <= today else None
    actual_end = facts.actual_end if facts.actual_end and facts.actual_end.toordinal() < today + 1 else None
    if facts.status == "cancelled":
        state = "cancelled"
    elif actual_end is not None:
        state = "done"
    elif facts.status == "done" and facts.actual_end is None:
        state = "done"  # done, with no date recorded: trust it, keep the planned dates
    elif actual_start is not None:
        state = "in_progress"
    else:
        state = "planned"
    step.state = state
    step.progress = 100 if state == "done" else (facts.progress or 0) if state == "in_progress" else 0
    if state == "in_progress" and facts.status not in (None, "in_progress"):
        step.progress = 0  # a later fact (done) says nothing about progress on the as-of day

    deadline = m.deadline.last.toordinal() + 1 if m.deadline else None
    not_before = m.not_before.first.toordinal() if m.not_before else None
    window = None
    duration = m.duration
    step.fixed = m.fixed
    if m.start is not None and not m.start.exact:  # fuzzy start: not before the window opens
        not_before = max(not_before or m.start.first.toordinal(), m.start.first.toordinal())
        last = m.end.last if m.end is not None else m.start.last
        window = (m.start.first, last)
        if m.end is not None:
            end_deadline = m.end.last.toordinal() + 1
            deadline = min(deadline, end_deadline) if deadline else end_deadline
            if duration is None:
                duration = Duration(m.end.last.toordinal() - m.start.first.toordinal() + 1, "d")
    elif m.not_before is not None and not m.not_before.exact:
        window = (m.not_before.first, m.not_before.last)
    if duration is None:
        duration = ZERO if m.kind == "milestone" else ONE_DAY
    step.duration = duration
    step.deadline = deadline
    step.not_before = not_before
    step.window = window
    if actual_start is not facts.actual_start or actual_end is not facts.actual_end or \
            (not facts.documents and m.documents):  # dates after the as-of day are not known yet
        step.facts = Facts(facts.status, facts.progress, actual_start, actual_end, facts.documents or m.documents)
    return step


# -- forward pass ----------------------------------------------------------------------------------

def _forward(step: _Step, preds, steps: dict[str, _Step], today: int, calendar: WorkCalendar,
             floor: bool = True) -> None:
    """Early dates of one step. ``floor=False`` gives the expected dates: the plan as written from
    the facts, with work not started left where its predecessors put it, even in the past."""
    m, facts = step.m, step.facts
    duration = step.duration
    working_days = duration.unit == "bd"  # only these move a start (to a working day)
    start_bound = end_bound = None
    best_pred, best_value, best_type = None, None, None
    ties: list[str] | None = None
    bounds = []
    for dep in preds:
        pred_id = dep.predecessor
        p = steps[pred_id]
        kind, lag = dep.type, dep.lag
        value = p.E if kind == "FS" or kind == "FF" else p.S
        if lag.amount:
            value = shift(value, lag, calendar)
        bounds.append((pred_id, kind, value))
        if kind == "FS" or kind == "SS":
            if start_bound is None or value > start_bound:
                start_bound = value
            as_start = calendar.finish(value, duration)[0] if working_days else value  # the day it would start on
        else:
            if end_bound is None or value > end_bound:
                end_bound = value
            as_start = calendar.finish(calendar.earliest_start_to_end_by(value, duration), duration)[0]
        if best_value is None or as_start > best_value:
            best_pred, best_value, best_type = pred_id, as_start, kind
            ties = None
        elif as_start == best_value:  # drives as much as the first: its chain is critical too
            ties = [pred_id] if ties is None else ties + [pred_id]
    step.pred_start, step.pred_end = start_bound, end_bound
    step.driving, step.ties = best_pred, ties

    if step.state == "done" and facts.actual_end is not None:
        step.E = facts.actual_end.toordinal() + 1
        if facts.actual_start is not None:
            step.S = facts.actual_start.toordinal()
        elif m.fixed:
            assert m.start is not None  # fixed means a start date
            step.S = min(m.start.first.toordinal(), step.E)
        else:
            step.S = min(calendar.begin(step.E, step.duration), step.E)
        step.offset = 1 if step.S == step.E else 0
        step.reason = "actual"
        _drive_by_span(step, bounds)
        return
    if step.state == "cancelled":
        candidates = [b for b in (start_bound, end_bound, step.not_before) if b is not None]
        step.S = step.E = max(candidates) if candidates else today
        step.reason = "none"
        return
    if step.state == "in_progress":
        assert facts.actual_start is not None  # _prepare: in progress means a recorded start
        step.S = facts.actual_start.toordinal()
        planned_end = _fixed_span(m, step.duration, calendar)[1] if m.fixed else \
            calendar.finish(step.S, step.duration)[1]
        if not floor:
            remaining_end = planned_end
        elif facts.progress is not None and facts.status in (None, "in_progress"):
            remaining = _remaining(step.duration, step.progress, step.S, calendar)
            remaining_end = max(calendar.finish(today, remaining)[1], today + 1)  # not done: through the as-of day
        else:  # progress unknown: assume it runs to plan, and at least through the as-of day
            remaining_end = today + 1
        # an FF or SF link bounds its end, under way or not
        step.E = max(planned_end, remaining_end, end_bound) if end_bound is not None else max(planned_end, remaining_end)
        step.reason = "actual"
        _drive_by_span(step, bounds)
        return
    undated_done = step.state == "done"  # reported done without a date: taken as done on its planned dates
    if m.fixed:
        step.S, step.E = _fixed_span(m, step.duration, calendar)
        step.reason = "fixed"
        _drive_by_span(step, bounds)
    else:
        step.S, step.E = _schedule_planned(step, start_bound, end_bound, best_value, best_type, steps, today,
                                           calendar, floor=floor and not undated_done)
    if undated_done and step.E > today + 1:  # not known on the as-of day: the plan had it later
        step.state = "in_progress" if step.S <= today else "planned"
        step.progress = 0


def _drive_by_span(step: _Step, bounds) -> None:
    """The driving predecessor of a step whose dates are known (fixed, done, under way): the input
    that needs the latest start given the step's real span; the first in file order on a tie."""
    best, best_value, ties = None, None, None
    for pred_id, kind, value in bounds:
        as_start = value if kind in ("FS", "SS") else value - (step.E - step.S)
        if best_value is None or as_start > best_value:
            best, best_value, ties = pred_id, as_start, None
        elif as_start == best_value:
            ties = [pred_id] if ties is None else ties + [pred_id]
    step.driving, step.required, step.ties = best, best_value, ties


def _schedule_planned(step: _Step, start_bound, end_bound, best_value, best_type, steps, today: int,
                      calendar: WorkCalendar, floor: bool) -> tuple[int, int]:
    """Early dates of a movable step: after its predecessors, its not-before date and the as-of date."""
    low, low_reason = (today, "as-of") if floor else (None, "none")
    if step.not_before is not None and (low is None or step.not_before > low):
        low, low_reason = step.not_before, "not-before"
    candidates = [v for v in (start_bound, low) if v is not None]
    if not candidates and end_bound is not None:  # only its end is bound: as early as that allows
        candidates = [calendar.earliest_start_to_end_by(end_bound, step.duration)]
    if not candidates:  # nothing constrains it (a step reported done without dates): its first window
        candidates = [min((steps[w].S for w in step.m.during), default=today)]
    S, E = calendar.finish(max(candidates), step.duration)
    if end_bound is not None and end_bound > E:
        S, E = calendar.finish(max(S, calendar.earliest_start_to_end_by(end_bound, step.duration)), step.duration)
    if best_value is not None and (low is None or best_value >= low):
        step.reason = "predecessor"
        if step.duration.is_zero and best_type in ("FS", "FF") and (low is None or S - 1 >= low):
            # a point milestone after a finish falls on that step's last day; after a point, on the
            # day that point shows (a fixed point sits at the start of its own day)
            p = steps[step.driving]
            step.offset = p.offset if p.S == p.E else 1
    else:
        step.driving, step.reason, step.ties = None, low_reason, None
    if step.m.during:
        S, E = _fit_window(step, S, steps, calendar, by_the_end=not floor)
    return S, E


def _fixed_span(m: Milestone, duration: Duration, calendar: WorkCalendar) -> tuple[int, int]:
    assert m.start is not None  # only fixed steps, which have a start date
    start = m.start.first.toordinal()
    if m.end is not None:
        return start, m.end.last.toordinal() + 1
    if m.duration is not None or duration.is_zero:  # kind milestone: a point at the start of its day
        return start, calendar.finish(start, duration)[1]
    return start, start + 1  # 'start' alone: a one-day event


def _remaining(duration: Duration, progress: int, start: int, calendar: WorkCalendar) -> Duration:
    share = (100 - progress) / 100
    if duration.unit == "bd":
        return Duration(math.ceil(duration.amount * share), "bd")
    _, end = calendar.finish(start, duration)
    return Duration(math.ceil((end - start) * share), "d")


def _fit_window(step: _Step, S: int, steps: dict[str, _Step], calendar: WorkCalendar,
                by_the_end: bool = False) -> tuple[int, int]:
    """The first session window the step fits in, as early in it as it can be; ``by_the_end`` (the
    expected dates): as late in it as it can be, since a step placed in a session is due by the
    session's last day, and what follows it is expected from then."""
    windows = sorted((steps[w].S, steps[w].E, w) for w in step.m.during)
    missed: list[str] = []
    step.missed = missed
    for w_start, w_end, w_id in windows:
        s, e = calendar.finish(max(S, w_start), step.duration)
        if e <= w_end:
            if by_the_end:
                latest = calendar.begin(w_end, step.duration)
                if latest > s:
                    s, e = calendar.finish(latest, step.duration)
                    if step.duration.is_zero:  # a point at the end of the session's last day
                        s, e = w_end, w_end
                        step.session_window, step.session = (w_start, w_end), w_id
                        step.reason, step.driving, step.ties, step.offset = "window", w_id, None, 1
                        return s, e
            if s > S:  # the session's window sets its date: the session is its driving predecessor
                step.reason = "window"
                step.driving, step.ties = w_id, None
                step.offset = 0  # a point milestone then falls on the day the session opens, not the day before
            step.session_window = (w_start, w_end)
            step.session = w_id
            return s, e
        missed.append(w_id)
    step.session_window = None
    ahead = [(w_start, w_end, w_id) for w_start, w_end, w_id in windows if w_start >= S]
    if ahead:  # none can hold it: placed in the first still ahead, overrunning it (its float says by how much)
        w_start, step.overrun, w_id = ahead[0]
        s, e = calendar.finish(w_start, step.duration)
        if s > S:
            step.reason, step.driving, step.ties, step.offset = "window", w_id, None, 0
        return s, e
    return calendar.finish(S, step.duration)


# -- what is presumed of a step whose dates have come -------------------------------------------------

PRESUMED = ("in_session", "window_open", "held", "closed")
_MEETINGS = ("session", "meeting")


def _presume(step: _Step, planned: _Step, today: int, calendar: WorkCalendar, inputs_known: bool) -> str | None:
    """What is taken for granted about a planned step (nothing recorded) on the as-of day, set on
    ``step`` (``presumed``, ``closes``) and returned. A fixed-date step is ``in_session`` between
    its first and last day and ``held`` after them: nobody can move such a date, so it is presumed to
    take place on it until someone records otherwise. A session or meeting placed in a window is
    ``held`` once the window has closed. A step whose condition is still open is ``closed`` once its
    dates, its window or its deadline have passed: nobody knows whether it happened. Such steps keep
    their planned dates (``planned``: the expected dates) and are never overdue or late to start;
    so does such a step in a window while the window is open (``window_open``) once its planned
    start has passed: it may happen any day until the window closes, or may have happened. A
    step that nothing but its window or deadline places is planned to end when they close. A step
    without fixed dates is presumed so only when what it waits for is recorded (``inputs_known``):
    it cannot have happened before its inputs, so until then it is forecast after them."""
    m = step.m
    conditional = bool(m.condition)
    if not m.fixed and not inputs_known:
        return None
    if m.fixed:
        closes = max(step.E, step.S + 1)  # a fixed point milestone: the end of its own day
    elif m.start is not None or (conditional and step.deadline is not None):  # a window, or a deadline
        if not conditional and m.kind not in _MEETINGS:
            return None
        if step.deadline is not None:
            closes = step.deadline
        elif step.window is not None:
            closes = max(step.window[1].toordinal() + 1, planned.E)
        else:
            return None
    else:
        return None
    blocked = step.facts.status == "blocked"
    if m.fixed and step.S <= today < step.E and not blocked:  # (a point is never in session)
        step.presumed = "in_session"
    elif today >= closes and (conditional or not blocked):
        step.presumed, step.closes = ("closed" if conditional else "held"), closes
        if not m.fixed and planned.driving is None and planned.reason in ("as-of", "none"):
            planned.S, planned.E = calendar.finish(calendar.begin(closes, planned.duration), planned.duration)
            planned.offset = 0
    elif not m.fixed and planned.S < today and not blocked:
        step.presumed, step.open_until = "window_open", closes
    return step.presumed


# -- backward pass ---------------------------------------------------------------------------------

def _backward(step: _Step, succs, steps: dict[str, _Step], project_end: int, calendar: WorkCalendar) -> None:
    """Late dates from successors alone; an end point is bounded by its deadline, else the plan's end.

    FS and FF successors bound the late finish, SS and SF successors the late start; a deadline
    or a session window bounds the late finish as well. A movable step's late start is the latest
    day it can start and meet every bound (working-day steps start on a working day); its late
    finish is where it then ends.
    """
    ls_bound = lf_bound = None
    for succ_id, dep in succs:
        s = steps[succ_id]
        if s.state == "cancelled":  # a cancelled step waits for nothing: it bounds no predecessor
            continue
        if dep.type == "FS":
            lf = unshift(s.LS, dep.lag, calendar)
            lf_bound = lf if lf_bound is None else min(lf_bound, lf)
        elif dep.type == "SS":
            ls = unshift(s.LS, dep.lag, calendar)
            ls_bound = ls if ls_bound is None else min(ls_bound, ls)
        elif dep.type == "FF":
            lf = unshift(s.LF, dep.lag, calendar)
            lf_bound = lf if lf_bound is None else min(lf_bound, lf)
        else:  # SF
            ls = unshift(s.LF, dep.lag, calendar)
            ls_bound = ls if ls_bound is None else min(ls_bound, ls)
    if step.deadline is not None:  # a deadline bounds the step; at an end point it replaces the plan's end
        lf_bound = step.deadline if lf_bound is None else min(lf_bound, step.deadline)
    elif lf_bound is None and ls_bound is None:
        lf_bound = max(project_end, step.E) if step.fixed or step.state == "done" else project_end
    window_end = step.session_window[1] if step.session_window is not None else step.overrun \
        if step.overrun is not None else max(steps[w].E for w in step.missed) if step.missed else None  # missed them all: the last one bounds it
    if window_end is not None:
        lf_bound = window_end if lf_bound is None else min(lf_bound, window_end)
    step.ls_bound, step.lf_bound = ls_bound, lf_bound
    step.bounded = step.deadline is not None or step.session_window is not None or any(
        steps[s].fixed or steps[s].bounded for s, _ in succs)
    if step.state == "done" or step.fixed or step.closes is not None:
        step.LS, step.LF = step.S, step.E  # they do not move (a fixed step under way neither): predecessors fit before them
        return
    if step.state == "planned":
        starts = []
        if lf_bound is not None:
            starts.append(calendar.begin(lf_bound, step.duration))
        if ls_bound is not None:
            starts.append(calendar.latest_start_by(ls_bound, step.duration))
        step.LS = min(starts)
        step.LF = calendar.finish(step.LS, step.duration)[1]
        return
    span = step.E - step.S  # under way (its start is a fact) or cancelled
    finishes = [b for b in (lf_bound, None if ls_bound is None else ls_bound + span) if b is not None]
    step.LF = min(finishes)
    step.LS = step.LF if step.state == "cancelled" else step.LF - span


# -- finish ----------------------------------------------------------------------------------------

def _total_float(step: _Step, today: int) -> int | None:
    if step.state in ("done", "cancelled") or step.closes is not None:  # done, or presumed held or closed
        return None
    if step.presumed == "window_open":  # its planned days passed: measured as if it happened from today
        return step.LF - max(step.E, today + step.E - step.S)
    if step.fixed and (step.state == "in_progress" or step.presumed == "in_session"):
        # under way on its own dates: its preparation is past, only what comes after it can press it
        slack = [0, step.LF - step.E] if step.state == "in_progress" else [0]
        if step.lf_bound is not None:
            slack.append(step.lf_bound - step.E)
        if step.ls_bound is not None:
            slack.append(step.ls_bound - step.S)
        return min(slack)
    if step.fixed and step.state != "in_progress":
        slack = [0]
        if step.lf_bound is not None:
            slack.append(step.lf_bound - step.E)
        if step.ls_bound is not None:
            slack.append(step.ls_bound - step.S)
        if step.pred_start is not None:
            slack.append(step.S - step.pred_start)
        if step.pred_end is not None:
            slack.append(step.E - step.pred_end)
        return min(slack)
    return step.LF - step.E


class _Days(dict):
    """One date object per day number, made on first use: the entries of a large plan share them."""

    def __missing__(self, ordinal: int) -> date:
        day = self[ordinal] = date.fromordinal(ordinal)
        return day


def _lateness(step: _Step, expected: _Step, today: int, days: _Days):
    """``(lateness, late_days, expected_start, expected_end)`` of a step on the as-of day."""
    point = step.duration.is_zero
    first = expected.S - expected.offset if point else expected.S
    last = first if point or expected.state == "cancelled" else max(expected.E - 1, 1)
    exp_start, exp_end = days[first], days[last]
    state = step.state
    if state != "planned" and state != "in_progress" or step.presumed in ("in_session", "window_open"):
        return None, 0, exp_start, exp_end
    if step.closes is not None:  # presumed held, or its window closed: counted from its last day
        return "to_confirm" if step.presumed == "held" else "window_passed", today - (step.closes - 1), \
            exp_start, exp_end
    due = step.deadline - 1 if step.deadline is not None else None  # its last day
    passed = [today - day for day in (last, due) if day is not None and day < today]
    conditional = bool(step.m.condition)  # an open condition is never late: its window passed
    if passed:
        return "window_passed" if conditional else "overdue", max(passed), exp_start, exp_end
    if state == "planned" and first < today:
        return "window_passed" if conditional else "late_to_start", today - first, exp_start, exp_end
    return None, 0, exp_start, exp_end


def _mark_critical(entries: dict[str, ScheduleEntry], target: str, preds, risk_float: int) -> None:
    """Critical: the target's driving chain, less what has no float (done, cancelled, presumed held
    or closed). Near-critical: the other movable steps that lead to the target with total float at
    or under ``risk_float``."""
    chain = {target}  # the driving chain, and every chain tied with it
    stack = [target]
    while stack:
        e = entries[stack.pop()]
        if e.driven and e.driving is not None:
            for p in (e.driving, *e.driving_ties):
                if p not in chain:
                    chain.add(p)
                    stack.append(p)
    leads = {target}
    stack = [target]
    while stack:
        for d in preds[stack.pop()]:
            p = d.predecessor
            if p not in leads:
                leads.add(p)
                stack.append(p)
    for mid, e in entries.items():
        critical = mid in chain and e.total_float is not None  # done, cancelled, held, closed: nothing left to drive
        near = (not critical and mid in leads and not e.fixed and e.total_float is not None
                and e.total_float <= risk_float)
        if critical != e.critical or near:
            e.critical, e.near_critical = critical, near


def _entry(step: _Step, preds, succs, steps: dict[str, _Step], calendar: WorkCalendar, expected: _Step,
           today: int, days: _Days) -> ScheduleEntry:
    total = _total_float(step, today)
    free = None
    if total is not None:
        slacks = []
        for succ_id, dep in succs:
            s = steps[succ_id]
            if s.state == "cancelled":
                continue
            kind = dep.type
            anchor = step.E if kind == "FS" or kind == "FF" else step.S
            target = s.S if kind == "FS" or kind == "SS" else s.E
            # measured on the step's side, as total float is: how far its anchor may move
            slacks.append((unshift(target, dep.lag, calendar) if dep.lag.amount else target) - anchor)
        free = min([total] + slacks) if slacks else total
    point = step.duration.is_zero
    to_date = days.__getitem__
    S, E, state = step.S, step.E, step.state
    if point:  # a point milestone sits on one day: its start, less its offset
        start = to_date(S - step.offset)
        end = early_finish = start
    else:
        start = to_date(S)
        end = early_finish = to_date(E - 1 if E > 1 else 1)
        if state == "cancelled":  # it will not happen: one day, its early dates the same
            end = early_finish = start
    if state == "done" or state == "cancelled":
        late_start = late_finish = None
    elif point:
        late_start, late_finish = to_date(step.LS - step.offset), to_date(step.LF - step.offset)
    else:
        late_start, late_finish = to_date(step.LS), to_date(step.LF - 1 if step.LF > 1 else 1)
    waiting = tuple([d.predecessor for d in preds if steps[d.predecessor].state not in ("done", "cancelled")]) \
        if preds else ()
    deadline = to_date(step.deadline - 1) if step.deadline is not None else None
    lateness, late_days, exp_start, exp_end = _lateness(step, expected, today, days)
    driven = step.driving is not None and (
        step.reason == "predecessor" or step.reason == "window" or (
            step.fixed and state == "planned" and step.presumed is None and step.required is not None
            and step.required > S))
    facts = step.facts
    m = step.m
    # positional, in the order of the fields (a keyword call is a third of the entry's cost)
    return ScheduleEntry(
        m.id, m, state, start, end,  # id, milestone, state, start, end
        start, early_finish, late_start, late_finish,  # early_start ... late_finish
        total, free, False, step.fixed, point,  # total_float, free_float, critical, fixed, point
        step.driving, step.reason, step.progress, deadline,  # driving, driving_reason, progress, deadline
        step.window, facts.actual_start, facts.actual_end,  # window, actual_start, actual_end
        facts.documents, waiting, facts.status,  # documents, waiting_for, reported_status
        step.fixed or step.session_window is not None or m.window_span,  # anchored
        step.bounded, (S, E), False, driven,  # bounded, span, near_critical, driven
        exp_start, exp_end, late_days, lateness,  # expected_start, expected_end, late_days, lateness
        to_date(step.required) if step.required is not None and step.fixed else None,  # required_start
        step.session, tuple(step.missed) if state == "planned" else (),  # session, missed_sessions
        state == "in_progress" and facts.progress is not None and facts.status in (None, "in_progress"),
        tuple(step.ties) if step.ties and driven else (),  # driving_ties
        step.presumed, to_date(step.closes - 1) if step.closes is not None else None,  # presumed, closed_on
        to_date(expected.session_window[1] - 1) if expected.session_window is not None else  # due_by
        to_date(step.open_until - 1) if step.open_until is not None else None,
    )  # progress_reported ... due_by


def _post_checks(schedule: Schedule, steps: dict[str, _Step], preds) -> None:
    roadmap, diags, today = schedule.roadmap, schedule.diagnostics, schedule.as_of
    name = roadmap.path
    for m in roadmap.milestones:
        step, entry = steps[m.id], schedule.entries[m.id]
        if m.fixed and step.state == "planned" and step.presumed is None:
            late = max((step.pred_start or -10**9) - step.S, (step.pred_end or -10**9) - step.E)
            if late > 0:
                chain = " -> ".join(e.id for e in schedule.driving_chain(m.id))
                diags.append(Diagnostic(
                    "warning", "fixed-date-infeasible",
                    f"'{m.id}' is fixed to start {entry.start} but its dependencies allow {late} day(s) later at "
                    f"the earliest (driving chain: {chain})", name, m.line_of("start"),
                    "shorten or start the chain earlier, or move the date", m.id))
        if m.slip is not None and not m.fixed:
            diags.append(Diagnostic(
                "warning", "slip-ignored",
                f"'{m.id}' has a 'slip' but no fixed dates: 'roadmap risk' only slips fixed dates, so it is ignored",
                name, m.line_of("slip"),
                "give the step exact 'start'/'end' dates, or express the uncertainty as a three-point 'duration'", m.id))
        if m.during and step.session_window is None and step.state == "planned":
            diags.append(Diagnostic(
                "warning", "no-window-fits",
                f"'{m.id}' fits in none of the windows it may use ({', '.join(m.during)}); scheduled at "
                f"{entry.start} instead", name, m.line_of("during"), "add a later session to 'during' or start earlier", m.id))
        if step.state == "done":
            undone = [d.predecessor for d in preds[m.id] if steps[d.predecessor].state not in ("done", "cancelled")]
            if undone:
                diags.append(Diagnostic(
                    "warning", "done-before-predecessor",
                    f"'{m.id}' is done but its predecessor(s) {', '.join(undone)} are not", name, m.line,
                    "record the predecessors' progress, or remove the dependency", m.id))
        if entry.closed_on is not None:
            diags.append(Diagnostic(
                "warning", "nothing-recorded", f"'{m.id}': {closed_text(entry, today)}", name,
                m.line_of("deadline") if m.deadline and not m.fixed else m.line_of("start"),
                f"'roadmap update {m.id}' with what happened, or give it new dates", m.id))
        elif entry.deadline is not None and step.state not in ("done", "cancelled") and entry.deadline < today:
            diags.append(Diagnostic(
                "warning", "deadline-missed",
                f"'{m.id}' was due {entry.deadline} and is not done ({(today - entry.deadline).days} day(s) ago)",
                name, m.line_of("deadline") if m.deadline else m.line,
                "record it as done with its actual dates, or move the deadline", m.id))


def closed_text(entry: ScheduleEntry, as_of: date, count: bool = True) -> str:
    """What every view says of a step presumed held or whose window closed (``closed_on`` set):
    ``window closed 2026-04-30, 222 days ago; nothing recorded: record what happened, reschedule or
    cancel``; a fixed step "ended" rather than its window "closed"; a held one asks to confirm.
    ``count=False`` leaves out the days since (a calendar event must not change from day to day)."""
    assert entry.closed_on is not None
    days = (as_of - entry.closed_on).days
    when = f"{entry.closed_on}, {days} day{'' if days == 1 else 's'} ago" if count else str(entry.closed_on)
    closed = f"ended {when}" if entry.fixed else f"window closed {when}" if window_text(entry) else f"was due {when}"
    if entry.presumed == "held":
        return f"{closed}; held as planned? record the outcome"
    return f"{closed}; nothing recorded: record what happened, reschedule or cancel"


def window_text(entry: ScheduleEntry) -> str | None:
    """The fuzzy window of a step as written in the file (e.g. ``2023-H2``), if any."""
    m = entry.milestone
    for value in (m.start, m.not_before):
        if isinstance(value, DateWindow) and not value.exact:
            return value.text if m.end is None or m.end.exact else f"{value.text}..{m.end.text}"
    return None


__all__ = ["PRESUMED", "Schedule", "ScheduleEntry", "closed_text", "compute_schedule", "topological_order",
           "window_text"]
