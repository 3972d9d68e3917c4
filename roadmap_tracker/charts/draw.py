"""Drawing a :class:`~roadmap_tracker.charts.gantt.GanttLayout` with matplotlib (Agg, no display needed).

A thin layer: every decision about content is in the layout. Output is A4-landscape wide, grows in
height with the rows, and is deterministic (same layout, same SVG bytes: pinned metadata and ids).
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from .._util import write_atomic
from .gantt import CRITICAL_COLOUR, NEAR_CRITICAL_COLOUR, GanttLayout

FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
WIDTH_IN = 11.69  # A4 landscape
LABEL_IN = 3.3
ROW_IN = 0.30


def render_gantt(layout: GanttLayout, fmt: str = "png", dpi: int = 200) -> bytes:
    """The chart as PNG, SVG or PDF bytes."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib import pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.transforms import blended_transform_factory

    rows = max(len(layout.rows), 1)
    height = 1.9 + ROW_IN * rows
    with matplotlib.rc_context({"svg.hashsalt": "roadmap-tracker", "font.family": "DejaVu Sans",
                                "font.size": 8, "axes.linewidth": 0.6}):
        fig = plt.figure(figsize=(WIDTH_IN, height), dpi=dpi)
        top_in, bottom_in = 0.95, 0.75
        ax = fig.add_axes([LABEL_IN / WIDTH_IN, bottom_in / height, 1 - (LABEL_IN + 0.25) / WIDTH_IN,
                           1 - (top_in + bottom_in) / height])
        ax.set_xlim(layout.start, layout.end)
        ax.set_ylim(rows - 0.5, -0.5)
        ax.set_yticks([])
        label_at = blended_transform_factory(ax.transAxes, ax.transData)

        for row in layout.rows:
            if row.heading:
                ax.axhspan(row.index - 0.5, row.index + 0.5, color="#eef1f5", zorder=0, lw=0)
                ax.text(-0.01, row.index, row.label, transform=label_at, ha="right", va="center",
                        fontsize=8.5, fontweight="bold", color="#1f2d3d")
            else:
                ax.text(-0.01, row.index - 0.12, row.label, transform=label_at, ha="right", va="center",
                        fontsize=7.5, color="#111111")
                ax.text(-0.01, row.index + 0.22, row.sublabel, transform=label_at, ha="right", va="center",
                        fontsize=5.8, color="#777777")

        # long windows: fewer labels, so they never overlap (about 26 week labels and 16 month labels)
        week_step = -(-len(layout.weeks) // 26) or 1
        month_step = -(-len(layout.months) // 16) or 1
        if len(layout.weeks) <= 80:
            for x, _ in layout.weeks:
                ax.axvline(x, color="#e3e3e3", lw=0.5, zorder=0.5)
        shown_weeks = layout.weeks[::week_step]
        ax.set_xticks([x + 3.5 for x, _ in shown_weeks])
        ax.set_xticklabels([label for _, label in shown_weeks], fontsize=6.5, color="#444444")
        ax.tick_params(axis="x", length=0, pad=3)
        top = ax.secondary_xaxis("top")
        shown_months = layout.months[::month_step]
        top.set_xticks([x for x, _ in shown_months])
        top.set_xticklabels([label for _, label in shown_months], fontsize=7.5, ha="left", color="#222222")
        top.tick_params(axis="x", length=4)
        for x, _ in layout.months:
            ax.axvline(x, color="#c8c8c8", lw=0.8, zorder=0.6)

        _draw_bars(ax, layout)

        for arrow in layout.arrows:
            colour = CRITICAL_COLOUR if arrow.critical else "#8a8a8a"
            ax.annotate("", xy=(arrow.x_to, arrow.target_row), xytext=(arrow.x_from, arrow.source_row),
                        arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 0.8 if arrow.critical else 0.5,
                                    "shrinkA": 0, "shrinkB": 1, "mutation_scale": 9,
                                    "connectionstyle": "angle,angleA=0,angleB=90,rad=0"},
                        zorder=2.5, annotation_clip=False)

        for bar in layout.bars:  # steps outside the window: say where they are
            if bar.start >= layout.end:
                ax.text(layout.end, bar.row, f"{date.fromordinal(bar.start).isoformat()} →", ha="right",
                        va="center", fontsize=6.5, color=bar.colour if bar.category != "planned" else "#3a5a78",
                        zorder=6, bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})
            elif max(bar.end, bar.start + 1) <= layout.start:
                ax.text(layout.start, bar.row, f"← {date.fromordinal(bar.end - 1).isoformat()}", ha="left",
                        va="center", fontsize=6.5, color="#555555", zorder=6,
                        bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})

        if layout.start <= layout.as_of <= layout.end:
            ax.axvline(layout.as_of, color="#d7263d", lw=1.1, ls="--", zorder=6)
            ax.text(layout.as_of, -0.45, " as of " + date.fromordinal(layout.as_of).strftime("%d %b %Y") + " ",
                    color="#d7263d", fontsize=7, va="top", ha="left", zorder=7,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6, "alpha": 0.85})

        fig.text(0.012, 1 - 0.28 / height, layout.title, fontsize=12, fontweight="bold", color="#111111",
                 va="center")
        fig.text(0.012, 1 - 0.55 / height, layout.subtitle, fontsize=8.5, color="#444444", va="center")
        handles = [Patch(facecolor=colour, edgecolor="#4a4a4a", lw=0.5, label=label) for label, colour in layout.legend]
        handles += [
            Patch(facecolor="white", edgecolor=CRITICAL_COLOUR, lw=1.8, label="critical path (drives the target)"),
            Patch(facecolor="white", edgecolor=NEAR_CRITICAL_COLOUR, lw=1.4, label="near-critical"),
            Line2D([], [], marker="D", ls="none", color="#b9d3ea", markeredgecolor="#4a4a4a", label="milestone"),
            Patch(facecolor="none", edgecolor="#777777", hatch="////", lw=0.4, label="date window (TBC)"),
            Line2D([], [], color="#555555", lw=0.7, label="float"),
            Line2D([], [], marker="v", ls="none", color="#d7263d", label="deadline"),
        ]
        if any(b.baseline for b in layout.bars):
            handles.append(Patch(facecolor="#9a9a9a", alpha=0.55, label="baseline"))
        fig.legend(handles=handles, loc="lower center", ncol=min(len(handles), 7), fontsize=7, frameon=False,
                   bbox_to_anchor=(0.5, 0.0))
        if not layout.bars:
            ax.text((layout.start + layout.end) / 2, (rows - 1) / 2, "nothing scheduled in this window",
                    ha="center", va="center", color="#777777")

        buffer = io.BytesIO()
        metadata = {"svg": {"Date": None, "Creator": "roadmap-tracker"},
                    "pdf": {"CreationDate": None, "ModDate": None, "Creator": "roadmap-tracker"},
                    "png": {"Software": "roadmap-tracker"}}[fmt]
        extra = {"pil_kwargs": {"compress_level": 3}} if fmt == "png" else {}  # zlib's default 6 is 3x slower
        fig.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata, **extra)
        plt.close(fig)
    return buffer.getvalue()


def _draw_bars(ax, layout: GanttLayout) -> None:
    """All bars in a few batched calls (one artist collection per style keeps 300 rows fast)."""
    from matplotlib.collections import LineCollection

    bars = layout.bars
    windows = [b for b in bars if b.window]
    if windows:
        ax.barh([b.row for b in windows], [b.window[1] - b.window[0] for b in windows],
                left=[b.window[0] for b in windows], height=0.78, facecolor="none",
                edgecolor=[b.colour for b in windows], hatch="////", lw=0.4, alpha=0.55, zorder=1)
    ghosts = [b for b in bars if b.baseline]
    if ghosts:
        ax.barh([b.row - 0.34 for b in ghosts], [max(b.baseline[1] - b.baseline[0], 0.6) for b in ghosts],
                left=[b.baseline[0] for b in ghosts], height=0.14, color="#9a9a9a", alpha=0.55, lw=0, zorder=1.5)
    for shape, tall in (("bar", 0.5), ("session", 0.72)):
        group = [b for b in bars if b.shape == shape]
        if not group:
            continue
        widths = [b.end - b.start for b in group]
        edges = [_edge(b) for b in group]
        lws = [1.8 if b.critical else 1.4 if b.near_critical else (1.2 if shape == "session" else 0.5) for b in group]
        ax.barh([b.row for b in group], widths, left=[b.start for b in group], height=tall,
                color=[b.colour for b in group], edgecolor=edges, linewidth=lws, zorder=3)
        if shape == "session":
            ax.barh([b.row for b in group], widths, left=[b.start for b in group], height=tall, facecolor="none",
                    edgecolor="#ffffff", hatch="||", lw=0, alpha=0.5, zorder=3.1)
        partial = [b for b in group if 0 < b.progress < 1]
        if partial:
            ax.barh([b.row for b in partial], [(b.end - b.start) * b.progress for b in partial],
                    left=[b.start for b in partial], height=tall * 0.38, color="#1c3d5a", lw=0, zorder=3.5)
    points = [b for b in bars if b.shape == "milestone"]
    if points:
        ax.scatter([b.start for b in points], [b.row for b in points], marker="D", s=46,
                   color=[b.colour for b in points],
                   edgecolors=[_edge(b) for b in points],
                   linewidths=[1.8 if b.critical else 1.4 if b.near_critical else 0.5 for b in points], zorder=4)
    segments = []
    for b in bars:
        if b.float_days:
            x0 = b.start if b.shape == "milestone" else b.end
            x1 = x0 + b.float_days
            segments += [[(x0, b.row), (x1, b.row)], [(x1, b.row - 0.12), (x1, b.row + 0.12)]]
    if segments:
        ax.add_collection(LineCollection(segments, colors="#555555", linewidths=0.7, zorder=2))
    deadlines = [b for b in bars if b.deadline is not None]
    if deadlines:
        ax.scatter([b.deadline + 1 for b in deadlines], [b.row - 0.36 for b in deadlines], marker="v", s=22,
                   color="#d7263d", zorder=5, lw=0)


def write_gantt(layout: GanttLayout, output: Path, dpi: int = 200) -> str:
    """Draw to ``output`` (format from its extension), atomically; returns the format used."""
    fmt = FORMATS.get(Path(output).suffix.lower())
    if fmt is None:
        from ..errors import InvalidValue

        raise InvalidValue(f"{output}: the chart is written as .png, .svg or .pdf; choose one of these extensions")
    write_atomic(output, render_gantt(layout, fmt, dpi))
    return fmt


def _edge(bar) -> str:
    return CRITICAL_COLOUR if bar.critical else NEAR_CRITICAL_COLOUR if bar.near_critical else "#4a4a4a"
