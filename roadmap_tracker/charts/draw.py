"""Drawing a :class:`~roadmap_tracker.charts.gantt.GanttLayout` with matplotlib (Agg, no display needed).

A thin layer: every decision about content and position is in the layout; this module puts each
item where the layout says, in inches. Text stays text: SVG uses ``<text>`` elements with a font
stack found on Windows and macOS, PDF embeds its fonts, and no text is ever read as mathtext (a
``$`` in a title is a dollar sign). The same layout gives the same SVG bytes.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from .._util import write_atomic
from .gantt import (BAR_HEIGHT, COLOURS, HEADING_HEIGHT, LATE_COLOUR, PROGRESS_COLOUR, SESSION_HEIGHT,
                    VERDICT_COLOURS, GanttLayout)

FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
FONTS = ["Arial", "Helvetica", "Liberation Sans", "DejaVu Sans"]  # Windows, macOS, Linux, matplotlib's own
STYLE = {
    "font.family": "sans-serif", "font.sans-serif": FONTS, "font.size": 8, "axes.linewidth": 0.6,
    "svg.fonttype": "none", "svg.hashsalt": "roadmap-tracker", "pdf.fonttype": 42, "text.parse_math": False,
    "hatch.linewidth": 0.6,
}
EDGE = "#4a4a4a"
CRITICAL_ARROW = "#123466"
PINNED_BOX = {"facecolor": "white", "edgecolor": "none", "pad": 1.0}


def chart_style() -> dict:
    """The matplotlib settings every chart of the project is drawn with (also used by the risk plot)."""
    return dict(STYLE)


def draw_figure(layout: GanttLayout):
    """The matplotlib figure of ``layout`` and the set of legend keys of the marks actually drawn."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    W, H = layout.width, layout.height
    fig = Figure(figsize=(W, H))
    under, page = (fig.add_axes((0, 0, 1, 1), label=name) for name in ("under", "page"))
    for sheet in (under, page):  # the whole page, in inches from the top-left corner: under and over the plot
        sheet.set_xlim(0, W)
        sheet.set_ylim(H, 0)
        sheet.set_axis_off()
    left, top, right, bottom = layout.plot
    ax = fig.add_axes((left / W, 1 - bottom / H, (right - left) / W, (bottom - top) / H))
    ax.set_xlim(layout.start, layout.end)
    ax.set_ylim(bottom, top)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.patch.set_visible(False)  # bands and row lines show through; labels and legend are drawn over it
    ax.set_zorder(1)
    page.set_zorder(2)
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_color("#9a9a9a")
    drawn: set[str] = set()

    for row in layout.rows:
        if row.heading:
            h = HEADING_HEIGHT
            under.add_patch(_rect(0.18, row.y - h / 2, right - 0.18, h, facecolor="#e9edf2", lw=0, zorder=0))
        else:
            under.plot([0.2, right], [row.y + row.height / 2] * 2, color="#eeeeee", lw=0.4, zorder=0.2)
    ax.vlines(layout.grid, top, bottom, colors="#e2e2e2", lw=0.5, zorder=0.5)
    if len(layout.grid) > 1:
        under.vlines([layout.x(d) for d in layout.grid], top - 0.36, top, colors="#d0d0d0", lw=0.5)

    _draw_bars(ax, layout, drawn)
    if layout.arrows:
        _arrows(ax, layout)
        drawn.add("arrow")
    if layout.start <= layout.as_of <= layout.end:
        ax.axvline(layout.as_of, color=LATE_COLOUR, lw=1.0, ls="--", zorder=6)

    mx, my = layout.marker
    page.scatter([mx], [my], s=60, color=VERDICT_COLOURS.get(layout.verdict, "#777777"), zorder=5, lw=0)
    for label in layout.labels:
        page.text(label.x, label.y, label.text, ha=label.ha, va="center", fontsize=label.size, color=label.colour,
                  fontweight="bold" if label.bold else "normal", parse_math=False, zorder=7,
                  bbox=PINNED_BOX if label.kind == "pinned" else None)
    for entry in layout.legend:
        _swatch(page, entry.key, entry.x, entry.y)
    return fig, drawn


def _rect(x, y, w, h, **style):
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), w, h, **style)


def _swatch(page, key: str, x: float, y: float) -> None:
    """The legend's sample of a mark, drawn with the same style as on the chart."""
    w, h = 0.28, BAR_HEIGHT
    if key in COLOURS:
        page.add_patch(_rect(x, y - h / 2, w, h, facecolor=COLOURS[key], edgecolor=EDGE, lw=0.5))
    elif key == "late":
        page.add_patch(_rect(x, y - h / 2, w, h, facecolor=COLOURS["other"], edgecolor=LATE_COLOUR, lw=0.9,
                             hatch="////"))
    elif key == "progress":
        page.add_patch(_rect(x, y - h / 2, w, h, facecolor=COLOURS["other"], edgecolor=EDGE, lw=0.5))
        page.add_patch(_rect(x, y - h * 0.18, w * 0.55, h * 0.36, facecolor=PROGRESS_COLOUR, lw=0))
    elif key == "session":
        hh = SESSION_HEIGHT
        page.add_patch(_rect(x, y - hh / 2, w, hh, facecolor=COLOURS["other"], edgecolor=EDGE, lw=1.0))
        page.add_patch(_rect(x, y - hh / 2, w, hh, facecolor="none", edgecolor="#ffffff", hatch="||", lw=0))
    elif key == "milestone":
        page.scatter([x + w / 2], [y], marker="D", s=30, color=COLOURS["other"], edgecolors=EDGE, linewidths=0.5)
    elif key == "contingent":
        page.add_patch(_rect(x, y - h / 2, w, h, facecolor="#ffffff", edgecolor=EDGE, lw=0.8, ls=(0, (2, 1.5))))
    elif key == "window":
        page.add_patch(_rect(x, y - 0.8 * h, w, 1.6 * h, facecolor="none", edgecolor="#9a9a9a", hatch="....", lw=0.3))
    elif key == "float":
        page.plot([x, x + w], [y, y], color="#555555", lw=0.7)
        page.plot([x + w, x + w], [y - 0.04, y + 0.04], color="#555555", lw=0.7)
    elif key == "deadline":
        page.scatter([x + w / 2], [y], marker="v", s=22, color=LATE_COLOUR, lw=0)
    elif key == "baseline":
        page.add_patch(_rect(x, y - 0.03, w, 0.06, facecolor="#ffffff", edgecolor="#6a6a6a", lw=0.7,
                             ls=(0, (2, 1))))
    elif key == "arrow":
        page.annotate("", xy=(x + w, y + 0.05), xytext=(x, y - 0.07),
                      arrowprops={"arrowstyle": "-|>", "color": CRITICAL_ARROW, "lw": 0.8, "shrinkA": 0,
                                  "shrinkB": 0, "mutation_scale": 7,
                                  "connectionstyle": "angle,angleA=90,angleB=0,rad=0"})


def _boxes(ax, spans, **style) -> None:
    """Rectangles (x0, x1, y centre, height) as one collection: one artist for many bars."""
    from matplotlib.collections import PolyCollection

    verts = [[(x0, y - h / 2), (x1, y - h / 2), (x1, y + h / 2), (x0, y + h / 2)] for x0, x1, y, h in spans]
    ax.add_collection(PolyCollection(verts, closed=True, **style))


def _arrows(ax, layout: GanttLayout) -> None:
    """Dependency arrows: down (or up) from the predecessor's end, then across into the successor's start;
    the lines in one collection and the heads in one scatter per colour."""
    from matplotlib.collections import LineCollection

    left, _, right, _ = layout.plot
    per_inch = (layout.end - layout.start) / (right - left)
    for critical in (False, True):
        group = [a for a in layout.arrows if a.critical == critical]
        if not group:
            continue
        colour = CRITICAL_ARROW if critical else "#8a8a8a"
        lines: list[list[tuple[float, float]]] = []
        across: list[tuple[float, float]] = []
        down: list[tuple[float, float]] = []
        up: list[tuple[float, float]] = []
        for a in group:
            if a.x_to - a.x_from > 0.06 * per_inch:  # room for an elbow: down, then across
                lines.append([(a.x_from, a.y_from), (a.x_from, a.y_to), (a.x_to - 0.03 * per_inch, a.y_to)])
                across.append((a.x_to - 0.035 * per_inch, a.y_to))
            else:  # straight down (or up) into the successor
                tip = a.y_to - 0.09 if a.y_to > a.y_from else a.y_to + 0.09
                lines.append([(a.x_from, a.y_from), (a.x_from, tip)])
                (down if a.y_to > a.y_from else up).append((a.x_from, tip))
        ax.add_collection(LineCollection(lines, colors=colour, linewidths=0.8 if critical else 0.5, zorder=2.5))
        for marker, points in ((">", across), ("v", down), ("^", up)):
            if points:
                ax.scatter([p[0] for p in points], [p[1] for p in points], marker=marker, s=12, color=colour,
                           lw=0, zorder=2.6, clip_on=False)


def _draw_bars(ax, layout: GanttLayout, drawn: set[str]) -> None:
    """All bars in a few batched calls (one artist collection per style keeps 300 rows fast)."""
    from matplotlib.collections import LineCollection

    bars = [b for b in layout.bars if not b.pinned]
    windows = [(b.window[0], b.window[1], b.y, 1.6 * BAR_HEIGHT) for b in bars if b.window]
    if windows:
        _boxes(ax, windows, facecolors="none",
               edgecolors="#9a9a9a", hatch="....", linewidths=0.3, zorder=1)
        drawn.add("window")
    ghosts = [(b.baseline[0], b.baseline[1], b.y - BAR_HEIGHT / 2 - 0.05, 0.06) for b in bars if b.baseline]
    if ghosts:
        _boxes(ax, ghosts, facecolors="#ffffff",
               edgecolors="#6a6a6a", linewidths=0.7, linestyles=[(0, (2, 1))], zorder=1.5)
        drawn.add("baseline")
    for shape, tall in (("bar", BAR_HEIGHT), ("session", SESSION_HEIGHT)):
        group = [b for b in bars if b.shape == shape]
        if not group:
            continue
        for contingent in (False, True):
            part = [b for b in group if b.contingent == contingent]
            if not part:
                continue
            _boxes(ax, [(b.x0, b.x1, b.y, tall) for b in part],
                   facecolors=["#ffffff" if contingent and b.category == "other" else b.colour for b in part],
                   edgecolors=EDGE, linewidths=1.0 if shape == "session" else 0.5,
                   linestyles=[(0, (2, 1.5)) if contingent else "solid"], zorder=3)
            drawn.update(b.category for b in part)
            if contingent:
                drawn.add("contingent")
        if shape == "session":
            _boxes(ax, [(b.x0, b.x1, b.y, tall) for b in group], facecolors="none", edgecolors="#ffffff",
                   hatch="||", linewidths=0, zorder=3.1)
            drawn.add("session")
        late = [b for b in group if b.late]
        if late:
            _boxes(ax, [(b.x0, b.x1, b.y, tall) for b in late], facecolors="none", edgecolors=LATE_COLOUR,
                   hatch="////", linewidths=0.9, zorder=3.2)
            drawn.add("late")
        partial = [b for b in group if 0 < b.progress < 1]
        if partial:
            _boxes(ax, [(b.x0, b.x0 + (b.x1 - b.x0) * b.progress, b.y, tall * 0.36) for b in partial],
                   facecolors=PROGRESS_COLOUR, linewidths=0, zorder=3.5)
            drawn.add("progress")
    points = [b for b in bars if b.shape == "milestone"]
    if points:
        ax.scatter([b.start for b in points], [b.y for b in points], marker="D", s=34,
                   color=["#ffffff" if b.contingent and b.category == "other" else b.colour for b in points],
                   edgecolors=[LATE_COLOUR if b.late else EDGE for b in points],
                   linewidths=[1.2 if b.late else 0.5 for b in points], zorder=4)
        drawn.add("milestone")
        drawn.update(b.category for b in points)
        if any(b.late for b in points):
            drawn.add("late")
        if any(b.contingent for b in points):
            drawn.add("contingent")
    segments = []
    for b in bars:
        if b.float_days:
            x0 = b.start if b.shape == "milestone" else b.x1
            x1 = x0 + b.float_days
            y = b.y + BAR_HEIGHT / 2
            segments += [[(x0, y), (x1, y)], [(x1, y - 0.04), (x1, y + 0.04)]]
    if segments:
        ax.add_collection(LineCollection(segments, colors="#555555", linewidths=0.7, zorder=2))
        drawn.add("float")
    deadlines = [(b.deadline, b.y) for b in bars if b.deadline is not None and layout.start <= b.deadline < layout.end]
    if deadlines:
        ax.scatter([day + 1 for day, _ in deadlines], [y - BAR_HEIGHT / 2 - 0.05 for _, y in deadlines],
                   marker="v", s=22, color=LATE_COLOUR, zorder=5, lw=0, clip_on=False)
        drawn.add("deadline")


def render_gantt(layout: GanttLayout, fmt: str = "png", dpi: int = 200) -> bytes:
    """The chart as PNG, SVG or PDF bytes."""
    import matplotlib

    with matplotlib.rc_context(chart_style()), warnings.catch_warnings():
        # a script none of the fonts has (CJK on a machine without such a font) shows as boxes in PNG only;
        # the SVG keeps the text and the reader's fonts draw it
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        fig, _ = draw_figure(layout)
        if fmt == "png":
            from matplotlib.backends.backend_agg import FigureCanvasAgg

            fig.set_dpi(dpi)
            canvas = FigureCanvasAgg(fig)
            canvas.draw()
            return png_bytes(canvas.buffer_rgba(), dpi)
        buffer = io.BytesIO()
        metadata = {"svg": {"Date": None, "Creator": "roadmap-tracker", "Title": layout.title},
                    "pdf": {"CreationDate": None, "ModDate": None, "Creator": "roadmap-tracker",
                            "Title": layout.title}}[fmt]
        fig.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata)
    return buffer.getvalue()


def png_bytes(rgba, dpi: int) -> bytes:
    """An RGBA pixel buffer as PNG: rows unfiltered, zlib level 1.

    A tall chart is tens of millions of mostly white pixels; Pillow's adaptive row filters take
    twice as long as this for a file about a third smaller (300 rows: 3.1 MB instead of 2.1 MB).
    """
    import struct
    import zlib

    import numpy as np

    pixels = np.asarray(rgba)
    height, width, _ = pixels.shape
    rows = np.zeros((height, width * 4 + 1), dtype=np.uint8)  # a leading 0 per row: filter "none"
    rows[:, 1:] = pixels.reshape(height, -1)
    packer = zlib.compressobj(1)
    data = packer.compress(rows.data) + packer.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    per_metre = round(dpi / 0.0254)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
            + chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1))
            + chunk(b"tEXt", b"Software\x00roadmap-tracker") + chunk(b"IDAT", data) + chunk(b"IEND", b""))


def write_gantt(layout: GanttLayout, output: Path, dpi: int = 200) -> str:
    """Draw to ``output`` (format from its extension), atomically; returns the format used."""
    fmt = FORMATS.get(Path(output).suffix.lower())
    if fmt is None:
        from ..errors import InvalidValue

        raise InvalidValue(f"{output}: the chart is written as .png, .svg or .pdf; choose one of these extensions")
    write_atomic(output, render_gantt(layout, fmt, dpi))
    return fmt
