"""Loading a roadmap file: YAML -> checked :class:`~roadmap_tracker.model.Roadmap`.

Phases, each collecting diagnostics rather than stopping: read the bytes, parse YAML with lines,
check every key against :mod:`roadmap_tracker.spec` and convert values, then resolve references
(duplicate ids, unknown dependencies, cycles). Scheduling warnings come later, from
:func:`roadmap_tracker.scheduling.compute_schedule`.

A well-formed step is read in one pass over its keys (:meth:`_Reader.read_plain_milestone`); a
step with anything to say about it is read again key by key with every check
(:meth:`_Reader.read_checked_milestone`), which alone writes the diagnostics, so that the
messages and their order are those of the checked reading whatever the path.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from pathlib import Path
from typing import Any, Callable

from . import spec
from .dates import (WEEKDAY_NAMES, ZERO, DateWindow, Duration, WorkCalendar, parse_date_window, parse_day,
                    parse_duration)
from .errors import Diagnostic, RoadmapInvalid, RoadmapNotFound
from ._util import without_gc
from .model import KINDS, LINK_TYPES, STATUSES, Dependency, Milestone, Roadmap, Track
from .yamlsource import Mapping, Sequence, YamlProblem, parse_yaml, portability_problem

MAX_FILE_BYTES = 32 * 1024 * 1024
DEFAULT_LOCATIONS = ("data/milestones.yaml", "milestones.yaml")
SLUG = re.compile(spec.SLUG_PATTERN)
# Control characters (C0 except tab and line feed, DEL, C1), lone surrogates and the two non-characters
# XML forbids: refused in every value, so every export (ICS, SVG, MS Project XML) stays well-formed.
# control characters; the bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) that
# reorder whatever follows them in a title, a calendar or a terminal; and U+FEFF, an invisible
# byte-order mark pasted into text, which PDF charts cannot draw
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069\ufeff]")
SHOWN_CHARS = 60  # at most this much of a value is quoted back in a message, on one line


def shown(value: object) -> str:
    """A value quoted back to the user: one line, control characters escaped, at most SHOWN_CHARS."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) > SHOWN_CHARS:
        text = text[: SHOWN_CHARS - 1] + "…"
    return text.encode("unicode_escape").decode("ascii") if CONTROL.search(text) or "\n" in text \
        or "\t" in text else text


def find_roadmap_file(explicit: str | os.PathLike | None = None, cwd: Path | None = None) -> Path:
    """The roadmap file to use: the one given, else ``data/milestones.yaml``, else ``milestones.yaml``."""
    if explicit:
        path = Path(explicit)
        if not path.exists():
            raise RoadmapNotFound(f"{path}: no such file; check the path, or create one with 'roadmap init {path}'")
        if path.is_dir():
            raise RoadmapNotFound(f"{path}: is a folder, not a roadmap file; name the .yaml file inside it")
        return path
    base = cwd or Path.cwd()
    for candidate in DEFAULT_LOCATIONS:
        if (base / candidate).is_file():
            return Path(candidate) if cwd is None else base / candidate
    raise RoadmapNotFound(
        "no roadmap file here (looked for data/milestones.yaml and milestones.yaml); pass --file PATH, "
        "set ROADMAP_FILE, or start one with 'roadmap init milestones.yaml'")


def load_roadmap(path: str | os.PathLike, cache: bool = False) -> Roadmap:
    """Load and check a roadmap file; raises :class:`RoadmapInvalid` listing every error.

    With ``cache``, a file loaded before comes from the parse cache (:mod:`roadmap_tracker.cache`).
    """
    if cache:
        from . import cache as parse_cache

        return parse_cache.load(path, load_roadmap)
    roadmap, diagnostics = read_roadmap(path)
    if roadmap is None or any(d.is_error for d in diagnostics):
        raise RoadmapInvalid(diagnostics)
    return roadmap


@without_gc(keep=True)
def read_roadmap(path: str | os.PathLike) -> tuple[Roadmap | None, list[Diagnostic]]:
    """Load a roadmap file, returning it (``None`` if it cannot be built) with all diagnostics."""
    name = str(path)
    try:
        data = read_regular_file(path, MAX_FILE_BYTES)
    except _NotAFile as problem:
        return None, [Diagnostic("error", problem.code, problem.message, name, 1, problem.hint)]
    except OSError as exc:
        return None, [Diagnostic("error", "unreadable-file", f"cannot read the file: {exc.strerror or exc}", name, 1)]
    return parse_roadmap_bytes(data, name)


def portability_diagnostics(path: str | os.PathLike) -> list[Diagnostic]:
    """A warning when other YAML readers cannot read the file that we read (for ``roadmap validate``)."""
    try:
        text = read_regular_file(path, MAX_FILE_BYTES).decode("utf-8-sig")
    except (OSError, UnicodeDecodeError, _NotAFile):
        return []  # read_roadmap has said so already
    problem = portability_problem(text)
    if problem is None:
        return []
    return [Diagnostic("warning", problem.code, problem.message, str(path), problem.line,
                       "quote the value (a web address with '?' in a [flow, list] especially)")]


class _NotAFile(Exception):
    def __init__(self, code: str, message: str, hint: str):
        super().__init__(message)
        self.code, self.message, self.hint = code, message, hint


def read_regular_file(path: str | os.PathLike, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes.

    Devices (/dev/zero, /dev/urandom), FIFOs and sockets are refused before anything is read
    (a FIFO is opened without blocking), and never more than ``limit + 1`` bytes are read, even
    from a file that grows meanwhile.
    """
    before = os.stat(path)
    if not stat.S_ISREG(before.st_mode):
        kind = "a folder" if stat.S_ISDIR(before.st_mode) else "a FIFO" if stat.S_ISFIFO(before.st_mode) else \
            "a device" if stat.S_ISCHR(before.st_mode) or stat.S_ISBLK(before.st_mode) else "not a regular file"
        raise _NotAFile("not-a-file", f"this is {kind}, not a roadmap file", "point --file at the roadmap's .yaml file")
    too_large = _NotAFile("file-too-large", f"the file is {max(before.st_size, limit + 1) / 1048576:.0f} MB; roadmap "
                          f"files are limited to {limit // 1048576} MB", "split the roadmap or remove generated content")
    if before.st_size > limit:
        raise too_large
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):  # swapped after the first look
            raise _NotAFile("not-a-file", "this is not a regular file", "point --file at the roadmap's .yaml file")
        data = handle.read(limit + 1)
    if len(data) > limit:  # it grew while we read it
        raise too_large
    return data


def parse_roadmap_bytes(data: bytes, name: str = "<memory>") -> tuple[Roadmap | None, list[Diagnostic]]:
    """Parse roadmap file content; see :func:`read_roadmap`."""
    utf16 = _utf16(data)
    if utf16:
        return None, [Diagnostic("error", "not-utf8", f"the file is {utf16} text, not UTF-8", name, 1,
                                 f"{utf16}: save as UTF-8 (in Notepad: Save as, Encoding UTF-8)")]
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        return None, [Diagnostic("error", "not-text", "the file is binary, not YAML text", name, line,
                                 "point --file at the roadmap's .yaml file")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [Diagnostic("error", "not-utf8", "the file is not UTF-8 text", name, line,
                                 "save it as UTF-8")]
    if not text.strip():
        return None, [Diagnostic("error", "empty-file", "the file is empty", name, 1,
                                 "start from 'roadmap init' for a commented example")]
    try:
        document = parse_yaml(text)
    except YamlProblem as problem:
        return None, [Diagnostic("error", problem.code, problem.message, name, problem.line)]
    reader = _Reader(name)
    roadmap = reader.read(document, hashlib.sha256(data).hexdigest())
    return roadmap, sorted(reader.diagnostics, key=lambda d: d.line or 0)


def _utf16(data: bytes) -> str | None:
    """'UTF-16' or 'UTF-32' when the bytes look like it (a byte order mark, or ASCII with NUL bytes
    every other byte), else None."""
    if data[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"):
        return "UTF-32"
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "UTF-16"
    sample = data[:200]
    if len(sample) >= 4 and (sample[1::2].count(0) >= len(sample) // 2 * 0.9
                             or sample[0::2].count(0) >= len(sample) // 2 * 0.9):
        return "UTF-16"
    return None


class _Bad(Exception):
    """A value that cannot be converted: ``message`` says what to write instead."""

    def __init__(self, message: str, code: str = "invalid-value"):
        super().__init__(message)
        self.message = message
        self.code = code


def _split_value_hint(mapping: Mapping, key: str) -> str | None:
    """For a key with no value right after a text value (``{venue: UN Headquarters, New York}``):
    the comma ended the value, and quoting it is the fix."""
    keys = list(mapping)
    position = keys.index(key)
    before = keys[position - 1] if position else None
    if mapping[key] is not None or before is None or not isinstance(mapping[before], str):
        return None
    return (f"a comma ends a value inside {{...}}: if '{shown(key)}' is the rest of {before}, quote the value: "
            f"{before}: \"{shown(mapping[before])}, {shown(key)}\"")


def _closest(word: str, choices) -> str | None:
    import difflib  # only to suggest a name for a mistyped one

    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def _kind_name(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return repr(value) if not isinstance(value, str) else f"'{shown(value)}'"


class _Reader:
    """Turns the parsed document into a Roadmap, collecting diagnostics on the way."""

    def __init__(self, name: str):
        self.name = name
        self.diagnostics: list[Diagnostic] = []
        self.slugs: dict[str, str] = {}  # ids read so far, each the first string read
        self.memos: dict[tuple[str, int], dict] = {}  # (type, length limit) -> text -> value

    # -- reporting --------------------------------------------------------------------------
    def error(self, code: str, message: str, line: int | None, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic("error", code, message, self.name, line, hint))

    def check_keys(self, mapping: Mapping, fields: dict, where: str) -> None:
        for key in mapping:
            if key not in fields:
                guess = _closest(key, fields)
                hint = f"did you mean '{guess}'?" if guess else _split_value_hint(mapping, key) or \
                    f"valid keys: {', '.join(fields)}"
                self.error("unknown-key", f"unknown key '{key}' in {where}", mapping.key_lines.get(key, mapping.line), hint)
        for key, field in fields.items():
            if field.required and (key not in mapping or mapping[key] in (None, "")):
                self.error("missing-key", f"{where} has no '{key}'", mapping.line, f"add '{key}: ...' ({field.description})")

    def convert(self, mapping: Mapping, key: str, type_name: str, where: str, limit: int | None = None):
        """Convert ``mapping[key]`` with the converter for ``type_name``; None (and a diagnostic) if bad.

        Text longer than ``limit`` (default: the type's, :data:`spec.MAX_LENGTH`) is refused first.
        """
        value = mapping.get(key)
        if value is None:
            return None
        line = mapping.key_lines.get(key, mapping.line)
        try:
            limit = limit or spec.MAX_LENGTH.get(type_name, spec.MAX_TOKEN)
            if isinstance(value, str) and len(value.strip()) > limit:
                raise _Bad(f"is {len(value.strip()):,} characters long; at most {limit:,} are allowed here",
                           "too-long")
            return CONVERTERS[type_name](self, value, line)
        except _Bad as bad:
            self.error(bad.code, f"{where}: '{key}': {bad.message}", line)
            return None

    # -- the document ---------------------------------------------------------------------------
    def read(self, document: object, content_hash: str = "") -> Roadmap | None:
        if not isinstance(document, Mapping):
            held = "plain text" if isinstance(document, str) else _kind_name(document)  # never the file back
            self.error("wrong-type", f"the file holds {held}, but a roadmap is a mapping "
                                     "with 'roadmap:' and 'milestones:'", getattr(document, "line", 1),
                       "start from 'roadmap init' for a commented example")
            return None
        self.check_keys(document, spec.TOP_LEVEL, "the file")
        header = document.get("roadmap")
        if header is not None and not isinstance(header, Mapping):
            self.error("wrong-type", f"'roadmap' must be a mapping (id, title, ...), not {_kind_name(header)}",
                       document.key_lines.get("roadmap"))
            header = None
        header = header if header is not None else Mapping()
        if not hasattr(header, "key_lines"):
            header.key_lines, header.line = {}, 1
        if "roadmap" in document:
            self.check_keys(header, spec.HEADER, "the roadmap header")
        raw_milestones = document.get("milestones")
        if raw_milestones is not None and not isinstance(raw_milestones, Sequence):
            self.error("wrong-type", f"'milestones' must be a list of steps, not {_kind_name(raw_milestones)}",
                       document.key_lines.get("milestones"), "write each step as '- id: ...'")
            raw_milestones = None

        tracks = self.convert(header, "tracks", "tracks", "roadmap") or ()
        calendar = self.convert(header, "calendar", "calendar", "roadmap") or WorkCalendar()
        milestones = []
        for index, (item, line) in enumerate(zip(raw_milestones or (), getattr(raw_milestones, "item_lines", ()))):
            milestone = self.read_milestone(item, line, index)
            if milestone is not None:
                milestones.append(milestone)
            raw_milestones[index] = None  # type: ignore[index]  # read: its values go now, not when all steps are read (peak memory)
        roadmap = Roadmap(
            id=self.convert(header, "id", "slug", "roadmap") or "roadmap",
            title=self.convert(header, "title", "string", "roadmap", spec.HEADER["title"].max_length)
            or "Untitled roadmap",
            timezone=self.convert(header, "timezone", "timezone", "roadmap") or "UTC",
            target=self.convert(header, "target", "slug", "roadmap"),
            tracks=tuple(tracks),
            calendar=calendar,
            milestones=tuple(milestones),
            path=self.name,
            content_hash=content_hash,
        )
        self.check_references(roadmap, header)
        return roadmap

    def read_milestone(self, item: object, line: int, index: int) -> Milestone | None:
        milestone = self.read_plain_milestone(item, line, index) if type(item) is Mapping else None
        if milestone is None:
            return self.read_checked_milestone(item, line, index)
        self.check_timing(milestone)
        return milestone

    def read_plain_milestone(self, item: Mapping, line: int, index: int) -> Milestone | None:
        """The milestone, in one pass over its keys, when every key is known and every value is
        well-formed (the common case); None as soon as anything needs a message, for
        :meth:`read_checked_milestone` to read it again and say what is wrong.

        Equal values read once are shared (ids named by links, durations, dates): fewer objects
        to keep, and to rebuild from the parse cache.
        """
        ident = item.get("id")
        title = item.get("title")
        if ident is None or ident == "" or title is None or title == "":
            return None
        values = {}
        after = depends_on = actual = None
        for key, value in item.items():
            reads = _PLAIN_FIELDS.get(key)
            if reads is None:
                return None  # an unknown key
            if value is None:
                continue
            if reads is _AFTER:
                after = value
            elif reads is _DEPENDS_ON:
                depends_on = value
            elif reads is _ACTUAL:
                actual = value
            else:
                converted = reads(self, value)
                if converted is _FAILED:
                    return None
                values[key] = converted
        ident = values["id"]
        dependencies: list[Dependency] = []
        if after is not None:
            predecessors = self.plain_ids(after)
            if predecessors is None:
                return None
            after_line = item.key_lines.get("after")
            dependencies = [Dependency(pred, "FS", ZERO, after_line) for pred in predecessors]
        if depends_on is not None:
            links = self.plain_dependencies(depends_on)
            if links is None:
                return None
            dependencies.extend(links)
        actual_start = actual_end = None
        if actual is not None:
            if type(actual) is not Mapping or not actual.keys() <= spec.ACTUAL.keys():
                return None
            actual_start, actual_end = (self.plain_value(actual.get(key), "day") for key in ("start", "end"))
            if actual_start is _FAILED or actual_end is _FAILED:
                return None
        if not values["title"]:
            values["title"] = ident  # a title of spaces only
        duration = values.get("duration")
        if type(duration) is tuple:  # a three-point estimate: the plan uses the likely length
            values["estimate"] = duration
            values["duration"] = duration[1]
        values.update(line=line, index=index, dependencies=tuple(dependencies), key_lines=item.key_lines)
        if actual_start is not None:
            values["actual_start"] = actual_start
        if actual_end is not None:
            values["actual_end"] = actual_end
        return Milestone.from_fields(values)

    # -- the one-pass reading of well-formed values: each gives what the checked reading (convert)
    # gives for a value it accepts without a message, or _FAILED ------------------------------------
    def plain_slug(self, value: object) -> Any:
        """An id, the first of equal ids read (a link names the very string its step holds)."""
        if type(value) is not str:
            return _FAILED
        known = self.slugs.get(value)
        if known is not None:
            return known
        if len(value) > _PLAIN_SLUG_LENGTH or not SLUG.fullmatch(value):
            return _FAILED  # no space, line break or control character can be in a matching id
        self.slugs[value] = value
        return value

    def plain_ids(self, value: object) -> list[str] | None:
        if type(value) is str:
            value = [value]
        elif type(value) is not Sequence:
            return None
        ids = [self.plain_slug(item) for item in value]
        return None if _FAILED in ids else ids

    def plain_value(self, value: object, type_name: str, limit: int = spec.MAX_TOKEN) -> Any:
        """A value of a type whose converter writes no diagnostic; results for texts are kept, as
        the same dates, durations and names come back again and again."""
        if value is None:
            return None
        memo = None
        if type(value) is str:
            memo = self.memos.get((type_name, limit))
            if memo is None:
                memo = self.memos[type_name, limit] = {}
            found = memo.get(value, _FAILED)
            if found is not _FAILED:
                return found
            if len(value.strip()) > limit:
                return _FAILED
        try:
            converted = CONVERTERS[type_name](self, value, 0)
        except _Bad:
            return _FAILED
        if memo is not None:
            memo[value] = converted
        return converted

    def plain_dependencies(self, value: object) -> list[Dependency] | None:
        if type(value) is not Sequence:
            return None
        links = []
        for item, item_line in zip(value, value.item_lines):
            if type(item) is Mapping:
                if not item.keys() <= spec.DEPENDENCY.keys():
                    return None
                pred = self.plain_slug(item.get("id"))
                kind = self.plain_value(item.get("type"), "link_type")
                lag = self.plain_value(item.get("lag"), "lag")
                if pred is _FAILED or kind is _FAILED or lag is _FAILED:
                    return None
                links.append(Dependency(pred, kind or "FS", lag or ZERO, item_line))
            else:
                pred = self.plain_slug(item)
                if pred is _FAILED:
                    return None
                links.append(Dependency(pred, "FS", ZERO, item_line))
        return links

    def plain_duration_or_estimate(self, value: object) -> Any:
        if type(value) is not Mapping:
            return self.plain_value(value, "duration_or_estimate")
        if value.keys() != spec.ESTIMATE.keys():
            return _FAILED
        points = tuple(self.plain_value(value[key], "duration") for key in spec.ESTIMATE)
        if _FAILED in points or None in points or any(p == "" for p in value.values()):
            return _FAILED
        optimistic, likely, pessimistic = (p.approx_days() for p in points)
        return points if optimistic <= likely <= pessimistic else _FAILED

    def plain_slip(self, value: object) -> Any:
        if type(value) is not Mapping or value.keys() != spec.SLIP.keys() or any(p == "" for p in value.values()):
            return _FAILED
        probability = self.plain_value(value["probability"], "probability")
        by = self.plain_value(value["by"], "duration")
        if probability is _FAILED or by is _FAILED or probability is None or by is None:
            return _FAILED
        return probability, by

    def read_checked_milestone(self, item: object, line: int, index: int) -> Milestone | None:
        """The milestone read key by key with every check, saying what is wrong."""
        if not isinstance(item, Mapping):
            self.error("wrong-type", f"milestone #{index + 1} is {_kind_name(item)}, but each milestone is a "
                                     "mapping of keys", line, "write it as '- id: my-step' with 'title:' below")
            return None
        ident = item.get("id")
        where = f"milestone '{shown(ident)}'" if isinstance(ident, (str, int)) and not isinstance(ident, bool) else f"milestone #{index + 1}"
        self.check_keys(item, spec.MILESTONE, where)
        values = dict.fromkeys(spec.MILESTONE)
        for key in item:
            field = spec.MILESTONE.get(key)
            if field is not None and key not in ("after", "depends_on", "actual"):
                values[key] = self.convert(item, key, field.type, where, field.max_length)
        if values["id"] is None:
            return None
        dependencies = []
        for pred in self.convert(item, "after", "ids", where) or ():
            dependencies.append(Dependency(pred, "FS", Duration(0), item.key_lines.get("after")))
        dependencies.extend(self.convert(item, "depends_on", "dependencies", where) or ())
        actual = self.convert(item, "actual", "actual", where) or {}
        estimate = None
        if isinstance(values["duration"], tuple):
            estimate = values["duration"]
            values["duration"] = estimate[1]
        milestone = Milestone(
            id=values["id"], title=values["title"] or values["id"], line=line, index=index,
            kind=values["kind"] or "task", track=values["track"], lead=values["lead"],
            partners=values["partners"] or (), venue=values["venue"], timezone=values["timezone"],
            virtual=values["virtual"], links=values["links"] or (), documents=values["documents"] or (),
            notes=values["notes"], tags=values["tags"] or (), start=values["start"], end=values["end"],
            duration=values["duration"], not_before=values["not_before"], deadline=values["deadline"],
            during=values["during"] or (), dependencies=tuple(dependencies), condition=values["condition"],
            status=values["status"], progress=values["progress"], actual_start=actual.get("start"),
            actual_end=actual.get("end"), estimate=estimate, distribution=values["distribution"] or "triangular",
            slip=values["slip"], key_lines=dict(item.key_lines),
        )
        self.check_timing(milestone)
        return milestone

    def check_timing(self, m: Milestone) -> None:
        where = f"milestone '{m.id}'"
        if m.end is not None and m.start is None:
            self.error("end-without-start", f"{where} has 'end' but no 'start'", m.line_of("end"),
                       "add 'start:', or use 'deadline:' for 'finish no later than'")
        if m.start is not None and m.end is not None:
            if m.start.exact and not m.end.exact:
                self.error("invalid-date", f"{where}: a fixed 'start' needs an exact 'end' day, not '{m.end}'",
                           m.line_of("end"), "write the last day, e.g. 2024-04-19, or use 'deadline:'")
            elif m.end.last < m.start.first:
                self.error("end-before-start", f"{where} ends ({m.end}) before it starts ({m.start})",
                           m.line_of("end"), "swap the dates or correct the typo")
            elif m.start.moment and m.end.moment and m.end.moment <= m.start.moment:
                self.error("end-before-start", f"{where} ends ({m.end}) before it starts ({m.start})",
                           m.line_of("end"), "correct the times")
            if m.duration is not None and m.start.exact and m.end.exact:
                self.error("conflicting-timing", f"{where} has 'start', 'end' and 'duration'", m.line_of("duration"),
                           "remove 'duration': fixed dates say how long it is")
        if m.actual_start and m.actual_end and m.actual_end < m.actual_start:
            self.error("end-before-start", f"{where}: actual end {m.actual_end} is before actual start "
                                           f"{m.actual_start}", m.line_of("actual"), "correct the dates")
        if m.during and m.start is not None and m.start.exact:
            self.error("conflicting-timing", f"{where} has fixed dates and 'during'", m.line_of("during"),
                       "remove one: 'during' is for steps placed in the first session that fits")
        if m.start is not None and (m.start.moment is None) != (m.end is None or m.end.moment is None) \
                and m.end is not None:
            self.error("invalid-date", f"{where}: 'start' and 'end' must both be days or both be date-times",
                       m.line_of("end"), "write both as 2025-12-16T10:00 or both as 2025-12-16")

    def check_references(self, roadmap: Roadmap, header: Mapping) -> None:
        seen: dict[str, Milestone] = {}
        duplicated: set[str] = set()
        for m in roadmap.milestones:
            if m.id in seen:
                duplicated.add(m.id)
                self.error("duplicate-id", f"milestone id '{m.id}' is used twice (first at line {seen[m.id].line})",
                           m.line_of("id"), "give each milestone its own id")
            else:
                seen[m.id] = m
        track_ids = [t.id for t in roadmap.tracks]
        backward = False  # a link to a step later in the file (only then can there be a loop)
        for m in roadmap.milestones:
            position = seen[m.id].index
            for dep in m.dependencies:
                first = seen.get(dep.predecessor)
                if first is None:
                    guess = _closest(dep.predecessor, seen)
                    self.error("unknown-dependency", f"milestone '{m.id}' depends on '{dep.predecessor}', which is "
                                                     "not a milestone", dep.line or m.line,
                               f"did you mean '{guess}'?" if guess else "check the id or add that milestone")
                elif dep.predecessor == m.id:
                    self.error("dependency-cycle", f"milestone '{m.id}' depends on itself", dep.line or m.line,
                               "remove the self-reference")
                elif first.index >= position:
                    backward = True
            for session_id in m.during:
                session = seen.get(session_id)
                if session is not None and session_id != m.id and session.index >= position:
                    backward = True
                if session is None:
                    guess = _closest(session_id, seen)
                    self.error("unknown-dependency", f"milestone '{m.id}': 'during' names '{session_id}', which is "
                                                     "not a milestone", m.line_of("during"),
                               f"did you mean '{guess}'?" if guess else "check the id")
                elif not session.fixed:
                    self.error("during-not-session", f"milestone '{m.id}': 'during' names '{session_id}', which has "
                                                     "no fixed dates", m.line_of("during"),
                               f"give '{session_id}' an exact 'start' (and 'end'), or use 'after:'")
            if m.track is not None and track_ids and m.track not in track_ids:
                guess = _closest(m.track, track_ids)
                self.error("unknown-track", f"milestone '{m.id}' is in track '{m.track}', which the header does not "
                                            "list", m.line_of("track"),
                           f"did you mean '{guess}'?" if guess else f"add it to 'tracks:' ({', '.join(track_ids)})")
        if roadmap.target is not None and roadmap.target not in seen:
            guess = _closest(roadmap.target, seen)
            self.error("unknown-target", f"the target '{roadmap.target}' is not a milestone",
                       header.key_lines.get("target"), f"did you mean '{guess}'?" if guess else "check the id")
        if backward:
            self.check_cycles(roadmap, seen, duplicated)

    def check_cycles(self, roadmap: Roadmap, known: dict[str, Milestone], duplicated: set[str]) -> None:
        """Loops among links, some of which point backward in the file (see check_references).

        Links to or from an id used twice are left out: which of the two they mean is unknown,
        and a loop through them would only be an echo of the duplicate, reported already.
        """
        index = {m.id: m.index for m in known.values()}
        edges = [(p, m.id) for m in roadmap.milestones for p in (*m.predecessors, *m.during)
                 if p in known and p != m.id and p not in duplicated and m.id not in duplicated]
        if all(index[p] < index[s] for p, s in edges):
            return  # every link points forward in the file: no loop is possible
        from .toposort import file_order_topological

        if file_order_topological(sorted(known, key=index.__getitem__), edges) is not None:
            return  # links point backward but form no loop: no graph library needed
        import networkx as nx  # describes the cycles

        graph: nx.DiGraph = nx.DiGraph()
        graph.add_nodes_from(known)
        graph.add_edges_from(edges)
        if nx.is_directed_acyclic_graph(graph):
            return
        order = {m.id: m.index for m in roadmap.milestones}
        for component in sorted(nx.strongly_connected_components(graph), key=lambda c: min(order[n] for n in c)):
            if len(component) < 2:
                continue
            first = min(component, key=order.__getitem__)
            edges = nx.find_cycle(graph.subgraph(component), source=first)
            chain = [edges[0][0]] + [v for _, v in edges]
            start = known[chain[1]]
            line = next((d.line for d in start.dependencies if d.predecessor == chain[0]),
                        start.line_of("during"))
            self.error("dependency-cycle", f"dependency cycle: {' -> '.join(chain)}", line,
                       "remove one of these links; each arrow reads 'is needed by'")


# -- converters: one per FieldSpec.type ---------------------------------------------------------

def _string(reader: _Reader, value: object, line: int) -> str:
    if isinstance(value, (dict, list)):
        raise _Bad(f"expected text, got {_kind_name(value)}", "wrong-type")
    if isinstance(value, bool):
        raise _Bad(f"expected text, got {value!r}; quote it if you mean the word", "wrong-type")
    if isinstance(value, float) and value != value:
        raise _Bad("expected text, got .nan; quote it if you mean the word", "wrong-type")
    text = str(value).strip()
    if len(text) > spec.MAX_TEXT:
        raise _Bad(f"is {len(text):,} characters long; at most {spec.MAX_TEXT:,} are allowed", "too-long")
    bad = CONTROL.search(text)
    if bad:
        where = f"after '{shown(text[:bad.start()][-20:])}'" if bad.start() else "at the start"
        if bad.group() == "\ufeff":
            raise _Bad(f"contains U+FEFF ({where}), an invisible byte-order mark pasted into the text; delete it",
                       "control-character")
        if "\u202a" <= bad.group() <= "\u202e" or "\u2066" <= bad.group() <= "\u2069":
            raise _Bad(f"contains U+{ord(bad.group()):04X} ({where}), a text-direction control that reorders "
                       "what follows it in titles, calendars and terminals; delete it", "control-character")
        raise _Bad(f"contains U+{ord(bad.group()):04X} ({where}), a control character that calendars, charts and "
                   "XML cannot hold; delete it", "control-character")
    return text


def _token(reader: _Reader, value: object, line: int) -> object:
    """A value that is one short word (an id, a date, a duration, a name from a list): no line breaks,
    no tabs, no control characters; other types pass through for their converter to judge."""
    if isinstance(value, str) and ("\n" in value or "\t" in value or CONTROL.search(value)):
        raise _Bad(f"'{shown(value)}' contains a line break or control character; write it on one line",
                   "control-character")
    if isinstance(value, str) and len(value) > spec.MAX_TOKEN:
        raise _Bad(f"is {len(value):,} characters long; at most {spec.MAX_TOKEN} are allowed here", "too-long")
    return value


def _slug(reader: _Reader, value: object, line: int) -> str:
    text = _string(reader, _token(reader, value, line), line)
    if len(text) > spec.MAX_ID:
        raise _Bad(f"an id of {len(text):,} characters is too long; at most {spec.MAX_ID}", "too-long")
    if not SLUG.fullmatch(text):
        raise _Bad(f"'{shown(text)}' is not a valid id; use letters, digits, '-', '_' and '.', starting with a "
                   "letter or digit", "invalid-id")
    return text


def _strings(reader: _Reader, value: object, line: int) -> tuple[str, ...]:
    """A list of texts (links, document symbols, tags, partners), each within the length limit."""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list):
        raise _Bad(f"expected a list of texts, got {_kind_name(value)}", "wrong-type")
    items = tuple(_string(reader, item, line) for item in value if item is not None)
    for item in items:  # a line break stays allowed: the calendar percent-encodes it in a link
        if len(item) > spec.MAX_STRING:
            raise _Bad(f"an item is {len(item):,} characters long; at most {spec.MAX_STRING:,}", "too-long")
    return items


def _ids(reader: _Reader, value: object, line: int) -> tuple[str, ...]:
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return (_slug(reader, value, line),)
    if not isinstance(value, list):
        raise _Bad(f"expected a list of ids such as [a, b], got {_kind_name(value)}", "wrong-type")
    return tuple(_slug(reader, item, line) for item in value)


def _bool(reader: _Reader, value: object, line: int) -> bool:
    if not isinstance(value, bool):
        raise _Bad(f"expected true or false, got {_kind_name(value)}", "wrong-type")
    return value


def _timezone(reader: _Reader, value: object, line: int) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = _string(reader, _token(reader, value, line), line)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError, UnicodeError):  # OSError: a folder such as 'Europe'
        raise _Bad(f"'{shown(name)}' is not a known IANA time zone; write e.g. Europe/Zurich or America/New_York",
                   "unknown-timezone") from None
    return name


def _date(reader: _Reader, value: object, line: int) -> DateWindow:
    try:
        return parse_date_window(_token(reader, value, line))
    except ValueError as exc:
        raise _Bad(str(exc), "invalid-date") from None


def _day(reader: _Reader, value: object, line: int):
    try:
        return parse_day(_token(reader, value, line))
    except ValueError as exc:
        raise _Bad(str(exc), "invalid-date") from None


def _duration(reader: _Reader, value: object, line: int) -> Duration:
    try:
        return parse_duration(_token(reader, value, line))
    except ValueError as exc:
        raise _Bad(str(exc), "invalid-duration") from None


def _lag(reader: _Reader, value: object, line: int) -> Duration:
    try:
        return parse_duration(_token(reader, value, line), allow_negative=True)
    except ValueError as exc:
        raise _Bad(str(exc), "invalid-duration") from None


def _duration_or_estimate(reader: _Reader, value: object, line: int):
    if not isinstance(value, Mapping):
        return _duration(reader, value, line)
    entry = _mapping(reader, value, spec.ESTIMATE, "the three-point estimate")
    points = tuple(reader.convert(entry, key, "duration", "estimate") for key in spec.ESTIMATE)
    if any(p is None for p in points):
        raise _Bad("a three-point estimate needs optimistic, likely and pessimistic", "invalid-estimate")
    optimistic, likely, pessimistic = (p.approx_days() for p in points)
    if not optimistic <= likely <= pessimistic:
        raise _Bad(f"the estimate must grow: optimistic ({points[0]}) <= likely ({points[1]}) <= pessimistic "
                   f"({points[2]})", "invalid-estimate")
    return points


def _probability(reader: _Reader, value: object, line: int) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Bad(f"expected a probability from 0 to 1, got {_kind_name(value)}", "wrong-type")
    if not 0 <= value <= 1:
        raise _Bad(f"{value} is not a probability; give a number from 0 to 1 (0.2 for 20%)", "out-of-range")
    return float(value)


def _slip(reader: _Reader, value: object, line: int):
    entry = _mapping(reader, value, spec.SLIP, "'slip'")
    probability = reader.convert(entry, "probability", "probability", "slip")
    by = reader.convert(entry, "by", "duration", "slip")
    if probability is None or by is None:
        raise _Bad("'slip' needs a probability and how far ('by')", "invalid-value")
    return probability, by


def _enum(choices: tuple[str, ...], code: str, normalise: Callable[[str], str]):
    def convert(reader: _Reader, value: object, line: int) -> str:
        text = normalise(_string(reader, _token(reader, value, line), line))
        if text not in choices:
            guess = _closest(text, choices)
            suggestion = f"; did you mean '{guess}'?" if guess else ""
            raise _Bad(f"'{shown(text)}' is not one of {', '.join(choices)}{suggestion}", code)
        return text
    return convert


def _percent(reader: _Reader, value: object, line: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Bad(f"expected a number from 0 to 100, got {_kind_name(value)}", "wrong-type")
    if not 0 <= value <= 100:
        raise _Bad(f"{value} is out of range; progress is 0 to 100", "out-of-range")
    return int(round(value))


def _mapping(reader: _Reader, value: object, fields: dict, where: str) -> Mapping:
    if not isinstance(value, Mapping):
        raise _Bad(f"expected a mapping ({', '.join(fields)}), got {_kind_name(value)}", "wrong-type")
    reader.check_keys(value, fields, where)
    return value


def _dependencies(reader: _Reader, value: object, line: int) -> tuple[Dependency, ...]:
    if not isinstance(value, Sequence):
        raise _Bad(f"expected a list such as [{{id: a, type: SS, lag: 2w}}], got {_kind_name(value)}", "wrong-type")
    result = []
    for item, item_line in zip(value, value.item_lines):
        if isinstance(item, (str, int)) and not isinstance(item, bool):
            result.append(Dependency(_slug(reader, item, item_line), "FS", Duration(0), item_line))
            continue
        entry = _mapping(reader, item, spec.DEPENDENCY, "a dependency")
        pred = reader.convert(entry, "id", "slug", "dependency")
        if pred is None:
            continue
        kind = reader.convert(entry, "type", "link_type", f"dependency on '{pred}'") or "FS"
        lag = reader.convert(entry, "lag", "lag", f"dependency on '{pred}'") or Duration(0)
        result.append(Dependency(pred, kind, lag, item_line))
    return tuple(result)


def _actual(reader: _Reader, value: object, line: int) -> dict:
    entry = _mapping(reader, value, spec.ACTUAL, "'actual'")
    return {key: reader.convert(entry, key, "day", "actual") for key in spec.ACTUAL}


def _weekdays(reader: _Reader, value: object, line: int) -> tuple[int, ...]:
    if not isinstance(value, list) or not value:
        raise _Bad("expected a list of weekdays such as [mon, tue, wed, thu, fri]", "wrong-type")
    days = []
    for item in value:
        name = str(item).strip().lower()[:3]
        if name not in WEEKDAY_NAMES:
            raise _Bad(f"'{shown(item)}' is not a weekday; use mon, tue, wed, thu, fri, sat, sun", "invalid-value")
        days.append(WEEKDAY_NAMES.index(name))
    return tuple(days)


def _days(reader: _Reader, value: object, line: int) -> frozenset[int]:
    if not isinstance(value, list):
        raise _Bad("expected a list of days such as [2024-12-25]", "wrong-type")
    return frozenset(_day(reader, item, line).toordinal() for item in value)


def _calendar(reader: _Reader, value: object, line: int) -> WorkCalendar:
    entry = _mapping(reader, value, spec.CALENDAR, "'calendar'")
    workdays = reader.convert(entry, "workdays", "weekdays", "calendar") or (0, 1, 2, 3, 4)
    holidays = reader.convert(entry, "holidays", "days", "calendar") or frozenset()
    return WorkCalendar(workdays, holidays)


def _tracks(reader: _Reader, value: object, line: int) -> tuple[Track, ...]:
    if not isinstance(value, Sequence):
        raise _Bad("expected a list such as [{id: consultations, title: Consultations}]", "wrong-type")
    tracks, seen = [], set()
    for item, item_line in zip(value, value.item_lines):
        if isinstance(item, str):
            item_id = _slug(reader, item, item_line)
            title = item_id
        else:
            entry = _mapping(reader, item, spec.TRACK, "a track")
            item_id = reader.convert(entry, "id", "slug", "track")
            title = reader.convert(entry, "title", "string", "track", spec.TRACK["title"].max_length) or item_id
        if item_id is None:
            continue
        if item_id in seen:
            reader.error("duplicate-id", f"track '{item_id}' is listed twice", item_line, "keep one")
        seen.add(item_id)
        tracks.append(Track(item_id, title))
    return tuple(tracks)


def _status_name(text: str) -> str:
    return text.lower().replace("-", "_").replace(" ", "_")


CONVERTERS: dict[str, Callable] = {
    "string": _string, "slug": _slug, "strings": _strings, "ids": _ids, "bool": _bool,
    "timezone": _timezone, "date": _date, "day": _day, "duration": _duration, "lag": _lag,
    "kind": _enum(KINDS, "unknown-kind", str.lower),
    "status": _enum(STATUSES, "unknown-status", _status_name),
    "link_type": _enum(LINK_TYPES, "invalid-link-type", str.upper),
    "percent": _percent, "dependencies": _dependencies, "actual": _actual,
    "duration_or_estimate": _duration_or_estimate, "probability": _probability, "slip": _slip,
    "distribution": _enum(("triangular", "pert"), "invalid-distribution", str.lower),
    "weekdays": _weekdays, "days": _days, "calendar": _calendar, "tracks": _tracks,
}


# -- the one-pass reading: what each milestone key reads with (see _Reader.read_plain_milestone) ---

_FAILED = object()  # a value the one-pass reading leaves to the checked one
_AFTER, _DEPENDS_ON, _ACTUAL = object(), object(), object()  # read once the other keys are
_PLAIN_SLUG_LENGTH = min(spec.MAX_ID, spec.MAX_TOKEN)


def _plain_text(limit: int) -> Callable:
    limit = min(limit, spec.MAX_TEXT)

    def read(reader: _Reader, value: object) -> object:
        if type(value) is not str:
            return _FAILED
        text = value.strip()
        return _FAILED if len(text) > limit or CONTROL.search(text) else text
    return read


def _plain_reader(key: str, field: spec.FieldSpec) -> Any:
    limit = field.max_length or spec.MAX_LENGTH.get(field.type, spec.MAX_TOKEN)
    special = {"after": _AFTER, "depends_on": _DEPENDS_ON, "actual": _ACTUAL}
    if key in special:
        return special[key]
    if field.type == "slug" and limit == spec.MAX_ID:
        return _Reader.plain_slug
    if field.type == "ids":
        return lambda reader, value: _FAILED if (ids := reader.plain_ids(value)) is None else tuple(ids)
    if field.type == "string":
        return _plain_text(limit)
    if field.type == "duration_or_estimate":
        return _Reader.plain_duration_or_estimate
    if field.type == "slip":
        return _Reader.plain_slip
    if field.type in ("dependencies", "actual", "calendar", "tracks"):
        raise AssertionError(f"no one-pass reading for '{key}'")
    return lambda reader, value: reader.plain_value(value, field.type, limit)


_PLAIN_FIELDS: dict[str, Any] = {key: _plain_reader(key, field) for key, field in spec.MILESTONE.items()}
