"""The risk charts: the target's finish (histogram and S-curve) and the tornado of what moves it most.

Labels never overlap: the percentile lines carry short labels on staggered levels and the dates sit
in a table under the chart; the deadline is marked with its odds, on whichever side has room.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from .._util import write_atomic
from .draw import FORMATS, chart_style
from .gantt import clean, text_width, wrap

WIDTH, HEIGHT = 9.0, 5.4
TORNADO_ROWS = 15


def percentile_levels(xs: list[float], widths: list[float], gap: float = 0.04) -> list[int]:
    """A level (0 = top) for each label centred at ``xs`` (inches) so that labels on a level never
    overlap: each goes on the first level whose last label ends before it starts."""
    ends: list[float] = []
    result = [0] * len(xs)
    for i in sorted(range(len(xs)), key=lambda i: (xs[i], widths[i])):
        left = xs[i] - widths[i] / 2
        level = next((k for k, end in enumerate(ends) if end + gap <= left), len(ends))
        if level == len(ends):
            ends.append(float("-inf"))
        ends[level] = xs[i] + widths[i] / 2
        result[i] = level
    return result


def input_label(key: str, schedule) -> str:
    """An uncertain input in words: the step's title and id, and which of its inputs it is."""
    mid, _, part = key.partition("@")
    entry = schedule.entries.get(mid)
    what = "start window" if part == "window" else "slip" if entry is not None and entry.fixed else "duration"
    title = clean(entry.title, 60) if entry is not None else mid
    return f"{title} ({clean(mid, 30)}): {what}"


def render_risk_plot(result, schedule, fmt: str = "png", dpi: int = 150) -> bytes:
    import matplotlib

    with matplotlib.rc_context(chart_style()):
        return _save(risk_figure(result, schedule, dpi), fmt, dpi)


def render_tornado(result, schedule, fmt: str = "png", dpi: int = 150) -> bytes:
    import matplotlib

    with matplotlib.rc_context(chart_style()):
        return _save(tornado_figure(result, schedule, dpi), fmt, dpi)


def _deadline_share(result, finishes, deadline: int) -> float:
    """The target's chance of meeting its deadline: the figure `roadmap risk` prints (it weighs the
    sessions the target waits for); for a target already done, whether it did."""
    chance = result.deadline_chance(result.target)
    return chance if chance is not None else float((finishes <= deadline).mean())


def risk_figure(result, schedule, dpi: int = 150):
    """The histogram and S-curve of the target's finish, its percentiles and the deadline's odds."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import numpy as np
    from matplotlib.figure import Figure
    from matplotlib.transforms import Bbox

    finishes = np.asarray(result.finishes)
    target = schedule[result.target]
    deadline = target.deadline.toordinal() if target.deadline else None
    low, high = int(finishes.min()), int(finishes.max())
    lo_x, hi_x = min(low, deadline or low), max(high, deadline or high)
    pad = max(2, (hi_x - lo_x) // 20)
    lo_x, hi_x = lo_x - pad, hi_x + pad
    with matplotlib.rc_context(chart_style()):
        fig = Figure(figsize=(WIDTH, HEIGHT), dpi=dpi)
        left, right, top, bottom = 1.0, 0.75, 0.75, 1.45  # inches around the plot
        ax = fig.add_axes((left / WIDTH, bottom / HEIGHT, 1 - (left + right) / WIDTH, 1 - (top + bottom) / HEIGHT))
        plot_w = WIDTH - left - right
        bins: int | list[int] = list(range(low, high + 2)) if high - low < 120 else 60  # a bin per day
        ax.hist(finishes, bins=bins, color="#b9d3ea", edgecolor="#3a86c8", lw=0.4)
        ax.set_ylabel("runs")
        ax.set_xlim(lo_x, hi_x)
        curve = ax.twinx()
        xs = np.sort(finishes)
        curve.plot(xs, np.arange(1, len(xs) + 1) / len(xs), color="#1c3d5a", lw=1.4)
        curve.set_ylim(0, 1.25)  # headroom for the percentile labels
        curve.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
        curve.set_yticklabels(["0%", "25%", "50%", "75%", "100%"])
        curve.set_ylabel("probability of finishing by")

        names = [f"P{p}" for p in result.percentiles]
        same_day: dict[int, list[str]] = {}  # percentiles on one day share one line and one label
        for name, day in zip(names, result.percentiles.values()):
            same_day.setdefault(day.toordinal(), []).append(name)
        days = list(same_day)
        marks = [", ".join(same_day[x]) for x in days]
        inch = [(x - lo_x) / (hi_x - lo_x) * plot_w for x in days]
        levels = percentile_levels(inch, [text_width(n, 7) + 0.04 for n in marks])
        for name, x, level in zip(marks, days, levels):
            curve.axvline(x, color="#777777", lw=0.6, ls=":", ymax=1.0 / 1.25)
            curve.text(x, 1.03 + 0.06 * level, name, fontsize=7, color="#333333", ha="center", va="bottom",
                       parse_math=False)
        if deadline is not None:
            share = _deadline_share(result, finishes, deadline)
            curve.axvline(deadline, color="#d7263d", lw=1.2, ymax=1.0 / 1.25)
            text = f"deadline {target.deadline.isoformat()}: {share:.0%} chance"
            room_right = (hi_x - deadline) / (hi_x - lo_x) * plot_w
            ha = "left" if room_right > text_width(text, 8) + 0.1 else "right"
            nudge = (hi_x - lo_x) / plot_w * 0.05 * (1 if ha == "left" else -1)  # 0.05 in off the line
            curve.text(deadline + nudge, 0.08, text, color="#d7263d", fontsize=8, ha=ha, va="bottom",
                       parse_math=False, bbox={"facecolor": "white", "edgecolor": "none", "pad": 1, "alpha": 0.85})
        ticks = np.linspace(lo_x + pad, hi_x - pad, 5).astype(int)
        ax.set_xticks(ticks)
        ax.set_xticklabels([date.fromordinal(int(t)).isoformat() for t in ticks], fontsize=7)
        title = (f"{clean(schedule.roadmap.title, 120)}: finish of {clean(target.title, 120)} "
                 f"({clean(result.target, 30)})")
        lines = wrap(title, WIDTH - 0.6, 10, 2, bold=True)
        for i, line in enumerate(lines):
            fig.text(0.3 / WIDTH, 1 - (0.22 + i * 0.19) / HEIGHT, line, fontsize=10, fontweight="bold",
                     va="center", parse_math=False)
        fig.text(0.3 / WIDTH, 1 - (0.22 + len(lines) * 0.19) / HEIGHT, f"{result.runs} runs, as of {schedule.as_of.isoformat()}; "
                 f"planned {result.deterministic.isoformat()}", fontsize=8, color="#444444", va="center")
        header = ["planned", "mean"] + names + (["deadline odds"] if deadline is not None else [])
        cells = [result.deterministic.isoformat(), result.mean.isoformat()] + \
            [d.isoformat() for d in result.percentiles.values()] + \
            ([f"{_deadline_share(result, finishes, deadline):.0%}"] if deadline is not None else [])
        table = ax.table(cellText=[cells], colLabels=header, cellLoc="center", loc="bottom",
                         bbox=Bbox.from_bounds(0.0, -0.42, 1.0, 0.2))
        table.auto_set_font_size(False)
        table.set_fontsize(7.5)
        for (r, _), cell in table.get_celld().items():
            cell.set_edgecolor("#cccccc")
            cell.get_text().set_parse_math(False)
            if r == 0:
                cell.set_facecolor("#eef1f5")
        return fig


def tornado_figure(result, schedule, dpi: int = 150):
    """The sensitivity ranking as a tornado chart: the inputs that move the target's finish most, on top."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    ranking = [(k, v) for k, v in result.sensitivity if abs(v) >= 0.005][:TORNADO_ROWS]
    labels = [input_label(k, schedule) for k, _ in ranking]
    label_w = min(4.2, max([text_width(t, 7.5) for t in labels] + [1.0]) + 0.15)
    height = 1.5 + 0.28 * max(len(ranking), 1)
    with matplotlib.rc_context(chart_style()):
        fig = Figure(figsize=(WIDTH, height), dpi=dpi)
        left, right, top, bottom = label_w + 0.2, 0.4, 0.8, 0.8
        ax = fig.add_axes((left / WIDTH, bottom / height, 1 - (left + right) / WIDTH, 1 - (top + bottom) / height))
        values = [v for _, v in ranking]
        rows = list(range(len(ranking)))
        ax.barh(rows, values, color=["#d7263d" if v > 0 else "#3a86c8" for v in values], height=0.6)
        ax.set_ylim(max(len(ranking), 1) - 0.5, -0.5)
        ax.set_xlim(-1, 1)
        ax.axvline(0, color="#333333", lw=0.8)
        ax.set_yticks(rows)
        ax.set_yticklabels([wrap(t, label_w, 7.5, 1)[0] for t in labels], fontsize=7.5)
        ax.set_xlabel("rank correlation with the target's finish (right: longer input, later finish)")
        for row, v in zip(rows, values):
            ax.text(v + (0.02 if v >= 0 else -0.02), row, f"{v:+.2f}", va="center", ha="left" if v >= 0 else "right",
                    fontsize=7, color="#222222", parse_math=False)
        if not ranking:
            ax.text(0, 0, "no uncertain input moves the target: widen an estimate, a window or a slip to see one",
                    ha="center", va="center", color="#555555", parse_math=False,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 2})
        target = schedule[result.target]
        title = f"What moves {clean(target.title, 100)} ({clean(result.target, 30)}) most"
        fig.text(0.3 / WIDTH, 1 - 0.3 / height, wrap(title, WIDTH - 0.6, 10, 1, bold=True)[0], fontsize=10,
                 fontweight="bold", va="center", parse_math=False)
        fig.text(0.3 / WIDTH, 1 - 0.55 / height, f"{result.runs} runs, as of {schedule.as_of.isoformat()}; "
                 f"{len(ranking)} of {len(result.sensitivity)} uncertain inputs (those with an effect, largest first)",
                 fontsize=8, color="#444444",
                 va="center")
        return fig


def _save(fig, fmt: str, dpi: int) -> bytes:
    buffer = io.BytesIO()
    metadata = {"svg": {"Date": None, "Creator": "roadmap-tracker"},
                "pdf": {"CreationDate": None, "ModDate": None, "Creator": "roadmap-tracker"},
                "png": {"Software": "roadmap-tracker"}}[fmt]
    fig.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata)
    return buffer.getvalue()


def _format(output: Path) -> str:
    fmt = FORMATS.get(Path(output).suffix.lower())
    if fmt is None:
        from ..errors import InvalidValue

        raise InvalidValue(f"{output}: the plot is written as .png, .svg or .pdf; choose one of these extensions")
    return fmt


def write_risk_plot(result, schedule, output: Path) -> None:
    write_atomic(output, render_risk_plot(result, schedule, _format(output)))


def write_tornado(result, schedule, output: Path) -> None:
    write_atomic(output, render_tornado(result, schedule, _format(output)))
