"""The ``roadmap`` command: options in, one library call, formatted text out.

Errors are translated in one place (:class:`RoadmapGroup`): a :class:`RoadmapError` becomes its
message on stderr and exit code 2, never a traceback. Heavy libraries (matplotlib, numpy, the
HTTP stack) are imported only inside the commands that need them.
"""

from __future__ import annotations

import errno
import json
import os
import sys
from datetime import date
from pathlib import Path

import click

from . import __version__
from ._util import whole_number
from .errors import Diagnostic, InvalidValue, RoadmapError, RoadmapInvalid, UnknownMilestone

EXIT_INVALID = 2


class RoadmapGroup(click.Group):
    """Turns library errors into clean messages and exit code 2."""

    def main(self, *args, **kwargs):
        """Run as the program: at exit, everything made is frozen out of the garbage collector's
        last full collection, which otherwise walks every object once more for nothing (an
        eighth of `roadmap status`). Our files are closed explicitly, never left to a collection."""
        import atexit
        import gc

        atexit.unregister(gc.freeze)  # once, however many times a test runner calls in
        atexit.register(gc.freeze)
        return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except RoadmapInvalid as exc:
            _print_diagnostics(exc.diagnostics)
            sys.exit(EXIT_INVALID)
        except RoadmapError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_INVALID)
        except KeyboardInterrupt:
            click.echo("interrupted; nothing was changed", err=True)
            sys.exit(130)
        except OSError as exc:  # a path that cannot be read or written: the user's to fix
            where = f"{exc.filename}: " if exc.filename else ""
            click.echo(f"error: {where}{exc.strerror or exc}", err=True)
            sys.exit(EXIT_INVALID)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except Exception as exc:  # a bug: say so plainly, keep the traceback for those who ask
            if os.environ.get("ROADMAP_DEBUG"):
                raise
            click.echo(f"internal error: {type(exc).__name__}: {exc}\n"
                       "this is a bug in roadmap-tracker; run again with ROADMAP_DEBUG=1 to see the traceback "
                       "and report it", err=True)
            sys.exit(70)


class DayType(click.ParamType):
    """A day on the command line: 2024-03-01 (or 'today')."""

    name = "DATE"

    def convert(self, value, param, ctx):
        if isinstance(value, date):
            return value
        if str(value).lower() == "today":
            return date.today()
        from .dates import parse_day

        try:
            return parse_day(value)
        except ValueError as exc:
            import re

            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value).strip()):  # a day's shape: the reader says why not
                self.fail(f"{str(exc)[:120]}; write a day as YYYY-MM-DD, e.g. 2027-02-15 (or 'today')", param, ctx)
            self.fail(f"'{str(value)[:40]}' is not a day; write it as YYYY-MM-DD, e.g. 2027-02-15 (or 'today')",
                      param, ctx)


class DaysType(click.ParamType):
    """A number of days on the command line: 30, 30d or 4w."""

    name = "DAYS"

    def __init__(self, maximum: int | None = None):
        self.maximum = maximum  # checked where the value enters, before anything is written

    def convert(self, value, param, ctx):
        days = self._days(value, param, ctx)
        if self.maximum is not None and not 1 <= days <= self.maximum:
            self.fail(f"{days:,} days is out of range; give 1 to {self.maximum} days", param, ctx)
        return days

    def _days(self, value, param, ctx) -> int:
        if isinstance(value, int):
            return value
        from .dates import parse_duration

        text = str(value).strip()
        number = whole_number(text)
        if number is not None:
            return number
        try:
            duration = parse_duration(text)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        if duration.unit not in ("d", "w"):
            self.fail(f"'{text}' must be in days or weeks (30d, 4w)", param, ctx)
        return duration.amount * (7 if duration.unit == "w" else 1)


class SinceType(click.ParamType):
    """A moment to look back to: a day (2024-03-01) or a span before the as-of date (7d, 2w)."""

    name = "DATE|DAYS"

    def convert(self, value, param, ctx):
        if isinstance(value, Since):
            return value
        text = str(value).strip()
        if text[:1].isdigit() and "-" in text[1:]:
            return Since(day=DAY.convert(text, param, ctx))
        return Since(days=DAYS.convert(text, param, ctx))


class Since:
    """``--since`` as given: a day, or a number of days before the as-of date."""

    def __init__(self, day: date | None = None, days: int | None = None):
        self._day, self._days = day, days

    def day(self, as_of: date) -> date:
        from datetime import timedelta

        return self._day if self._day is not None else as_of - timedelta(days=self._days or 0)


DAY = DayType()
DAYS = DaysType()
LINK_DAYS = DaysType(maximum=365)  # how long a sign-in link works: a year at the most
SINCE = SinceType()


def _colour(stream) -> bool:
    """Colours for a terminal, unless NO_COLOR is set (https://no-color.org); plain text when piped."""
    return stream is not None and stream.isatty() and not os.environ.get("NO_COLOR")


MAX_MESSAGES = 100  # a file that is not a roadmap at all (/etc/shadow) gives one message a line: enough to see why


def _print_diagnostics(diagnostics: list[Diagnostic], summary_for: str | None = None) -> None:
    """Every problem, one a line (the first :data:`MAX_MESSAGES`, then how many more), and a summary;
    ``--format json`` of ``validate`` lists them all."""
    errors = sum(d.is_error for d in diagnostics)
    warnings = len(diagnostics) - errors
    colour = _colour(sys.stderr)
    for d in diagnostics[:MAX_MESSAGES]:
        click.echo(click.style(str(d), fg="red" if d.is_error else "yellow") if colour else str(d), err=True)
    if len(diagnostics) > MAX_MESSAGES:
        click.echo(f"... and {len(diagnostics) - MAX_MESSAGES:,} more", err=True)
    where = summary_for or (diagnostics[0].file if diagnostics else "")
    click.echo(f"{where}: {errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}",
               err=True)


def _freeze_for_command() -> None:
    """Take what is loaded out of the garbage collector's sight until the command ends: the
    roadmap holds no cycles, and each full collection would walk all of it again."""
    import gc

    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        gc.freeze()
        ctx.call_on_close(gc.unfreeze)


class Session:
    """What every command needs: where the roadmap and its tracking store are, opened on demand."""

    def __init__(self, file: str | None, db: str | None = None, cache: bool = True):
        self.file = file
        self.db = db
        self.cache = cache
        self._roadmap = None
        self._facts: dict | None = None
        self._facts_day: date | None = None
        self._fact_warnings: list[Diagnostic] = []
        self.shared_store = False  # a long-running process keeps one database engine (roadmap serve)

    def path(self) -> Path:
        from .loading import find_roadmap_file

        return find_roadmap_file(self.file)

    def roadmap(self):
        from .loading import load_roadmap

        if self._roadmap is None:
            self._roadmap = load_roadmap(self.path(), cache=self.cache)
            _freeze_for_command()
            ctx = click.get_current_context(silent=True)
            if self.cache and ctx is not None:
                from . import cache

                ctx.call_on_close(cache.flush)  # new cache entries are written once the command is done
        return self._roadmap

    def database_url(self) -> str:
        from .store import database_url

        return database_url(self.db, self.path())

    def source(self) -> str:
        """The roadmap file's identity in the store (see :func:`roadmap_tracker.store.roadmap_source`)."""
        from .store import roadmap_source

        return roadmap_source(self.path())

    def store(self, readonly: bool = False):
        """The tracking store, created and migrated on first use; ``readonly`` for commands that only read."""
        from .store import Store

        return Store.open(self.database_url(), self.roadmap().id, source=self.source(), readonly=readonly)

    def facts(self, as_of: date | None = None) -> dict:
        """Effective facts on ``as_of`` (default today): the store's updates known that day (see
        docs/format.md) over what the file says.

        The embedded SQLite store is read with the standard library, so this stays quick; a
        missing store simply means nothing was reported yet.
        """
        from .store import Store, read_sqlite_facts, sqlite_path

        day = as_of or date.today()
        if self._facts is not None and self._facts_day == day:
            return self._facts  # one read per command: the schedule and its caller share it
        roadmap = self.roadmap()
        url = self.database_url()
        path = sqlite_path(url)
        source = self.source()
        stored = read_sqlite_facts(path, roadmap.id, source, day) if path is not None else None
        if stored is None:
            with Store.open(url, roadmap.id, shared=self.shared_store, source=source, readonly=True) as store:
                stored = store.facts(day)
        self._facts_day = day
        if not stored:  # nothing reported yet: the file's facts stand
            self._facts, self._fact_warnings = {}, []
            return self._facts
        from .store.rules import fact_conflicts, known_on, merge_all

        stored = {mid: known_on(f, day) for mid, f in stored.items()}
        self._facts = merge_all(roadmap, stored)
        self._fact_warnings = fact_conflicts(roadmap, stored)
        return self._facts

    def schedule_then(self, roadmap, day: date):
        """The schedule as it stood on ``day``: the plan as committed in git before then (else the
        current file) with the facts replayed from the history; and where the plan came from."""
        from .revisions import previous_roadmap
        from .scheduling import compute_schedule

        old, source = previous_roadmap(roadmap, day)
        return compute_schedule(old, day, self.facts_at(old, day)), source

    def facts_at(self, roadmap, day: date) -> dict:
        """Effective facts as they stood at the start of ``day``, replayed from the history."""
        from datetime import datetime, timezone

        from .store import Store, sqlite_path
        from .store.rules import known_on, merge_all

        url = self.database_url()
        path = sqlite_path(url)
        if path is not None and not path.is_file():
            return {}
        with Store.open(url, roadmap.id, source=self.source(), readonly=True) as store:
            stored = store.facts_at(datetime(day.year, day.month, day.day, tzinfo=timezone.utc))
        return merge_all(roadmap, {mid: known_on(f, day) for mid, f in stored.items()})

    def baseline(self, spec: str, as_of: date | None):
        """``--baseline NAME|FILE|git:REV``: (its schedule, a label, the moment it was saved or None).

        A saved baseline is recomputed as it was saved (its own facts and as-of date); a file or a
        git revision is scheduled with today's facts, so only the plan's differences show.
        """
        from .revisions import baseline_roadmap
        from .scheduling import compute_schedule
        from .store.baselines import baseline_schedule

        found = baseline_roadmap(spec, self.path())
        if found is not None:
            roadmap, label = found
            day = as_of or date.today()
            return compute_schedule(roadmap, day, self.facts(day)), label, None
        with self.store(readonly=True) as store:
            schedule, row = baseline_schedule(store, spec)
        return schedule, f"baseline '{spec}'", row["created_at"]

    def schedule(self, as_of: date | None, quiet: bool = False, risk_float: int = 7):
        """The schedule on ``as_of`` from the merged facts; its diagnostics include fact conflicts."""
        from .scheduling import compute_schedule

        roadmap, day = self.roadmap(), as_of or date.today()
        facts = self.facts(day)

        def compute():
            return compute_schedule(roadmap, day, facts, risk_float=risk_float)

        if self.cache:  # a large plan scheduled before for the same day and facts is read back
            from . import cache

            schedule = cache.schedule(roadmap, day, facts, risk_float, compute)
        else:
            schedule = compute()
        schedule.diagnostics[:0] = self._fact_warnings
        if schedule.diagnostics and not quiet:
            count = len(schedule.diagnostics)
            click.echo(f"note: {count} warning{'s' * (count != 1)} about this plan; run 'roadmap validate' "
                       "to see them", err=True)
        return schedule


def _as_of_option(func):
    return click.option("--as-of", type=DAY, default=None, metavar="DATE",
                        help="Compute as on this day (YYYY-MM-DD). Default: today.")(func)


def format_option(*choices: str):
    """``--format``: the same name, default and help in every command that prints a result."""
    return click.option("--format", "fmt", type=click.Choice(choices), default=choices[0], show_default=True,
                        help=f"How to print the result: {', '.join(choices)}.")


def output_option(help: str = "Write the result to this file instead of standard output.", required=False):
    """``-o/--output``: a file written atomically; ``-`` (the default where it is optional) is standard output."""
    if required:  # no default at all: click then says "Missing option '-o'" (exit 2)
        return click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), required=True,
                            help=f"{help} '-' writes to standard output.")
    return click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-",
                        show_default=True, help=f"{help} '-' writes to standard output.")


def _emit(text: str | bytes, output: str | None) -> None:
    """Print ``text``, or write it atomically to ``output`` and say so on stderr."""
    if output in (None, "-"):
        if sys.stdout is None:  # started with standard output closed: say so, do not pretend it was written
            raise OSError(errno.EBADF, "standard output is closed, so nothing was written; give -o FILE")
        if isinstance(text, bytes):
            sys.stdout.buffer.write(text)
            sys.stdout.buffer.flush()
        else:
            click.echo(text, nl=False)
        return
    from ._util import write_atomic

    write_atomic(str(output), text)
    click.echo(f"wrote {output}", err=True)


def _coloured(fmt: str, output: str | None) -> bool:
    return fmt == "table" and output in (None, "-") and _colour(sys.stdout)


NO_MILESTONES = "{path} has no milestones yet; add steps under 'milestones:' ('roadmap init' writes an example)"


def _needs_milestones(schedule, what: str) -> None:
    """Refuse (exit 2) a command that has nothing to work on in a roadmap without milestones."""
    if not schedule.entries:
        raise InvalidValue(f"{NO_MILESTONES.format(path=schedule.roadmap.path)}; {what}")


def _check_id(schedule, milestone_id: str) -> None:
    if milestone_id not in schedule.entries:
        import difflib

        guesses = difflib.get_close_matches(milestone_id, list(schedule.entries), n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(g) for g in guesses)}?" if guesses else \
            "; 'roadmap schedule' lists the ids"
        raise UnknownMilestone(f"no milestone '{milestone_id}' in {schedule.roadmap.path}{hint}")


@click.group(cls=RoadmapGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--file", "-f", "file", envvar="ROADMAP_FILE", metavar="PATH",
              help="The roadmap file (env ROADMAP_FILE). Default: data/milestones.yaml, then milestones.yaml.")
@click.option("--db", "db", envvar="ROADMAP_DATABASE_URL", metavar="URL",
              help="Tracking database (env ROADMAP_DATABASE_URL), e.g. postgresql+psycopg://user@host/db. "
                   "Default: .roadmap/tracking.sqlite beside the roadmap file.")
@click.option("--no-cache", "no_cache", is_flag=True,
              help="Read the roadmap file and schedule it afresh, without the cache (env ROADMAP_NO_CACHE=1).")
@click.version_option(__version__, prog_name="roadmap")
@click.pass_context
def main(ctx: click.Context, file: str | None, db: str | None, no_cache: bool = False) -> None:
    """Keep a roadmap of an intergovernmental process honest: status, schedule, critical path.

    Example: roadmap status --as-of 2024-03-01
    """
    ctx.obj = Session(file, db, cache=not no_cache)


@main.command()
@_as_of_option
@click.option("--horizon", type=DAYS, default=30, show_default=True, help="Days ahead for 'next up' (30, 6w).")
@click.option("--risk-float", type=DAYS, default=7, show_default=True,
              help="A movable step with less float than this is at risk.")
@format_option("table", "json", "markdown")
@output_option()
@click.option("--baseline", default=None, metavar="NAME|FILE|git:REV",
              help="Also give each step's baseline dates and its variance against them.")
@click.pass_obj
def status(session: Session, as_of, horizon, risk_float, fmt, output, baseline) -> None:
    """Where the roadmap stands: the target's verdict; overdue, late to start, at risk, blocked,
    in progress, next up, done, conditions.

    Example: roadmap status --as-of 2024-03-01 --horizon 6w
    """
    from .text import render_status
    from .status import build_status

    schedule = session.schedule(as_of, risk_float=risk_float)
    if not schedule.entries:  # a new roadmap: nothing to report, and nothing wrong
        _emit(NO_MILESTONES.format(path=schedule.roadmap.path) + "\n", output)
        return
    report = build_status(schedule, horizon=horizon, risk_float=risk_float,
                          baseline=_baseline_schedule(session, baseline, as_of))
    _emit(render_status(report, fmt, colour=_coloured(fmt, output)), output)


@main.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@_as_of_option
@format_option("text", "json")
@click.pass_obj
def validate(session: Session, file, as_of, fmt) -> None:
    """Check a roadmap file and list every problem at once (exit 0 if no errors, 2 otherwise).

    The plan is checked with the facts reported in the tracking store, as every other command
    sees them; a fact the file and the store disagree on is a warning naming both.

    Example: roadmap validate data/milestones.yaml --as-of 2024-03-01
    """
    from .loading import find_roadmap_file, portability_diagnostics, read_roadmap

    checked = Session(file or session.file, session.db)
    path = find_roadmap_file(checked.file)
    roadmap, diagnostics = read_roadmap(path)
    if roadmap is not None and not any(d.is_error for d in diagnostics):
        checked._roadmap = roadmap
        try:
            diagnostics = diagnostics + portability_diagnostics(path) + checked.schedule(as_of, quiet=True).diagnostics
        except RoadmapInvalid as exc:  # e.g. a chain of durations that runs past 2999
            diagnostics = diagnostics + exc.diagnostics
    if fmt == "json":
        click.echo(json.dumps([d.as_dict() for d in diagnostics], indent=2, ensure_ascii=False))
    else:
        _print_diagnostics(diagnostics, str(path))
    if roadmap is None or any(d.is_error for d in diagnostics):
        sys.exit(EXIT_INVALID)


@main.command()
@_as_of_option
@format_option("table", "csv", "json")
@output_option()
@click.pass_obj
def schedule(session: Session, as_of, fmt, output) -> None:
    """The whole computed schedule: dates, early/late dates, float, critical, driving predecessor.

    Example: roadmap schedule --format csv -o schedule.csv
    """
    from .text import render_schedule

    _emit(render_schedule(session.schedule(as_of), fmt, colour=_coloured(fmt, output)), output)


@main.command()
@click.option("--to", "to", metavar="ID", help="The milestone to explain (default: the target).")
@_as_of_option
@format_option("table", "json")
@output_option()
@click.pass_obj
def path(session: Session, to, as_of, fmt, output) -> None:
    """The chain of steps that drives a milestone's date, earliest first.

    Example: roadmap path --to ga-hlm
    """
    from .text import render_path

    schedule = session.schedule(as_of)
    _needs_milestones(schedule, "there is no path to trace")
    target = to or schedule.targets[0]
    _check_id(schedule, target)
    _emit(render_path(schedule, target, fmt), output)


@main.command()
@click.argument("milestone_id", metavar="ID")
@_as_of_option
@output_option()
@click.pass_obj
def show(session: Session, milestone_id, as_of, output) -> None:
    """Everything about one milestone: dates, float, what it waits for and what waits for it.

    Example: roadmap show synthesis-final
    """
    from .text import render_show

    schedule = session.schedule(as_of)
    _check_id(schedule, milestone_id)
    _emit(render_show(schedule, milestone_id), output)


@main.command()
@click.argument("file", type=click.Path(dir_okay=False), default="milestones.yaml")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(file, force) -> None:
    """Write a commented starter roadmap to FILE (default milestones.yaml).

    Example: roadmap init my-roadmap.yaml
    """
    from ._util import write_atomic

    target = Path(file)
    if target.exists() and not force:
        raise InvalidValue(f"{target} already exists; choose another name or pass --force to overwrite it")
    import re
    import secrets

    from importlib import resources

    text = resources.files("roadmap_tracker").joinpath("templates/starter.yaml").read_text(encoding="utf-8")
    # a unique id, so that two roadmaps started from this file never share a tracking store's rows
    text = re.sub(r"^(\s*id:\s*)my-roadmap(?=\s)", rf"\g<1>my-roadmap-{secrets.token_hex(4)}", text, count=1,
                  flags=re.MULTILINE)
    write_atomic(target, text)
    click.echo(f"wrote {target}; check it with: roadmap validate {target}", err=True)


def _baseline_schedule(session: "Session", baseline: str | None, as_of):
    """The schedule that ``--baseline NAME|FILE|git:REV`` names, or None without one."""
    return session.baseline(baseline, as_of)[0] if baseline else None


BASELINE_HELP = ("an earlier plan: the NAME of a saved baseline, another roadmap FILE, or git:REV (the roadmap "
                 "file at a git revision).")


@main.command()
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="The chart: .png (default 200 dpi), .svg or .pdf.")
@click.option("--from", "date_from", type=DAY, default=None, metavar="DATE",
              help="First day shown (default: two weeks before the as-of week, or the oldest overdue step).")
@click.option("--weeks", type=click.IntRange(1, 520), default=None,
              help="Weeks shown (default: up to the target and the next two sessions on its chain, at least 12).")
@click.option("--full", is_flag=True, help="The whole plan, from its first step to its last.")
@click.option("--scale", type=click.Choice(["week", "month", "quarter"]), default=None,
              help="Time columns (default by span: weeks up to ~6 months, months up to ~3 years, then quarters).")
@click.option("--view", type=click.Choice(["steps", "milestones"]), default="steps", show_default=True,
              help="milestones: fixed sessions, deadlines and the target on one A4 landscape page.")
@click.option("--dates/--no-dates", default=None, help="Dates at the bar ends (default: on in the milestones view).")
@click.option("--track", "tracks", multiple=True, metavar="ID", help="Only this track (repeatable).")
@click.option("--critical-only", is_flag=True, help="Only steps on the critical path.")
@click.option("--arrows", type=click.Choice(["all", "critical", "none"]), default="critical", show_default=True)
@click.option("--baseline", default=None, metavar="NAME|FILE|git:REV", help="Ghost bars of " + BASELINE_HELP)
@click.option("--dpi", type=click.IntRange(50, 600), default=200, show_default=True)
@_as_of_option
@click.pass_obj
def gantt(session: Session, output, date_from, weeks, full, scale, view, dates, tracks, critical_only, arrows,
          baseline, dpi, as_of) -> None:
    """The Gantt chart: the target's critical path, status, float, deadlines, as-of line, verdict headline.

    Example: roadmap gantt --as-of 2024-03-01 -o week10.svg
    """
    from .charts.gantt import GanttOptions, gantt_layout
    from .charts.draw import write_gantt

    from .formats import check_choices

    schedule = session.schedule(as_of)
    _needs_milestones(schedule, "there is nothing to chart")
    check_choices(tracks, [t.id for t in schedule.roadmap.tracks] + [e.milestone.track for e in schedule
                                                                    if e.milestone.track], "track", schedule.roadmap.path)
    ghost = _baseline_schedule(session, baseline, as_of)
    options = GanttOptions(date_from, weeks, tuple(tracks), critical_only, arrows, scale=scale,
                           dates=view == "milestones" if dates is None else dates, view=view, full=full)
    layout = gantt_layout(schedule, options, ghost)
    write_gantt(layout, Path(output), dpi)
    click.echo(f"wrote {output} ({len(layout.bars)} steps)", err=True)


class WeekType(click.ParamType):
    """An ISO week on the command line: 2024-W10."""

    name = "WEEK"

    def convert(self, value, param, ctx):
        from .dates import FIRST_DAY, LAST_DAY, parse_iso_week

        try:
            monday = parse_iso_week(str(value))[0]
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        if not FIRST_DAY <= monday <= LAST_DAY:
            self.fail(f"'{value}' is out of range: weeks from 1900-W01 to 2999-W52", param, ctx)
        return monday


@main.command()
@click.option("--week", type=WeekType(), default=None, help="ISO week, e.g. 2024-W10 (default: this week).")
@click.option("--as-of", "as_of", type=DAY, default=None, metavar="DATE",
              help="Compute the briefing as of this day instead of the week's Monday.")
@click.option("--baseline", default=None, metavar="NAME|FILE|git:REV",
              help="Compare with a saved baseline, another roadmap file, or the file at a git revision "
                   "(default: the week before).")
@click.option("--from", "date_from", type=DAY, default=None, metavar="DATE", help="First day of the chart.")
@click.option("--weeks", type=click.IntRange(1, 520), default=None, help="Weeks shown in the chart.")
@click.option("--dates/--no-dates", default=True, show_default=True, help="Dates at the chart's bar ends.")
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False), help="Folder to write the pack to.")
@click.option("--dpi", type=click.IntRange(50, 600), default=200, show_default=True)
@click.pass_obj
def brief(session: Session, week, as_of, baseline, date_from, weeks, dates, output, dpi) -> None:
    """The weekly briefing pack: gantt.png/.svg, summary.png (one page), brief.md, brief.html and brief.docx.

    Computed as of the week's Monday (or --as-of) and compared with the week before (the roadmap file
    as committed in git a week earlier, when there is history), or with --baseline.

    Example: roadmap brief --week 2024-W10 -o briefing/
    """
    from datetime import timedelta

    from .charts.brief import build_brief, write_brief_pack
    from .charts.gantt import GanttOptions, gantt_layout

    if week and as_of:
        raise click.UsageError("give --week or --as-of, not both")
    monday = week or (date.today() - timedelta(days=date.today().weekday()))
    day = as_of or monday
    schedule = session.schedule(day)
    _needs_milestones(schedule, "there is nothing to brief on")
    if baseline:
        previous = _baseline_schedule(session, baseline, day)
        source = f"the baseline {baseline}"
        compared = source
    else:
        before = day - timedelta(days=7)
        previous, source = session.schedule_then(schedule.roadmap, before)
        compared = f"the week of {before.isoformat()}, using {source}"
    pack = build_brief(schedule, previous, compared)
    layout = gantt_layout(schedule, GanttOptions(date_from, weeks, dates=dates), baseline=previous)
    summary = gantt_layout(schedule, GanttOptions(date_from, weeks, dates=True, view="milestones"))
    files = write_brief_pack(pack, layout, Path(output), dpi, summary)
    click.echo(f"wrote {', '.join(str(f) for f in files)}", err=True)


def _default_author() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment
        return "unknown"


def _known_id(roadmap, milestone_id: str) -> None:
    if milestone_id not in roadmap:
        import difflib

        guesses = difflib.get_close_matches(milestone_id, roadmap.ids, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(g) for g in guesses)}?" if guesses else \
            "; 'roadmap schedule' lists the ids"
        raise UnknownMilestone(f"no milestone '{milestone_id}' in {roadmap.path}{hint}")


@main.command()
@click.argument("milestone_id", metavar="ID")
@click.option("--status", type=click.Choice(["planned", "in_progress", "done", "cancelled", "blocked"]))
@click.option("--progress", type=click.IntRange(0, 100), help="Per cent complete, 0-100.")
@click.option("--started", type=DAY, metavar="DATE", help="The day it really started.")
@click.option("--finished", type=DAY, metavar="DATE", help="The day it really finished (marks it done).")
@click.option("--documents", metavar="SYMBOLS", help="Comma-separated document symbols to add, e.g. E/CN.16/2024/2.")
@click.option("--note", help="Why, in a sentence: shown in history and in 'roadmap diff'.")
@click.option("--by", "author", default=None, help="Who reports it (default: your user name).")
@click.option("--reopen", is_flag=True, help="Allow marking a done step as not done.")
@click.option("--force", is_flag=True, help="Allow dates in the future, or 'done' before the planned end.")
@click.option("--as-of", type=DAY, default=None, metavar="DATE",
              help="The day this update describes: the default for --started and --finished; views of earlier "
                   "days leave the update out. Default: the first of --started/--finished, else today.")
@click.pass_obj
def update(session: Session, milestone_id, status, progress, started, finished, documents, note, author, reopen,
           force, as_of) -> None:
    """Report progress on a milestone; kept with its history in the tracking database.

    The reply lists what was recorded, dates included. An update that changes nothing records nothing.

    Example: roadmap update synthesis-draft --status in_progress --progress 40 --note "Chapters 1-3" --by anna
    """
    from .model import Facts
    from .store.rules import UpdateRequest, decide_update, described_day
    from .text import render_updates

    roadmap = session.roadmap()
    _known_id(roadmap, milestone_id)
    today = date.today()
    request = UpdateRequest(status, progress, started, finished,
                            tuple(d.strip() for d in (documents or "").split(",") if d.strip()), reopen, force)
    day = described_day(request, as_of, today)
    as_of = as_of or today
    milestone = roadmap.get(milestone_id)
    try:
        before = session.schedule(as_of, quiet=True)
    except RoadmapInvalid as exc:  # facts in force that break the schedule: an update must still fix them
        _print_diagnostics(exc.diagnostics)
        click.echo("warning: the plan cannot be scheduled with the facts in force; recording the update anyway",
                   err=True)
        before = None
    planned_end = before[milestone_id].end if before is not None else None
    with session.store() as store:
        record = store.record_update(
            milestone_id, lambda current: decide_update(milestone, current, request, today, as_of, planned_end),
            author or _default_author(), note, seed=Facts.from_milestone(milestone), effective_on=day)
    if record is None:
        click.echo(f"{milestone_id}: nothing changed; no update recorded", err=True)
        return
    click.echo(render_updates([record]), nl=False)
    if before is not None and (record.changes.get("status") or [None, None])[1] == "done":
        undone = [d.predecessor for d in milestone.dependencies
                  if before[d.predecessor].state not in ("done", "cancelled")]
        if undone:
            click.echo(f"warning: {milestone_id} is done but its predecessor(s) {', '.join(undone)} are not; "
                       "record their progress with 'roadmap update'", err=True)


@main.command()
@click.argument("milestone_id", metavar="[ID]", required=False)
@click.option("--since", type=SINCE, default=None, metavar="DATE|DAYS",
              help="Only updates recorded on or after this day (2024-03-01), or this long ago (7d, 2w).")
@format_option("table", "json")
@output_option()
@click.pass_obj
def history(session: Session, milestone_id, since, fmt, output) -> None:
    """Every update recorded: who, when, which fields changed (old -> new), and the note.

    Example: roadmap history synthesis-draft --since 2w
    """
    from datetime import datetime, timezone

    from .text import render_updates

    if milestone_id:
        _known_id(session.roadmap(), milestone_id)
    day = since.day(date.today()) if since else None
    with session.store(readonly=True) as store:
        records = store.history(milestone_id, datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
                                if day else None)
    if not records and fmt == "table":
        click.echo("no updates recorded" + (f" for {milestone_id}" if milestone_id else "")
                   + (f" since {day}" if day else ""), err=True)
        return
    _emit(render_updates(records, fmt), output)


@main.group()
def baseline() -> None:
    """Named snapshots of the plan to compare against.

    Example: roadmap baseline save before-cstd-27 --note "Plan as agreed with the Bureau"
    """


@baseline.command("save")
@click.argument("name")
@click.option("--note", help="What this baseline is.")
@click.option("--by", "author", default=None, help="Who saves it (default: your user name).")
@_as_of_option
@click.pass_obj
def baseline_save(session: Session, name, note, author, as_of) -> None:
    """Save the plan as it stands (file text and hash, facts, schedule) under NAME.

    Example: roadmap baseline save before-cstd-27 --note "Plan as agreed with the Bureau"
    """
    from .text import schedule_row
    from .store import facts_to_json

    schedule = session.schedule(as_of)
    plan = session.path().read_bytes()
    with session.store() as store:
        store.save_baseline(name, note, author or _default_author(), plan, schedule.roadmap.content_hash,
                            schedule.as_of, facts_to_json(session.facts(schedule.as_of)), [schedule_row(e) for e in schedule])
    click.echo(f"saved baseline '{name}' ({len(schedule.entries)} milestones as of {schedule.as_of})", err=True)


@baseline.command("list")
@format_option("table", "json")
@output_option()
@click.pass_obj
def baseline_list(session: Session, fmt, output) -> None:
    """The saved baselines, oldest first.

    Example: roadmap baseline list --format json
    """
    from .text import render_baselines

    with session.store(readonly=True) as store:
        rows = store.baselines()
    if not rows and fmt == "table":
        click.echo("no baselines; save one with 'roadmap baseline save NAME'", err=True)
        return
    _emit(render_baselines(rows, fmt), output)


@main.command()
@click.option("--baseline", metavar="NAME|FILE|git:REV", help="Compare with " + BASELINE_HELP)
@click.option("--since", type=SINCE, metavar="DATE|DAYS",
              help="Compare with the plan and facts on this day (2024-03-01) or this long ago (7d, 2w).")
@format_option("table", "markdown", "json")
@output_option()
@_as_of_option
@click.pass_obj
def diff(session: Session, baseline, since, fmt, output, as_of) -> None:
    """What moved, by how much, and why: a plan edit, a reported fact, or a knock-on effect.

    Example: roadmap diff --since 7d --format markdown
    """
    from datetime import datetime, timezone

    from .diff import compare_schedules, explain_reports
    from .text import render_moves

    if (baseline is None) == (since is None):
        raise click.UsageError("give one of --baseline NAME|FILE|git:REV or --since DATE|DAYS")
    now = session.schedule(as_of)
    if baseline:
        before, label, history_since = session.baseline(baseline, now.as_of)
        title = f"What moved since {label}"
    else:
        then = since.day(now.as_of)
        history_since = datetime(then.year, then.month, then.day, tzinfo=timezone.utc)
        before, _source = session.schedule_then(now.roadmap, then)
        title = f"What moved since {then.isoformat()}"
    moves = compare_schedules(before, now)
    if history_since is not None:
        with session.store(readonly=True) as store:
            moves = explain_reports(moves, store.history(since=history_since), now.as_of)
    _emit(render_moves(moves, fmt, title), output)


@main.group()
def db() -> None:
    """The tracking database.

    Example: roadmap db upgrade
    """


@db.command("upgrade")
@click.pass_obj
def db_upgrade(session: Session) -> None:
    """Migrate the tracking database to this version's schema (the embedded default upgrades itself).

    Example: roadmap --db postgresql+psycopg://roadmap@db.example.org/roadmap db upgrade
    """
    from .store import SCHEMA_HEAD, Store

    with Store.open(session.database_url(), session.roadmap().id, upgrade=True, source=session.source()) as store:
        before = store.upgraded_from
        done = ("created" if before == "none" else f"upgraded from {before}") if before else "already up to date"
        click.echo(f"{store.where}: schema {store.schema_version()}, {done} (this version's is {SCHEMA_HEAD})")


@db.command("check")
@click.pass_obj
def db_check(session: Session) -> None:
    """Check the tracking database: integrity (SQLite's PRAGMA quick_check), schema, which file owns the roadmap id.

    Exit 0 when healthy, 2 with what is wrong and how to recover.

    Example: roadmap db check
    """
    from .store import SCHEMA_HEAD, Store, StoreError, sqlite_path

    url = session.database_url()
    path = sqlite_path(url)
    if path is not None and not path.is_file():
        click.echo(f"{path}: no tracking database yet (nothing reported); nothing to check")
        return
    with Store.open(url, session.roadmap().id, upgrade=False, readonly=True) as store:
        problems = store.check()
        if problems:
            raise StoreError(store._damaged(problems[0]) + (f" ({len(problems)} problems in all)"
                                                            if len(problems) > 1 else ""))
        owner = store.owner()
        version = store.schema_version()
    source = session.source()
    if owner is not None and owner != source:
        raise StoreError(f"{store.where}: roadmap '{session.roadmap().id}' belongs to {owner}, not {source}; give "
                         "this file its own 'id:' or --db, or run 'roadmap db adopt' if it moved")
    click.echo(f"{store.where}: ok (integrity checked, schema {version}"
               f"{'' if version == SCHEMA_HEAD else f', needs roadmap db upgrade to {SCHEMA_HEAD}'}, roadmap "
               f"'{session.roadmap().id}' of {owner or source})")


@db.command("adopt")
@click.pass_obj
def db_adopt(session: Session) -> None:
    """Record this roadmap file as the owner of its id in the tracking database (after moving the file).

    Example: roadmap --file plans/milestones.yaml db adopt
    """
    from .store import Store

    with Store.open(session.database_url(), session.roadmap().id) as store:  # not refused: it is being claimed
        store.source = session.source()
        previous = store.adopt()
    click.echo(f"{store.where}: roadmap '{session.roadmap().id}' now belongs to {session.source()}"
               + (f" (was {previous})" if previous and previous != session.source() else ""))


def _parse_slip(text: str, default_id: str) -> tuple[str, int]:
    from .dates import parse_duration

    milestone_id, _, amount = text.rpartition(":") if ":" in text else (default_id, "", text)
    try:
        duration = parse_duration(amount, allow_negative=True)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--slip") from None
    if duration.unit not in ("d", "w"):
        raise click.BadParameter(f"'{amount}': give the slip in days or weeks (10d, 3w)", param_hint="--slip")
    return milestone_id, duration.amount * (7 if duration.unit == "w" else 1)


@main.command()
@click.argument("milestone_id", metavar="ID")
@click.option("--slip", "slips", multiple=True, metavar="[ID:]DAYS",
              help="How much it slips (3w, 10d); repeat as OTHER:2w for other steps.")
@click.option("--finish", type=DAY, metavar="DATE", help="As if ID finished on this day.")
@click.option("--format", "fmt", type=click.Choice(["table", "markdown", "json"]), default="table",
              show_default=True)
@_as_of_option
@click.pass_obj
def whatif(session: Session, milestone_id, slips, finish, fmt, as_of) -> None:
    """What moves, which deadlines break and what becomes critical if a step slips; nothing is stored.

    Example: roadmap whatif synthesis-draft --slip 3w --slip survey-itu:2w
    """
    from .text import render_whatif
    from .whatif import what_if

    schedule = session.schedule(as_of)
    _check_id(schedule, milestone_id)
    if not slips and finish is None:
        raise click.UsageError("say what happens: --slip 3w or --finish DATE")
    slip_days: dict[str, int] = {}
    for text in slips:
        target, days = _parse_slip(text, milestone_id)
        _check_id(schedule, target)
        slip_days[target] = slip_days.get(target, 0) + days
    result = what_if(schedule, slip_days, {milestone_id: finish} if finish else None, session.facts(schedule.as_of))
    click.echo(render_whatif(result, fmt), nl=False)


@main.command()
@click.option("--runs", type=click.IntRange(100, 1_000_000), default=10000, show_default=True)
@click.option("--seed", type=int, default=None, help="Make the result reproducible.")
@click.option("--all", "all_steps", is_flag=True, help="Percentiles and criticality of every milestone.")
@click.option("--plot", type=click.Path(dir_okay=False), default=None,
              help="Draw the histogram and S-curve of the target's finish (.png, .svg, .pdf).")
@click.option("--tornado", type=click.Path(dir_okay=False), default=None,
              help="Draw the tornado chart of the sensitivity ranking (.png, .svg, .pdf).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@_as_of_option
@click.pass_obj
def risk(session: Session, runs, seed, all_steps, plot, tornado, fmt, as_of) -> None:
    """Monte Carlo schedule risk: P10/P50/P80/P95 of the target, deadline odds, criticality, sensitivity.

    Uncertainty comes from the file: three-point durations, fuzzy windows, and 'slip' on fixed dates.

    Example: roadmap risk --runs 10000 --seed 7
    """
    from .text import render_risk
    from .risk import simulate

    schedule = session.schedule(as_of)
    _needs_milestones(schedule, "there is nothing to simulate")
    show_bar = sys.stderr is not None and sys.stderr.isatty() and runs >= 20000
    with click.progressbar(length=runs, label="simulating", file=sys.stderr) if show_bar else _NoBar() as bar:
        done = [0]

        def progress(count):
            bar.update(count - done[0])
            done[0] = count

        result = simulate(schedule, runs=runs, seed=seed, all_steps=all_steps, progress=progress)
    if plot:
        from .charts.risk_plot import write_risk_plot

        write_risk_plot(result, schedule, Path(plot))
        click.echo(f"wrote {plot}", err=True)
    if tornado:
        from .charts.risk_plot import write_tornado

        write_tornado(result, schedule, Path(tornado))
        click.echo(f"wrote {tornado}", err=True)
    click.echo(render_risk(result, fmt, {e.id: e.title for e in schedule}), nl=False)


class _NoBar:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, _n):
        pass


@main.group()
def export() -> None:
    """Write the roadmap in another format (calendar feeds and more).

    Example: roadmap export ics -o wsis20.ics
    """


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@click.option("--state", "state_file", type=click.Path(dir_okay=False), default=None,
              help="Where to keep SEQUENCE numbers (default: .roadmap/feed-state.json beside the roadmap).")
@click.option("--as-of", type=DAY, default=None, metavar="DATE",
              help="Serve the roadmap as on this day. Default: today, following the calendar.")
@click.option("--allow-updates", is_flag=True,
              help="Let signed-in editors report progress from the browser (accounts: 'roadmap users').")
@click.pass_obj
def serve(session: Session, host, port, state_file, as_of, allow_updates) -> None:
    """Serve the roadmap in a browser (/, /gantt, /calendars, /m/ID) and its calendar feeds.

    Feeds: /calendar.ics, /calendar/TRACK.ics, ?critical=1; JSON: /status.json, /schedule.json;
    /healthz. Read-only unless --allow-updates; follows edits to the roadmap file and the tracking
    store without a restart.

    Example: roadmap serve --host 127.0.0.1 --port 8080
    """
    from .server import serve as run_server
    from .store import store_stamp
    from .web.routes import WebOptions

    path = session.path()
    state = Path(state_file) if state_file else path.parent / ".roadmap" / "feed-state.json"
    url = session.database_url()

    session.shared_store = True

    def facts(roadmap, day):
        session._roadmap, session._facts = roadmap, None  # the freshly loaded file, facts read anew
        return session.facts(day)

    def week_moves(schedule):
        from datetime import timedelta

        from .diff import compare_schedules

        previous, _source = session.schedule_then(schedule.roadmap, schedule.as_of - timedelta(days=7))
        return compare_schedules(previous, schedule)

    web = WebOptions(history=lambda milestone_id: _stored_history(session, milestone_id), moves=week_moves)
    if allow_updates:
        from .web.accounts import BrowserUpdates

        web.accounts = BrowserUpdates(session.store())
    click.echo(f"serving {path} on http://{host}:{port}/ (feeds: /calendar.ics; "
               f"{'progress reports from signed-in editors' if allow_updates else 'read-only'}; Ctrl-C to stop)",
               err=True)
    run_server(path, host, port, state, as_of=as_of, facts=facts, facts_stamp=lambda: store_stamp(url), web=web)


def _stored_history(session: Session, milestone_id: str | None = None) -> list:
    """The updates recorded for a milestone (or all), without creating a store that does not exist yet."""
    from .store import sqlite_path

    database = sqlite_path(session.database_url())
    if database is not None and not database.is_file():
        return []
    with session.store() as store:
        return store.history(milestone_id)


@main.command()
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False),
              help="The folder to write the site to: what the last publish wrote there is replaced.")
@click.option("--force", is_flag=True,
              help="Publish into a folder that holds files publish did not write; they are kept as they are.")
@click.option("--base-url", metavar="URL",
              help="Where the site will be published (https://...): the calendar page then gives full "
                   "subscription addresses and webcal:// links.")
@_as_of_option
@click.pass_obj
def publish(session: Session, output, base_url, as_of, force) -> None:
    """The pages of 'roadmap serve' and every calendar feed as static files with relative links.

    For an intranet share, SharePoint or GitHub Pages. Same input, same bytes; the feeds' SEQUENCE
    numbers are kept beside the folder (.NAME.state.json).

    Example: roadmap publish -o site/ --base-url https://example.org/wsis20/
    """
    from .formats.ics import SequenceState, state_path_for
    from .web.publish import check_output, site_files, write_site

    if base_url and not base_url.lower().startswith(("https://", "http://")):
        raise InvalidValue(f"--base-url '{base_url}' must start with https:// or http://")
    check_output(Path(output))
    schedule = session.schedule(as_of)
    _needs_milestones(schedule, "there is nothing to publish")
    records: dict[str, list] = {}
    for record in _stored_history(session):
        records.setdefault(record.milestone_id, []).append(record)
    target = Path(output)
    state_file = state_path_for(target)
    state = SequenceState.load(state_file)
    files = site_files(schedule, base_url, lambda milestone_id: records.get(milestone_id, []), state)
    write_site(files, target, force=force)
    state.save(state_file)
    click.echo(f"wrote {len(files)} files to {target} (open {target / 'index.html'})", err=True)


@main.group()
def users() -> None:
    """Who may sign in to 'roadmap serve --allow-updates', and what they may report on.

    Example: roadmap users add ohchr-focal --role editor --track consultations
    """


def _sign_in_link(url: str, token: str) -> str:
    return f"{url.rstrip('/')}/sign-in?token={token}"


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["viewer", "editor", "admin"]), required=True,
              help="viewer: reads; editor: reports on their steps; admin: reports on every step.")
@click.option("--steps", metavar="ID,...", help="The steps an editor may report on (comma-separated ids).")
@click.option("--track", metavar="T", help="The track whose steps an editor may report on.")
@click.option("--url", default="http://127.0.0.1:8080", show_default=True, help="Where the server is reached.")
@click.option("--valid", type=LINK_DAYS, default=3, show_default=True, metavar="DAYS", help="How long the link works.")
@click.pass_obj
def users_add(session: Session, name, role, steps, track, url, valid) -> None:
    """Add an account and print its one-time sign-in link (the only time it is shown).

    Example: roadmap users add ohchr-focal --role editor --steps consultation-eclac,elements-comments
    """
    from datetime import timedelta

    from .store.accounts import Accounts

    roadmap = session.roadmap()
    if steps and track:
        raise click.UsageError("give --steps or --track, not both")
    step_ids = tuple(s.strip() for s in (steps or "").split(",") if s.strip()) or None
    for step in step_ids or ():
        _known_id(roadmap, step)
    tracks = [t.id for t in roadmap.tracks]
    if track and track not in tracks:
        raise InvalidValue(f"no track '{track}' in {roadmap.path}; tracks: {', '.join(tracks)}")
    if role != "editor" and (step_ids or track):
        raise click.UsageError("--steps and --track are for editors (admins report on every step, viewers on none)")
    with session.store() as store:
        accounts = Accounts(store)
        account = accounts.add(name, role, step_ids, track)
        token = accounts.issue_link(account.name, timedelta(days=valid))
    click.echo(f"added {account.name} ({account.role}: {account.scope}); one-time sign-in link, valid {valid} "
               f"days (give it to {account.name} only):", err=True)
    click.echo(_sign_in_link(url, token))


@users.command("link")
@click.argument("name")
@click.option("--url", default="http://127.0.0.1:8080", show_default=True, help="Where the server is reached.")
@click.option("--valid", type=LINK_DAYS, default=3, show_default=True, metavar="DAYS", help="How long the link works.")
@click.pass_obj
def users_link(session: Session, name, url, valid) -> None:
    """Print a new one-time sign-in link for an account (when the last one expired or was used).

    Example: roadmap users link ohchr-focal
    """
    from datetime import timedelta

    from .store.accounts import Accounts

    with session.store() as store:
        token = Accounts(store).issue_link(name, timedelta(days=valid))
    click.echo(_sign_in_link(url, token))


@users.command("list")
@click.pass_obj
def users_list(session: Session) -> None:
    """The accounts: name, role, what they may report on, when added or revoked.

    Example: roadmap users list
    """
    from .store.accounts import Accounts

    with session.store() as store:
        rows = Accounts(store).list()
    if not rows:
        click.echo("no accounts; add one with 'roadmap users add NAME --role editor'")
    for a in rows:
        state = f"revoked {a.revoked_at:%Y-%m-%d %H:%M}" if a.revoked_at else f"added {a.created_at:%Y-%m-%d %H:%M}"
        click.echo(f"{a.name}  {a.role}  {a.scope}  {state}")


@users.command("revoke")
@click.argument("name")
@click.pass_obj
def users_revoke(session: Session, name) -> None:
    """Revoke an account: its sessions end and its sign-in links stop working at once.

    Example: roadmap users revoke ohchr-focal
    """
    from .store.accounts import Accounts

    with session.store() as store:
        account = Accounts(store).revoke(name)
    click.echo(f"revoked {account.name}")


# Options an exporter may accept (see Exporter.options); one meaning each, as everywhere else.
EXPORT_OPTIONS = {
    "tracks": click.option("--track", "tracks", multiple=True, metavar="ID", help="Only this track (repeatable)."),
    "kinds": click.option("--kind", "kinds", multiple=True, metavar="KIND", help="Only this kind (repeatable)."),
    "critical_only": click.option("--critical-only", is_flag=True, help="Only steps on the critical path."),
    "date_from": click.option("--from", "date_from", type=DAY, default=None, metavar="DATE",
                              help="Only steps ending on or after this day."),
    "date_until": click.option("--until", "date_until", type=DAY, default=None, metavar="DATE",
                               help="Only steps starting on or before this day."),
    "alarm_days": click.option("--alarm", "alarm_days", type=DAYS, default=None, metavar="DAYS",
                               help="Remind this long before deadlines (14d, 2w)."),
}


def _export_command(exporter):
    """``roadmap export NAME``, made from a registry entry."""

    def command(session: Session, output, as_of, **options) -> None:
        from .formats import export as write_export, render

        schedule = session.schedule(as_of)
        if exporter.name == "mspdi":  # a project file needs at least one task to date it
            _needs_milestones(schedule, "MS Project XML needs at least one task")
        if output == "-":
            _emit(render(exporter.name, schedule, **options), "-")
            return
        summary = write_export(exporter.name, schedule, Path(output), **options)
        click.echo(f"wrote {output} ({summary})", err=True)

    command.__doc__ = f"""Export {exporter.description}.

    Example: roadmap export {exporter.name} -o roadmap{exporter.extension}
    """
    for name in reversed(exporter.options):
        command = EXPORT_OPTIONS[name](command)
    command = click.pass_obj(_as_of_option(output_option(f"The {exporter.extension} file to write.",
                                                         required=True)(command)))
    return export.command(exporter.name)(command)


def _register_exports() -> None:
    from .formats import EXPORTERS

    for exporter in EXPORTERS.values():
        _export_command(exporter)


_register_exports()


@main.group("import")
def import_() -> None:
    """Make a roadmap file from MS Project XML, CSV, Excel or a calendar; validated before it is written.

    Example: roadmap import mspdi plan.xml -o milestones.yaml
    """


def _file_import(name: str, what: str, example: str):
    @click.argument("source", type=click.Path(dir_okay=False))
    @click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The roadmap file to write.")
    @click.option("--force", is_flag=True, help="Overwrite an existing file.")
    def command(source, output, force) -> None:
        from .formats.importers import import_file

        target = Path(output)
        if target.exists() and not force:
            raise InvalidValue(f"{target} already exists; choose another name or pass --force to overwrite it")
        count = import_file(name, Path(source), target)
        click.echo(f"wrote {target} ({count} milestones); check it with: roadmap validate {target}", err=True)

    command.__doc__ = f"""Make a roadmap file from {what}; nothing is written unless it validates.

    Example: roadmap import {name} {example} -o milestones.yaml
    """
    return import_.command(name)(command)


for _name, _what, _example in (("mspdi", "MS Project XML (MS Project, ProjectLibre, our export)", "plan.xml"),
                               ("csv", "CSV with the documented columns (docs/format.md)", "plan.csv"),
                               ("xlsx", "an Excel workbook's Schedule sheet (and Roadmap sheet)", "plan.xlsx")):
    _file_import(_name, _what, _example)


@import_.command("ics")
@click.argument("source", metavar="URL-OR-FILE")
@click.option("--match", "match", required=True, metavar="REGEX",
              help="Keep events whose title matches (case-insensitive), e.g. 'CSTD|Commission on Science'.")
@click.option("--track", default=None, metavar="ID", help="Put the steps in this track.")
@click.option("--kind", default="session", show_default=True, metavar="KIND", help="The kind of the steps.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="The roadmap file to write; if it exists, the steps made earlier are updated.")
@click.option("--merge", is_flag=True, help="Merge into the roadmap (--file) instead of writing a new file.")
@click.pass_obj
def import_ics_command(session: Session, source, match, track, kind, output, merge) -> None:
    """Sessions from a calendar (file or URL): fixed-date steps; a re-import updates their dates.

    Each step keeps the event's UID as a link (ics-uid:...), which finds it again next time: its
    dates are updated in place and every move is reported. Steps not made from the calendar are
    never touched.

    Example: roadmap import ics cstd.ics --match "CSTD|Commission on Science" --track sessions -o sessions.yaml
    """
    from .formats.icsimport import (calendar_steps, located_in_calendar, merge_text, read_calendar_source,
                                    steps_document)
    from .formats.importers import Imported, checked_yaml
    from .loading import load_roadmap
    from .model import KINDS
    from ._util import write_atomic

    if merge == (output is not None):
        raise InvalidValue("give either -o FILE (a roadmap of the sessions) or --merge (into the roadmap)")
    if kind not in KINDS:
        raise InvalidValue(f"--kind '{kind}' is not one of {', '.join(KINDS)}")
    target = session.path() if merge else Path(output)
    data, name = read_calendar_source(source)
    if not target.exists():
        steps = calendar_steps(data, name, match, kind, track)
        if not steps:
            raise InvalidValue(f"no event of {name} has a title matching '{match}'; nothing was written")
        document = steps_document(steps, name)
        if track:
            document["roadmap"]["tracks"] = [{"id": track, "title": track}]
        text, count = checked_yaml(Imported(document, [(name, s.line) for s in steps]), name, str(target))
        write_atomic(target, text)
        click.echo(f"wrote {target} ({count} steps from {name}); check it with: roadmap validate {target}", err=True)
        return
    roadmap = load_roadmap(target)
    known = {link[len("ics-uid:"):]: m.id for m in roadmap.milestones for link in m.links if link.startswith("ics-uid:")}
    steps = calendar_steps(data, name, match, kind, track, known_ids=known, taken=set(roadmap.ids))
    before = target.read_text(encoding="utf-8")
    text, result = merge_text(before, roadmap, steps)
    from .loading import parse_roadmap_bytes

    merged, diagnostics = parse_roadmap_bytes(text.encode("utf-8"), str(target))
    if merged is None or any(d.is_error for d in diagnostics):
        raise RoadmapInvalid(located_in_calendar(diagnostics, result, name))
    if len(merged.milestones) != len(roadmap.milestones) + len(result.added):
        raise InvalidValue(f"{target}: cannot append to its milestones list (it is not the last key of the file, "
                           "or is written inline); write the sessions to their own file with -o instead")
    if text != before:
        write_atomic(target, text)
    for ident, old, new in result.moved:
        click.echo(f"moved {ident}: {old} -> {new}")
    for ident in result.added:
        click.echo(f"added {ident}")
    for ident in result.gone:
        click.echo(f"no longer in the calendar (kept): {ident}")
    click.echo(f"{target}: {len(result.added)} added, {len(result.moved)} moved, {result.unchanged} unchanged",
               err=True)


@main.command()
@click.option("--export-json", is_flag=True, help="The schema of 'roadmap export json' instead.")
def schema(export_json) -> None:
    """Print the JSON Schema of the roadmap file, for editors that autocomplete YAML.

    Example: roadmap schema > roadmap.schema.json
    """
    if export_json:
        from .formats.csvjson import export_json_schema

        click.echo(json.dumps(export_json_schema(), indent=2))
        return
    from .schema import roadmap_schema

    click.echo(json.dumps(roadmap_schema(), indent=2))


def run() -> None:
    """The program (the ``roadmap`` console script and ``python cli.py``): :func:`main`, and an end
    without the interpreter's teardown once a cache writer has been forked.

    The teardown frees every object the command made, and so copies each memory page the writer
    still shares with us: a twentieth of a first run at 100,000 steps. Exit handlers still run
    and the output is flushed; with another thread alive, or an exit message, the end is the
    usual one.
    """
    try:
        main()
    except SystemExit as done:
        code = done.code
        writer = sys.modules.get("roadmap_tracker.cache")
        if code is not None and type(code) is not int or writer is None or not writer.writing():
            raise
        import atexit
        import threading

        run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
        if run_exit_handlers is None or threading.active_count() > 1:
            raise
        run_exit_handlers()
        try:
            for stream in (sys.stdout, sys.stderr):
                if stream is not None:
                    stream.flush()
        except Exception:  # a closed pipe: the interpreter's own end says so
            raise done from None
        os._exit(code or 0)


if __name__ == "__main__":  # pragma: no cover
    run()
