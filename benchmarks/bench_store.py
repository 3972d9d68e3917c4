"""Benchmark the tracking store: updates per second, and `roadmap status` with a large history.

Run: python benchmarks/bench_store.py [--postgres URL]   (or set ROADMAP_TEST_POSTGRES_URL)
Prints figures; asserts nothing. The PostgreSQL database given is emptied first.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from roadmap_tracker.loading import load_roadmap  # noqa: E402
from roadmap_tracker.store import Store  # noqa: E402

WRITER = """
import sys, time
from datetime import date
from roadmap_tracker.loading import load_roadmap
from roadmap_tracker.model import Facts
from roadmap_tracker.store import Store
from roadmap_tracker.store.rules import UpdateRequest, decide_update
url, worker, count, plan = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
roadmap = load_roadmap(plan)
ids = [m.id for m in roadmap.milestones if m.status is None and m.actual_end is None]  # open steps
store = Store.open(url, roadmap.id)
for i in range(count):
    m = roadmap.get(ids[(worker * 7 + i) % len(ids)])
    store.record_update(m.id, lambda cur: decide_update(m, cur, UpdateRequest(progress=i % 101), date.today()),
                        f'w{worker}', f'{worker}:{i}', seed=Facts.from_milestone(m))
"""


def reset(url: str) -> None:
    if url.startswith("sqlite"):
        return
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def bench_updates(label: str, url: str, plan: Path, folder: Path) -> None:
    script = folder / "writer.py"
    script.write_text(WRITER)
    for writers, count in ((1, 400), (8, 100)):
        reset(url)
        if url.startswith("sqlite"):
            Path(url[len("sqlite:///"):]).unlink(missing_ok=True)
        Store.open(url, load_roadmap(plan).id).close()
        t0 = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, str(script), url, str(w), str(count), str(plan)])
                 for w in range(writers)]
        for proc in procs:
            proc.wait()
        elapsed = time.perf_counter() - t0
        print(f"  {label}: {writers} writer(s) x {count} updates: {writers * count / elapsed:.0f} updates/s "
              f"(wall {elapsed:.1f} s, including {writers} process start(s))")


def status_time(plan: Path, env: dict, runs: int = 7) -> float:
    command = [shutil.which("roadmap") or sys.executable, "--file", str(plan), "status"]
    if not shutil.which("roadmap"):
        command.insert(1, str(ROOT / "cli.py"))
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, env=env)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=os.environ.get("ROADMAP_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        plan = folder / "milestones.yaml"
        shutil.copy(ROOT / "data" / "milestones.yaml", plan)
        print("updates per second (each one transaction: lock, history row, state row):")
        bench_updates("SQLite (embedded default)", f"sqlite:///{folder / 'bench.sqlite'}", plan, folder)
        if args.postgres:
            bench_updates("PostgreSQL", args.postgres, plan, folder)
        else:
            print("  PostgreSQL: skipped (give --postgres URL or set ROADMAP_TEST_POSTGRES_URL)")
        env = {k: v for k, v in os.environ.items() if k != "ROADMAP_DATABASE_URL"}
        empty = status_time(plan, env)
        db = plan.parent / ".roadmap" / "tracking.sqlite"
        url = f"sqlite:///{db}"
        script = folder / "writer.py"
        subprocess.run([sys.executable, str(script), url, "0", "10000", str(plan)], check=True)
        rows = len(Store.open(url, load_roadmap(plan).id).history())
        full = status_time(plan, env)
        print(f"roadmap status on the shipped roadmap, median wall time: {empty:.3f} s with no store, "
              f"{full:.3f} s with {rows} history rows in the embedded store")


if __name__ == "__main__":
    main()
