"""Benchmark calendar feeds: export of a 10,000-milestone roadmap, and requests per second served.

Run: python benchmarks/bench_feeds.py [--size 10000] [--rounds 5] [--venv DIR] [--seconds 5] [--clients 4,200]
       [--db URL] [--skip-export | --export-only]
Prints figures; asserts nothing. Traffic goes to 127.0.0.1 only, bounded in count and time.
Whole-process figures are meaningful with --venv (a non-editable install of this tree, made if
missing): an editable install or a PYTHONDONTWRITEBYTECODE environment compiles every import.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from roadmap_tracker.formats.ics import FeedOptions, build_calendar  # noqa: E402
from roadmap_tracker.loading import load_roadmap  # noqa: E402
from roadmap_tracker.scheduling import compute_schedule  # noqa: E402
from tests.synthetic import synthetic_yaml  # noqa: E402


PHASES = r"""
import sys, time
started = time.perf_counter()
phases = {}

def timed(owner, name, label):
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            phases[label] = phases.get(label, 0.0) + time.perf_counter() - t0
    setattr(owner, name, wrapper)

from roadmap_tracker import cli, loading, scheduling
from roadmap_tracker.formats import ics
imported = time.perf_counter()
timed(loading, "load_roadmap", "load (parse cache)")
timed(scheduling, "compute_schedule", "schedule")
load_state = ics.SequenceState.load.__func__
ics.SequenceState.load = classmethod(lambda cls, path: load_state(cls, path))
timed(ics.SequenceState, "load", "state load")
timed(ics, "build_calendar", "build calendar")
timed(ics, "write_atomic", "write .ics")
timed(ics.SequenceState, "save", "state save")
try:
    cli.main(sys.argv[1:], standalone_mode=False)
finally:
    done = time.perf_counter()
    rest = done - imported - sum(phases.values())
    print(";".join([f"import {imported - started:.3f}"] + [f"{k} {v:.3f}" for k, v in phases.items()]
                   + [f"other {rest:.3f}"]), file=sys.stderr)
"""


def scratch_roadmap(venv: Path) -> Path:
    """``roadmap`` from a non-editable install of this tree in ``venv`` (made if missing), so
    that its modules are compiled once, as a user's are."""
    if not (venv / "bin" / "roadmap").exists():
        print(f"installing {ROOT} into {venv} (non-editable) ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(ROOT)], check=True)
    return venv / "bin" / "roadmap"


def bench_export(size: int, folder: Path, rounds: int = 5, roadmap: str | None = None) -> None:
    """In-process: the direct writer vs icalendar for every event (paired); whole process:
    `roadmap export ics` with an empty and with a warm parse cache (paired), then where the time of
    warm runs goes. Medians of ``rounds``."""
    import shutil
    import statistics

    path = folder / "big.yaml"
    path.write_text(synthetic_yaml(size, seed=2))
    schedule = compute_schedule(load_roadmap(path), date(2024, 1, 1))
    stamp = FeedOptions(dtstamp=datetime(2024, 1, 1, tzinfo=timezone.utc))
    direct, general = [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        body = build_calendar(schedule, stamp)
        direct.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        reference = build_calendar(schedule, stamp, direct=False)
        general.append(time.perf_counter() - t0)
    print(f"export of a {size}-milestone roadmap to .ics, in-process (calendar bytes from a computed schedule), "
          f"medians of {rounds} paired runs: {statistics.median(direct):.3f} s written directly "
          f"(min {min(direct):.3f} s), {statistics.median(general):.3f} s with icalendar for every event "
          f"({len(body) / 1e6:.1f} MB, {'the same bytes' if body == reference else 'DIFFERENT BYTES'})")
    roadmap = roadmap or shutil.which("roadmap")
    command = [roadmap] if roadmap else [sys.executable, str(ROOT / "cli.py")]
    cold, warm, parts = [], [], []
    for r in range(rounds):
        env = {**os.environ, "XDG_CACHE_HOME": str(folder / f"cache-{r}")}
        run = command + ["--file", str(path), "export", "ics", "-o", str(folder / f"out-{r}.ics")]
        t0 = time.perf_counter()
        subprocess.run(run, env=env, check=True, capture_output=True)
        cold.append(time.perf_counter() - t0)
        for _ in range(600):
            if any((folder / f"cache-{r}").rglob("*.pickle")):
                break
            time.sleep(0.05)
        t0 = time.perf_counter()
        subprocess.run(run, env=env, check=True, capture_output=True)
        warm.append(time.perf_counter() - t0)
        if roadmap:  # the same run again, timed phase by phase in the interpreter of that install
            python = str(Path(roadmap).parent / "python")
            t0 = time.perf_counter()
            done = subprocess.run([python, "-c", PHASES] + run[1:], env=env, check=True, capture_output=True,
                                  text=True, cwd=folder)  # not this tree's sources: the installed package
            total = time.perf_counter() - t0
            figures = dict(part.rsplit(" ", 1) for part in done.stderr.strip().splitlines()[-1].split(";"))
            parts.append({"whole process": total, **{k: float(v) for k, v in figures.items()}})
    print(f"  `{' '.join(['roadmap'] + run[1:3] + ['export', 'ics', '-o', 'out.ics'])}`, whole process "
          f"({command[0]}): medians of {rounds} paired runs: {statistics.median(cold):.2f} s on the first run, "
          f"{statistics.median(warm):.2f} s with the parse cache warm (min {min(warm):.2f} s)")
    if parts:
        names = list(parts[0])
        median = {k: statistics.median(p.get(k, 0.0) for p in parts) for k in names}
        startup = median["whole process"] - sum(v for k, v in median.items() if k != "whole process")
        print("  where a warm run's time goes (medians, s): " + ", ".join(
            f"{k} {v:.3f}" for k, v in median.items()) + f", interpreter start-up and exit {startup:.3f}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _hammer(port: int, seconds: float, headers: dict, clients: int = 4, cap: int = 200_000) -> dict:
    """``clients`` keep-alive clients for ``seconds``: requests/s, p99 latency, errors (non-2xx/304 or failures)."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    stop = time.monotonic() + seconds

    def client(i: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop and len(latencies[i]) < cap:
            t0 = time.perf_counter()
            try:
                connection.request("GET", "/calendar.ics", headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status not in (200, 304):
                    errors[i] += 1
            except (OSError, http.client.HTTPException):
                errors[i] += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            latencies[i].append(time.perf_counter() - t0)
        connection.close()

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    every = sorted(x for one in latencies for x in one)
    p99 = every[min(len(every) - 1, int(len(every) * 0.99))] if every else float("nan")
    return {"rate": len(every) / elapsed, "count": len(every), "p99_ms": p99 * 1000, "errors": sum(errors)}


def _seed_store(roadmap: Path, db: str | None) -> None:
    """One reported update, so that the store exists and every request reads it."""
    env = dict(os.environ, **({"ROADMAP_DATABASE_URL": db} if db else {}))
    # each run's roadmap lives in a new folder: claim the roadmap id for it (versions without 'db adopt' skip this)
    subprocess.run([sys.executable, "-m", "roadmap_tracker.cli", "--file", str(roadmap), "db", "adopt"], env=env,
                   check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run([sys.executable, "-m", "roadmap_tracker.cli", "--file", str(roadmap), "update",
                    "cstd-29", "--note", "benchmark", "--by", "bench"], env=env, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def bench_server(seconds: float, clients_list: list[int], db: str | None) -> None:
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        roadmap = Path(tmp) / "milestones.yaml"
        roadmap.write_bytes((ROOT / "data" / "milestones.yaml").read_bytes())
        _seed_store(roadmap, db)
        env = dict(os.environ, **({"ROADMAP_DATABASE_URL": db} if db else {}))
        process = subprocess.Popen([sys.executable, "-m", "roadmap_tracker.cli", "--file",
                                    str(roadmap), "serve", "--port", str(port),
                                    "--state", str(Path(tmp) / "state.json")], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        store = "PostgreSQL" if db and db.startswith("postgresql") else "SQLite"
        try:
            etag = None
            for _ in range(100):
                try:
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                    connection.request("GET", "/calendar.ics")
                    response = connection.getresponse()
                    etag = response.getheader("ETag")
                    response.read()
                    break
                except OSError:
                    time.sleep(0.1)
            for clients in clients_list:
                for label, headers in (("with the body", {}), ("answered 304", {"If-None-Match": etag or ""})):
                    r = _hammer(port, seconds, headers, clients)
                    print(f"{store}, {clients:3d} keep-alive clients, /calendar.ics {label}: {r['rate']:6.0f} "
                          f"requests/s, p99 {r['p99_ms']:7.1f} ms, {r['count']} requests, {r['errors']} errors")
        finally:
            process.terminate()
            process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10000)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--clients", default="4,200", help="Concurrent clients, comma-separated (4,200).")
    parser.add_argument("--db", default=None, help="Tracking database URL (default: SQLite beside the roadmap); "
                                                    "e.g. postgresql+psycopg://postgres@127.0.0.1:5432/roadmap")
    parser.add_argument("--rounds", type=int, default=5, help="Paired rounds of the export figures (5).")
    parser.add_argument("--venv", type=Path, default=None,
                        help="Time `roadmap` from a non-editable install of this tree in this venv (made if missing); "
                             "default: `roadmap` on PATH.")
    parser.add_argument("--skip-export", action="store_true", help="Only the server.")
    parser.add_argument("--export-only", action="store_true", help="Only the export.")
    args = parser.parse_args()
    if not args.skip_export:
        roadmap = str(scratch_roadmap(args.venv)) if args.venv else None
        with tempfile.TemporaryDirectory() as tmp:
            bench_export(args.size, Path(tmp), args.rounds, roadmap)
    if not args.export_only:
        bench_server(args.seconds, [int(c) for c in args.clients.split(",")], args.db)


if __name__ == "__main__":
    main()
