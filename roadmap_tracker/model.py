"""What the roadmap file declares: the plan, kept apart from anything computed from it.

Scheduling results live in :mod:`roadmap_tracker.scheduling`; nothing here changes after loading.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from datetime import date

from .dates import DateWindow, Duration, WorkCalendar

KINDS = ("session", "meeting", "resolution", "decision", "report", "consultation", "event",
         "survey", "submission", "publication", "task", "milestone")
STATUSES = ("planned", "in_progress", "done", "cancelled", "blocked")
LINK_TYPES = ("FS", "SS", "FF", "SF")


@dataclass(frozen=True)
class Track:
    """A named group of milestones, shown together in file order."""

    id: str
    title: str


@dataclass(frozen=True)
class Dependency:
    """``predecessor`` constrains the step: ``type`` is FS, SS, FF or SF; ``lag`` may be negative."""

    predecessor: str
    type: str = "FS"
    lag: Duration = Duration(0)
    line: int | None = None

    def __reduce__(self):
        """Pickled as its four fields, rebuilt by ``__init__`` (the parse cache): a third smaller
        in memory than an instance rebuilt from a pickled ``__dict__``, and as fast to load."""
        return Dependency, (self.predecessor, self.type, self.lag, self.line)


@dataclass(frozen=True)
class Milestone:
    """One step of the roadmap, exactly as the file declares it.

    Timing: ``start``/``end`` fix the dates when they are exact days; a fuzzy ``start`` only means
    "not before the window opens". ``duration`` is ``None`` when the dates say it all.
    Tracking facts (``status``, ``progress``, ``actual_*``) are what the file records; the
    tracking store may override them. ``estimate`` (optimistic, likely, pessimistic) and ``slip``
    (probability, by) describe uncertainty for ``roadmap risk``; the plan uses the likely duration.
    """

    id: str
    title: str
    line: int
    index: int
    kind: str = "task"
    track: str | None = None
    lead: str | None = None
    partners: tuple[str, ...] = ()
    venue: str | None = None
    timezone: str | None = None
    virtual: bool | None = None
    links: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()
    notes: str | None = None
    tags: tuple[str, ...] = ()
    start: DateWindow | None = None
    end: DateWindow | None = None
    duration: Duration | None = None
    not_before: DateWindow | None = None
    deadline: DateWindow | None = None
    during: tuple[str, ...] = ()
    dependencies: tuple[Dependency, ...] = ()
    condition: str | None = None
    status: str | None = None
    progress: int | None = None
    actual_start: date | None = None
    actual_end: date | None = None
    estimate: tuple[Duration, Duration, Duration] | None = None
    distribution: str = "triangular"
    slip: tuple[float, Duration] | None = None
    key_lines: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def fixed(self) -> bool:
        """Fixed-date steps (sessions, meetings with a day) keep their dates whatever happens."""
        return self.start is not None and self.start.exact

    @property
    def fuzzy(self) -> bool:
        return any(w is not None and not w.exact for w in (self.start, self.end, self.not_before))

    @property
    def window_span(self) -> bool:
        """A step that runs from one fuzzy window to another ("from Q4 2023 until late 2024")."""
        return (self.start is not None and not self.start.exact and self.end is not None
                and self.duration is None)

    @property
    def timed(self) -> bool:
        return self.start is not None and self.start.moment is not None

    @property
    def predecessors(self) -> tuple[str, ...]:
        return tuple(d.predecessor for d in self.dependencies)

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)

    @classmethod
    def from_fields(cls, values: dict) -> "Milestone":
        """``Milestone(**values)``, made without the dataclass ``__init__``, which sets each of the
        31 fields through ``object.__setattr__`` (frozen): that was half the time of reading a
        well-formed step. ``values`` must hold ``id``, ``title``, ``line``, ``index`` and
        ``key_lines``, and nothing that is not a field; the instance dict is laid out as
        ``__init__`` lays it out, every field in order."""
        state = dict(_MILESTONE_DEFAULTS)
        state.update(values)
        made = object.__new__(cls)
        object.__setattr__(made, "__dict__", state)
        return made

    def __getstate__(self) -> dict:
        """What pickle keeps (the parse cache): the fields that are not their very default object
        (None, an empty tuple, ...), most of a step's 31 fields being empty; the cache is a third
        smaller and loads faster. Identity, not equality: as exact, and quicker to write."""
        defaults = _MILESTONE_DEFAULTS
        return {name: value for name, value in self.__dict__.items() if value is not defaults.get(name, defaults)}

    def __setstate__(self, state: dict) -> None:
        full = dict(_MILESTONE_DEFAULTS)
        full.update(state)
        object.__setattr__(self, "__dict__", full)


_MILESTONE_DEFAULTS = {f.name: None if f.default is MISSING else f.default for f in fields(Milestone)}


@dataclass(frozen=True)
class Roadmap:
    """A whole roadmap file: header fields and milestones in file order."""

    id: str
    title: str
    milestones: tuple[Milestone, ...]
    path: str = "<memory>"
    timezone: str = "UTC"
    target: str | None = None
    tracks: tuple[Track, ...] = ()
    calendar: WorkCalendar = field(default_factory=WorkCalendar, compare=False)
    content_hash: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {m.id: m for m in self.milestones})

    def get(self, milestone_id: str) -> Milestone:
        return self._by_id[milestone_id]  # type: ignore[attr-defined]

    def __contains__(self, milestone_id: str) -> bool:
        return milestone_id in self._by_id  # type: ignore[attr-defined]

    @property
    def ids(self) -> list[str]:
        return [m.id for m in self.milestones]

    def track_title(self, track_id: str | None) -> str:
        for track in self.tracks:
            if track.id == track_id:
                return track.title
        return track_id or ""


@dataclass(frozen=True)
class Facts:
    """What is known about a step's progress: from the file, or the tracking store's latest update."""

    status: str | None = None
    progress: int | None = None
    actual_start: date | None = None
    actual_end: date | None = None
    documents: tuple[str, ...] = ()

    @classmethod
    def from_milestone(cls, m: Milestone) -> "Facts":
        return cls(m.status, m.progress, m.actual_start, m.actual_end, m.documents)
