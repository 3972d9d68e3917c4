"""The Monday briefing pack: the week's story in Markdown, self-contained HTML and Word, with the chart.

Sections: the headline (the verdict, the target's forecast against its deadline, its float), what
moved since last week (or a baseline) and why, done last week, due in the next two weeks, overdue,
late to start, at risk, blocked, in progress, open conditions, and the critical path; the empty
ones are said in one line. The week is an ISO week; the pack is computed as of its Monday unless
an as-of date is given.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from ..diff import Move, compare_schedules
from ..wording import VERDICT_WORDS, dates_text, float_text, headline, markdown_cell
from ..scheduling import Schedule, ScheduleEntry
from ..status import build_status

SECTIONS = ("moved", "done_last_week", "due_soon", "overdue", "late_to_start", "at_risk", "blocked", "in_progress",
            "to_confirm", "open_conditions", "critical_path")
TITLES = {
    "moved": "What moved, and why", "done_last_week": "Done last week",
    "due_soon": "Due in the next two weeks", "overdue": "Overdue", "late_to_start": "Late to start",
    "at_risk": "At risk", "blocked": "Blocked", "in_progress": "In progress",
    "to_confirm": "To confirm (dates passed, nothing recorded)", "open_conditions": "Open conditions",
    "critical_path": "Critical path (the chain that drives the target)",
}
NOTHING = {
    "moved": "nothing moved", "done_last_week": "nothing done last week",
    "due_soon": "nothing due in the next two weeks", "overdue": "nothing overdue",
    "late_to_start": "nothing late to start", "at_risk": "nothing at risk", "blocked": "nothing blocked",
    "in_progress": "nothing in progress", "to_confirm": "nothing to confirm",
    "open_conditions": "no open conditions", "critical_path": "no critical path",
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
    verdict: str = "on_track"
    reasons: list[str] = field(default_factory=list)
    as_of: date | None = None
    listed_elsewhere: set[str] = field(default_factory=set)  # empty sections whose kind of step another lists

    @property
    def names(self) -> list[str]:
        """The sections this briefing has, in order."""
        return [name for name in SECTIONS if name in self.sections]

    @property
    def empty(self) -> list[str]:
        """The sections with nothing in them, in order."""
        return [name for name in self.names if not self.sections[name]]

    def nothing_line(self) -> str:
        """One sentence for all the empty sections: "Nothing overdue, nothing at risk."."""
        names = self.empty
        if not names:
            return ""
        text = ", ".join(NOTHING[n].replace("nothing ", "nothing else ", 1) if n in self.listed_elsewhere
                         else NOTHING[n] for n in names) + "."
        return text[0].upper() + text[1:]


def build_brief(schedule: Schedule, previous: Schedule, compared_with: str = "last week",
                risk_float: int = 7) -> Brief:
    """The briefing as of ``schedule.as_of`` (the Monday of its week by default), compared with
    ``previous`` (last week's schedule, or a baseline)."""
    as_of = schedule.as_of
    monday = as_of - timedelta(days=as_of.weekday())
    year, week, _ = as_of.isocalendar()
    report = build_status(schedule, horizon=14, risk_float=risk_float)
    target = schedule.target
    brief = Brief(schedule.roadmap.title, f"{year}-W{week:02d}", monday, headline(report) + ".", compared_with,
                  verdict=report.verdict, reasons=list(report.reasons), as_of=as_of)

    def row(e: ScheduleEntry, why: str = "") -> tuple[str, ...]:
        return (e.id, e.title, dates_text(e), float_text(e.total_float), e.milestone.lead or "", why)

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
    horizon = as_of + timedelta(days=13)
    listed = {item.entry.id for name in ("overdue", "late_to_start") for item in report.sections.get(name, ())}
    brief.sections["due_soon"] = [row(e, f"due {e.end.isoformat()}") for e in schedule
                                  if e.state not in ("done", "cancelled") and e.id not in listed
                                  and e.lateness not in ("window_passed", "to_confirm")  # listed below
                                  and as_of <= e.end <= horizon]
    for name in ("overdue", "late_to_start", "at_risk", "blocked", "in_progress", "to_confirm", "open_conditions"):
        if name in report.sections:
            brief.sections[name] = [row(item.entry, item.why) for item in report.sections[name]]
    # a step is listed once (overdue before blocked before in progress): an empty "blocked" or "in
    # progress" section then says "nothing else", not "nothing", when an earlier one lists such a step
    listed_steps = [item.entry for items in report.sections.values() for item in items]
    if any(e.blocked for e in listed_steps):
        brief.listed_elsewhere.add("blocked")
    if any(e.state == "in_progress" for e in listed_steps):
        brief.listed_elsewhere.add("in_progress")
    chain = [e for e in schedule.driving_chain(target.id)]
    brief.sections["critical_path"] = [row(e, e.state.replace("_", " ")) for e in chain]
    for name in SECTIONS:
        brief.headers.setdefault(name, step_header)
    return brief


def _shift(days: int) -> str:
    return "no change" if days == 0 else f"{days:+d} days"


def render_markdown(brief: Brief, chart_name: str = "gantt.png") -> str:
    lines = [f"# {_md_text(brief.title)}: week {brief.week}", "", _dated(brief) + ".", "",
             f"**{_md_text(brief.headline)}**", ""]
    if brief.reasons:
        lines += [f"- {_md_text(r)}" for r in brief.reasons] + [""]
    lines += [f"![Gantt chart]({chart_name})", ""]
    if brief.empty:
        lines += [brief.nothing_line(), ""]
    for name in brief.names:
        rows = brief.sections[name]
        if not rows:
            continue
        lines.append(f"## {TITLES[name]} ({len(rows)})")
        lines.append("")
        header = brief.headers[name]
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" * len(header))
        for cells in rows:
            lines.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
        lines.append("")
    return "\n".join(lines)


def _dated(brief: Brief) -> str:
    day = brief.as_of or brief.monday
    when = f"Monday {day.isoformat()}" if day == brief.monday else day.isoformat()
    return f"Briefing as of {when}. Compared with {brief.compared_with}"


def _md_text(text: str) -> str:
    return " ".join(text.replace("\\", "\\\\").replace("*", "\\*").replace("<", "&lt;").split())


def _md_cell(text: str) -> str:
    return markdown_cell(text)


def render_html(brief: Brief, png: bytes) -> str:
    """A self-contained page: the chart embedded as a data URI, every text escaped."""
    e = html.escape
    colour = {"on_track": "#2e9d5b", "at_risk": "#f0a030", "late": "#d7263d"}.get(brief.verdict, "#3a86c8")
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f"<title>{e(brief.title)}: week {e(brief.week)}</title>",
        "<style>body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1100px;margin:2em auto;"
        "color:#1d1d1f;padding:0 1em}h1{font-size:1.5em}h2{font-size:1.1em;margin-top:1.6em;border-bottom:1px solid"
        " #ddd}table{border-collapse:collapse;width:100%;font-size:.9em}td,th{border-bottom:1px solid #eee;"
        "padding:.3em .5em;text-align:left;vertical-align:top}td:nth-child(3){white-space:nowrap}th{background:#f5f6f8}"
        ".headline{font-size:1.1em;padding:.6em .8em;background:#f0f4fa;border-left:6px solid var(--verdict)}"
        "img{max-width:100%}.none{color:#555}</style>", "</head>", "<body>",
        f"<h1>{e(brief.title)}: week {e(brief.week)}</h1>",
        f"<p>{e(_dated(brief))}.</p>",
        f'<p class="headline" style="--verdict:{colour}"><strong>{e(brief.headline)}</strong></p>',
    ]
    if brief.reasons:
        parts.append("<ul>" + "".join(f"<li>{e(r)}</li>" for r in brief.reasons) + "</ul>")
    parts.append(f'<img alt="Gantt chart of {e(brief.title)}" src="data:image/png;base64,'
                 f'{base64.b64encode(png).decode("ascii")}">')
    if brief.empty:
        parts.append(f'<p class="none">{e(brief.nothing_line())}</p>')
    for name in brief.names:
        rows = brief.sections[name]
        if not rows:
            continue
        parts.append(f"<h2>{e(TITLES[name])} ({len(rows)})</h2>")
        parts.append("<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in brief.headers[name])
                     + "</tr></thead><tbody>")
        for cells in rows:
            parts.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>")
        parts.append("</tbody></table>")
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def render_docx(brief: Brief, png: bytes) -> bytes:
    """A Word document: A4 landscape, the headline, the chart at page width, one table per section.

    Document properties carry the title and the as-of date, so the file is the same for the same input.
    """
    import io
    import struct
    from datetime import datetime, timezone

    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Inches, Pt, RGBColor

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Inches(11.69), Inches(8.27)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Inches(0.6))
    normal = doc.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(10)
    day = brief.as_of or brief.monday
    stamp = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    props = doc.core_properties
    props.title = _clean_xml(f"{brief.title}: week {brief.week}")
    props.subject = "Weekly briefing"
    props.author = props.last_modified_by = "roadmap-tracker"
    props.created = props.modified = stamp
    props.revision = 1

    doc.add_heading(_clean_xml(f"{brief.title}: week {brief.week}"), level=1)
    doc.add_paragraph(_clean_xml(_dated(brief)) + ".")
    para = doc.add_paragraph()
    word = VERDICT_WORDS.get(brief.verdict, "")
    verdict, rest = (word, brief.headline[len(word):]) if word and brief.headline.startswith(word) \
        else ("", brief.headline)
    run = para.add_run(_clean_xml(verdict))
    run.bold = True
    run.font.color.rgb = RGBColor.from_string(
        {"on_track": "2E7D4F", "at_risk": "B26B00", "late": "C0182E"}.get(brief.verdict, "1F4E96"))
    para.add_run(_clean_xml(rest)).bold = True
    for reason in brief.reasons:
        doc.add_paragraph(_clean_xml(reason), style="List Bullet")
    # the page as stored (set above, rounded to twips)
    page_width, page_height = section.page_width, section.page_height
    left, right, top, bottom = section.left_margin, section.right_margin, section.top_margin, section.bottom_margin
    assert page_width is not None and page_height is not None and left is not None and right is not None \
        and top is not None and bottom is not None
    width = page_width - left - right
    room = page_height - top - bottom
    w_px, h_px = struct.unpack(">II", png[16:24]) if png[:8] == b"\x89PNG\r\n\x1a\n" else (1, 0)
    if h_px and width * h_px / w_px > room:  # a picture taller than the page would be cut: fit its height
        width = int(room * w_px / h_px)
    doc.add_picture(io.BytesIO(png), width=width)
    if brief.empty:
        doc.add_paragraph(_clean_xml(brief.nothing_line()))
    for name in brief.names:
        rows = brief.sections[name]
        if not rows:
            continue
        doc.add_heading(f"{TITLES[name]} ({len(rows)})", level=2)
        header = brief.headers[name]
        table = doc.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, header):
            cell.text = text
            cell.paragraphs[0].runs[0].bold = True
            shade = OxmlElement("w:shd")
            shade.set(qn("w:val"), "clear")
            shade.set(qn("w:fill"), "DCE3EC")
            cell._tc.get_or_add_tcPr().append(shade)
        for cells in rows:
            for cell, text in zip(table.add_row().cells, cells):
                cell.text = _clean_xml(text)
        for row in table.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    for r in paragraph.runs:
                        r.font.size = Pt(9)
    buffer = io.BytesIO()
    doc.save(buffer)
    return _dated_zip(buffer.getvalue())


def _dated_zip(data: bytes) -> bytes:
    """The same zip with every entry dated 1980-01-01 (python-docx dates them now): the same
    briefing gives the same bytes, so a pack kept in git changes only when its content does."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type, fixed.external_attr = info.compress_type, info.external_attr
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


def _clean_xml(text: str) -> str:
    """Text Word accepts: control characters (other than tab and newline) become spaces."""
    return "".join(c if c in "\t\n" or ord(c) >= 32 else " " for c in str(text))


def write_brief_pack(brief: Brief, layout, folder: Path, dpi: int = 200, summary=None) -> list[Path]:
    """Write gantt.png, gantt.svg, brief.md, brief.html and brief.docx into ``folder`` (each atomically).

    ``summary``: the one-page layout (the milestones view) for the Word document, whose pages cannot
    hold a chart taller than a page; written as summary.png too.
    """
    from .._util import write_atomic
    from .draw import render_gantt

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    png = render_gantt(layout, "png", dpi)
    page = render_gantt(summary, "png", dpi) if summary is not None else png
    files = {
        "gantt.png": png,
        "gantt.svg": render_gantt(layout, "svg", dpi),
        **({"summary.png": page} if summary is not None else {}),
        "brief.md": render_markdown(brief).encode("utf-8"),
        "brief.html": render_html(brief, png).encode("utf-8"),
        "brief.docx": render_docx(brief, page),
    }
    for name, data in files.items():
        write_atomic(folder / name, data)
    return [folder / name for name in files]
