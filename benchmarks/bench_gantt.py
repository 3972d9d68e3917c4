"""Benchmark the Gantt chart: the shipped roadmap and a 300-row roadmap, PNG and SVG.

Run: python benchmarks/bench_gantt.py
Prints figures (target: under 3 s for 300 rows); asserts nothing.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from roadmap_tracker.charts.gantt import GanttOptions, gantt_layout  # noqa: E402
from roadmap_tracker.charts.draw import render_gantt  # noqa: E402
from roadmap_tracker.loading import load_roadmap  # noqa: E402
from roadmap_tracker.scheduling import compute_schedule  # noqa: E402
from tests.synthetic import synthetic_yaml  # noqa: E402


def measure(name: str, schedule, options: GanttOptions) -> None:
    t0 = time.perf_counter()
    layout = gantt_layout(schedule, options)
    layout_s = time.perf_counter() - t0
    for fmt in ("png", "svg"):
        t0 = time.perf_counter()
        data = render_gantt(layout, fmt, 200)
        print(f"  {name}: {len(layout.bars)} rows, {fmt.upper()} {time.perf_counter() - t0:.2f} s "
              f"({len(data) / 1e6:.1f} MB; layout {layout_s * 1000:.0f} ms)")


def main() -> None:
    import matplotlib  # noqa: F401  (import cost measured apart)

    print("Gantt chart, 200 dpi:")
    shipped = compute_schedule(load_roadmap(ROOT / "data" / "milestones.yaml"), date(2024, 3, 1))
    measure("shipped roadmap, default window around 2024-03-01", shipped, GanttOptions())
    measure("shipped roadmap, 2023-2026 in full", shipped, GanttOptions(date_from=date(2022, 3, 28), weeks=250))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rows.yaml"
        path.write_text(synthetic_yaml(300, seed=4, reach=5))
        schedule = compute_schedule(load_roadmap(path), date(2024, 1, 1))
        end = max(e.end for e in schedule)
        weeks = (end - date(2024, 1, 1)).days // 7 + 2
        measure("300-row generated roadmap", schedule, GanttOptions(date_from=date(2024, 1, 1), weeks=weeks))


if __name__ == "__main__":
    main()
