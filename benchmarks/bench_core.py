"""Benchmark the roadmap core: load and schedule generated roadmaps, `roadmap status`, and TaskJuggler.

Run: python benchmarks/bench_core.py [--sizes 1000,20000,100000] [--tj-size 5000]
         [--process-sizes 5000,20000,100000,200000] [--rounds 3] [--tj-process-max 20000]
Prints figures; asserts nothing (targets are in README.md).

Whole-process figures are paired: each round runs ours cold (empty cache), ours warm (the parse
and schedule entries written by the cold run), the plain script and tj3 one after the other, so a busy machine
slows all of them alike; medians over the rounds are printed, with each run's peak memory.
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

from roadmap_tracker.cache import SCHEDULE_MIN_STEPS  # noqa: E402
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


# The plain script: what a competent engineer writes in an afternoon for finish-to-start plans
# (libyaml's loader, networkx, the critical path method in days, GC off), printing every step's
# dates. It checks nothing, so it is the floor a validating reader is measured against.
PLAIN_SCRIPT = r"""
import gc, sys
gc.disable()
from datetime import date
import networkx as nx
import yaml
with open(sys.argv[1], "rb") as handle:
    document = yaml.load(handle, Loader=yaml.CSafeLoader)
graph = nx.DiGraph()
days = {}
for m in document["milestones"]:
    days[m["id"]] = int(str(m["duration"]).rstrip("d"))
    graph.add_node(m["id"])
    for p in m.get("after", ()):
        graph.add_edge(p, m["id"])
start = date(2024, 1, 1).toordinal()
order = list(nx.topological_sort(graph))
finish = {}
for n in order:
    finish[n] = max((finish[p] + 1 for p in graph.predecessors(n)), default=start) + days[n] - 1
end = max(finish.values())
late = {}
for n in reversed(order):
    late[n] = min((late[s] - days[s] for s in graph.successors(n)), default=end)
out = ["id,start,end,total_float"]
for n in order:
    out.append(f"{n},{date.fromordinal(finish[n] - days[n] + 1)},{date.fromordinal(finish[n])},{late[n] - finish[n]}")
sys.stdout.write("\n".join(out) + "\n")
"""


def run_measured(command: list[str], env: dict | None = None, cwd: Path | None = None) -> tuple[float, int, bytes]:
    """Wall seconds, peak resident memory (bytes) and stdout of one child process.

    The peak comes from GNU time when installed: a child forked from this (large) process would
    otherwise report our own size as its peak, from before its exec.
    """
    gnu_time = shutil.which("time") or ("/usr/bin/time" if os.path.exists("/usr/bin/time") else None)
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        wrapped = [gnu_time, "-q", "-f", "%M", "-o", rss.name, *command] if gnu_time else command
        t0 = time.perf_counter()
        process = subprocess.Popen(wrapped, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=cwd)
        out = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - t0
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"{command[:3]}... exited {os.waitstatus_to_exitcode(status)}")
        text = rss.read().strip().splitlines()
        peak_kb = int(text[-1]) if text and text[-1].isdigit() else usage.ru_maxrss
    return wall, peak_kb * 1024, out


def _roadmap_command() -> list[str]:
    found = shutil.which("roadmap")
    return [found] if found else [sys.executable, str(ROOT / "cli.py")]


def _prepare_bytecode() -> str:
    """Compile the package the `roadmap` command imports, and say which one it is.

    An editable install under PYTHONDONTWRITEBYTECODE would otherwise compile every module from
    source on every run, which no installed copy does (pip compiles at install time).
    """
    command = _roadmap_command()
    python = command[0] if command[0] == sys.executable else None
    if python is None:
        with open(command[0], encoding="utf-8", errors="replace") as handle:
            first = handle.readline()
        python = first[2:].strip() if first.startswith("#!") else sys.executable
    where = subprocess.run([python, "-c", "import roadmap_tracker, os; print(os.path.dirname(roadmap_tracker.__file__))"],
                           capture_output=True, text=True, check=True, cwd="/").stdout.strip()  # not this folder
    subprocess.run([python, "-m", "compileall", "-q", where], check=False, stdout=subprocess.DEVNULL)
    return f"{' '.join(command)} (package in {where}, bytecode compiled)"


def _wait_for_cache(folder: Path, entries: int = 1, seconds: float = 300) -> None:
    """Until the cold run's background writers are done: its parse entry, and its schedule entry
    for a plan large enough to keep one."""
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        if len(list(folder.rglob("*.pickle"))) >= entries and not any(folder.rglob(".*.tmp")):
            return
        time.sleep(0.05)


def bench_processes(sizes: list[int], rounds: int, tj_max: int, folder: Path) -> None:
    """Whole processes, paired: `roadmap schedule --format csv` cold and warm, the plain script, tj3."""
    tj3 = shutil.which("tj3")
    print(f"whole process, generated finish-to-start plans, medians of {rounds} paired rounds (2 above 50,000) "
          "(seconds; peak memory in MiB and KB per step):")
    print(f"  {'steps':>7}  {'ours cold':>14}  {'ours warm':>14}  {'plain script':>14}  {'tj3':>14}  "
          "same dates as plain  cold/plain  tj3/ours")
    for n in sizes:
        path = folder / f"process-{n}.yaml"
        path.write_text(synthetic_yaml(n, seed=1))
        tjp = None
        if tj3 and n <= tj_max:
            tjp = folder / f"process-{n}.tjp"
            tjp.write_text(to_tjp(load_roadmap(path), AS_OF))
        ours = _roadmap_command() + ["--file", str(path), "schedule", "--format", "csv", "--as-of", AS_OF.isoformat()]
        figures: dict[str, list[tuple[float, int]]] = {"cold": [], "warm": [], "plain": [], "tj3": []}
        cold_out = plain_out = b""
        for r in range(rounds if n <= 50_000 else min(rounds, 2)):  # the largest take minutes a run
            cache_home = folder / f"cache-{n}-{r}"
            env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
            wall, peak, cold_out = run_measured(ours, env)
            figures["cold"].append((wall, peak))
            _wait_for_cache(cache_home, 2 if n >= SCHEDULE_MIN_STEPS else 1)
            wall, peak, _ = run_measured(ours, env)
            figures["warm"].append((wall, peak))
            wall, peak, plain_out = run_measured([sys.executable, "-c", PLAIN_SCRIPT, str(path)])
            figures["plain"].append((wall, peak))
            if tjp is not None:
                try:
                    wall, peak, _ = run_measured(["tj3", "--silent", "--no-color", "--no-reports", tjp.name],
                                                 cwd=folder)
                    figures["tj3"].append((wall, peak))
                except RuntimeError:
                    print(f"  (tj3 failed on the {n}-step plan)")
                    tjp = None
        same = _same_dates(cold_out, plain_out)

        def cell(kind: str) -> str:
            if not figures[kind]:
                return f"{'-':>14}"
            wall = statistics.median(w for w, _ in figures[kind])
            peak = max(p for _, p in figures[kind])
            return f"{wall:>6.2f} {peak / 2**20:>4.0f}/{peak / n / 1000:>3.0f}"

        cold = statistics.median(w for w, _ in figures["cold"])
        plain = statistics.median(w for w, _ in figures["plain"])
        versus_tj = (f"{statistics.median(w for w, _ in figures['tj3']) / cold:.1f}x"
                     if figures["tj3"] else "-")
        print(f"  {n:>7}  {cell('cold')}  {cell('warm')}  {cell('plain')}  {cell('tj3')}  "
              f"{same:>8} of {n:<8}  {cold / plain:>9.2f}  {versus_tj:>7}")


def _same_dates(ours_csv: bytes, plain_csv: bytes) -> int:
    ours = {}
    for line in ours_csv.decode().splitlines()[1:]:
        cells = line.split(",")
        ours[cells[0]] = (cells[4], cells[5])
    same = 0
    for line in plain_csv.decode().splitlines()[1:]:
        cells = line.split(",")
        same += ours.get(cells[0]) == (cells[1], cells[2])
    return same


def bench_status(runs: int = 7) -> None:
    """`roadmap status` on the shipped roadmap: warm cache, no cache and a bare Python start, paired."""
    command = _roadmap_command() + ["--file", str(ROOT / "data" / "milestones.yaml"), "status"]
    subprocess.run(command, capture_output=True, check=True)  # writes the cache entry
    time.sleep(0.5)
    warm, fresh, base = [], [], []
    for _ in range(runs):
        warm.append(run_measured(command)[0])
        fresh.append(run_measured(command[:1] + ["--no-cache"] + command[1:] if command[0] != sys.executable
                                  else command[:2] + ["--no-cache"] + command[2:])[0])
        base.append(run_measured([sys.executable, "-c", "pass"])[0])
    print(f"roadmap status on the shipped roadmap, wall time, medians of {runs} paired runs: "
          f"{statistics.median(warm):.3f} s (parse cache warm), {statistics.median(fresh):.3f} s (--no-cache); "
          f"a bare Python start here: {statistics.median(base):.3f} s")
    modules = subprocess.run([sys.executable, "-c", "import sys\n"
                              "from roadmap_tracker.cli import main\n"
                              f"main(['--file', {str(ROOT / 'data' / 'milestones.yaml')!r}, 'status'], "
                              "standalone_mode=False)\n"
                              "print(sorted(m for m in ('networkx', 'numpy', 'icalendar', 'matplotlib', "
                              "'sqlalchemy') if m in sys.modules))"],
                             capture_output=True, text=True).stdout.strip().splitlines()
    print(f"  heavy libraries imported by status: {modules[-1] if modules else '?'}")
    importtime = subprocess.run([sys.executable, "-X", "importtime", "-c", "from roadmap_tracker.cli import main\n"
                                 f"main(['--file', {str(ROOT / 'data' / 'milestones.yaml')!r}, 'status'], "
                                 "standalone_mode=False)"],
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
    parser.add_argument("--process-sizes", default="5000,20000,100000,200000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tj-process-max", type=int, default=5000,
                        help="largest plan also run through tj3 in the whole-process table")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]} on {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}")
    print(f"whole-process runs: {_prepare_bytecode()}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bench_processes([int(s) for s in args.process_sizes.split(",") if s], args.rounds,
                        args.tj_process_max, folder)
        bench_sizes([int(s) for s in args.sizes.split(",") if s], folder)
        bench_status()
        bench_taskjuggler(args.tj_size, folder)


if __name__ == "__main__":
    main()
