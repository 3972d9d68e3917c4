"""Text, Markdown, CSV and JSON renderings of a schedule and a status report.

Pure functions from library values to strings, shared by the CLI and the HTTP server. The JSON
shapes are documented in ``docs/format.md`` and kept stable.
"""

from __future__ import annotations

import csv
import io
import json

from .scheduling import Schedule, ScheduleEntry, window_text
from .status import SECTION_TITLES, SECTIONS, StatusReport, condition_passed, counted_from
from .scheduling import closed_text
from .wording import (DRIVING_REASONS, changes_text, dates_text, float_text, headline, iso, markdown_cell,
                      shorten, span_text, window_label)

SCHEDULE_COLUMNS = ("id", "title", "kind", "track", "start", "end", "early_start", "early_finish",
                    "late_start", "late_finish", "total_float", "free_float", "critical", "fixed",
                    "status", "driving", "near_critical", "expected_start", "expected_end", "late_days", "lateness",
                    "presumed", "closed_on")

_ANSI = {"red": "31", "yellow": "33", "green": "32", "cyan": "36", "bold": "1", "dim": "2", "magenta": "35"}
_SECTION_COLOURS = {"overdue": "red", "late_to_start": "red", "at_risk": "yellow", "blocked": "magenta", "in_progress": "cyan",
                    "upcoming": "bold", "recently_done": "green", "to_confirm": "yellow", "open_conditions": "dim"}


def paint(text: str, colour: str | None, enabled: bool) -> str:
    """Wrap ``text`` in an ANSI colour when ``enabled`` (a terminal), else return it unchanged."""
    if not enabled or not colour:
        return text
    return f"\x1b[{_ANSI[colour]}m{text}\x1b[0m"


# -- schedule -------------------------------------------------------------------------------------

def schedule_values(entry: ScheduleEntry, flags: tuple = (False, True)) -> tuple:
    """One step's values in :data:`SCHEDULE_COLUMNS` order: dates as dates, None where unset, the
    yes/no columns as ``flags[False]``/``flags[True]`` (CSV spells them as JSON does)."""
    m = entry.milestone
    return (entry.id, m.title, m.kind, m.track, entry.start, entry.end, entry.early_start, entry.early_finish,
            entry.late_start, entry.late_finish, entry.total_float, entry.free_float, flags[entry.critical],
            flags[entry.fixed], entry.status, entry.driving, flags[entry.near_critical], entry.expected_start,
            entry.expected_end, entry.late_days, entry.lateness, entry.presumed, entry.closed_on)


_DATE_COLUMNS = ("start", "end", "early_start", "early_finish", "late_start", "late_finish", "expected_start",
                 "expected_end", "closed_on")


def schedule_row(entry: ScheduleEntry) -> dict:
    """One step of the schedule as a JSON-ready dict with :data:`SCHEDULE_COLUMNS` (dates as ISO text)."""
    row = dict(zip(SCHEDULE_COLUMNS, schedule_values(entry)))
    for name in _DATE_COLUMNS:
        row[name] = iso(row[name])
    row["driving_ties"] = list(entry.driving_ties)
    return row


def render_schedule(schedule: Schedule, fmt: str = "table", colour: bool = False) -> str:
    if fmt == "json":
        return json.dumps([schedule_row(e) for e in schedule], indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(SCHEDULE_COLUMNS)
        # row by row (a large plan's rows are never all held); dates and None are the writer's to format
        writer.writerows(schedule_values(e, ("false", "true")) for e in schedule)
        return out.getvalue()
    header = ("id", "start", "end", "float", "crit", "status", "late", "driving", "title")
    table: list[tuple] = [header]
    for e in schedule:
        table.append((e.id, iso(e.start), iso(e.end), float_text(e.total_float), _crit_mark(e),
                      e.status, _late_text(e), e.driving or "", shorten(e.title, 48)))
    return _table(table, colour, lambda row: "red" if row[4] == "*" else "yellow" if row[4] == "~" else None)


def _crit_mark(e: ScheduleEntry) -> str:
    """``*`` critical (drives the target), ``~`` near-critical, ``F`` a fixed date off the chain."""
    return "*" if e.critical else "~" if e.near_critical else "F" if e.fixed else ""


def _late_text(e: ScheduleEntry) -> str:
    if e.lateness == "overdue":
        return f"overdue {e.late_days}d"
    if e.lateness == "late_to_start":
        return f"start -{e.late_days}d"
    if e.lateness == "window_passed":
        return f"open cond. {e.late_days}d"
    if e.lateness == "to_confirm":
        return f"confirm {e.late_days}d"
    if e.presumed == "in_session":
        return "in session"
    return ""


def _table(rows: list[tuple], colour: bool, row_colour=lambda row: None) -> str:
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        text = "  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip()
        lines.append(paint(text, "bold" if n == 0 else row_colour(row), colour))
    return "\n".join(lines) + "\n"


# -- status ---------------------------------------------------------------------------------------

def _item_dict(report: StatusReport, entry: ScheduleEntry, why: str) -> dict:
    item = {
        "id": entry.id, "title": entry.title, "start": iso(entry.start), "end": iso(entry.end),
        "float": entry.total_float, "lead": entry.milestone.lead, "status": entry.status,
        "deadline": iso(entry.deadline), "critical": entry.critical, "near_critical": entry.near_critical,
        "why": why, "window": window_text(entry),
        "expected_start": iso(entry.expected_start), "expected_end": iso(entry.expected_end),
        "late_days": entry.late_days, "lateness": entry.lateness, "presumed": entry.presumed,
        "closed_on": iso(entry.closed_on),
    }
    if report.baseline is not None:
        start, end, variance = report.variance(entry)
        item.update(baseline_start=iso(start), baseline_end=iso(end), variance_days=variance)
    return item


def status_dict(report: StatusReport) -> dict:
    """The documented JSON shape of ``roadmap status --format json``."""
    target = report.target
    roadmap = report.schedule.roadmap
    result: dict[str, object] = {
        "roadmap": {"id": roadmap.id, "title": roadmap.title, "file": roadmap.path},
        "as_of": report.as_of.isoformat(),
        "target": {"id": target.id, "title": target.title, "status": target.state,
                   "forecast_end": iso(target.end), "deadline": iso(report.target_deadline),
                   "float": target.total_float, "verdict": report.verdict, "reasons": list(report.reasons)},
        "counts": report.counts,
    }
    for name in SECTIONS:
        result[name] = [_item_dict(report, item.entry, item.why) for item in report.sections[name]]
    return result


def _variance_text(report: StatusReport, entry: ScheduleEntry) -> str:
    start, end, variance = report.variance(entry)
    if variance is None:
        return ""
    return f"; baseline end {iso(end)} ({'no change' if variance == 0 else f'{variance:+d} days'})"


def render_status(report: StatusReport, fmt: str = "table", colour: bool = False) -> str:
    if fmt == "json":
        return json.dumps(status_dict(report), indent=2, ensure_ascii=False) + "\n"
    roadmap = report.schedule.roadmap
    md = fmt == "markdown"
    lines = []
    title = f"{roadmap.title}: status as of {report.as_of.isoformat()}"
    lines.append(f"# {title}" if md else paint(title, "bold", colour))
    lines.append(headline(report))
    others = [r for r in report.reasons if not r.startswith(f"{report.target.id} forecast ")]
    for reason in others[1:]:  # the headline names the first
        lines.append(f"{'- ' if md else '  - '}{reason}")
    counts = ", ".join(f"{n} {SECTION_TITLES[k].lower()}" for k, n in report.counts.items() if n)
    lines.append(f"{counts or 'nothing to report'}")
    for name in SECTIONS:
        items = report.sections[name]
        if not items:
            continue
        heading = f"{SECTION_TITLES[name]} ({len(items)})"
        lines.append("")
        if md:
            lines.append(f"## {heading}")
            lines.append("")
            lines.append("| id | title | dates | float | lead | why |")
            lines.append("|---|---|---|---|---|---|")
            for item in items:
                e = item.entry
                cells = [e.id, e.title, dates_text(e), float_text(e.total_float), e.milestone.lead or "", item.why]
                lines.append("| " + " | ".join(markdown_cell(c) for c in cells) + " |")
            continue
        lines.append(paint(heading, _SECTION_COLOURS[name], colour))
        rows = [(e.id, shorten(e.title, 44), dates_text(e), float_text(e.total_float), e.milestone.lead or "")
                for e in (item.entry for item in items)]
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        for row, item in zip(rows, items):
            text = "  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip()
            lines.append(f"  {text}")
            lines.append(paint(f"      {item.why}{_variance_text(report, item.entry)}", "dim", colour))
    return "\n".join(lines) + "\n"


# -- path and show ---------------------------------------------------------------------------------

def render_path(schedule: Schedule, milestone_id: str, fmt: str = "table") -> str:
    chain = schedule.driving_chain(milestone_id)
    if fmt == "json":
        return json.dumps([{**schedule_row(e), "reason": e.driving_reason} for e in chain], indent=2) + "\n"
    rows = [("id", "dates", "float", "why this date", "title")]
    for e in chain:
        rows.append((e.id, span_text(e), float_text(e.total_float), DRIVING_REASONS.get(e.driving_reason, ""),
                     shorten(e.title, 50)))
    text = _table(rows, False)
    first = chain[0]
    if first.driving and not first.driven and first.driving in schedule.entries:
        p = schedule[first.driving]
        text += (f"{first.id}'s date is set by itself ({DRIVING_REASONS.get(first.driving_reason, '')}); "
                 f"its latest input, {p.id}, ends {iso(p.end)}\n")
    return text


def show_fields(schedule: Schedule, milestone_id: str) -> list[tuple[str, str]]:
    """Everything about one milestone as (label, text) pairs, in the order ``roadmap show`` prints them."""
    e = schedule[milestone_id]
    m = e.milestone
    roadmap = schedule.roadmap
    out: list[tuple[str, str]] = []

    def field(label: str, value) -> None:
        if value not in (None, "", (), []):
            out.append((label, str(value)))

    field("kind", m.kind)
    field("track", roadmap.track_title(m.track) if m.track else None)
    field("status", e.status + (f" ({e.progress}%)" if e.progress_reported else ""))
    if e.presumed == "in_session":
        field("in session", f"until {iso(e.end)}; nothing recorded yet")
    elif e.lateness == "to_confirm":
        field("to confirm", closed_text(e, schedule.as_of))
    elif e.lateness == "window_passed":  # an open condition is never overdue
        field("time passed", condition_passed(e, schedule.as_of, "; its condition is open"))
    elif e.lateness == "overdue":
        phrase, day = counted_from(e, schedule.as_of)
        field("overdue", f"by {e.late_days} days ({phrase} {iso(day)})")
    elif e.lateness == "late_to_start":
        field("late to start", f"by {e.late_days} days (expected to start {iso(e.expected_start)})")
    field("dates", span_text(e) + (" (fixed)" if e.fixed else ""))
    field("window", window_label(*e.window) if e.window is not None and window_text(e) else None)
    if e.actual_start or e.actual_end:
        field("actual", f"{iso(e.actual_start) or '?'}..{iso(e.actual_end) or ''}")
    field("deadline", iso(e.deadline))
    if e.late_by:
        field("misses by", f"{e.late_by} days (forecast after the deadline)")
    field("early", f"{iso(e.early_start)}..{iso(e.early_finish)}")
    if e.late_start:
        field("late", f"{iso(e.late_start)}..{iso(e.late_finish)}")
    if e.state not in ("done", "cancelled") and (e.expected_start, e.expected_end) != (e.start, e.end):
        field("expected", f"{iso(e.expected_start)}..{iso(e.expected_end)} (the plan as written)")
    field("float", f"total {float_text(e.total_float)}, free {float_text(e.free_float)}"
          + (", critical (drives the target)" if e.critical else ", near-critical" if e.near_critical else ""))
    reason = DRIVING_REASONS.get(e.driving_reason, "")
    if e.driving and not e.driven:  # its own date or facts set it; the predecessor is only its latest input
        field("driven by", f"{reason or 'its own dates'} (latest input: {e.driving})")
    else:
        field("driven by", (f"{e.driving} ({reason})" if e.driving else reason) or None)
    field("lead", m.lead)
    field("partners", ", ".join(m.partners))
    field("venue", (m.venue or "") + (f" ({m.timezone})" if m.timezone else "") if m.venue else None)
    field("condition", m.condition)
    waits = [f"{d.predecessor} ({d.type}{'' if d.lag.is_zero else ' ' + str(d.lag)}, "
             f"{schedule[d.predecessor].status})" for d in m.dependencies]
    field("waits for", "; ".join(waits))
    field("waited on by", ", ".join(schedule.successors.get(m.id, ())))
    field("during", ", ".join(m.during))
    field("documents", ", ".join(e.documents))
    for link in m.links:
        field("link", link)
    field("notes", m.notes)
    return out


def render_show(schedule: Schedule, milestone_id: str) -> str:
    m = schedule[milestone_id].milestone
    out = [f"{m.id}: {m.title}", ""]
    out += [f"  {label + ':':<13} {value}" for label, value in show_fields(schedule, milestone_id)]
    return "\n".join(out) + "\n"


# -- what moved --------------------------------------------------------------------------------------

def _days_text(days: int | None) -> str:
    return "-" if days is None else ("0" if days == 0 else f"{days:+d}d")


def render_moves(moves, fmt: str = "table", title: str = "What moved") -> str:
    """Moves (see :mod:`roadmap_tracker.moves`) as a table, Markdown or JSON."""
    if fmt == "json":
        return json.dumps([{
            "id": m.id, "title": m.title, "old_start": iso(m.old_start), "old_end": iso(m.old_end),
            "new_start": iso(m.new_start), "new_end": iso(m.new_end), "start_moved": m.start_days,
            "end_moved": m.end_days, "float_change": m.float_change, "old_status": m.old_status,
            "new_status": m.new_status, "cause": m.cause, "reason": m.reason} for m in moves], indent=2) + "\n"
    header = ("id", "end", "end moved", "float change", "status", "why")
    rows = [(m.id, f"{iso(m.old_end) or '-'} -> {iso(m.new_end)}", _days_text(m.end_days),
             _days_text(m.float_change),
             m.new_status if m.old_status in (None, m.new_status) else f"{m.old_status} -> {m.new_status}",
             m.reason) for m in moves]
    if fmt == "markdown":
        lines = [f"## {title} ({len(moves)})", ""]
        if not rows:
            return "\n".join(lines + ["Nothing moved.", ""])
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(markdown_cell(c) for c in row) + " |" for row in rows]
        return "\n".join(lines) + "\n"
    if not rows:
        return f"{title}: nothing moved.\n"
    return f"{title} ({len(moves)})\n" + _table([header] + rows, False)


# -- what-if and risk ---------------------------------------------------------------------------------

def render_whatif(result, fmt: str = "table") -> str:
    """A :class:`roadmap_tracker.whatif.WhatIf` as a table, Markdown or JSON."""
    if fmt == "json":
        moves = json.loads(render_moves(result.moves, "json"))
        return json.dumps({
            "changes": result.changes, "moves": moves,
            "deadlines_missed": [{"id": i, "deadline": iso(d), "late_by_before": b, "late_by_after": a}
                                 for i, d, b, a in result.deadlines_missed],
            "infeasible_sessions": result.infeasible_sessions,
            "sessions_missed": [{"id": i, "missed": list(missed), "now_in": now} for i, missed, now in result.sessions_missed],
            "sessions_regained": [{"id": i, "now_in": now} for i, now in result.sessions_regained],
            "critical_path": result.critical_path, "critical_path_before": result.critical_path_before,
        }, indent=2) + "\n"
    md = fmt == "markdown"
    out = [("# " if md else "") + "What if " + "; ".join(result.changes), ""]
    out.append(render_moves(result.moves, "markdown" if md else "table", "Dates that move"))
    out.append(("## " if md else "") + f"Deadlines newly missed ({len(result.deadlines_missed)})")
    for mid, deadline, before, after in result.deadlines_missed:
        out.append(f"{'- ' if md else '  '}{mid}: due {iso(deadline)}, late by {after} days"
                   + (f" (was {before})" if before else ""))
    out.append("")
    out.append(("## " if md else "") + f"Sessions whose preparation becomes infeasible ({len(result.infeasible_sessions)})")
    out += [f"{'- ' if md else '  '}{mid}" for mid in result.infeasible_sessions]
    out.append("")
    out.append(("## " if md else "") + f"Steps that miss their session ({len(result.sessions_missed)})")
    for mid, missed, now in result.sessions_missed:
        out.append(f"{'- ' if md else '  '}{mid} misses {', '.join(missed)}; "
                   + (f"now at {now}" if now else "no later session in its 'during' list"))
    out.append("")
    if result.sessions_regained:
        out.append(("## " if md else "") + f"Steps that make their session again ({len(result.sessions_regained)})")
        out += [f"{'- ' if md else '  '}{mid} now at {now}" for mid, now in result.sessions_regained]
        out.append("")
    changed = result.critical_path != result.critical_path_before
    out.append(("## " if md else "") + "Critical path" + (" (changed)" if changed else " (unchanged)"))
    out.append(("" if md else "  ") + " -> ".join(result.critical_path))
    return "\n".join(out) + "\n"


def render_risk(result, fmt: str = "table", titles: dict | None = None) -> str:
    """A :class:`roadmap_tracker.risk.RiskResult` as a table or JSON."""
    titles = titles or {}
    if fmt == "json":
        data = {
            "runs": result.runs, "seed": result.seed, "target": result.target,
            "deterministic_finish": iso(result.deterministic), "mean_finish": iso(result.mean),
            "percentiles": {f"P{p}": iso(d) for p, d in result.percentiles.items()},
            "deadlines": [{"id": i, "deadline": iso(d), "probability": round(p, 4)} for i, d, p in result.deadline_odds],
            "sessions_ready": [{"id": i, "start": iso(d), "probability": round(p, 4)} for i, d, p in result.session_odds],
            "criticality": {k: round(v, 4) for k, v in result.criticality.items()},
            "sensitivity": [{"input": k, "rank_correlation": round(v, 4)} for k, v in result.sensitivity],
        }
        if result.steps:
            data["milestones"] = {mid: {"mean": iso(v["mean"]), "criticality": round(v["criticality"], 4),
                                        **{f"P{p}": iso(d) for p, d in v["percentiles"].items()}}
                                  for mid, v in result.steps.items()}
        return json.dumps(data, indent=2) + "\n"
    out = [f"Schedule risk: {result.runs} runs" + (f", seed {result.seed}" if result.seed is not None else ""),
           f"Target {result.target}: planned {iso(result.deterministic)}, mean {iso(result.mean)}, "
           + ", ".join(f"P{p} {iso(d)}" for p, d in result.percentiles.items()), ""]
    for heading, label, odds in (("Chance of meeting each deadline", "deadline", result.deadline_odds),
                                 ("Chance that a fixed session's preparation is ready in time", "starts",
                                  result.session_odds)):
        if odds:
            out.append(heading)
            rows: list[tuple] = [("id", label, "chance", "title")] + [
                (i, iso(d), f"{p:.0%}", shorten(titles.get(i, ""), 50)) for i, d, p in sorted(odds, key=lambda t: t[2])]
            out.append(_table(rows, False))
    critical = [(k, v) for k, v in result.criticality.items() if v > 0]
    if critical:
        out.append("Criticality index (share of runs on the path that drives the target)")
        rows = [("id", "index", "title")] + [(k, f"{v:.0%}", shorten(titles.get(k, ""), 50)) for k, v in
                                             sorted(critical, key=lambda t: -t[1])[:15]]
        out.append(_table(rows, False))
    if result.sensitivity:
        out.append("What moves the target most (rank correlation of an input with the target's finish)")
        rows = [("input", "correlation")] + [(k, f"{v:+.2f}") for k, v in result.sensitivity[:10]]
        out.append(_table(rows, False))
    return "\n".join(out)


# -- tracking history ----------------------------------------------------------------------------

def update_dict(record) -> dict:
    """The documented JSON shape of one recorded update."""
    return {"id": record.id, "milestone": record.milestone_id, "recorded_at": record.recorded_at.isoformat(),
            "as_of": record.effective_on.isoformat(), "author": record.author, "note": record.note,
            "changes": record.changes}


def render_updates(records, fmt: str = "table") -> str:
    """Recorded updates (``roadmap history``, and the reply of ``roadmap update``) as a table or JSON."""
    if fmt == "json":
        return json.dumps([update_dict(r) for r in records], indent=2, ensure_ascii=False) + "\n"
    rows = [("#", "recorded (UTC)", "as of", "by", "milestone", "changes", "note")]
    rows += [(str(r.id), r.recorded_at.strftime("%Y-%m-%d %H:%M"), r.effective_on.isoformat(), r.author, r.milestone_id,
              changes_text(r.changes), r.note or "") for r in records]
    return _table(rows, False)


def render_baselines(rows: list[dict], fmt: str = "table") -> str:
    """Saved baselines (``roadmap baseline list``) as a table or JSON."""
    data = [{"name": r["name"], "as_of": str(r["as_of"]), "saved_at": r["created_at"].isoformat(),
             "author": r["author"], "plan_hash": r["plan_hash"], "note": r["note"]} for r in rows]
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    table = [("name", "as of", "saved (UTC)", "by", "plan", "note")]
    table += [(d["name"], d["as_of"], r["created_at"].strftime("%Y-%m-%d %H:%M"), d["author"], d["plan_hash"][:12],
               d["note"] or "") for d, r in zip(data, rows)]
    return _table(table, False)
