"""Bringing plans in: MS Project XML, CSV, Excel and iCalendar into a roadmap file that ``roadmap
validate`` accepts.

Each importer builds the roadmap as data and notes where each step came from (file and line, or
sheet and cell); bad input is reported there. The YAML is then checked by the same loader as any
roadmap, its findings mapped back to the input, and only a clean result is written (atomically):
a refused import writes nothing.
"""

from __future__ import annotations

import bisect
import dataclasses
import csv
import io
import math
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, TypeVar

import yaml

from ..dates import parse_date_window, parse_duration
from ..errors import Diagnostic, RoadmapInvalid
from .._util import write_atomic
from ..loading import MAX_FILE_BYTES, SLUG, parse_roadmap_bytes
from ..model import KINDS, STATUSES
from .csvjson import PLAN_COLUMNS, unsafe_cell

_DEP = re.compile(r"^\s*(?P<id>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\s+(?P<type>FS|SS|FF|SF))?(?:\s+(?P<lag>[+-]?\s*\d+\s*(?:bd|d|w|mo)))?\s*$",
                  re.IGNORECASE)
MAX_CELL = 131_072


@dataclass
class Imported:
    """A roadmap as data, with where each milestone came from: ``origins[i]`` is (file, line)."""

    document: dict
    origins: list[tuple[str, int | None]] = field(default_factory=list)


def read_source(path: Path) -> bytes:
    """The bytes of an input file: a regular file of at most 32 MB (never a FIFO or a device)."""
    name = str(path)
    try:
        info = os.stat(path)
    except OSError as exc:
        raise RoadmapInvalid([Diagnostic("error", "unreadable-file", f"cannot read the file: {exc.strerror}",
                                         name, None)]) from None
    if not stat.S_ISREG(info.st_mode):
        raise RoadmapInvalid([Diagnostic("error", "not-a-file", "is not a regular file (a device, a pipe or a "
                                         "folder)", name, None, "export the plan to a file first")])
    if info.st_size > MAX_FILE_BYTES:
        raise RoadmapInvalid([Diagnostic("error", "file-too-large", f"the file is {info.st_size / 1048576:.0f} MB; "
                                         f"imports are limited to {MAX_FILE_BYTES // 1048576} MB", name, None)])
    with open(path, "rb") as handle:
        return handle.read(MAX_FILE_BYTES + 1)


Location = TypeVar("Location")  # where a row came from: a CSV line number, a sheet's row


def plan_rows_to_milestones(rows: Iterable[tuple[Location, dict]], name: str, problems: list[Diagnostic],
                            where: Callable[[Location, str], tuple[str, int | None]] | None = None,
                            columns=PLAN_COLUMNS, unquote=True) -> list[tuple[Location, dict]]:
    """Milestones from rows of the documented plan columns (CSV and the Excel Schedule sheet).

    ``rows`` yields (location, {column: text}); ``where(location, column)`` names a cell for
    messages (default: the location is a line of ``name``). ``unquote`` removes the ``'`` that
    our CSV export puts before text a spreadsheet would take for a formula.
    """
    def place(location, column):
        return where(location, column) if where else (name, location)

    milestones: list[tuple[Location, dict]] = []
    seen: dict[str, Location] = {}
    for location, row in rows:
        def bad(message: str, code: str = "invalid-value", column: str = "id") -> None:
            file, line = place(location, column)
            problems.append(Diagnostic("error", code, message, file, line))

        cell = {k: (unsafe_cell(v or "") if unquote else v or "").strip() for k, v in row.items() if k in columns}
        ident = cell.get("id", "")
        if not SLUG.match(ident) or len(ident) > 200:
            bad(f"'{ident[:60]}' is not a valid id; use letters, digits, '-', '_' and '.'", "invalid-id")
            continue
        if ident in seen:
            bad(f"id '{ident}' is used twice (first at {_place_text(*place(seen[ident], 'id'))})", "duplicate-id")
            continue
        seen[ident] = location
        entry: dict = {"id": ident, "title": cell.get("title") or ident}
        for key in ("kind", "track", "lead", "condition"):
            if cell.get(key):
                entry[key] = cell[key]
        if entry.get("kind") and entry["kind"] not in KINDS:
            bad(f"kind '{entry['kind']}' is not one of {', '.join(KINDS)}", "unknown-kind", "kind")
        for key in ("start", "end", "not_before", "deadline"):
            if cell.get(key):
                try:
                    parse_date_window(cell[key])
                    entry[key] = cell[key]
                except ValueError as exc:
                    bad(f"{key}: {exc}", "invalid-date", key)
        if cell.get("duration"):
            try:
                duration = parse_duration(int(cell["duration"]) if cell["duration"] == "0" else cell["duration"])
                entry["duration"] = 0 if duration.is_zero else str(duration)
            except ValueError as exc:
                bad(f"duration: {exc}", "invalid-duration", "duration")
        deps = []
        for part in filter(None, (p.strip() for p in cell.get("depends_on", "").split(";"))):
            match = _DEP.match(part)
            if not match:
                bad(f"depends_on: '{part[:60]}' is not 'ID', 'ID TYPE' or 'ID TYPE LAG' (e.g. 'draft SS 2d')",
                    "invalid-dependency", "depends_on")
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
                bad(f"status '{cell['status'][:40]}' is not one of {', '.join(STATUSES)}", "unknown-status", "status")
            entry["status"] = status
        if cell.get("progress"):
            try:
                progress = float(cell["progress"])
                if not math.isfinite(progress) or not 0 <= progress <= 100:
                    raise ValueError
                entry["progress"] = int(round(progress))
            except ValueError:
                bad(f"progress '{cell['progress'][:40]}' is not a number from 0 to 100", "out-of-range", "progress")
        actual = {k: cell[f"actual_{k}"] for k in ("start", "end") if cell.get(f"actual_{k}")}
        if actual:
            entry["actual"] = actual
        milestones.append((location, entry))
    known = {entry["id"] for _, entry in milestones}
    for location, entry in milestones:
        for dep in entry.get("after", []) + [d["id"] for d in entry.get("depends_on", [])]:
            if dep not in known:
                file, line = place(location, "depends_on")
                problems.append(Diagnostic("error", "unknown-dependency",
                                           f"'{entry['id']}' depends on '{dep}', which is not a row of this file",
                                           file, line))
    return milestones


def _place_text(file: str, line: int | None) -> str:
    return f"line {line}" if line else file.rsplit(":", 1)[-1]


def csv_rows(text: str, name: str, problems: list[Diagnostic]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, {column: value}) for each record of a CSV text; strict quoting, bounded fields."""
    lines = io.StringIO(text)
    reader = csv.reader(lines, strict=True)
    header, line = None, 1
    while True:
        first_line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            message = str(exc)
            if "field larger than field limit" in message:
                message = f"a field is longer than {MAX_CELL:,} characters"
                hint = "shorten it; a roadmap cell is a title or a date, not a document"
            elif "unexpected end of data" in message or "EOF" in message:
                message = "a quote (\") opened here is never closed"
                hint = "close the quote, or double it (\"\") inside a quoted value"
            else:
                hint = "quote the whole value, and double any quote inside it"
            problems.append(Diagnostic("error", "invalid-csv", f"not valid CSV: {message}", name, first_line, hint))
            return
        line = first_line
        if header is None:
            header = [c.strip() for c in record]
            missing = [c for c in ("id", "title") if c not in header]
            if missing:
                problems.append(Diagnostic("error", "missing-column", f"no column {', '.join(missing)}", name, 1,
                                           f"the first row names the columns: {', '.join(PLAN_COLUMNS)}"))
                return
            continue
        if not any(v.strip() for v in record):
            continue
        yield line, dict(zip(header, record))


def csv_to_roadmap(data: bytes, name: str) -> Imported:
    """The roadmap of a CSV file with the documented columns."""
    problems: list[Diagnostic] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RoadmapInvalid([Diagnostic("error", "not-utf8", "the CSV file is not UTF-8 text", name,
                                         data[: exc.start].count(b"\n") + 1, "save it as CSV UTF-8")]) from None
    csv.field_size_limit(MAX_CELL)
    milestones = plan_rows_to_milestones(csv_rows(text, name, problems), name, problems)
    if problems:
        raise RoadmapInvalid(problems)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(name).stem).strip("-.") or "imported"
    return Imported({"roadmap": {"id": stem[:60], "title": Path(name).stem},
                     "milestones": [entry for _, entry in milestones]},
                    [(name, line) for line, _ in milestones])


def roadmap_yaml(document: dict, source: str) -> tuple[str, list[int]]:
    """The YAML text of a roadmap document, and the line each milestone starts on."""
    header = f"# Imported from {source} by roadmap-tracker. Check it with: roadmap validate FILE\n"
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's emitter, when installed, is 20x faster
    dump = lambda value: yaml.dump(value, Dumper=dumper, sort_keys=False, allow_unicode=True, width=110)  # noqa: E731
    parts = [header, dump({"roadmap": document["roadmap"]}), "milestones:\n" if document["milestones"]
             else "milestones: []\n"]
    starts = []
    line = sum(p.count("\n") for p in parts) + 1
    for entry in document["milestones"]:
        text = dump([entry])
        starts.append(line)
        parts.append(text)
        line += text.count("\n")
    return "".join(parts), starts


def _convert(source_format: str, data: bytes, name: str) -> Imported:
    if source_format == "mspdi":
        from .mspdi import mspdi_import

        return mspdi_import(data, name)
    if source_format == "xlsx":
        from .xlsx import xlsx_to_roadmap

        return xlsx_to_roadmap(data, name)
    return csv_to_roadmap(data, name)


def checked_yaml(imported: Imported, source: str, target: str) -> tuple[str, int]:
    """The roadmap text of an import once the loader accepts it; its problems, mapped to the input."""
    text, starts = roadmap_yaml(imported.document, Path(source).name)
    roadmap, diagnostics = parse_roadmap_bytes(text.encode("utf-8"), target)
    if roadmap is None or any(d.is_error for d in diagnostics):
        raise RoadmapInvalid([_to_source(d, starts, imported.origins, source) for d in diagnostics])
    return text, len(roadmap.milestones)


def _to_source(d: Diagnostic, starts: list[int], origins, source: str) -> Diagnostic:
    index = bisect.bisect_right(starts, d.line or 0) - 1
    file, line = origins[index] if 0 <= index < len(origins) else (source, None)
    return dataclasses.replace(d, file=file, line=line)


def import_file(source_format: str, source: Path, target: Path) -> int:
    """Convert ``source`` and write the roadmap to ``target``; returns the number of milestones."""
    data = read_source(Path(source))
    imported = _convert(source_format, data, str(source))
    text, count = checked_yaml(imported, str(source), str(target))
    write_atomic(target, text)
    return count


__all__ = ["Imported", "csv_to_roadmap", "import_file", "read_source", "roadmap_yaml", "checked_yaml",
           "plan_rows_to_milestones"]
