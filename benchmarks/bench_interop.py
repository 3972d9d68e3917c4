"""Benchmark the round-trip formats: export and import of generated plans with a working-day calendar.

Run: python benchmarks/bench_interop.py [--sizes 400,2000,10000] [--runs 3]
Prints, per size and format, the export and import times (best of the runs) and the file size;
asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from roadmap_tracker.formats import EXPORTERS  # noqa: E402
from roadmap_tracker.formats.importers import import_file  # noqa: E402
from roadmap_tracker.loading import load_roadmap  # noqa: E402
from roadmap_tracker.scheduling import compute_schedule  # noqa: E402
from tests.synthetic import synthetic_calendar_yaml  # noqa: E402

AS_OF = date(2024, 3, 1)


def best_of(runs: int, func) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="400,2000,10000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"{'steps':>6} {'format':>6} {'export s':>9} {'import s':>9} {'size kB':>8}")
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        for size in (int(s) for s in args.sizes.split(",")):
            plan = base / f"plan{size}.yaml"
            plan.write_text(synthetic_calendar_yaml(size), encoding="utf-8")
            schedule = compute_schedule(load_roadmap(plan), AS_OF)
            for fmt in ("mspdi", "xlsx", "csv"):
                out = base / f"plan{size}{EXPORTERS[fmt].extension}"

                def export():
                    data = EXPORTERS[fmt].render(schedule)
                    out.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))

                exported = best_of(args.runs, export)
                back = base / f"back{size}-{fmt}.yaml"

                def run_import():
                    back.unlink(missing_ok=True)
                    import_file(fmt, out, back)

                imported = best_of(args.runs, run_import)
                print(f"{size:>6} {fmt:>6} {exported:>9.2f} {imported:>9.2f} {out.stat().st_size / 1024:>8.0f}",
                      flush=True)


if __name__ == "__main__":
    main()
