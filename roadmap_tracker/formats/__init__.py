"""Every export format in one registry: ``roadmap export FORMAT`` is generated from it.

An exporter turns a schedule into text or bytes; writing is always atomic (temporary file, then
rename). The calendar exporter also keeps its SEQUENCE state file beside the output.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .._util import write_atomic
from ..errors import InvalidValue
from ..model import KINDS
from ..scheduling import Schedule


@dataclass(frozen=True)
class Exporter:
    """One export format: how to render a schedule, and which selection options it understands.

    ``options`` names keyword arguments ``render`` accepts (the CLI offers exactly those);
    ``write``, when set, writes the file itself (the calendar keeps a state file beside it).
    """

    name: str
    extension: str
    description: str
    render: Callable[..., str | bytes]
    options: tuple[str, ...] = ()
    write: Callable[..., str] | None = None


def _feed_options(schedule: Schedule, tracks=(), kinds=(), critical_only=False, date_from=None, date_until=None,
                  alarm_days=None):
    from .ics import FeedOptions

    known_tracks = [t.id for t in schedule.roadmap.tracks] + [e.milestone.track for e in schedule if e.milestone.track]
    check_choices(tracks, known_tracks, "track", schedule.roadmap.path)
    check_choices(kinds, [e.milestone.kind for e in schedule] + list(KINDS), "kind", schedule.roadmap.path)
    return FeedOptions(tuple(tracks), tuple(kinds), critical_only, date_from, date_until, alarm_days)


def _ics(schedule: Schedule, **options) -> bytes:
    from .ics import build_calendar

    return build_calendar(schedule, _feed_options(schedule, **options))


def _write_ics(schedule: Schedule, output: Path, **options) -> str:
    from .ics import export_ics

    count = export_ics(schedule, output, _feed_options(schedule, **options))
    return f"{count} events"


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


def _xlsx(schedule: Schedule) -> bytes:
    from .xlsx import to_xlsx

    return to_xlsx(schedule)


FEED_OPTIONS = ("tracks", "kinds", "critical_only", "date_from", "date_until", "alarm_days")

EXPORTERS: dict[str, Exporter] = {e.name: e for e in (
    Exporter("ics", ".ics", "an iCalendar feed to subscribe to: one event per milestone, stable UIDs, SEQUENCE "
             "raised when an event moves (kept in .NAME.ics.state.json beside the file)", _ics, FEED_OPTIONS,
             _write_ics),
    Exporter("mermaid", ".mmd", "a Mermaid gantt chart for GitHub or GitLab markdown", _mermaid),
    Exporter("mspdi", ".xml", "MS Project XML, for MS Project, ProjectLibre and GanttProject", _mspdi),
    Exporter("tjp", ".tjp", "a TaskJuggler project of the same plan", _tjp),
    Exporter("csv", ".csv", "one row per milestone, for spreadsheets", _csv),
    Exporter("xlsx", ".xlsx", "an Excel workbook: schedule, status, links (opens in LibreOffice too)", _xlsx),
    Exporter("json", ".json", "the full computed schedule (schema: roadmap schema --export-json)", _json),
)}


def check_choices(given, known, what: str, path: str) -> None:
    """:class:`InvalidValue` with a "did you mean" for a track, kind (...) the roadmap does not have."""
    import difflib

    choices = list(dict.fromkeys(known))
    for value in given:
        if value not in choices:
            guesses = difflib.get_close_matches(value, choices, n=3, cutoff=0.5)
            hint = f"did you mean {', '.join(repr(g) for g in guesses)}?" if guesses else \
                f"{what}s: {', '.join(sorted(choices))}"
            raise InvalidValue(f"no {what} '{value}' in {path}; {hint}")


def render(name: str, schedule: Schedule, **options) -> str | bytes:
    """The named export of ``schedule`` as text (bytes for binary formats)."""
    return EXPORTERS[name].render(schedule, **options)


def export(name: str, schedule: Schedule, output: Path, **options) -> str:
    """Write the named export of ``schedule`` to ``output`` atomically; returns a short summary."""
    exporter = EXPORTERS[name]
    if exporter.write is not None:
        return exporter.write(schedule, Path(output), **options)
    write_atomic(output, exporter.render(schedule, **options))
    return f"{len(schedule.entries)} milestones"
