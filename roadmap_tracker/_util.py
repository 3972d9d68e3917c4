"""Small process helpers: pausing the garbage collector for bulk work, and atomic file writes."""

from __future__ import annotations

import functools
import gc
import os
import stat
from pathlib import Path


def without_gc(func=None, *, keep: bool = False):
    """Run ``func`` with the cyclic garbage collector paused.

    Loading and scheduling allocate many small objects and no reference cycles; the collector's
    repeated full scans of them cost a third to a half of the time on large roadmaps. Reference
    counting still frees everything as usual.

    ``keep=True`` is for a function whose result lives on (a loaded roadmap): what it made goes
    straight to the collector's oldest generation, as if it had survived the collections it
    skipped. Otherwise the first collection after it walks every object made at once (a third of
    the time of a roadmap read from the parse cache), and the next full collection soon again.
    Skipped when something is frozen already (``gc.freeze``): thawing it is not ours to do.
    """

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            was_enabled = gc.isenabled()
            gc.disable()
            try:
                return func(*args, **kwargs)
            finally:
                if was_enabled:
                    if keep and not gc.get_freeze_count():
                        gc.freeze()
                        gc.unfreeze()
                    gc.enable()

        return wrapper

    return decorate(func) if func is not None else decorate


PRIVATE_FOLDER = ".roadmap"  # the tool's own folder beside a roadmap: links inside it are never followed


def write_atomic(path: str | os.PathLike, data: str | bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, flush it to disk, then rename it over.

    An interrupted write leaves the old file (or none) in place, never a truncated one.

    Symbolic links: when ``path`` is a link, the file it points to is replaced (atomically, in
    that file's own folder) and the link stays, so whoever follows the link sees the new content;
    the mode kept is the target's. Inside a ``.roadmap/`` folder links are never followed: the link
    itself is replaced by a regular file, so a planted link cannot make us write elsewhere.
    """
    target = Path(path)
    if target.is_symlink() and PRIVATE_FOLDER not in target.absolute().parts[:-1]:
        target = Path(os.path.realpath(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        import tempfile  # not at the top: `roadmap status` writes nothing and skips its import

        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:  # name the file the user asked for, not our temporary one
        raise OSError(exc.errno, exc.strerror, str(target)) from None
    try:
        try:  # keep the mode of the file we replace; a new file is readable by all (it is published)
            info = os.lstat(target)
            mode = info.st_mode & 0o777 if not stat.S_ISLNK(info.st_mode) else 0o644
        except FileNotFoundError:
            mode = 0o644
        os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError) and exc.filename == tmp:  # e.g. no space left: say which file
            raise OSError(exc.errno, exc.strerror, str(target)) from None
        raise


def whole_number(text: str, max_digits: int = 9) -> int | None:
    """``text`` as a whole number when it is one written in ASCII digits (at most ``max_digits`` of
    them), else None. ``str.isdigit`` also takes '²' and other digits ``int`` refuses, and ``int``
    refuses more than 4,300 digits: every number typed by a user goes through here."""
    if not text or len(text) > max_digits or not text.isascii() or not text.isdigit():
        return None
    return int(text)
