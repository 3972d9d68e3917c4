"""Benchmark the Monte Carlo simulation: 10,000 runs of a 1,000-step roadmap (target: under 0.45 s).

Run: python benchmarks/bench_risk.py [--milestones 1000] [--runs 10000] [--rounds 5]
Prints figures; asserts nothing. Each round times, one after the other (paired, so that a busy
machine slows both alike): the simulation; a plain numpy forward pass over the same steps (the same
triangular draws, finish-to-start maxima, nothing else: the floor); and the simulation with its
sensitivity computed the general way (np.corrcoef of each input's ranks, as before). Medians.
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
from roadmap_tracker.scheduling import compute_schedule, topological_order  # noqa: E402
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


def plain_numpy(roadmap, runs: int, seed: int, batch: int = 2000):
    """The floor: the same draws and finish-to-start maxima, in the same batches, and nothing else."""
    import numpy as np

    rng = np.random.default_rng(seed)
    order = topological_order(roadmap)
    index = {mid: i for i, mid in enumerate(order)}
    steps = [(roadmap.get(mid), [index[p] for p in roadmap.get(mid).predecessors]) for mid in order]
    start = date(2024, 1, 1).toordinal()
    finishes = []
    for done in range(0, runs, batch):
        n = min(batch, runs - done)
        end = np.empty((len(order), n), dtype=np.int64)
        for i, (m, preds) in enumerate(steps):
            low, likely, high = (p.amount for p in m.estimate)
            days = np.rint(rng.triangular(low, likely, high, n)).astype(np.int64)
            begin = end[preds].max(axis=0) if preds else start
            end[i] = begin + days
        finishes.append(end.max(axis=0))
    return np.concatenate(finishes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--milestones", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    roadmap, _ = parse_roadmap_bytes(synthetic_yaml(args.milestones, seed=6, estimates=True).encode(), "bench")
    schedule = compute_schedule(roadmap, date(2024, 1, 1))
    import numpy  # noqa: F401  (import cost apart)

    from roadmap_tracker import risk

    simulate(schedule, runs=min(args.runs, 1000), seed=7)  # warm-up
    fast_sensitivity, general_sensitivity = risk._sensitivity, risk._general_sensitivity
    times: dict[str, list[float]] = {"simulate": [], "plain": [], "general": []}
    results = {}
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        results["simulate"] = simulate(schedule, runs=args.runs, seed=7)
        times["simulate"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        plain_numpy(roadmap, args.runs, 7)
        times["plain"].append(time.perf_counter() - t0)
        risk._sensitivity = general_sensitivity
        try:
            t0 = time.perf_counter()
            results["general"] = simulate(schedule, runs=args.runs, seed=7)
            times["general"].append(time.perf_counter() - t0)
        finally:
            risk._sensitivity = fast_sensitivity
    median = {name: statistics.median(values) for name, values in times.items()}
    same = results["simulate"].sensitivity == results["general"].sensitivity
    print(f"simulation of {args.runs} runs x {args.milestones} steps: median {median['simulate']:.3f} s "
          f"(min {min(times['simulate']):.3f} s) over {args.rounds} paired rounds")
    print(f"  paired: plain numpy forward pass (the floor) median {median['plain']:.3f} s; with the sensitivity "
          f"input by input through np.corrcoef, median {median['general']:.3f} s "
          f"({'the same' if same else 'DIFFERENT'} sensitivity figures)")
    sample = max(args.runs // 20, 50)
    t0 = time.perf_counter()
    per_run_loop(roadmap, sample, 7)
    loop = (time.perf_counter() - t0) * args.runs / sample
    print(f"per-run Python loop (finish-to-start only): {loop:.1f} s for {args.runs} runs "
          f"(measured on {sample} runs), so the vectorised version is {loop / median['simulate']:.0f}x faster")


if __name__ == "__main__":
    main()
