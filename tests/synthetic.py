"""Generated roadmaps of any size, for benchmarks and cross-checks against other schedulers."""

from __future__ import annotations

import random
from datetime import date, timedelta


def synthetic_yaml(count: int, seed: int = 1, max_predecessors: int = 3, reach: int = 50,
                   start: date = date(2024, 1, 1), estimates: bool = False) -> str:
    """A finish-to-start roadmap of ``count`` milestones as YAML text.

    Each milestone after the first few has 1 to ``max_predecessors`` predecessors chosen among the
    ``reach`` milestones before it, and a duration of 1 to 20 calendar days; the first starts on
    ``start``. With ``estimates``, durations are three-point estimates (likely, minus a third,
    plus up to double). Deterministic for a given ``seed``.
    """
    rng = random.Random(seed)
    lines = [
        f"roadmap: {{id: synthetic-{count}, title: Synthetic roadmap of {count} milestones}}",
        "milestones:",
    ]
    for i in range(count):
        days = rng.randint(1, 20)
        duration = f"{days}d" if not estimates else \
            f"{{optimistic: {max(1, days * 2 // 3)}d, likely: {days}d, pessimistic: {days * rng.randint(1, 2) + 1}d}}"
        fields = [f"id: m{i}", f"title: Step {i}", f"duration: {duration}"]
        if i == 0:
            fields.append(f"not_before: {start.isoformat()}")
        else:
            k = rng.randint(1, min(max_predecessors, i))
            preds = sorted(rng.sample(range(max(0, i - reach), i), min(k, i - max(0, i - reach))))
            fields.append(f"after: [{', '.join(f'm{p}' for p in preds)}]")
        lines.append(f"  - {{{', '.join(fields)}}}")
    return "\n".join(lines) + "\n"


def synthetic_calendar_yaml(count: int, seed: int = 1, reach: int = 30, start: date = date(2024, 1, 1)) -> str:
    """A roadmap of ``count`` steps with every link type, lags in every unit and a working-day calendar.

    Durations mix working days (``bd``), days, weeks and months; links are FS, SS, FF and SF with
    lags of ``bd``, ``d``, ``w`` and ``mo`` (some negative); every tenth step is a fixed-date
    session, some steps have a ``not_before`` window or a deadline. The calendar works Monday to
    Friday with a holiday each month. Deterministic for a given ``seed``.
    """
    rng = random.Random(seed)
    holidays = [date(year, month, rng.randint(1, 28)).isoformat() for year in range(start.year, start.year + 6)
                for month in range(1, 13)]
    lines = [
        "roadmap:",
        f"  id: synthetic-calendar-{count}",
        f"  title: Synthetic plan of {count} steps on working days",
        "  calendar:",
        "    workdays: [mon, tue, wed, thu, fri]",
        f"    holidays: [{', '.join(holidays)}]",
        "milestones:",
    ]
    fixed_day = start
    for i in range(count):
        fields = [f"id: s{i}", f"title: Step {i}"]
        if i % 10 == 9:
            fixed_day = fixed_day + timedelta(days=rng.randint(20, 40))
            fields += ["kind: session", f"start: {fixed_day.isoformat()}",
                       f"end: {(fixed_day + timedelta(days=rng.randint(0, 4))).isoformat()}"]
        else:
            unit = rng.choice(("bd", "bd", "d", "w", "mo"))
            amount = {"bd": rng.randint(0, 15), "d": rng.randint(1, 20), "w": rng.randint(1, 4),
                      "mo": rng.randint(1, 2)}[unit]
            fields.append(f"duration: {amount}{unit}" if amount else "duration: 0")
        if i == 0:
            fields.append(f"not_before: {start.isoformat()}")
        elif i % 10 != 9 or rng.random() < 0.5:
            deps = []
            for p in sorted(rng.sample(range(max(0, i - reach), i), min(rng.randint(1, 3), i))):
                kind = rng.choice(("FS", "FS", "SS", "FF", "SF"))
                lag_unit = rng.choice(("bd", "d", "w", "mo"))
                lag = rng.choice((0, 0, 1, 2, -1)) * (1 if lag_unit in ("w", "mo") else rng.randint(1, 5))
                dep = f"{{id: s{p}, type: {kind}" + (f", lag: {lag}{lag_unit}" if lag else "") + "}"
                deps.append(dep)
            fields.append(f"depends_on: [{', '.join(deps)}]")
        if i % 17 == 5:
            fields.append(f"not_before: {start.year + i // 150}-Q{rng.randint(1, 4)}")
        if i % 13 == 3:
            fields.append(f"deadline: {start.year + 1 + i // 150}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}")
        lines.append(f"  - {{{', '.join(fields)}}}")
    return "\n".join(lines) + "\n"
