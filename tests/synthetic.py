"""Generated roadmaps of any size, for benchmarks and cross-checks against other schedulers."""

from __future__ import annotations

import random
from datetime import date


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
