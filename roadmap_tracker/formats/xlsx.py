"""Excel (.xlsx), where most schedules live: out with the computed schedule, back in losslessly.

Export (openpyxl): a *Schedule* sheet, one row per step, with the computed columns people read
first (forecast dates as real Excel dates, float, state, status section, critical, driving
predecessor) and the plan columns that ``roadmap import xlsx`` reads back (the CSV columns, plus
the descriptive keys the CSV leaves out); frozen header, filters, colours for overdue, at risk
and done, widths that fit. A *Status* sheet (the headline and the sections of ``roadmap status``),
a *Links* sheet (one row per dependency) and a *Roadmap* sheet (the header: id, title, time zone,
target, working days, holidays, tracks).

Text is never a formula: every text cell is stored as text, and text that Excel or LibreOffice
would take for a formula (``=``, ``+``, ``-``, ``@``, tab, CR) is marked with Excel's own quote
prefix (what typing ``'`` before it does), so the value stays exact and is shown, never run.

Import reads the Schedule sheet's plan columns by their header names (computed columns are
ignored) and the Roadmap sheet; errors name ``FILE:SHEET!CELL``.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime, time

from ..dates import WEEKDAY_NAMES
from ..errors import Diagnostic, RoadmapInvalid
from ..scheduling import Schedule
from .csvjson import FORMULA_STARTS, PLAN_COLUMNS, dependency_text
from .plan import calendar_fields, milestone_fields

COMPUTED = ("forecast_start", "forecast_end", "total_float", "state", "section", "critical", "driving",
            "late_by")
EXTRA = ("partners", "venue", "timezone", "virtual", "links", "documents", "notes", "tags", "estimate",
         "distribution", "slip")
#: The Schedule sheet, in reading order: what people look at first, then the rest of the plan.
COLUMNS = ("id", "title", "track", "kind", "lead", "forecast_start", "forecast_end", "deadline", "total_float",
           "state", "section", "progress", "critical", "driving", "documents", "late_by", "start", "end",
           "duration", "estimate", "not_before", "depends_on", "during", "condition", "status", "actual_start",
           "actual_end", "partners", "venue", "timezone", "virtual", "links", "notes", "tags", "distribution",
           "slip")
IMPORTED = PLAN_COLUMNS + EXTRA
LIST_KEYS = ("partners", "links", "documents", "tags")
DAY_FORMAT = "yyyy-mm-dd"
FILLS = {"overdue": "F4CCCC", "at_risk": "FCE5CD", "done": "D9EAD3", "cancelled": "EEEEEE"}
MAX_ROWS = 100_000
_EXACT_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _text(cell, value: str) -> None:
    """Store ``value`` as text, quote-prefixed when a spreadsheet would read a formula into it.

    Control characters, which a workbook cannot hold, are left out.
    """
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.value = value
    cell.data_type = "s"
    if value.startswith(FORMULA_STARTS):
        cell.quotePrefix = True


def _put(cell, value) -> None:
    if value is None or value == "":
        return
    if isinstance(value, str):
        _text(cell, value)
        return
    cell.value = value
    if isinstance(value, (date, datetime)):
        cell.number_format = DAY_FORMAT


def _plan_day(text: str | None):
    """A plan date as Excel should hold it: a real date when it is an exact day, else the text."""
    if text and _EXACT_DAY.match(text):
        return date.fromisoformat(text)
    return text


def schedule_rows(schedule: Schedule) -> list[dict]:
    from ..status import build_status

    report = build_status(schedule) if schedule.targets else None
    section = {} if report is None else {item.entry.id: name for name, items in report.sections.items()
               if name not in ("open_conditions",) for item in items}
    rows = []
    for e in schedule:
        m = e.milestone
        plan = milestone_fields(m)
        row = {
            "id": m.id, "title": m.title, "track": m.track, "kind": m.kind, "lead": m.lead,
            "forecast_start": e.start, "forecast_end": e.end, "deadline": _plan_day(plan.get("deadline")),
            "total_float": e.total_float, "state": e.state, "section": section.get(e.id, "").replace("_", " "),
            "progress": m.progress, "critical": e.critical, "driving": e.driving,
            "documents": "\n".join(m.documents), "late_by": e.late_by or None,
            "start": _plan_day(plan.get("start")), "end": _plan_day(plan.get("end")),
            "duration": None if m.duration is None else ("0" if m.duration.is_zero else str(m.duration)),
            "estimate": " ".join(str(d) for d in m.estimate) if m.estimate else None,
            "not_before": _plan_day(plan.get("not_before")), "depends_on": dependency_text(m),
            "during": "; ".join(m.during), "condition": m.condition, "status": m.status,
            "actual_start": m.actual_start, "actual_end": m.actual_end,
            "partners": "\n".join(m.partners), "venue": m.venue, "timezone": m.timezone, "virtual": m.virtual,
            "links": "\n".join(m.links), "notes": m.notes, "tags": "\n".join(m.tags),
            "distribution": plan.get("distribution"),
            "slip": f"{m.slip[0]:g} {m.slip[1]}" if m.slip else None,
        }
        rows.append(row)
    return rows


def to_xlsx(schedule: Schedule) -> bytes:
    from openpyxl import Workbook
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    roadmap = schedule.roadmap
    book = Workbook()
    sheet = book.worksheets[0]  # the one sheet of a new workbook
    sheet.title = "Schedule"
    bold = Font(bold=True)
    for column, name in enumerate(COLUMNS, 1):
        cell = sheet.cell(row=1, column=column)
        _text(cell, name)
        cell.font = bold
    rows = schedule_rows(schedule)
    widths = {name: len(name) for name in COLUMNS}
    for r, row in enumerate(rows, 2):
        for column, name in enumerate(COLUMNS, 1):
            value = row[name]
            cell = sheet.cell(row=r, column=column)
            _put(cell, value)
            if isinstance(value, str) and "\n" in value:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            shown = 10 if isinstance(value, (date, datetime)) else max((len(p) for p in str(value).split("\n")),
                                                                          default=0) if value is not None else 0
            widths[name] = max(widths[name], min(shown, 60))
    for column, name in enumerate(COLUMNS, 1):
        sheet.column_dimensions[get_column_letter(column)].width = widths[name] + 2
    last_column = get_column_letter(len(COLUMNS))
    last_row = max(2, len(rows) + 1)
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = f"A1:{last_column}{last_row}"
    state = get_column_letter(COLUMNS.index("state") + 1)
    section = get_column_letter(COLUMNS.index("section") + 1)
    whole = f"A2:{last_column}{last_row}"
    for formula, colour in ((f'${section}2="overdue"', FILLS["overdue"]), (f'${section}2="at risk"', FILLS["at_risk"]),
                            (f'${state}2="done"', FILLS["done"]), (f'${state}2="cancelled"', FILLS["cancelled"])):
        sheet.conditional_formatting.add(whole, FormulaRule(formula=[formula], stopIfTrue=True,
                                                            fill=PatternFill("solid", start_color=colour,
                                                                             end_color=colour)))
    _status_sheet(book.create_sheet("Status"), schedule, bold)
    _links_sheet(book.create_sheet("Links"), schedule, bold)
    _roadmap_sheet(book.create_sheet("Roadmap"), roadmap, bold)
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book.properties.title = ILLEGAL_CHARACTERS_RE.sub("", roadmap.title)[:250]
    book.properties.creator = "roadmap-tracker"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _status_sheet(sheet, schedule: Schedule, bold) -> None:
    from ..status import SECTION_TITLES, SECTIONS, build_status
    from ..wording import headline

    report = build_status(schedule) if schedule.targets else None
    _text(sheet.cell(row=1, column=1), f"Status as of {schedule.as_of.isoformat()}")
    sheet.cell(row=1, column=1).font = bold
    _text(sheet.cell(row=2, column=1), headline(report) if report is not None else "The roadmap has no steps yet.")
    row = 4
    for name in SECTIONS:
        items = report.sections.get(name, []) if report else []
        _text(sheet.cell(row=row, column=1), f"{SECTION_TITLES[name]} ({len(items)})")
        sheet.cell(row=row, column=1).font = bold
        row += 1
        for item in items:
            _text(sheet.cell(row=row, column=1), item.entry.id)
            _text(sheet.cell(row=row, column=2), item.entry.title)
            _text(sheet.cell(row=row, column=3), item.why)
            row += 1
        row += 1
    for letter, width in (("A", 34), ("B", 60), ("C", 70)):
        sheet.column_dimensions[letter].width = width


def _links_sheet(sheet, schedule: Schedule, bold) -> None:
    for column, name in enumerate(("predecessor", "successor", "type", "lag", "driving"), 1):
        _text(sheet.cell(row=1, column=column), name)
        sheet.cell(row=1, column=column).font = bold
    row = 2
    for e in schedule:
        for dep in e.milestone.dependencies:
            for column, value in enumerate((dep.predecessor, e.id, dep.type, str(dep.lag)), 1):
                _text(sheet.cell(row=row, column=column), value)
            sheet.cell(row=row, column=5).value = e.driving == dep.predecessor
            row += 1
    sheet.freeze_panes = "A2"
    for letter in "AB":
        sheet.column_dimensions[letter].width = 30


def _roadmap_sheet(sheet, roadmap, bold) -> None:
    calendar = calendar_fields(roadmap)
    rows = [("key", "value", "title"), ("id", roadmap.id, None), ("title", roadmap.title, None),
            ("timezone", roadmap.timezone, None), ("target", roadmap.target, None),
            ("workdays", ", ".join(calendar.get("workdays", WEEKDAY_NAMES[:5])), None)]
    rows += [("holiday", date.fromisoformat(day), None) for day in calendar.get("holidays", ())]
    rows += [("track", t.id, t.title) for t in roadmap.tracks]
    for r, row in enumerate(rows, 1):
        for column, value in enumerate(row, 1):
            _put(sheet.cell(row=r, column=column), value)
        if r == 1:
            for column in range(1, 4):
                sheet.cell(row=1, column=column).font = bold
    for letter, width in (("A", 12), ("B", 40), ("C", 40)):
        sheet.column_dimensions[letter].width = width


# -- import --------------------------------------------------------------------------------------------

def _cell_text(value) -> str:
    """A cell's value as the text our columns expect (dates ISO, integers without '.0')."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def xlsx_to_roadmap(data: bytes, name: str):
    """The roadmap of an Excel workbook with a Schedule sheet (and optionally a Roadmap sheet)."""
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    from .importers import Imported, plan_rows_to_milestones

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, KeyError, ValueError, OSError) as exc:
        raise RoadmapInvalid([Diagnostic("error", "not-xlsx", f"not an Excel workbook (.xlsx): {exc}"[:200], name,
                                         None, "save it from Excel or LibreOffice as .xlsx")]) from None
    if "Schedule" not in book.sheetnames:
        raise RoadmapInvalid([Diagnostic("error", "missing-sheet", "no sheet named 'Schedule'", name, None,
                                         f"the sheets are {', '.join(book.sheetnames)}; rename the one with the "
                                         "steps to Schedule")])
    problems: list[Diagnostic] = []
    sheet = book["Schedule"]
    rows = sheet.iter_rows(values_only=True)
    header = [(_cell_text(v)).strip() for v in next(rows, ())]
    missing = [c for c in ("id", "title") if c not in header]
    if missing:
        raise RoadmapInvalid([Diagnostic("error", "missing-column", f"no column {', '.join(missing)}",
                                         f"{name}:Schedule!A1", None,
                                         f"the first row names the columns: {', '.join(IMPORTED)}")])
    position = {column: i for i, column in enumerate(header)}

    def where(row_number, column):
        letter = get_column_letter(position.get(column, 0) + 1)
        return f"{name}:Schedule!{letter}{row_number}", None

    def records():
        for number, values in enumerate(rows, 2):
            if len(problems) > 200:
                return
            if number > MAX_ROWS:
                problems.append(Diagnostic("error", "too-many-rows", f"more than {MAX_ROWS:,} rows",
                                           f"{name}:Schedule!A{number}", None, "split the plan"))
                return
            texts = [_cell_text(v) for v in values]
            if not any(t.strip() for t in texts):
                continue
            too_long = next((i for i, t in enumerate(texts) if len(t) > 131_072), None)
            if too_long is not None:
                problems.append(Diagnostic("error", "too-long", "a cell is longer than 131,072 characters",
                                           f"{name}:Schedule!{get_column_letter(too_long + 1)}{number}", None))
                continue
            yield number, dict(zip(header, texts))

    located = list(records())
    milestones = plan_rows_to_milestones(iter(located), name, problems, where, IMPORTED, unquote=False)
    by_location = dict(located)
    result = []
    for number, entry in milestones:
        result.append(_with_extras(entry, by_location[number], lambda c, n=number: where(n, c), problems))
    header_fields = _read_roadmap_sheet(book, name, problems)
    if problems:
        raise RoadmapInvalid(problems)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", name.rsplit("/", 1)[-1].rsplit(".", 1)[0]).strip("-.") or "imported"
    document = {"roadmap": {"id": stem[:60], "title": stem, **header_fields}, "milestones": result}
    return Imported(document, [where(number, "id") for number, _ in milestones])


def _with_extras(entry: dict, cell: dict, where, problems: list[Diagnostic]) -> dict:
    """The descriptive keys (and estimate, slip) the CSV columns do not carry."""
    def get(key):
        return (cell.get(key) or "").strip()

    def bad(message: str, key: str) -> None:
        file, line = where(key)
        problems.append(Diagnostic("error", "invalid-value", message, file, line))

    extra: dict = {}
    for key in ("venue", "timezone", "notes"):
        if get(key):
            extra[key] = get(key)
    for key in LIST_KEYS:
        if get(key):
            extra[key] = [p.strip() for p in get(key).split("\n") if p.strip()]
    if get("virtual"):
        if get("virtual").lower() not in ("true", "false"):
            bad(f"virtual '{get('virtual')[:20]}' is not TRUE or FALSE", "virtual")
        else:
            extra["virtual"] = get("virtual").lower() == "true"
    if get("estimate"):
        parts = get("estimate").split()
        if len(parts) != 3:
            bad(f"estimate '{get('estimate')[:40]}' is not three durations (optimistic likely pessimistic), "
                "e.g. '6w 8w 12w'", "estimate")
        else:
            extra["duration"] = dict(zip(("optimistic", "likely", "pessimistic"), parts))
    if get("distribution"):
        extra["distribution"] = get("distribution")
    if get("slip"):
        parts = get("slip").split()
        try:
            extra["slip"] = {"probability": float(parts[0]), "by": parts[1]}
            if len(parts) != 2:
                raise ValueError
        except (ValueError, IndexError):
            bad(f"slip '{get('slip')[:40]}' is not a probability and a duration, e.g. '0.2 4w'", "slip")
    order = ("id", "title", "kind", "track", "lead", "partners", "venue", "timezone", "virtual", "links",
             "documents", "notes", "tags", "start", "end", "duration", "distribution", "slip", "not_before",
             "deadline", "during", "after", "depends_on", "condition", "status", "progress", "actual")
    merged = {**entry, **extra}
    return {k: merged[k] for k in order if k in merged}


def _read_roadmap_sheet(book, name: str, problems: list[Diagnostic]) -> dict:
    if "Roadmap" not in book.sheetnames:
        return {}
    out: dict = {}
    holidays, tracks = [], []
    for number, values in enumerate(book["Roadmap"].iter_rows(values_only=True), 1):
        key, value, title = (list(values) + [None, None, None])[:3]
        key, text = _cell_text(key).strip(), _cell_text(value).strip()
        if number == 1 or not key or not text:
            continue
        if key in ("id", "title", "timezone", "target"):
            out[key] = text
        elif key == "workdays":
            days = [d.strip().lower()[:3] for d in text.split(",") if d.strip()]
            if days != list(WEEKDAY_NAMES[:5]):
                out.setdefault("calendar", {})["workdays"] = days
        elif key == "holiday":
            holidays.append(text)
        elif key == "track":
            tracks.append({"id": text, "title": _cell_text(title).strip() or text})
        else:
            problems.append(Diagnostic("error", "unknown-key", f"unknown key '{key[:40]}' in the Roadmap sheet",
                                       f"{name}:Roadmap!A{number}", None,
                                       "keys: id, title, timezone, target, workdays, holiday, track"))
    if out.get("timezone") == "UTC":
        del out["timezone"]
    if holidays:
        out.setdefault("calendar", {})["holidays"] = holidays
    if tracks:
        out["tracks"] = tracks
    return out


__all__ = ["to_xlsx", "xlsx_to_roadmap", "COLUMNS"]
