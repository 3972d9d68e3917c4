"""Bringing plans in: MS Project XML and CSV into a roadmap file that ``roadmap validate`` accepts.

Each importer builds the roadmap as data, reporting bad input with the row or line it came from;
the YAML is then checked by the same loader as any roadmap before it is written (atomically).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import yaml

from ..dates import parse_date_window, parse_duration
from ..errors import Diagnostic, RoadmapInvalid
from .._util import write_atomic
from ..loading import SLUG, parse_roadmap_bytes
from ..model import KINDS, STATUSES
from .csvjson import PLAN_COLUMNS

_DEP = re.compile(r"^\s*(?P<id>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\s+(?P<type>FS|SS|FF|SF))?(?:\s+(?P<lag>[+-]?\s*\d+\s*(?:bd|d|w|mo)))?\s*$",
                  re.IGNORECASE)


def csv_to_roadmap(data: bytes, name: str) -> dict:
    """The roadmap (as a YAML-ready dict) of a CSV file with the documented columns."""
    problems: list[Diagnostic] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RoadmapInvalid([Diagnostic("error", "not-utf8", "the CSV file is not UTF-8 text", name, 1,
                                         "save it as CSV UTF-8")]) from None
    reader = csv.DictReader(io.StringIO(text))
    columns = reader.fieldnames or []
    missing = [c for c in ("id", "title") if c not in columns]
    if missing:
        raise RoadmapInvalid([Diagnostic("error", "missing-column", f"no column {', '.join(missing)}", name, 1,
                                         f"the first row names the columns: {', '.join(PLAN_COLUMNS)}")])
    milestones, seen = [], {}
    for row in reader:
        line = reader.line_num

        def bad(message: str, code: str = "invalid-value") -> None:
            problems.append(Diagnostic("error", code, message, name, line))

        cell = {k: (v or "").strip() for k, v in row.items() if k in PLAN_COLUMNS}
        ident = cell.get("id", "")
        if not SLUG.match(ident):
            bad(f"'{ident}' is not a valid id; use letters, digits, '-', '_' and '.'", "invalid-id")
            continue
        if ident in seen:
            bad(f"id '{ident}' is used twice (first on line {seen[ident]})", "duplicate-id")
            continue
        seen[ident] = line
        entry: dict = {"id": ident, "title": cell.get("title") or ident}
        for key in ("kind", "track", "lead", "condition"):
            if cell.get(key):
                entry[key] = cell[key]
        if entry.get("kind") and entry["kind"] not in KINDS:
            bad(f"kind '{entry['kind']}' is not one of {', '.join(KINDS)}", "unknown-kind")
        for key in ("start", "end", "not_before", "deadline"):
            if cell.get(key):
                try:
                    parse_date_window(cell[key])
                    entry[key] = cell[key]
                except ValueError as exc:
                    bad(f"{key}: {exc}", "invalid-date")
        if cell.get("duration"):
            try:
                duration = parse_duration(int(cell["duration"]) if cell["duration"] == "0" else cell["duration"])
                entry["duration"] = 0 if duration.is_zero else str(duration)
            except ValueError as exc:
                bad(f"duration: {exc}", "invalid-duration")
        deps = []
        for part in filter(None, (p.strip() for p in cell.get("depends_on", "").split(";"))):
            match = _DEP.match(part)
            if not match:
                bad(f"depends_on: '{part}' is not 'ID', 'ID TYPE' or 'ID TYPE LAG' (e.g. 'draft SS 2d')",
                    "invalid-dependency")
                continue
            kind = (match["type"] or "FS").upper()
            dep = {"id": match["id"], "type": kind}
            if match["lag"]:
                dep["lag"] = match["lag"].replace(" ", "")
            deps.append(dep)
        if deps:
            if all(d["type"] == "FS" and "lag" not in d for d in deps):
                entry["after"] = [d["id"] for d in deps]
            else:
                entry["depends_on"] = deps
        if cell.get("during"):
            entry["during"] = [p.strip() for p in cell["during"].split(";") if p.strip()]
        if cell.get("status"):
            status = cell["status"].lower().replace(" ", "_")
            if status not in STATUSES:
                bad(f"status '{cell['status']}' is not one of {', '.join(STATUSES)}", "unknown-status")
            entry["status"] = status
        if cell.get("progress"):
            try:
                progress = int(float(cell["progress"]))
                if not 0 <= progress <= 100:
                    raise ValueError
                entry["progress"] = progress
            except ValueError:
                bad(f"progress '{cell['progress']}' is not a number from 0 to 100", "out-of-range")
        actual = {k: cell[f"actual_{k}"] for k in ("start", "end") if cell.get(f"actual_{k}")}
        if actual:
            entry["actual"] = actual
        milestones.append((line, entry))
    known = {entry["id"] for _, entry in milestones}
    for line, entry in milestones:
        for dep in entry.get("after", []) + [d["id"] for d in entry.get("depends_on", [])]:
            if dep not in known:
                problems.append(Diagnostic("error", "unknown-dependency",
                                           f"'{entry['id']}' depends on '{dep}', which is not a row of this file",
                                           name, line))
    if problems:
        raise RoadmapInvalid(problems)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(name).stem).strip("-") or "imported"
    return {"roadmap": {"id": stem, "title": Path(name).stem}, "milestones": [entry for _, entry in milestones]}


def roadmap_yaml(document: dict, source: str) -> str:
    header = f"# Imported from {source} by roadmap-tracker. Check it with: roadmap validate FILE\n"
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=110)


def import_file(source_format: str, source: Path, target: Path) -> int:
    """Convert ``source`` and write the roadmap to ``target``; returns the number of milestones."""
    from .mspdi import mspdi_to_roadmap

    data = Path(source).read_bytes()
    convert = {"mspdi": mspdi_to_roadmap, "csv": csv_to_roadmap}[source_format]
    document = convert(data, str(source))
    text = roadmap_yaml(document, Path(source).name)
    roadmap, diagnostics = parse_roadmap_bytes(text.encode("utf-8"), str(target))
    if roadmap is None or any(d.is_error for d in diagnostics):
        raise RoadmapInvalid(diagnostics)
    write_atomic(target, text)
    return len(roadmap.milestones)


__all__ = ["csv_to_roadmap", "import_file", "roadmap_yaml"]
