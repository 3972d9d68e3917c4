"""The rules of reporting progress: what an update may say, and the facts that result.

Used inside the store's transaction (with the milestone's state locked), so the rules see the
facts as they are at that instant, not as they were when the user typed the command.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from ..errors import Diagnostic, InvalidValue
from ..model import STATUSES, Facts, Milestone

_FILE_KEYS = {"status": "status", "progress": "progress", "actual_start": "actual", "actual_end": "actual"}


class UpdateRefused(InvalidValue):
    """An update that would record something impossible or unintended; nothing was written."""


@dataclass(frozen=True)
class UpdateRequest:
    """What ``roadmap update`` was asked to record (None: leave as it is)."""

    status: str | None = None
    progress: int | None = None
    started: date | None = None
    finished: date | None = None
    documents: tuple[str, ...] = ()
    reopen: bool = False
    force: bool = False


def known_on(facts: Facts, day: date) -> Facts:
    """``facts`` as they stood on ``day``: a start or finish recorded for a later day had not
    happened yet, so a step finished later was under way (or planned) then. Views of a day and
    reports for a day both weigh these (the scheduler would read the same from the dates)."""
    start, end, status, progress = facts.actual_start, facts.actual_end, facts.status, facts.progress
    if end is None and (start is None or start <= day):
        return facts
    if end is not None and end > day:
        end = None
        if status == "done":
            status = "in_progress" if start is not None and start <= day else None
            progress = None if progress == 100 else progress  # the 100 came with "done"
    if start is not None and start > day:
        start = None
        if status == "in_progress":
            status = None
    return replace(facts, status=status, progress=progress, actual_start=start, actual_end=end)


def described_day(request: UpdateRequest, as_of: date | None, today: date) -> date:
    """The day an update describes (docs/format.md): ``as_of`` when given, else the first start or
    finish day it reports, else ``today``. Views of an earlier day leave the update out; from the
    start day on, a step reported done with its dates shows under way until its finish day (the
    schedule leaves out actual dates after the as-of day)."""
    if as_of is not None:
        return as_of
    reported = [day for day in (request.started, request.finished) if day is not None]
    return min(reported) if reported else today


def effective_facts(milestone: Milestone, stored: Facts | None) -> Facts:
    """The facts in force: the store's state once anything was reported (it started from the
    file's facts), else what the file says. Document symbols from both are kept."""
    from_file = Facts.from_milestone(milestone)
    if stored is None:
        return from_file
    return replace(stored, documents=tuple(dict.fromkeys(from_file.documents + stored.documents)))


def merge_all(roadmap, stored: dict) -> dict:
    """Effective facts for every milestone the store knows about."""
    return {mid: effective_facts(roadmap.get(mid), facts) for mid, facts in stored.items() if mid in roadmap}


def fact_conflicts(roadmap, stored: dict) -> list[Diagnostic]:
    """A warning for each step whose file records a fact that the tracking store contradicts.

    The store's latest update wins (it is what people reported last); the warning names both
    values so that someone can make the file agree. Facts the file leaves out are no conflict.
    """
    warnings = []
    for mid, facts in stored.items():
        if mid not in roadmap:
            continue
        m = roadmap.get(mid)
        written = Facts.from_milestone(m)
        differ = [(name, getattr(written, name), getattr(facts, name)) for name in _FILE_KEYS
                  if getattr(written, name) is not None and getattr(written, name) != getattr(facts, name)]
        if not differ:
            continue
        said = ", ".join(f"{name} {file_value}" for name, file_value, _ in differ)
        stored_said = ", ".join(f"{name} {store_value if store_value is not None else '(none)'}"
                                for name, _, store_value in differ)
        warnings.append(Diagnostic(
            "warning", "file-disagrees-with-store",
            f"'{mid}': the file says {said}, but the tracking store says {stored_said}; the store's latest "
            "update is used", roadmap.path, m.line_of(_FILE_KEYS[differ[0][0]]),
            f"make the file agree, or record the right facts with 'roadmap update {mid} ...'", mid))
    return warnings


def decide_update(milestone: Milestone, current: Facts, request: UpdateRequest, today: date,
                  as_of: date | None = None, planned_end: date | None = None) -> dict:
    """The fields an update sets, given the facts in force, or :class:`UpdateRefused` saying why not.

    ``today`` is the real date (no fact may lie after it without ``force``); ``as_of`` is the day
    the update describes, the default for a start or finish it implies; ``planned_end`` is the
    step's scheduled end, so that "done" without a finish day cannot silently record a day
    before the work was due to end.
    """
    as_of = as_of or today
    where = f"milestone '{milestone.id}'"
    if request.status is not None and request.status not in STATUSES:
        raise UpdateRefused(f"{where}: status '{request.status}' is not one of {', '.join(STATUSES)}")
    if request.progress is not None and not 0 <= request.progress <= 100:
        raise UpdateRefused(f"{where}: progress {request.progress} is out of range; give 0 to 100")
    if as_of > today and not request.force:
        raise UpdateRefused(f"{where}: --as-of {as_of} is in the future (today is {today}); report what has "
                            "happened, or pass --force if that is really what you mean")
    for label, day in (("--started", request.started), ("--finished", request.finished)):
        if day is not None and day > today and not request.force:
            raise UpdateRefused(f"{where}: {label} {day} is in the future (today is {today}); pass --force if "
                                "that is really what happened")
    was_done = current.status == "done" or current.actual_end is not None
    status = request.status or ("done" if request.finished else
                                "in_progress" if (request.started or request.progress) and not was_done else None)
    reopening = was_done and (status not in (None, "done") or (request.progress is not None and request.progress < 100))
    if reopening and not request.reopen:
        raise UpdateRefused(f"{where} is done ({current.actual_end or 'no date recorded'}); pass --reopen to "
                            "record that it is not done after all")
    fields: dict = {}
    started = request.started or current.actual_start
    if status == "in_progress" and started is None:
        started = as_of
    finished = request.finished
    if status == "done" and finished is None and not was_done:
        if planned_end is not None and planned_end > as_of and not request.force:
            raise UpdateRefused(f"{where} is planned to end on {planned_end}, after {as_of}; say when it "
                                f"really finished with --finished YYYY-MM-DD (or --as-of that day)")
        finished = as_of
    if started and finished and finished < started:
        raise UpdateRefused(f"{where}: finished {finished} is before it started ({started}); check the dates")
    if status is not None:
        fields["status"] = status
    if request.progress is not None:
        fields["progress"] = request.progress
    elif status == "done":
        fields["progress"] = 100
    if started is not None and started != current.actual_start:
        fields["actual_start"] = started
    if finished is not None:
        fields["actual_end"] = finished
    if reopening:
        fields["actual_end"] = None
        if request.finished is not None:
            raise UpdateRefused(f"{where}: --reopen and --finished contradict each other; give one")
    if request.documents:
        fields["documents"] = tuple(dict.fromkeys((current.documents or ()) + tuple(request.documents)))
    return fields
