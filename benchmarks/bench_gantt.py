"""Benchmark the charts: the shipped roadmap and a 300-row roadmap as PNG and SVG, and the whole brief.

Run: python benchmarks/bench_gantt.py
Prints figures (targets: 300 rows under 1.5 s as SVG and 2 s as PNG; the shipped roadmap's brief,
every file including brief.docx, under 3 s); best of 3; asserts nothing.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from roadmap_tracker.charts.brief import build_brief, write_brief_pack  # noqa: E402
from roadmap_tracker.charts.draw import render_gantt  # noqa: E402
from roadmap_tracker.charts.gantt import GanttOptions, gantt_layout  # noqa: E402
from roadmap_tracker.loading import load_roadmap  # noqa: E402
from roadmap_tracker.scheduling import compute_schedule  # noqa: E402
from tests.synthetic import synthetic_yaml  # noqa: E402

TARGETS = {"png": 2.0, "svg": 1.5}


def best(func, repeat: int = 3) -> tuple[float, object]:
    """Best wall time of ``repeat`` runs; the CPU time of that run is kept in CPU[0] (on a busy machine
    the CPU time is the better guide to what an idle one would take)."""
    times, result = [], None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = func()
        times.append((time.perf_counter() - t0, time.process_time() - c0))
    wall, cpu = min(times)
    CPU[0] = cpu
    return wall, result


CPU = [0.0]


def measure(name: str, schedule, options: GanttOptions, target: bool = False) -> None:
    layout_s, layout = best(lambda: gantt_layout(schedule, options))
    for fmt in ("png", "svg"):
        seconds, data = best(lambda: render_gantt(layout, fmt, 200))
        goal = f" (target {TARGETS[fmt]} s)" if target else ""
        print(f"  {name}: {len(layout.bars)} rows, {fmt.upper()} {seconds:.2f} s (CPU {CPU[0]:.2f} s){goal} "
              f"({len(data) / 1e6:.1f} MB, {layout.width:.2f} x {layout.height:.1f} in; "
              f"layout {layout_s * 1000:.0f} ms)")


def main() -> None:
    import matplotlib  # noqa: F401  (import cost measured apart)

    print(f"Charts, 200 dpi, best of 3 (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores):")
    shipped = compute_schedule(load_roadmap(ROOT / "data" / "milestones.yaml"), date(2024, 3, 4))
    measure("shipped roadmap, default window as of 2024-03-04", shipped, GanttOptions())
    measure("shipped roadmap, in full", shipped, GanttOptions(full=True, dates=True))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rows.yaml"
        path.write_text(synthetic_yaml(300, seed=4, reach=5))
        schedule = compute_schedule(load_roadmap(path), date(2024, 1, 1))
        measure("300-row generated roadmap", schedule, GanttOptions(), target=True)
        previous = compute_schedule(shipped.roadmap, date(2024, 2, 26))

        def pack():
            brief = build_brief(shipped, previous)
            layout = gantt_layout(shipped, GanttOptions(dates=True), baseline=previous)
            summary = gantt_layout(shipped, GanttOptions(dates=True, view="milestones"))
            return write_brief_pack(brief, layout, Path(tmp) / "brief", summary=summary)

        seconds, files = best(pack)
        print(f"  shipped roadmap's brief ({', '.join(f.name for f in files)}): {seconds:.2f} s "
              f"(CPU {CPU[0]:.2f} s; target 3 s)")


if __name__ == "__main__":
    main()
