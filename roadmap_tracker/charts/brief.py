"""The Monday briefing pack: the week's story in Markdown and self-contained HTML, with the chart.

Sections: the headline (the verdict first, then the target's forecast against its deadline, its
float), what moved since last week and why, done last week, due in the next two weeks, overdue,
late to start, at risk, in progress / blocked, open conditions, and the critical path. The week is an ISO week; the pack is computed as of its Monday.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from ..diff import Move, compare_schedules
from .. import wording
from ..wording import float_text, markdown_cell, span_text
from ..scheduling import Schedule, ScheduleEntry
from ..status import build_status

SECTIONS = ("moved", "done_last_week", "due_soon", "overdue", "late_to_start", "at_risk", "in_progress_blocked",
            "open_conditions", "critical_path")
TITLES = {
    "moved": "What moved since last week, and why", "done_last_week": "Done last week",
    "due_soon": "Due in the next two weeks", "overdue": "Overdue", "late_to_start": "Late to start",
    "at_risk": "At risk", "in_progress_blocked": "In progress / Blocked",
    "open_conditions": "Open conditions", "critical_path": "Critical path (the chain that drives the target)",
}


@dataclass
class Brief:
    """The content of a briefing: rows per section, each row a tuple of cells (already text)."""

    title: str
    week: str
    monday: date
    headline: str
    compared_with: str
    sections: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)
    headers: dict[str, tuple[str, ...]] = field(default_factory=dict)


def build_brief(schedule: Schedule, previous: Schedule, compared_with: str = "last week",
                risk_float: int = 7) -> Brief:
    """The briefing for the week starting on ``schedule.as_of`` (a Monday); ``previous`` is last week's."""
    monday = schedule.as_of
    year, week, _ = monday.isocalendar()
    report = build_status(schedule, horizon=14, risk_float=risk_float)
    target = schedule.target
    headline = wording.headline(report) + "."
    brief = Brief(schedule.roadmap.title, f"{year}-W{week:02d}", monday, headline, compared_with)

    def row(e: ScheduleEntry, why: str = "") -> tuple[str, ...]:
        return (e.id, e.title, span_text(e), float_text(e.total_float), e.milestone.lead or "", why)

    step_header = ("id", "title", "dates", "float", "lead", "note")
    moves: list[Move] = compare_schedules(previous, schedule)
    brief.sections["moved"] = [
        (m.id, m.title, _shift(m.end_days) if m.end_days is not None else "new",
         f"{m.old_end.isoformat() if m.old_end else '-'} -> {m.new_end.isoformat()}", m.reason)
        for m in moves if m.end_days or m.start_days or m.cause == "new"]
    brief.headers["moved"] = ("id", "title", "moved", "end", "why")
    last_week = (monday - timedelta(days=7), monday - timedelta(days=1))
    brief.sections["done_last_week"] = [
        row(e, f"finished {(e.actual_end or e.end).isoformat()}") for e in schedule
        if e.state == "done" and last_week[0] <= (e.actual_end or e.end) <= last_week[1]]
    horizon = monday + timedelta(days=13)
    overdue = {item.entry.id for item in report.sections["overdue"]}
    brief.sections["due_soon"] = [row(e, f"due {e.end.isoformat()}") for e in schedule
                                  if e.state not in ("done", "cancelled") and e.id not in overdue
                                  and monday <= e.end <= horizon]
    for name in ("overdue", "late_to_start", "at_risk", "open_conditions"):
        brief.sections[name] = [row(item.entry, item.why) for item in report.sections[name]]
    brief.sections["in_progress_blocked"] = [row(item.entry, ("blocked: " if name == "blocked" else "") + item.why)
                                             for name in ("blocked", "in_progress")
                                             for item in report.sections[name]]
    chain = [e for e in schedule.driving_chain(target.id)]
    brief.sections["critical_path"] = [row(e, e.state.replace("_", " ")) for e in chain]
    for name in SECTIONS:
        brief.headers.setdefault(name, step_header)
    return brief


def _shift(days: int) -> str:
    return "no change" if days == 0 else f"{days:+d} days"


def render_markdown(brief: Brief, chart_name: str = "gantt.png") -> str:
    lines = [f"# {brief.title}: week {brief.week}", "",
             f"Briefing as of Monday {brief.monday.isoformat()}. Compared with {brief.compared_with}.", "",
             f"**{brief.headline}**", "", f"![Gantt chart]({chart_name})", ""]
    for name in SECTIONS:
        rows = brief.sections[name]
        lines.append(f"## {TITLES[name]} ({len(rows)})")
        lines.append("")
        if not rows:
            lines += ["Nothing.", ""]
            continue
        header = brief.headers[name]
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" * len(header))
        for cells in rows:
            lines.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
        lines.append("")
    return "\n".join(lines)


def _md_cell(text: str) -> str:
    return markdown_cell(text)


def render_html(brief: Brief, png: bytes) -> str:
    """A self-contained page: the chart embedded as a data URI, every text escaped."""
    e = html.escape
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f"<title>{e(brief.title)}: week {e(brief.week)}</title>",
        "<style>body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1100px;margin:2em auto;"
        "color:#1d1d1f;padding:0 1em}h1{font-size:1.5em}h2{font-size:1.1em;margin-top:1.6em;border-bottom:1px solid"
        " #ddd}table{border-collapse:collapse;width:100%;font-size:.9em}td,th{border-bottom:1px solid #eee;"
        "padding:.3em .5em;text-align:left;vertical-align:top}td:nth-child(3){white-space:nowrap}th{background:#f5f6f8}.headline{font-size:1.1em;"
        "padding:.6em .8em;background:#f0f4fa;border-left:4px solid #3a86c8}img{max-width:100%}"
        ".none{color:#777}</style>", "</head>", "<body>",
        f"<h1>{e(brief.title)}: week {e(brief.week)}</h1>",
        f"<p>Briefing as of Monday {e(brief.monday.isoformat())}. Compared with {e(brief.compared_with)}.</p>",
        f'<p class="headline">{e(brief.headline)}</p>',
        f'<img alt="Gantt chart of {e(brief.title)}" src="data:image/png;base64,'
        f'{base64.b64encode(png).decode("ascii")}">',
    ]
    for name in SECTIONS:
        rows = brief.sections[name]
        parts.append(f"<h2>{e(TITLES[name])} ({len(rows)})</h2>")
        if not rows:
            parts.append('<p class="none">Nothing.</p>')
            continue
        parts.append("<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in brief.headers[name])
                     + "</tr></thead><tbody>")
        for cells in rows:
            parts.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>")
        parts.append("</tbody></table>")
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def write_brief_pack(brief: Brief, layout, folder: Path, dpi: int = 200) -> list[Path]:
    """Write gantt.png, gantt.svg, brief.md and brief.html into ``folder`` (each atomically)."""
    from .._util import write_atomic
    from .draw import render_gantt

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    png = render_gantt(layout, "png", dpi)
    files = {
        "gantt.png": png,
        "gantt.svg": render_gantt(layout, "svg", dpi),
        "brief.md": render_markdown(brief).encode("utf-8"),
        "brief.html": render_html(brief, png).encode("utf-8"),
    }
    for name, data in files.items():
        write_atomic(folder / name, data)
    return [folder / name for name in files]
