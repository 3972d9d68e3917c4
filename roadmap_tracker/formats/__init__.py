"""Every export format in one registry, which the CLI reads to offer ``roadmap export FORMAT``.

An exporter turns a schedule into text; writing is always atomic (temporary file, then rename).
The calendar exporter also keeps its SEQUENCE state file beside the output.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .._util import write_atomic
from ..scheduling import Schedule


@dataclass(frozen=True)
class Exporter:
    name: str
    extension: str
    description: str
    render: Callable[[Schedule], str | bytes]


def _ics(schedule: Schedule) -> bytes:
    from .ics import build_calendar

    return build_calendar(schedule)


def _mermaid(schedule: Schedule) -> str:
    from .mermaid import to_mermaid

    return to_mermaid(schedule)


def _mspdi(schedule: Schedule) -> str:
    from .mspdi import to_mspdi

    return to_mspdi(schedule)


def _tjp(schedule: Schedule) -> str:
    from .taskjuggler import to_tjp

    return to_tjp(schedule.roadmap, schedule.as_of, schedule=schedule)


def _csv(schedule: Schedule) -> str:
    from .csvjson import to_csv

    return to_csv(schedule)


def _json(schedule: Schedule) -> str:
    from .csvjson import to_json

    return to_json(schedule)


EXPORTERS: dict[str, Exporter] = {e.name: e for e in (
    Exporter("ics", ".ics", "an iCalendar feed to subscribe to (see 'roadmap export ics --help')", _ics),
    Exporter("mermaid", ".mmd", "a Mermaid gantt chart for GitHub or GitLab markdown", _mermaid),
    Exporter("mspdi", ".xml", "MS Project XML, for MS Project, ProjectLibre and GanttProject", _mspdi),
    Exporter("tjp", ".tjp", "a TaskJuggler project of the same plan", _tjp),
    Exporter("csv", ".csv", "one row per milestone, for spreadsheets", _csv),
    Exporter("json", ".json", "the full computed schedule (schema: roadmap schema --export-json)", _json),
)}


def export(name: str, schedule: Schedule, output: Path) -> None:
    """Render ``schedule`` with the named exporter and write it to ``output`` atomically."""
    write_atomic(output, EXPORTERS[name].render(schedule))
