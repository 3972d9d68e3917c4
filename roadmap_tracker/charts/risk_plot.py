"""The risk chart: histogram and S-curve (cumulative probability) of the target's finish date."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from .._util import write_atomic
from .draw import FORMATS


def render_risk_plot(result, schedule, fmt: str = "png", dpi: int = 150) -> bytes:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import numpy as np
    from matplotlib import pyplot as plt

    finishes = np.asarray(result.finishes)
    low, high = int(finishes.min()), int(finishes.max())
    with matplotlib.rc_context({"svg.hashsalt": "roadmap-tracker", "font.family": "DejaVu Sans", "font.size": 8}):
        fig, ax = plt.subplots(figsize=(9, 4.8), dpi=dpi)
        bins = np.arange(low, high + 2) if high - low < 120 else 60
        ax.hist(finishes, bins=bins, color="#b9d3ea", edgecolor="#3a86c8", lw=0.4)
        ax.set_ylabel("runs")
        curve = ax.twinx()
        xs = np.sort(finishes)
        curve.plot(xs, np.arange(1, len(xs) + 1) / len(xs), color="#1c3d5a", lw=1.4)
        curve.set_ylim(0, 1.02)
        curve.set_ylabel("probability of finishing by")
        for p, day in result.percentiles.items():
            x = day.toordinal()
            curve.axvline(x, color="#888888", lw=0.6, ls=":")
            curve.text(x, 1.0, f" P{p}", fontsize=7, color="#444444", va="top")
        target = schedule[result.target]
        if target.deadline:
            curve.axvline(target.deadline.toordinal(), color="#d7263d", lw=1.2)
            share = float((finishes <= target.deadline.toordinal()).mean())
            curve.text(target.deadline.toordinal(), 0.05, f" deadline: {share:.0%} chance", color="#d7263d",
                       fontsize=8)
        ticks = np.linspace(low, max(high, low + 1), 6).astype(int)
        ax.set_xticks(ticks)
        ax.set_xticklabels([date.fromordinal(int(t)).isoformat() for t in ticks], fontsize=7)
        ax.set_title(f"{schedule.roadmap.title}: finish of {target.title} ({result.runs} runs, "
                     f"as of {schedule.as_of.isoformat()})", fontsize=9)
        fig.tight_layout()
        buffer = io.BytesIO()
        metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None, "ModDate": None},
                    "png": {"Software": "roadmap-tracker"}}[fmt]
        fig.savefig(buffer, format=fmt, metadata=metadata)
        plt.close(fig)
    return buffer.getvalue()


def write_risk_plot(result, schedule, output: Path) -> None:
    fmt = FORMATS.get(Path(output).suffix.lower())
    if fmt is None:
        from ..errors import InvalidValue

        raise InvalidValue(f"{output}: the plot is written as .png, .svg or .pdf; choose one of these extensions")
    write_atomic(output, render_risk_plot(result, schedule, fmt))
