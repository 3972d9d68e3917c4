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


def manifest(names) -> bytes:
    """The marker file's text: what this publish wrote, one path a line (the next one replaces only these)."""
    lines = ["# written by roadmap publish: these files are replaced on the next publish; others are left alone"]
    return ("\n".join(lines + sorted(n for n in names if n != MARKER)) + "\n").encode("utf-8")


def _written_before(output: Path) -> set[str] | None:
    """The files the last publish wrote into ``output`` (its manifest), or None when it has none."""
    try:
        text = (output / MARKER).read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
        return None
    names = {line for line in text.splitlines() if line and not line.startswith("#")}
    return names | {MARKER}


def _files_below(folder: Path) -> list[str]:
    """Every file (and link) below ``folder``, as relative paths; links to folders are not followed."""
    found = []
    for top, dirs, names in os.walk(folder):
        here = Path(top)
        for name in [d for d in dirs if (here / d).is_symlink()] + names:
            found.append((here / name).relative_to(folder).as_posix())
        dirs[:] = [d for d in dirs if not (here / d).is_symlink()]
    return sorted(found)


def check_output(output: Path) -> None:
    """Refuse a place no site should be written to: nothing, the current folder, a root, a file."""
    text = str(output).strip()
    if text in ("", "."):
        raise InvalidValue("give the site a folder of its own with -o, such as -o site/")
    resolved = output.resolve()
    if resolved == Path.cwd().resolve() or resolved.parent == resolved or resolved == Path.home().resolve():
        raise InvalidValue(f"'{output}' is not a folder of its own; publish into a new folder, such as -o site/")
    if output.exists() and not output.is_dir():
        raise InvalidValue(f"{output} is a file; give a folder for the site (it is created if missing)")


def write_site(files: dict[str, bytes], output: Path, force: bool = False) -> None:
    """Write ``files`` to a temporary folder beside ``output``, then rename it into place.

    Only what the last publish wrote (its manifest, :data:`MARKER`) is replaced. Files it did not
    write (a ``CNAME``, a ``.git`` folder, notes) make it refuse, naming them, unless ``force``:
    then they are moved into the new site untouched. Readers never see half a site.
    """
    output = Path(output)
    check_output(output)
    foreign: list[str] = []
    if output.exists():
        ours = _written_before(output)
        present = _files_below(output)
        if ours is None and present and (output / MARKER).exists():
            ours = set(present)  # a site from before manifests were kept: all of it was ours
        foreign = [name for name in present if ours is None or name not in ours]
        if foreign and not force:
            shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
            raise InvalidValue(f"{output} has files that 'roadmap publish' did not write ({shown}); choose a new "
                               "or empty folder, or give --force to publish around them (nothing was changed)")
    files = dict(files)
    files[MARKER] = manifest(files)
    parent = output.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{output.name}.", suffix=".tmp", dir=parent))
    old = None
    moved: list[str] = []
    try:
        for name, data in files.items():
            path = temporary / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            os.chmod(path, 0o644)
        for folder in [temporary, *(p for p in temporary.rglob("*") if p.is_dir())]:
            os.chmod(folder, 0o755)
        for name in foreign:  # somebody's files: carried over as they are (same file system: renames)
            if name in files:
                raise InvalidValue(f"{output / name} is not ours but the site has a file of that name; move it "
                                   "(nothing was changed)")
            (temporary / name).parent.mkdir(parents=True, exist_ok=True)
            os.rename(output / name, temporary / name)
            moved.append(name)
        if output.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{output.name}.", suffix=".old", dir=parent))
            os.rename(output, old / "site")
        os.rename(temporary, output)
    except BaseException:
        for name in moved:  # give back what was carried over
            if not (output / name).exists() and (temporary / name).exists():
                (output / name).parent.mkdir(parents=True, exist_ok=True)
                os.rename(temporary / name, output / name)
        shutil.rmtree(temporary, ignore_errors=True)
        if old is not None and (old / "site").exists() and not output.exists():
            os.rename(old / "site", output)  # put the previous site back
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


__all__ = ["MARKER", "check_output", "manifest", "site_files", "write_site"]
