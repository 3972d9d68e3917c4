"""A cache of validated roadmaps, so that a large file is read and checked once per change, and of
the last schedule of a large roadmap (see :func:`schedule`).

An entry holds the :class:`~roadmap_tracker.model.Roadmap` built from one file, keyed by the
SHA-256 of the file's bytes, its resolved path (and the name it was given as), the package
version and the code that reads roadmaps. It is used only when the whole key matches; anything
else (an edited file, an upgrade, a corrupt, foreign or truncated entry) is a miss, and the entry
is rewritten. Only files that load without errors are cached.

Where: the user's cache folder (``platformdirs.user_cache_dir("roadmap-tracker")``, e.g.
``~/.cache/roadmap-tracker`` on Linux; ``XDG_CACHE_HOME`` moves it), never ``.roadmap/`` and never
beside the roadmap file. Off with ``--no-cache`` or ``ROADMAP_NO_CACHE=1``. Bounded: at most
:data:`MAX_ENTRIES` entries and :data:`MAX_BYTES` in all, the least recently used go first.

Format: pickle, because it rebuilds the model's frozen dataclasses several times faster than
parsing, and needs no second description of the model. Pickle runs code named in the file, so an
entry is read only when the folder is the user's own with mode 0700 (it is created so, and the
cache is skipped if not) and the file is owned by the user, and the reader rebuilds only the
classes of this package, dates and time zones: a file planted by someone else is refused, not run.

The first run is not made slower: the entry is written by a forked child process once the
command's work is done (see :func:`flush`; written in place where ``fork`` is missing).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import struct
import sys
import time
from pathlib import Path
from typing import Callable

from . import __version__
from ._util import without_gc

MAGIC = b"roadmap-tracker parse cache 2\n"
MAX_ENTRIES = 32
MAX_BYTES = 512 * 1024 * 1024
_READER_MODULES = ("loading.py", "model.py", "dates.py", "yamlsource.py", "spec.py", "errors.py")
_ALLOWED = {
    ("datetime", "date"), ("datetime", "datetime"), ("datetime", "time"), ("datetime", "timedelta"),
    ("datetime", "timezone"), ("zoneinfo", "ZoneInfo"), ("zoneinfo", "ZoneInfo._unpickle"),
    ("builtins", "frozenset"), ("builtins", "set"),
}
_MODEL_MODULES = ("roadmap_tracker.model", "roadmap_tracker.dates")
# a schedule entry holds the computed entries and warnings: plain value classes, nothing that acts when made
_SCHEDULE_MODULES = _MODEL_MODULES + ("roadmap_tracker.scheduling", "roadmap_tracker.errors")
_SCHEDULE_CODE = _READER_MODULES + ("scheduling.py",)
SCHEDULE_MIN_STEPS = 1000  # below this, scheduling is quicker than reading an entry
_pending: list[int] = []
_deferred: list[tuple[Path, str, str, Callable[[], bytes]]] = []  # entries to write when the command is done


def enabled() -> bool:
    """False when ``ROADMAP_NO_CACHE`` is set (to anything but ``0``/``false``/``no``)."""
    return os.environ.get("ROADMAP_NO_CACHE", "").strip().lower() in ("", "0", "false", "no")


def cache_folder() -> Path:
    """``$XDG_CACHE_HOME/roadmap-tracker`` (else ``~/.cache/...``) on Linux; platformdirs elsewhere.

    On Linux the XDG rule is this one line, and platformdirs' import is 7% of `roadmap status`
    (it loads tempfile); macOS and Windows keep their conventions through platformdirs.
    """
    if sys.platform == "linux":
        xdg = os.environ.get("XDG_CACHE_HOME", "")
        return Path(xdg if os.path.isabs(xdg) else os.path.expanduser("~/.cache")) / "roadmap-tracker"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("roadmap-tracker", appauthor=False))


def _private_folder() -> Path | None:
    """The cache folder, created 0700; None if it is not the user's own and private."""
    folder = cache_folder()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.stat(folder)
    except OSError:
        return None
    if hasattr(os, "getuid"):
        if info.st_uid != os.getuid():
            return None
        if info.st_mode & 0o077:
            try:
                os.chmod(folder, 0o700)
            except OSError:
                return None
    return folder


def _code_stamp(modules: tuple[str, ...] = _READER_MODULES) -> str:
    """What the cached objects depend on besides the file: versions and the reading code."""
    here = Path(__file__).parent
    parts = [__version__, f"{sys.version_info[0]}.{sys.version_info[1]}"]
    for name in modules:
        try:
            info = os.stat(here / name)
            parts.append(f"{name}:{info.st_size}:{info.st_mtime_ns}")
        except OSError:
            parts.append(f"{name}:-")
    return "|".join(parts)


def entry_key(digest: str, path: str | os.PathLike) -> tuple[str, str]:
    """The entry's file name (one per roadmap path) and the full key it must carry, for a file
    whose bytes have the SHA-256 ``digest``."""
    name = str(path)
    resolved = str(Path(path).resolve())
    key = "\0".join([digest, resolved, name, _code_stamp()])
    entry = hashlib.sha256(f"{resolved}\0{name}".encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return entry + ".pickle", key


def load(path: str | os.PathLike, loader: Callable):
    """The roadmap at ``path``: from the cache when this exact file was loaded before, else
    ``loader(path)`` (which raises on an invalid file), recorded for next time."""
    if not enabled():
        return loader(path)
    data = _read_regular_file(path)
    if data is None:
        return loader(path)  # missing, special or too large: the loader says what is wrong
    digest = hashlib.sha256(data).hexdigest()
    roadmap = lookup(digest, path)
    if roadmap is not None:
        return roadmap
    roadmap = loader(path)
    if getattr(roadmap, "content_hash", None) == digest:  # not edited between the two reads
        store(digest, path, roadmap)
    return roadmap


def schedule(roadmap, as_of, facts: dict, risk_float: int, compute: Callable):
    """The schedule of a large roadmap on ``as_of`` with these facts: from the cache when exactly
    this plan (its bytes and path), day, facts, risk setting and scheduling code were scheduled
    before, else ``compute()``, recorded for next time. One entry per roadmap file (the next day
    or update replaces it); it refers to the roadmap's milestones instead of holding copies, so
    reading it costs a third of scheduling. Small roadmaps are scheduled afresh: that is quicker."""
    if not enabled() or len(roadmap.milestones) < SCHEDULE_MIN_STEPS or not roadmap.content_hash:
        return compute()
    resolved = str(Path(roadmap.path).resolve())
    facts_text = repr(sorted(facts.items())).encode("utf-8", "surrogateescape")
    key = "\0".join(["schedule", roadmap.content_hash, resolved, str(roadmap.path), as_of.isoformat(),
                     str(risk_float), hashlib.sha256(facts_text).hexdigest(), _code_stamp(_SCHEDULE_CODE)])
    name = hashlib.sha256(f"schedule\0{resolved}\0{roadmap.path}".encode("utf-8", "surrogateescape")).hexdigest()
    name = name[:32] + ".pickle"
    from .scheduling import Schedule

    found = _read_entry(name, key, lambda handle: _ScheduleUnpickler(handle, roadmap).load())
    if isinstance(found, Schedule):
        return found
    computed = compute()
    _record(name, key, lambda: _dump_schedule(computed))
    return computed


def _dump_schedule(schedule) -> bytes:
    """The schedule's pickle, its roadmap and milestones written as references (see _ScheduleUnpickler)."""
    import io

    from .model import Milestone

    roadmap = schedule.roadmap
    milestones = roadmap.milestones

    class Pickler(pickle.Pickler):
        def persistent_id(self, obj):
            if obj is roadmap:
                return "roadmap"
            if type(obj) is Milestone and milestones[obj.index] is obj:
                return obj.index
            return None

    buffer = io.BytesIO()
    Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(schedule)
    return buffer.getvalue()


def _read_regular_file(path: str | os.PathLike) -> bytes | None:
    """The file's bytes, or None for anything but a regular file within the size limit (a FIFO is
    never opened for a blocking read: the loader's own guard says what is wrong)."""
    from .loading import MAX_FILE_BYTES, read_regular_file

    try:
        return read_regular_file(path, MAX_FILE_BYTES)
    except Exception:  # missing, special, too large, unreadable
        return None


class _Unpickler(pickle.Unpickler):
    """Rebuilds the model's value classes, dates and zones, and nothing else: no function, and no
    class of ours that does something when made (a store, a server)."""

    modules: tuple[str, ...] = _MODEL_MODULES

    def find_class(self, module: str, name: str):
        if (module, name) in _ALLOWED or (module in self.modules and "." not in name):
            found = super().find_class(module, name)
            if (module, name) in _ALLOWED or (isinstance(found, type) and found.__module__ == module):
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a cached roadmap")


class _ScheduleUnpickler(_Unpickler):
    """A schedule's entries and warnings too; its roadmap and milestones are the loaded ones."""

    modules = _SCHEDULE_MODULES

    def __init__(self, handle, roadmap):
        super().__init__(handle)
        self.roadmap = roadmap

    def persistent_load(self, pid):
        if pid == "roadmap":
            return self.roadmap
        if type(pid) is int and 0 <= pid < len(self.roadmap.milestones):
            return self.roadmap.milestones[pid]
        raise pickle.UnpicklingError("a reference to no milestone of this roadmap")


@without_gc(keep=True)
def _unpickle(handle, read: Callable | None = None):
    """The entry's content, streamed (no second copy of the entry in memory), with the collector
    paused: it would otherwise walk the growing heap again and again as objects are made, five
    times the cost of the unpickling itself at 20,000 steps."""
    return read(handle) if read is not None else _Unpickler(handle).load()


def lookup(digest: str, path: str | os.PathLike):
    """The cached roadmap for the file at ``path`` whose bytes have this SHA-256, or None."""
    from .model import Roadmap

    roadmap = _read_entry(*entry_key(digest, path))
    return roadmap if isinstance(roadmap, Roadmap) else None


def _read_entry(name: str, key: str, read: Callable | None = None):
    """What the entry ``name`` holds if it carries exactly ``key`` (read by ``read(handle)``, else
    as a roadmap), or None."""
    folder = _private_folder()
    if folder is None:
        return None
    entry = folder / name
    try:
        with open(entry, "rb") as handle:
            if hasattr(os, "getuid") and os.fstat(handle.fileno()).st_uid != os.getuid():
                return None
            expected = key.encode("utf-8", "surrogateescape")
            header = handle.read(len(MAGIC) + 4)
            if header[: len(MAGIC)] != MAGIC or len(header) != len(MAGIC) + 4:
                return None
            (size,) = struct.unpack(">I", header[len(MAGIC):])
            if size != len(expected) or handle.read(size) != expected:
                return None
            content = _unpickle(handle, read)
    except FileNotFoundError:
        return None
    except Exception:  # corrupt, truncated or foreign: a miss; the entry is rewritten
        return None
    try:
        os.utime(entry)  # recently used: pruned last
    except OSError:
        pass
    return content


def store(digest: str, path: str | os.PathLike, roadmap, background: bool = True) -> None:
    """Record ``roadmap`` as what the file at ``path`` with this SHA-256 reads as (written by a
    child process where possible)."""
    _record(*entry_key(digest, path), lambda: pickle.dumps(roadmap, protocol=pickle.HIGHEST_PROTOCOL), background)


def _record(name: str, key: str, dump: Callable[[], bytes], background: bool = True) -> None:
    """Write the entry ``name`` with ``key`` and the bytes ``dump()`` makes: with ``background``,
    by a child process once the command is done (see :func:`flush`), else now."""
    folder = _private_folder()
    if folder is None:
        return
    if background and hasattr(os, "fork"):
        if not _deferred:
            import atexit

            atexit.register(flush)  # the latest moment; `roadmap` flushes when its command ends
        _deferred.append((folder, name, key, dump))
        return
    try:
        _write(folder, name, key, dump())
    except OSError:
        pass  # a cache that cannot be written is no cache, not an error


def flush() -> None:
    """Write the entries recorded so far, by one child process, while this one goes on (or ends).

    Forking only once the command's work is done keeps the two processes from copying each
    other's memory pages while both still change them (which made a first run 5% slower), and
    the child runs at the lowest priority: the entries are only for next time.
    """
    if not _deferred:
        return
    import atexit

    atexit.unregister(flush)
    entries = list(_deferred)
    _deferred.clear()
    reap()
    for stream in (sys.stdout, sys.stderr):  # None when the command was started with it closed
        if stream is not None:
            stream.flush()
    try:
        pid = os.fork()
    except OSError:
        pid = None
    if pid == 0:  # the child: write, and leave without running anything of the parent's
        code = 0
        try:
            # let go of the terminal and pipes at once: a reader of our output (a pipe, a
            # `subprocess.run`) must see its end when the command is done, not when we are
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
            try:
                os.nice(19)
            except OSError:
                pass
            for folder, name, key, dump in entries:
                _write(folder, name, key, dump())
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    if pid is not None:
        _pending.append(pid)
        return
    for folder, name, key, dump in entries:  # no fork: written here
        try:
            _write(folder, name, key, dump())
        except OSError:
            pass


def writing() -> bool:
    """Whether a cache writer forked by this process may still be running."""
    return bool(_pending)


def reap(wait: bool = False) -> None:
    """Collect finished cache writers (with ``wait``: write what is recorded, and wait for all)."""
    if wait:
        flush()
    for pid in list(_pending):
        try:
            done, _ = os.waitpid(pid, 0 if wait else os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            _pending.remove(pid)


def _write(folder: Path, name: str, key: str, payload: bytes) -> None:
    encoded = key.encode("utf-8", "surrogateescape")
    import tempfile  # only when an entry is written

    fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=folder)  # mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(MAGIC + struct.pack(">I", len(encoded)) + encoded)
            handle.write(payload)
        os.replace(tmp, folder / name)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _prune(folder)


def _prune(folder: Path) -> None:
    """Keep at most MAX_ENTRIES entries and MAX_BYTES, dropping the least recently used."""
    entries = []
    for leftover in folder.glob(".*.tmp"):  # from a writer that was killed
        try:
            if leftover.stat().st_mtime < time.time() - 3600:
                leftover.unlink()
        except OSError:
            pass
    for entry in folder.glob("*.pickle"):
        try:
            info = entry.stat()
        except OSError:
            continue
        entries.append((info.st_mtime_ns, info.st_size, entry))
    entries.sort(reverse=True)
    total = 0
    for count, (_, size, entry) in enumerate(entries, 1):
        total += size
        if count > MAX_ENTRIES or total > MAX_BYTES:
            try:
                entry.unlink()
            except OSError:
                pass
