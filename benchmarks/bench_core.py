"""Benchmark the roadmap core: load and schedule generated roadmaps, `roadmap status`, and TaskJuggler.

Run: python benchmarks/bench_core.py [--sizes 1000,20000,100000] [--tj-size 5000]
Prints figures; asserts nothing (targets are in README.md).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from roadmap_tracker.loading import load_roadmap  # noqa: E402
from roadmap_tracker.scheduling import compute_schedule  # noqa: E402
from tests.synthetic import synthetic_yaml  # noqa: E402
from roadmap_tracker.formats.taskjuggler import read_tj_csv, tj_id, to_tjp  # noqa: E402

AS_OF = date(2024, 1, 1)


def best_of(runs: int, func):
    times = []
    result = None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - t0)
    return min(times), result


def bench_sizes(sizes: list[int], folder: Path) -> None:
    print("load and schedule, generated finish-to-start roadmaps (1-3 predecessors each), best of 3:")
    print(f"  {'milestones':>10}  {'file MB':>7}  {'load s':>7}  {'schedule s':>10}  {'total s':>7}")
    for n in sizes:
        path = folder / f"synthetic-{n}.yaml"
        path.write_text(synthetic_yaml(n, seed=1))
        runs = 3 if n <= 20000 else 2
        load_s, roadmap = best_of(runs, lambda: load_roadmap(path))
        sched_s, _ = best_of(runs, lambda: compute_schedule(roadmap, AS_OF))
        size = path.stat().st_size / 1e6
        print(f"  {n:>10}  {size:>7.1f}  {load_s:>7.2f}  {sched_s:>10.2f}  {load_s + sched_s:>7.2f}")


def bench_status(runs: int = 7) -> None:
    roadmap = shutil.which("roadmap")
    command = [roadmap] if roadmap else [sys.executable, str(ROOT / "cli.py")]
    command += ["--file", str(ROOT / "data" / "milestones.yaml"), "status"]
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
    base = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], capture_output=True, check=True)
        base.append(time.perf_counter() - t0)
    print(f"roadmap status on the shipped roadmap, wall time over {runs} runs: median "
          f"{statistics.median(times):.3f} s, best {min(times):.3f} s "
          f"(a bare Python start here: {statistics.median(base):.3f} s)")
    importtime = subprocess.run([sys.executable, "-X", "importtime", "-c", "import roadmap_tracker.cli, "
                                 "roadmap_tracker.loading, roadmap_tracker.scheduling, networkx, yaml"],
                                capture_output=True, text=True).stderr.splitlines()
    top = []
    for line in importtime:
        parts = line.split("|")
        if len(parts) == 3 and parts[2].strip() and not parts[2].startswith("  ") and parts[1].strip().isdigit():
            top.append((int(parts[1]), parts[2].strip()))
    top.sort(reverse=True)
    print("  heaviest top-level imports on the status path (ms): "
          + ", ".join(f"{name} {us / 1000:.0f}" for us, name in top[:5]))


def bench_taskjuggler(n: int, folder: Path) -> None:
    path = folder / f"tj-{n}.yaml"
    path.write_text(synthetic_yaml(n, seed=5))
    roadmap = load_roadmap(path)
    tjp = folder / f"tj-{n}.tjp"
    tjp.write_text(to_tjp(roadmap, AS_OF))
    ours_s, schedule = best_of(3, lambda: compute_schedule(load_roadmap(path), AS_OF))
    print(f"TaskJuggler comparison, {n}-milestone finish-to-start plan (written to {tjp}):")
    print(f"  roadmap-tracker load + schedule: {ours_s:.2f} s")
    if not shutil.which("tj3"):
        print("  tj3 is not installed (apt-get install tj3): no comparison")
        return
    t0 = time.perf_counter()
    subprocess.run(["tj3", "--silent", "--no-color", tjp.name], cwd=folder, check=True)
    tj_s = time.perf_counter() - t0
    theirs = read_tj_csv((folder / "schedule.csv").read_text())
    same = sum(theirs.get(tj_id(e.id)) == e.span for e in schedule)
    print(f"  tj3: {tj_s:.2f} s, so roadmap-tracker is {tj_s / ours_s:.0f}x faster; "
          f"identical dates for {same} of {n} milestones")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,20000,100000")
    parser.add_argument("--tj-size", type=int, default=5000)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bench_sizes([int(s) for s in args.sizes.split(",")], folder)
        bench_status()
        bench_taskjuggler(args.tj_size, folder)


if __name__ == "__main__":
    main()
