"""Schedule risk by Monte Carlo simulation, vectorised with numpy over runs.

Each step is one vector operation across all runs, in topological order: the same forward-pass
arithmetic as :mod:`roadmap_tracker.scheduling` (link types, lags, working days through lookup
tables, fixed dates, session windows, the as-of floor), applied to sampled durations. With no
uncertainty in the file every run equals the deterministic schedule exactly.

Uncertainty comes from the roadmap file: three-point duration estimates (triangular or PERT),
fuzzy start windows (drawn uniformly), and ``slip`` on fixed dates that might move.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .dates import Duration, WorkCalendar
from .model import Milestone
from .scheduling import Schedule, topological_order
from .status import target_waits_for

PERCENTILES = (10, 50, 80, 95)


@dataclass
class RiskResult:
    """What the simulation found; dates are inclusive finish days."""

    runs: int
    seed: int | None
    target: str
    percentiles: dict[int, date]
    mean: date
    deterministic: date
    finishes: object  # numpy array of the target's finish day numbers, one per run
    deadline_odds: list[tuple[str, date, float]] = field(default_factory=list)
    session_odds: list[tuple[str, date, float]] = field(default_factory=list)
    criticality: dict[str, float] = field(default_factory=dict)
    sensitivity: list[tuple[str, float]] = field(default_factory=list)
    steps: dict[str, dict] = field(default_factory=dict)  # --all: per-step percentiles and odds

    def deadline_chance(self, milestone_id: str) -> float | None:
        """The share of runs in which ``milestone_id`` met its deadline (the table's figure), if it has one."""
        return next((p for mid, _, p in self.deadline_odds if mid == milestone_id), None)


class _Calendar:
    """Working-day arithmetic on arrays, through a table of working days over the simulated range."""

    def __init__(self, calendar: WorkCalendar, low: int, high: int):
        import numpy as np

        self.calendar = calendar
        self.low = low
        days = np.arange(low, high + 1)
        weekday = (days - 1) % 7
        is_workday = np.isin(weekday, sorted(calendar.workdays)) & ~np.isin(days, sorted(calendar.holidays))
        self.workdays = days[is_workday]
        self.before = np.concatenate([[0], np.cumsum(is_workday)])  # working days before each day

    def count_before(self, x):
        return self.before[x - self.low]

    def finish(self, start, n: int):
        if n == 0:
            return start, start
        first = self.workdays[self.count_before(start)]
        return first, self.workdays[self.count_before(first) + n - 1] + 1

    def finish_var(self, start, n):
        """Like :meth:`finish` with a number of working days per run (all >= 1 where used)."""
        import numpy as np

        first = self.workdays[self.count_before(start)]
        ends = self.workdays[self.count_before(first) + np.maximum(n, 1) - 1] + 1
        return np.where(n > 0, first, start), np.where(n > 0, ends, start)

    def shift(self, x, n: int):
        if n == 0:
            return x
        if n > 0:
            return self.workdays[self.count_before(x) + n - 1] + 1
        return self.workdays[self.count_before(x) - (-n)]

    def earliest_start(self, end_bound, n):
        """Earliest start from which ``n`` working days end at ``end_bound`` or later."""
        import numpy as np

        n = np.maximum(n, 1)
        last = self.count_before(end_bound - 1)  # index of the first working day >= end_bound - 1
        return self.workdays[last - n + 1]


def _estimate_points(estimate: tuple[Duration, Duration, Duration]) -> tuple:
    """``(unit, low, likely, high)``: working days when all three are, else calendar days (weeks
    are 7 days, months 30.44, working days 7/5 of a day)."""
    if {p.unit for p in estimate} == {"bd"}:
        return ("bd", *(p.amount for p in estimate))
    return ("d", *(p.approx_days() for p in estimate))


def _sample_amounts(rng, estimate: tuple[Duration, Duration, Duration], distribution: str, runs: int,
                    points: tuple | None = None):
    """``runs`` draws of a duration (``points``: its :func:`_estimate_points`, when known)."""
    import numpy as np

    unit, low, likely, high = points or _estimate_points(estimate)
    if high == low:
        return np.full(runs, int(round(likely))), unit
    if distribution == "pert":
        alpha = 1 + 4 * (likely - low) / (high - low)
        beta = 1 + 4 * (high - likely) / (high - low)
        values = low + rng.beta(alpha, beta, runs) * (high - low)
    else:
        values = rng.triangular(low, likely, high, runs)
    return np.rint(values, out=values).astype(np.int64), unit


@dataclass
class _Plan:
    """What every batch of runs reads: the steps in topological order and their links."""

    schedule: Schedule
    order: list[str]
    index: dict[str, int]
    entries: list
    preds: dict[str, list]
    cal: "_Calendar"
    today: int
    target: str
    links: list = field(default_factory=list)  # per step: (predecessor index, link type, lag, its entry)
    draws: list = field(default_factory=list)  # per step: the estimate's points when drawn, else None
    predecessors: list = field(default_factory=list)  # per step: the indices of its predecessors


def simulate(schedule: Schedule, runs: int = 10000, seed: int | None = None, all_steps: bool = False,
             progress=None, batch: int = 2000) -> RiskResult:
    """Run the Monte Carlo simulation of ``schedule``'s roadmap (as of its as-of date).

    Runs go in batches (one forward pass per batch, vectorised over its runs);
    ``progress(done_runs)`` is called after each batch.
    """
    import numpy as np

    check_worst_case(schedule)
    plan = _plan(schedule)
    rng = np.random.default_rng(seed)
    order, index = plan.order, plan.index
    finishes_all = []
    crit_counts = np.zeros(len(order))
    deadline_hits: dict[str, int] = {}
    session_hits: dict[str, int] = {}
    step_ends: dict[str, list] = {mid: [] for mid in order} if all_steps else {}
    samples: dict[str, list] = {}
    target = plan.target
    end_offset = schedule[target].span[1] - schedule[target].end.toordinal()
    # a deadline is met in a run when the step's last day (as the schedule shows it) is on or before
    # it; the target's only when, besides, every fixed date it waits for was prepared in time
    deadlines = [(mid, index[mid], e.deadline.toordinal() + e.span[1] - e.end.toordinal()) for mid in order
                 if (e := schedule[mid]).deadline is not None and e.state not in ("done", "cancelled")]
    deciding = _deciding_sessions(schedule)
    days = np.empty((2, len(order), min(batch, runs)), dtype=np.int64)  # every batch's start and end days
    done_runs = 0
    while done_runs < runs:
        n = min(batch, runs - done_runs)
        S, E, drivers, ready = _forward(plan, rng, n, samples, days[:, :, :n])
        crit_counts += _on_target_path(plan, drivers, n).sum(axis=1)
        finishes_all.append(E[index[target]] - end_offset)
        for mid, i, last_instant in deadlines:
            met = E[i] <= last_instant
            if mid == target:
                for session in deciding:
                    if session in ready:
                        met = met & ready[session]
            deadline_hits[mid] = deadline_hits.get(mid, 0) + int(met.sum())
        if all_steps:
            for mid in order:
                e = schedule[mid]
                step_ends[mid].append(E[index[mid]] - (e.span[1] - e.end.toordinal()))
        for mid, ok in ready.items():
            session_hits[mid] = session_hits.get(mid, 0) + int(ok.sum())
        done_runs += n
        if progress:
            progress(done_runs)
    return _summarise(plan, runs, seed, np.concatenate(finishes_all), crit_counts, deadline_hits, session_hits,
                      samples, step_ends if all_steps else None)


def _deciding_sessions(schedule: Schedule) -> set[str]:
    """The fixed dates whose preparation decides the target (:func:`status.target_waits_for`)."""
    from .status import StatusReport

    report = StatusReport(schedule, schedule.as_of, 0, 0)
    return target_waits_for(schedule, report.target_deadline)[1]


def _plan(schedule: Schedule) -> _Plan:
    """The simulation's view of a schedule, with a day table wide enough for every run."""
    roadmap = schedule.roadmap
    order = topological_order(roadmap)
    entries = [schedule[mid] for mid in order]
    today = schedule.as_of.toordinal()
    spread = sum(_widest(e.milestone) for e in entries) + 400
    low = min(min(e.span[0] for e in entries), today) - 400
    high = max(max(e.span[1] for e in entries), today) + spread + 400
    preds = {mid: sorted(((schedule[d.predecessor].milestone.index, d) for d in schedule[mid].milestone.dependencies),
                         key=lambda t: t[0]) for mid in order}
    index = {mid: i for i, mid in enumerate(order)}
    links = [[(index[d.predecessor], d.type, d.lag, schedule[d.predecessor]) for _, d in preds[mid]] for mid in order]
    draws = [_estimate_points(e.milestone.estimate) if e.milestone.estimate and len(set(e.milestone.estimate)) > 1
             else None for e in entries]  # with no spread, the plan's own duration (exact months)
    return _Plan(schedule, order, index, entries, preds, _Calendar(roadmap.calendar, low, high), today,
                 schedule.targets[0], links, draws,
                 [list({j for j, *_ in step} | {index[w] for w in entries[k].milestone.during})
                  for k, step in enumerate(links)])


def _forward(plan: _Plan, rng, n: int, samples: dict[str, list], days=None):
    """One forward pass over ``n`` runs: start and end instants per step and run, the index of
    what decides each step's driving predecessor (see :func:`_driver`), and for fixed sessions whether their
    preparation was ready in each run. Sampled inputs are appended to ``samples``.

    ``days`` (2 x steps x n), when given, receives the start and end days: the same memory for every
    batch, so that its pages are not faulted in again each time. Every step's row is written before
    any later step reads it, and nothing keeps a row beyond its batch."""
    import numpy as np

    order, cal, today = plan.order, plan.cal, plan.today
    S, E = days if days is not None else np.zeros((2, len(order), n), dtype=np.int64)
    drivers: list = [None] * len(order)
    ready = {}
    for i, mid in enumerate(order):
        entry = plan.entries[i]
        m = entry.milestone
        s0, e0 = entry.span
        bounds = []
        for j, kind, lag, predecessor in plan.links[i]:
            anchor = E[j] if kind in ("FS", "FF") else S[j]
            bounds.append((j, anchor if lag.amount == 0 else _lag(anchor, lag, cal, predecessor), kind))
        if entry.state in ("done", "cancelled") or entry.presumed in ("held", "closed", "window_open") or (
                entry.state == "in_progress" and not m.estimate):
            S[i], E[i] = s0, e0  # their dates are known, or presumed: no run moves them, nothing drives them
            continue
        if entry.state == "in_progress":
            assert m.estimate is not None  # without one it kept its dates above
            amounts, unit = _sample_amounts(rng, m.estimate, m.distribution, n)
            samples.setdefault(mid, []).append(amounts)
            likely = m.estimate[1].amount if unit == "bd" else m.estimate[1].approx_days()
            share = 1 - entry.progress / 100
            S[i] = s0
            E[i] = np.maximum(e0 + np.rint((amounts - likely) * share * (7 / 5 if unit == "bd" else 1)
                                           ).astype(np.int64), today + 1)
            continue
        if entry.fixed:
            S[i], E[i] = s0, e0
            if m.slip is not None:
                probability, by = m.slip
                moved = rng.random(n) < probability
                days = by.approx_days()
                offset = (moved * int(round(days))).astype(np.int64)
                samples.setdefault(mid, []).append(offset)
                S[i] += offset
                E[i] += offset
            record = _start_bounds(bounds, None, cal, m.duration, n, E[i] - S[i], "d", entry)
            if record is not None:
                if entry.presumed is None:
                    ready[mid] = record[1] <= S[i]
                # its predecessors drive it only in the runs where they make its date impossible
                drivers[i] = (record[0], record[1], S[i] + 1) if entry.presumed is None else None
            continue
        S[i], E[i], drivers[i] = _movable(plan, rng, n, samples, i, bounds, S, E)
    return S, E, drivers, ready


def _movable(plan: _Plan, rng, n: int, samples: dict[str, list], i: int, bounds, S, E):
    """A movable step: sample its duration and floor, then the scheduler's forward-pass arithmetic."""
    import numpy as np

    entry, cal, today = plan.entries[i], plan.cal, plan.today
    m = entry.milestone
    mid = m.id
    amounts, unit = _step_amounts(rng, m, entry, n, samples, plan.draws[i])
    floor = max(today, m.not_before.first.toordinal() if m.not_before else today)  # a day, or one per run
    if m.start is not None and not m.start.exact:
        first, last = m.start.first.toordinal(), m.start.last.toordinal()
        if m.window_span or last == first:
            floor = max(floor, first)
        else:
            drawn = rng.integers(first, last + 1, n)
            samples.setdefault(f"{mid}@window", []).append(drawn)
            floor = np.maximum(floor, drawn)
    if entry.state == "done":  # reported done without a date but not finished by the plan
        floor = -10**9
    if all(kind in ("FS", "SS") for _, _, kind in bounds):  # the common case: the bound that drives is the start bound
        # compared as the day the step would start (a working-day step on a working day), as the schedule does
        starts = [(j, cal.finish_var(value, amounts)[0] if unit == "bd" else value) for j, value, _ in bounds]
        start_bound = _latest(starts) if bounds else None
        end_bound = None
    else:
        start_bound = end_bound = starts = None
        for j, value, kind in bounds:
            if kind in ("FS", "SS"):
                start_bound = value if start_bound is None else np.maximum(start_bound, value)
            else:
                end_bound = value if end_bound is None else np.maximum(end_bound, value)
    bound_drives = False  # in every run the predecessors' bound, not the floor, sets the start
    if start_bound is None:
        start = np.full(n, floor, dtype=np.int64)
    elif isinstance(floor, int) and start_bound.min() >= floor:
        start, bound_drives = start_bound, True
    else:
        start = np.maximum(floor, start_bound)
    s, e = _finish(cal, start, amounts, unit, entry)
    if end_bound is not None:
        late = end_bound > e
        s2, _ = _finish(cal, np.maximum(s, _earliest(cal, end_bound, amounts, unit, entry)), amounts, unit, entry)
        s = np.where(late, s2, s)
        s, e = _finish(cal, s, amounts, unit, entry)
    placed_by = None
    if m.during:
        s, e, placed_by = _fit_windows(cal, s, e, amounts, unit, entry, [plan.index[w] for w in m.during], S, E)
    if starts is None:
        driver = _start_bounds(bounds, floor, cal, m.duration, n, amounts, unit, entry)
    else:
        driver = (starts, start_bound, None if bound_drives else floor) if starts else None
    if placed_by is not None:  # in the runs where a session's window set its date, that session drives it
        driver = ("window", placed_by, driver)
    return s, e, driver


def _on_target_path(plan: _Plan, drivers: list, n: int):
    """Per step and run, whether the step is on the chain of driving links back from the target.

    A step's driving predecessor is worked out only for steps on that chain in some run."""
    import numpy as np

    order, index = plan.order, plan.index
    on_path = np.zeros((len(order), n), dtype=bool)
    on_path[index[plan.target]] = True
    for i in range(len(order) - 1, -1, -1):
        if not on_path[i].any():
            continue
        for j, drives in _driving_links(drivers[i]):  # every predecessor tied for the latest start
            on_path[j] |= on_path[i] & drives
    return on_path


def _driving_links(record) -> list:
    """``(predecessor index, per-run mask)`` for each link that sets the step's start in some run:
    every one whose bound is the latest (ties included), where it is not below the floor; the
    session whose window set the date, in the runs where it did."""
    import numpy as np

    if record is None:
        return []
    if record[0] == "window":
        _, placed_by, inner = record
        sessions = [(int(w), placed_by == w) for w in np.unique(placed_by[placed_by >= 0])]
        return sessions + [(j, mask & (placed_by < 0)) for j, mask in _driving_links(inner)]
    starts, latest, floor = record
    ok = True if floor is None else latest >= floor
    return [(j, (value == latest) & ok) for j, value in starts]


def _summarise(plan: _Plan, runs: int, seed: int | None, finishes, crit_counts, deadline_hits, session_hits,
               samples, step_ends) -> RiskResult:
    """Percentiles, odds, criticality and sensitivity from the runs' outcomes."""
    import numpy as np

    schedule, index, target = plan.schedule, plan.index, plan.target
    roadmap = schedule.roadmap
    to_date = date.fromordinal
    result = RiskResult(
        runs=runs, seed=seed, target=target,
        percentiles={p: to_date(int(np.percentile(finishes, p, method="higher"))) for p in PERCENTILES},
        mean=to_date(int(round(float(finishes.mean())))), deterministic=schedule[target].end, finishes=finishes)
    result.deadline_odds = [(mid, deadline, hits / runs) for mid, hits in deadline_hits.items()
                            if (deadline := schedule[mid].deadline) is not None]  # counted only with one
    result.session_odds = [(mid, schedule[mid].start, hits / runs) for mid, hits in session_hits.items()]
    # as the schedule marks critical: on the target's driving chain, with something left to drive
    result.criticality = {mid: float(crit_counts[index[mid]] / runs) if schedule[mid].total_float is not None else 0.0
                          for mid in roadmap.ids}
    result.sensitivity = sorted(_sensitivity(samples, finishes), key=lambda t: (-abs(t[1]), t[0]))
    if step_ends is not None:
        for mid in roadmap.ids:
            ends = np.concatenate(step_ends[mid])
            result.steps[mid] = {
                "percentiles": {p: to_date(int(np.percentile(ends, p, method="higher"))) for p in PERCENTILES},
                "mean": to_date(int(round(float(ends.mean())))), "earliest": to_date(int(ends.min())),
                "latest": to_date(int(ends.max())), "criticality": result.criticality[mid]}
    return result


def _sensitivity(samples: dict[str, list], finishes) -> list[tuple[str, float]]:
    """Spearman's rho between each sampled input that varies and the target's finish.

    The value is ``np.corrcoef`` of the two rank vectors, bit for bit. Ranks are a permutation of
    0..n-1, so the sums behind it are whole numbers (with the ranks' centres doubled) that float64
    holds exactly while n(n^2-1)/3 < 2^53 (up to about 300,000 runs): summed as integers in any
    order they give the same covariance, so all inputs are ranked and correlated together, a block
    of rows at a time.
    """
    import numpy as np

    n = len(finishes)
    if (finishes.min() == finishes.max() or n * (n * n - 1) // 3 >= 1 << 53
            or not all(chunk.dtype == np.int64 for chunks in samples.values() for chunk in chunks)):
        return _general_sensitivity(samples, finishes)
    ranks_target = _ranks(finishes)
    target_twice_centred = 2 * ranks_target.astype(np.int64) - (n - 1)
    position_twice_centred = np.arange(-(n - 1), n, 2, dtype=np.int64)  # 2p - (n - 1) for p = 0..n-1
    scale = np.true_divide(1, n - 1)  # as np.cov normalises
    deviation = np.sqrt(float(n * (n * n - 1) // 3) / 4 * scale)  # sum of (p - (n - 1) / 2)^2, normalised
    keys = list(samples)
    block = max(1, (1 << 20) // n)
    raw = np.empty((min(block, len(keys)), n), dtype=np.int64)
    sensitivity = []
    for first in range(0, len(keys), block):
        names = keys[first:first + block]
        rows = raw[:len(names)]
        for row, key in zip(rows, names):
            np.concatenate(samples[key], out=row)
        lows, highs = rows.min(axis=1), rows.max(axis=1)
        varying = lows != highs  # a constant input has no rank correlation: left out
        if not varying.all():
            rows, lows, highs = rows[varying], lows[varying], highs[varying]
            names = [key for key, keep in zip(names, varying) if keep]
            if not names:
                continue
        widest = int((highs - lows).max())  # shifted to 0, small integers sort by numpy's radix sort
        values = np.subtract(rows, lows[:, None], casting="unsafe", out=np.empty(
            rows.shape, dtype=np.uint8 if widest < 1 << 8 else np.uint16 if widest < 1 << 16 else np.int64))
        order = np.argsort(values, axis=1, kind="stable")
        # whole numbers: numpy's own integer loop, no BLAS threads (which only spin on a busy machine)
        covariance = (np.take(target_twice_centred, order) @ position_twice_centred) / 4 * scale
        rho = np.clip(covariance / deviation / deviation, -1, 1)
        sensitivity += [(key, float(r)) for key, r in zip(names, rho)]
    return sensitivity


def _general_sensitivity(samples: dict[str, list], finishes) -> list[tuple[str, float]]:
    """:func:`_sensitivity` input by input, through ``np.corrcoef`` of the ranks."""
    import numpy as np

    ranks_target = _ranks(finishes) if finishes.min() != finishes.max() else None
    sensitivity = []
    for key, chunks in samples.items():
        values = np.concatenate(chunks)
        if values.min() != values.max():
            sensitivity.append((key, 0.0 if ranks_target is None else
                                float(np.corrcoef(_ranks(values), ranks_target)[0, 1])))
    return sensitivity


def check_worst_case(schedule: Schedule) -> None:
    """Refuse to simulate when the worst case a run can draw (every pessimistic duration, every slip
    taken) runs out of 1900-2999: :class:`RoadmapInvalid` naming the step and line, as validation does."""
    import dataclasses

    from .dates import DateOutOfRange, DateWindow, shift
    from .errors import Diagnostic, RoadmapInvalid
    from .scheduling import compute_schedule

    roadmap = schedule.roadmap
    worst = []
    for m in roadmap.milestones:
        if m.estimate:
            m = _with_duration(m, m.estimate[2])
        if m.slip and m.start is not None and m.fixed:
            by = m.slip[1]
            try:
                first = date.fromordinal(shift(m.start.first.toordinal(), by, roadmap.calendar))
                last = date.fromordinal(shift(m.end.first.toordinal(), by, roadmap.calendar)) if m.end else None
            except DateOutOfRange as exc:
                raise RoadmapInvalid([Diagnostic(
                    "error", "date-out-of-range", f"milestone '{m.id}': when it slips, {exc}", roadmap.path,
                    m.line_of("slip"), "make 'slip: by' shorter")]) from None
            m = dataclasses.replace(m, start=DateWindow(first, first, first.isoformat()),
                                    end=DateWindow(last, last, last.isoformat()) if last else None)
        worst.append(m)
    try:
        compute_schedule(dataclasses.replace(roadmap, milestones=tuple(worst)), schedule.as_of)
    except RoadmapInvalid as exc:
        raise RoadmapInvalid([dataclasses.replace(
            d, message=f"{d.message} in the worst case 'roadmap risk' draws (pessimistic durations, every slip)",
            hint="shorten the pessimistic estimates or slips on this chain") for d in exc.diagnostics]) from None


def _with_duration(m: Milestone, duration: Duration) -> Milestone:
    """``dataclasses.replace(m, duration=duration)`` without its per-call inspection of the fields
    (a thousand steps took a fifth of a simulation's set-up): a milestone is a frozen dataclass with
    no ``__post_init__``, all of its state in its ``__dict__``."""
    worst = object.__new__(type(m))
    worst.__dict__.update(m.__dict__, duration=duration)
    return worst


def _widest(m) -> int:
    days = 0
    if m.estimate:
        days += int(max(p.amount for p in m.estimate) * 7 * 2)
    if m.slip:
        days += int(m.slip[1].amount * 31)
    if m.start is not None and not m.start.exact:
        days += (m.start.last - m.start.first).days
    return days


def _ranks(values):
    """The rank of each value, ties in order of appearance (as floats, for ``corrcoef``).

    Values are whole days: shifted to start at 0 they fit in 8 or 16 bits for any realistic
    spread, and numpy sorts such small integers with a stable radix sort: the same order as a
    stable sort of the original values, several times faster.
    """
    import numpy as np

    if values.dtype.kind in "iu" and len(values):
        low = values.min()
        spread = int(values.max()) - int(low)
        if spread < 1 << 16:
            values = (values - low).astype(np.uint8 if spread < 1 << 8 else np.uint16)
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values))
    ranks[order] = np.arange(len(values))
    return ranks


def _lag(anchor, lag: Duration, cal: _Calendar, pred_entry):
    if lag.amount == 0:
        return anchor
    if lag.unit in ("d", "w"):
        return anchor + lag.amount * (7 if lag.unit == "w" else 1)
    if lag.unit == "bd":
        return cal.shift(anchor, lag.amount)
    from .dates import shift  # months: the deterministic offset, applied to every run

    base = pred_entry.span[1]
    return anchor + (shift(base, lag, cal.calendar) - base)


def _step_amounts(rng, m, entry, n: int, samples: dict, points: tuple | None):
    import numpy as np

    if points is not None:  # an estimate with a spread; without one, the plan's own duration (exact months)
        amounts, unit = _sample_amounts(rng, m.estimate, m.distribution, n, points)
        samples.setdefault(entry.id, []).append(amounts)
        return amounts, unit
    duration = m.duration
    if duration is None:
        span = entry.span[1] - entry.span[0]
        return np.full(n, span, dtype=np.int64), "d"
    if duration.unit == "mo":  # months: the deterministic span, as days
        return np.full(n, entry.span[1] - entry.span[0], dtype=np.int64), "span"
    amount = duration.amount * (7 if duration.unit == "w" else 1)
    return np.full(n, amount, dtype=np.int64), "bd" if duration.unit == "bd" else "d"


def _finish(cal: _Calendar, start, amounts, unit: str, entry):
    if unit == "bd":
        return cal.finish_var(start, amounts)
    return start, start + amounts


def _earliest(cal: _Calendar, end_bound, amounts, unit: str, entry):
    import numpy as np

    if unit == "bd":
        return np.where(amounts > 0, cal.earliest_start(end_bound, amounts), end_bound)
    return end_bound - amounts


def _fit_windows(cal, s, e, amounts, unit, entry, windows: list[int], S, E):
    import numpy as np

    chosen = np.zeros(len(s), dtype=bool)
    out_s, out_e = s.copy(), e.copy()
    placed_by = np.full(len(s), -2, dtype=np.int64)  # -2: no window moved it
    for w in sorted(windows, key=lambda j: (int(S[j][0]), int(E[j][0]))):
        ws, we = _finish(cal, np.maximum(s, S[w]), amounts, unit, entry)
        fits = (we <= E[w]) & ~chosen
        out_s = np.where(fits, ws, out_s)
        out_e = np.where(fits, we, out_e)
        placed_by = np.where(fits & (ws > s), w, placed_by)
        chosen |= fits
    overrun = np.zeros(len(s), dtype=bool)  # fits none: placed in the first window still ahead, overrunning it
    for w in sorted(windows, key=lambda j: (int(S[j][0]), int(E[j][0]))):
        ahead = ~chosen & ~overrun & (S[w] >= s)
        if ahead.any():
            ws, we = _finish(cal, np.maximum(s, S[w]), amounts, unit, entry)
            out_s, out_e = np.where(ahead, ws, out_s), np.where(ahead, we, out_e)
            placed_by = np.where(ahead & (ws > s), w, placed_by)
            overrun |= ahead
    return out_s, out_e, placed_by


def _start_bounds(bounds, floor, cal, duration, n, amounts=None, unit="d", entry=None):
    """What decides which predecessor drives a step: ``(starts, latest, floor)``, each link's bound
    on the step's start and the latest of them per run; None without links. See :func:`_driver`."""
    import numpy as np

    if not bounds:
        return None
    starts = []
    for j, value, kind in bounds:
        if kind in ("FS", "SS"):
            starts.append((j, cal.finish_var(value, amounts)[0] if unit == "bd" and amounts is not None else value))
        elif amounts is not None:
            starts.append((j, _earliest(cal, value, amounts, unit, entry)))
        else:
            length = duration.amount * (7 if duration and duration.unit == "w" else 1) if duration else 1
            starts.append((j, value - length if not duration or duration.unit != "bd" else
                           cal.earliest_start(value, np.full(n, max(duration.amount, 1)))))
    return starts, _latest(starts), floor


def _latest(starts: list):
    """The latest of the ``(predecessor index, start bound)`` pairs' bounds, per run."""
    import numpy as np

    best = starts[0][1]
    for _, value in starts[1:]:
        best = np.maximum(best, value)
    return best


def _driver(record):
    """Per run, the index of the predecessor that sets the step's start (-1: none, the floor does):
    the first in file order of those whose bound is the latest, as ``argmax`` over the stacked
    bounds chooses. A single index when it is the same in every run."""
    import numpy as np

    if record is None:
        return -1
    if record[0] == "window":  # a session's window set the date in some runs
        _, placed_by, inner = record
        return np.where(placed_by >= 0, placed_by, _driver(inner))
    starts, latest, floor = record
    chosen = starts[-1][0]
    for j, value in reversed(starts[:-1]):
        chosen = np.where(value == latest, j, chosen)
    if floor is None:
        return chosen
    return np.where(latest >= floor, chosen, -1)
