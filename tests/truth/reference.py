"""A small reference scheduler written from docs/format.md ("Arithmetic, exactly" and "What the
schedule means"), kept independent of roadmap_tracker.scheduling so that the two check each other.

It covers plans of movable steps (d, bd, w and mo durations, 0 included), fixed steps, done steps
with actual dates, ``not_before`` and ``deadline`` days, every link type with day and working-day
lags, and a calendar with holidays. A fixed step with nothing recorded is presumed held once its
last day has passed (no float; a point, once its day has) and in session between its days (its
predecessors no longer count). Days are ordinals; a step on days s..e runs from instant s to
e + 1 (half-open), as the docs say.
"""

from __future__ import annotations

import calendar as _cal
from dataclasses import dataclass
from datetime import date


@dataclass
class Ref:
    S: int
    E: int
    LS: int | None = None
    LF: int | None = None
    total_float: int | None = None
    driving: str | None = None


def workday(day: int, workdays, holidays) -> bool:
    return date.fromordinal(day).weekday() in workdays and day not in holidays


def add(instant: int, amount: int, unit: str, workdays, holidays) -> int:
    """An instant moved by a lag or a duration of calendar units ("bd": working days counted
    from the instant; negative: counted back)."""
    if unit == "d":
        return instant + amount
    if unit == "w":
        return instant + 7 * amount
    if unit == "mo":
        d = date.fromordinal(instant)
        y, m = divmod(d.year * 12 + d.month - 1 + amount, 12)
        return date(y, m + 1, min(d.day, _cal.monthrange(y, m + 1)[1])).toordinal()
    day, counted = instant, 0
    if amount >= 0:
        while counted < amount:
            if workday(day, workdays, holidays):
                counted += 1
            day += 1
        return day
    while counted < -amount:
        day -= 1
        if workday(day, workdays, holidays):
            counted += 1
    return day


def run(start: int, amount: int, unit: str, workdays, holidays) -> tuple[int, int]:
    """Work of a duration begun at instant ``start``: working-day work starts on the next working day."""
    if unit == "bd" and amount > 0:
        while not workday(start, workdays, holidays):
            start += 1
    return start, add(start, amount, unit, workdays, holidays)


def latest(bound: int, ok) -> int:
    """The latest instant x <= bound with ok(x) (searching back at most three years)."""
    x = bound
    while not ok(x):
        x -= 1
        assert bound - x < 1200, "no instant found"
    return x


def schedule(plan: list[dict], as_of: date, workdays=(0, 1, 2, 3, 4), holidays=frozenset(),
             expected: bool = False) -> dict[str, Ref]:
    """``plan``: steps in an order where predecessors come first, each a dict with ``id``,
    ``duration`` (amount, unit), ``links`` [(pred, type, amount, unit)], and optionally ``fixed``
    (start, end or None), ``actual`` (start, end), ``not_before`` and ``deadline`` (ordinals).
    ``expected``: the expected dates instead, work not started left where the plan puts it (a step
    with nothing before it and no ``not_before`` starts on the as-of day); forward pass only."""
    today = as_of.toordinal()
    ref: dict[str, Ref] = {}
    succs: dict[str, list] = {p["id"]: [] for p in plan}
    for p in plan:
        for pred, kind, amount, unit in p["links"]:
            succs[pred].append((p["id"], kind, amount, unit))
    by_id = {p["id"]: p for p in plan}

    # forward: early dates, and which link needs the latest start
    for p in plan:
        amount, unit = p["duration"]
        needs = []  # (needed start, pred) in file order of the predecessors
        bounds_start, bounds_end = [], []
        for pred, kind, lag, lag_unit in sorted(p["links"], key=lambda link: plan.index(by_id[link[0]])):
            q = ref[pred]
            value = add(q.E if kind in ("FS", "FF") else q.S, lag, lag_unit, workdays, holidays)
            (bounds_start if kind in ("FS", "SS") else bounds_end).append(value)
            needs.append((kind, value, pred))
        if p.get("actual") or p.get("fixed"):
            if p.get("actual"):
                S, E = p["actual"][0], p["actual"][1] + 1
            else:
                S, end = p["fixed"]
                E = end + 1 if end is not None else run(S, amount, unit, workdays, holidays)[1]
            best = None
            for kind, value, pred in needs:  # its real span decides what an end bound needs
                start = value if kind in ("FS", "SS") else value - (E - S)
                if best is None or start > best[0]:
                    best = (start, pred)
            ref[p["id"]] = Ref(S, E, driving=best[1] if best else None)
            continue
        floor = max(today, p.get("not_before") or today)
        if expected:  # not before not_before; with nothing at all before it, the as-of day
            floor = p.get("not_before") or (today if not bounds_start + bounds_end else None)
            if floor is None and not bounds_start:  # only end bounds: as early as they allow
                floor = max(bounds_end) - (amount * 31 + 40 if unit == "mo" else amount * 7 + 40)
                while run(floor, amount, unit, workdays, holidays)[1] < max(bounds_end):
                    floor += 1
            elif floor is None:
                floor = max(bounds_start)
        best = None
        for kind, value, pred in needs:  # the day the step would start if this link alone held it
            if kind in ("FS", "SS"):
                start = run(value, amount, unit, workdays, holidays)[0]
            else:  # the earliest start from which the work ends at the bound or later
                start = value - (amount * 31 + 40 if unit == "mo" else amount * 7 + 40)
                while run(start, amount, unit, workdays, holidays)[1] < value:
                    start += 1
                start = run(start, amount, unit, workdays, holidays)[0]
            if best is None or start > best[0]:
                best = (start, pred)
        S, E = run(max([floor] + bounds_start), amount, unit, workdays, holidays)
        if bounds_end and max(bounds_end) > E:
            x = S
            while run(x, amount, unit, workdays, holidays)[1] < max(bounds_end):
                x += 1
            S, E = run(x, amount, unit, workdays, holidays)
        driving = best[1] if best is not None and best[0] >= floor else None
        ref[p["id"]] = Ref(S, E, driving=driving)

    if expected:
        return ref
    # backward: late dates from successors alone; an end point is bounded by its deadline, else by
    # the plan's end
    plan_end = max(r.E for r in ref.values())
    for p in reversed(plan):
        r = ref[p["id"]]
        amount, unit = p["duration"]
        lf_bounds, ls_bounds = [], []
        for succ, kind, lag, lag_unit in succs[p["id"]]:
            s = ref[succ]
            target = s.LS if kind in ("FS", "SS") else s.LF
            x = latest(target + 80, lambda x: add(x, lag, lag_unit, workdays, holidays) <= target)
            (lf_bounds if kind in ("FS", "FF") else ls_bounds).append(x)
        if p.get("deadline") is not None:
            lf_bounds.append(p["deadline"] + 1)
        elif not succs[p["id"]]:
            lf_bounds.append(max(plan_end, r.E) if p.get("fixed") or p.get("actual") else plan_end)
        if p.get("actual"):
            r.LS, r.LF = r.S, r.E
            continue
        if p.get("fixed"):
            r.LS, r.LF = r.S, r.E
            if today >= max(r.E, r.S + 1):  # its dates passed (a point: its day) with nothing recorded: held, no float
                continue
            slack = [0] + [b - r.E for b in lf_bounds] + [b - r.S for b in ls_bounds]
            if r.S <= today < r.E:  # in session: its preparation is past, only what follows can press it
                r.total_float = min(slack)
                continue
            for pred, kind, lag, lag_unit in p["links"]:
                q = ref[pred]
                value = add(q.E if kind in ("FS", "FF") else q.S, lag, lag_unit, workdays, holidays)
                slack.append(r.S - value if kind in ("FS", "SS") else r.E - value)
            r.total_float = min(slack)
            continue
        real = lambda x: not (unit == "bd" and amount > 0) or workday(x, workdays, holidays)  # noqa: E731
        starts = [latest(b, lambda x: real(x) and run(x, amount, unit, workdays, holidays)[1] <= b) for b in lf_bounds]
        starts += [latest(b, real) for b in ls_bounds]
        r.LS = min(starts)
        r.LF = run(r.LS, amount, unit, workdays, holidays)[1]
        r.total_float = r.LF - r.E
    return ref
