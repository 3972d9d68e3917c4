"""Benchmark the pages: many concurrent readers of the status page on a real server.

Run: python benchmarks/bench_pages.py [--clients 200] [--seconds 20] [--path /]
Starts ``roadmap serve`` on the shipped roadmap on a free loopback port, then ``--clients`` threads
each keep one connection and request ``--path`` (with a conditional request every other time, as
browsers revalidate) for ``--seconds``. Prints requests/s, p50/p99 latency and errors; asserts
nothing. Traffic goes to 127.0.0.1 only, bounded in count and time.
"""

from __future__ import annotations

import argparse
import http.client
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "roadmap_tracker.cli", "--file",
                                str(ROOT / "data" / "milestones.yaml"), "serve", "--port", str(port),
                                "--as-of", "2025-06-01"], cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not start")


def client(port: int, path: str, until: float, latencies: list, errors: list) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    etag = None
    n = 0
    while time.monotonic() < until:
        headers = {"If-None-Match": etag} if etag and n % 2 else {}
        t0 = time.perf_counter()
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status not in (200, 304):
                errors.append(response.status)
            etag = response.headers.get("ETag") or etag
        except (OSError, http.client.HTTPException) as exc:
            errors.append(type(exc).__name__)
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies.append(time.perf_counter() - t0)
        n += 1
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--path", default="/")
    args = parser.parse_args()
    port = free_port()
    process = start_server(port)
    try:
        warm = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        warm.request("GET", args.path)
        warm.getresponse().read()
        latencies: list[float] = []
        errors: list = []
        until = time.monotonic() + args.seconds
        threads = [threading.Thread(target=client, args=(port, args.path, until, latencies, errors))
                   for _ in range(args.clients)]
        t0 = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - t0
    finally:
        process.terminate()
        process.wait(timeout=10)
    latencies.sort()
    count = len(latencies)
    p = lambda q: latencies[min(count - 1, int(q * count))] * 1000  # noqa: E731
    print(f"{args.clients} clients on {args.path} for {args.seconds:.0f} s: {count} requests, "
          f"{count / elapsed:.0f} requests/s, p50 {p(0.50):.0f} ms, p99 {p(0.99):.0f} ms, {len(errors)} errors"
          + (f" ({sorted(set(map(str, errors)))[:5]})" if errors else ""))


if __name__ == "__main__":
    main()
