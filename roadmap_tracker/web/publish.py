"""``roadmap publish``: the pages and every feed as static files, for hosts where no server runs.

The same templates as the server, with relative links (``m/ID.html``, ``../index.html``), so the
folder works from an intranet share, SharePoint or GitHub Pages, or opened from disk. Same input,
same bytes: the feeds are stamped with the as-of day, nothing depends on the clock. The folder is
written beside the target and renamed into place, so readers never see half a site.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import datetime, time, timezone
from importlib import resources
from pathlib import Path

from ..errors import InvalidValue
from ..scheduling import Schedule
from .pages import (ChartWindow, Links, PageSet, calendars_context, chart_svg, feed_tracks, gantt_context,
                    milestone_context, render, status_context)

MARKER = ".roadmap-site"  # says a folder was written by roadmap publish, so it may be replaced


def site_files(schedule: Schedule, base_url: str | None = None, history=None, state=None) -> dict[str, bytes]:
    """Every file of the site, by relative path. ``history`` maps a milestone id to its updates;
    ``state`` is the feeds' :class:`~roadmap_tracker.formats.ics.SequenceState`."""
    from ..formats.ics import FeedOptions, SequenceState, build_calendar
    from ..status import build_status
    from ..text import render_schedule, render_status

    history = history or (lambda milestone_id: [])
    state = state if state is not None else SequenceState()
    top = Links(static=True, depth=0, root=base_url)
    pages = PageSet(schedule, top)
    files: dict[str, str | bytes] = {
        "index.html": render("status.html", **status_context(pages)),
        "calendars.html": render("calendars.html", **calendars_context(pages, feed_tracks(schedule))),
        "status.json": render_status(build_status(schedule), "json"),
        "schedule.json": render_schedule(schedule, "json"),
        "assets/site.css": resources.files("roadmap_tracker.web").joinpath("static/site.css").read_bytes(),
        MARKER: "written by roadmap publish; the whole folder is replaced on the next publish\n",
    }
    window = ChartWindow()
    svg, steps = chart_svg(schedule, window)
    files["gantt.html"] = render("gantt.html", **gantt_context(pages, window, [], svg, steps))
    inner = PageSet(schedule, top.for_depth(1))
    for milestone_id in schedule.entries:
        files[f"m/{milestone_id}.html"] = render("milestone.html",
                                                 **milestone_context(inner, milestone_id, history(milestone_id)))
    stamp = datetime.combine(schedule.as_of, time(0), timezone.utc)
    files["calendar.ics"] = build_calendar(schedule, FeedOptions(dtstamp=stamp), state)
    files["calendar-critical.ics"] = build_calendar(schedule, FeedOptions(critical_only=True, dtstamp=stamp), state)
    for track in feed_tracks(schedule):
        files[f"calendar/{track}.ics"] = build_calendar(schedule, FeedOptions(tracks=(track,), dtstamp=stamp), state)
    return {name: data.encode("utf-8") if isinstance(data, str) else data for name, data in sorted(files.items())}


def write_site(files: dict[str, bytes], output: Path) -> None:
    """Write ``files`` to a temporary folder beside ``output``, then rename it into place.

    An existing ``output`` is replaced only when it is empty or was written by this command:
    anything else in it is somebody's and is left alone (an error says so).
    """
    output = Path(output)
    if output.exists():
        if not output.is_dir():
            raise InvalidValue(f"{output} is a file; give a folder for the site (it is created if missing)")
        if any(output.iterdir()) and not (output / MARKER).is_file():
            raise InvalidValue(f"{output} has files that 'roadmap publish' did not write; choose a new or empty "
                               "folder (nothing was changed)")
    parent = output.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{output.name}.", suffix=".tmp", dir=parent))
    old = None
    try:
        for name, data in files.items():
            path = temporary / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            os.chmod(path, 0o644)
        for folder in [temporary, *(p for p in temporary.rglob("*") if p.is_dir())]:
            os.chmod(folder, 0o755)
        if output.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{output.name}.", suffix=".old", dir=parent))
            os.rename(output, old / "site")
        os.rename(temporary, output)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        if old is not None and (old / "site").exists() and not output.exists():
            os.rename(old / "site", output)  # put the previous site back
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


__all__ = ["MARKER", "site_files", "write_site"]
