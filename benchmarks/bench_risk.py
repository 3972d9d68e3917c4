"""Benchmark the Monte Carlo simulation against a straightforward per-run Python loop.

Run: python benchmarks/bench_risk.py [--milestones 1000] [--runs 10000]
Prints figures (target: 10,000 runs of a 1,000-milestone roadmap under 1 s); asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from roadmap_tracker.loading import parse_roadmap_bytes  # noqa: E402
from roadmap_tracker.risk import simulate  # noqa: E402
from roadmap_tracker.scheduling import compute_schedule  # noqa: E402
from tests.synthetic import synthetic_yaml  # noqa: E402


def per_run_loop(roadmap, runs: int, seed: int) -> list[int]:
    """The obvious way: one Python pass over the steps for every run (finish-to-start plans only)."""
    rng = random.Random(seed)
    start = date(2024, 1, 1).toordinal()
    finishes = []
    for _ in range(runs):
        end: dict[str, int] = {}
        for m in roadmap.milestones:
            low, likely, high = (p.amount for p in m.estimate)
            days = round(rng.triangular(low, high, likely))
            begin = max([end[p] for p in m.predecessors], default=start)
            end[m.id] = begin + days
        finishes.append(max(end.values()))
    return finishes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--milestones", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=10000)
    args = parser.parse_args()
    roadmap, _ = parse_roadmap_bytes(synthetic_yaml(args.milestones, seed=6, estimates=True).encode(), "bench")
    schedule = compute_schedule(roadmap, date(2024, 1, 1))
    import numpy  # noqa: F401  (import cost apart)

    from roadmap_tracker import risk

    def comparison_ranks(values):  # what ranking did before: a stable comparison sort of int64 days
        order = numpy.argsort(values, kind="stable")
        ranks = numpy.empty(len(values))
        ranks[order] = numpy.arange(len(values))
        return ranks

    radix_ranks = risk._ranks
    times: dict[str, list[float]] = {"radix": [], "comparison": []}
    results = {}
    for _ in range(3):  # paired: one of each per round
        for name, ranks in (("radix", radix_ranks), ("comparison", comparison_ranks)):
            risk._ranks = ranks
            t0 = time.perf_counter()
            results[name] = simulate(schedule, runs=args.runs, seed=7)
            times[name].append(time.perf_counter() - t0)
    risk._ranks = radix_ranks
    best = min(times["radix"])
    same = results["radix"].sensitivity == results["comparison"].sensitivity
    print(f"vectorised simulation: {args.runs} runs of a {args.milestones}-milestone roadmap in {best:.2f} s "
          f"(best of 3; median {statistics.median(times['radix']):.2f} s); ranking by a comparison sort instead: "
          f"median {statistics.median(times['comparison']):.2f} s, paired "
          f"({'the same' if same else 'DIFFERENT'} sensitivity figures)")
    sample = max(args.runs // 20, 50)
    t0 = time.perf_counter()
    per_run_loop(roadmap, sample, 7)
    loop = (time.perf_counter() - t0) * args.runs / sample
    print(f"per-run Python loop (finish-to-start only): {loop:.1f} s for {args.runs} runs "
          f"(measured on {sample} runs), so the vectorised version is {loop / best:.0f}x faster")


if __name__ == "__main__":
    main()
