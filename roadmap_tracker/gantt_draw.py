"""Drawing a :class:`~roadmap_tracker.gantt.GanttLayout` with matplotlib (Agg, no display needed).

A thin layer: every decision about content is in the layout. Output is A4-landscape wide, grows in
height with the rows, and is deterministic (same layout, same SVG bytes: pinned metadata and ids).
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from .fileio import write_atomic
from .gantt import CRITICAL_COLOUR, GanttLayout

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

        for x, _ in layout.weeks:
            ax.axvline(x, color="#e3e3e3", lw=0.5, zorder=0.5)
        ax.set_xticks([x + 3.5 for x, _ in layout.weeks])
        ax.set_xticklabels([label for _, label in layout.weeks], fontsize=6.5, color="#444444")
        ax.tick_params(axis="x", length=0, pad=3)
        top = ax.secondary_xaxis("top")
        top.set_xticks([x for x, _ in layout.months])
        top.set_xticklabels([label for _, label in layout.months], fontsize=7.5, ha="left", color="#222222")
        top.tick_params(axis="x", length=4)
        for x, _ in layout.months:
            ax.axvline(x, color="#c8c8c8", lw=0.8, zorder=0.6)

        for bar in layout.bars:
            y = bar.row
            if bar.window:
                ax.barh(y, bar.window[1] - bar.window[0], left=bar.window[0], height=0.78, facecolor="none",
                        edgecolor=bar.colour, hatch="////", lw=0.4, alpha=0.55, zorder=1)
            if bar.baseline:
                ax.barh(y - 0.34, max(bar.baseline[1] - bar.baseline[0], 0.6), left=bar.baseline[0], height=0.14,
                        color="#9a9a9a", alpha=0.55, lw=0, zorder=1.5)
            edge, width = (CRITICAL_COLOUR, 1.8) if bar.critical else ("#4a4a4a", 0.5)
            if bar.shape == "milestone":
                ax.scatter([bar.start], [y], marker="D", s=46, color=bar.colour, edgecolors=edge,
                           linewidths=width, zorder=4)
                whisker_from = bar.start
            else:
                tall = 0.72 if bar.shape == "session" else 0.5
                ax.barh(y, bar.end - bar.start, left=bar.start, height=tall, color=bar.colour, edgecolor=edge,
                        lw=width if bar.shape != "session" else max(width, 1.2), zorder=3)
                if bar.shape == "session":
                    ax.barh(y, bar.end - bar.start, left=bar.start, height=tall, facecolor="none",
                            edgecolor="#ffffff", hatch="||", lw=0, alpha=0.5, zorder=3.1)
                if 0 < bar.progress < 1:
                    ax.barh(y, (bar.end - bar.start) * bar.progress, left=bar.start, height=tall * 0.38,
                            color="#1c3d5a", lw=0, zorder=3.5)
                whisker_from = bar.end
            if bar.float_days:
                ax.plot([whisker_from, whisker_from + bar.float_days], [y, y], color="#555555", lw=0.7, zorder=2)
                ax.plot([whisker_from + bar.float_days] * 2, [y - 0.12, y + 0.12], color="#555555", lw=0.7,
                        zorder=2)
            if bar.deadline is not None:
                ax.scatter([bar.deadline + 1], [y - 0.36], marker="v", s=22, color="#d7263d", zorder=5, lw=0)

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
            Patch(facecolor="white", edgecolor=CRITICAL_COLOUR, lw=1.8, label="critical path"),
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
        fig.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata)
        plt.close(fig)
    return buffer.getvalue()


def write_gantt(layout: GanttLayout, output: Path, dpi: int = 200) -> str:
    """Draw to ``output`` (format from its extension), atomically; returns the format used."""
    fmt = FORMATS.get(Path(output).suffix.lower())
    if fmt is None:
        from .errors import InvalidValue

        raise InvalidValue(f"{output}: the chart is written as .png, .svg or .pdf; choose one of these extensions")
    write_atomic(output, render_gantt(layout, fmt, dpi))
    return fmt
