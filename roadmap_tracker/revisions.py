"""The roadmap file as git has it: at a revision, or as committed before a day."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

from .model import Roadmap


def _git(args: list[str], cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    """Run git with ``--end-of-options`` before the user's values, so none can be read as an option."""
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=True, timeout=30, **kwargs)


def verify_revision(rev: str, cwd: Path) -> str:
    """The commit id ``rev`` names; :class:`InvalidValue` unless it names one (``--output=FILE`` never is)."""
    from .errors import InvalidValue

    if not rev or rev.startswith("-") or "\n" in rev or "\x00" in rev:
        raise InvalidValue(f"git cannot show '{rev}': it is not a git revision; give a branch, tag or commit "
                           "such as HEAD~1")
    try:
        return _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"], cwd,
                    text=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        raise InvalidValue(f"git cannot show '{rev}': it is not a git revision here; give a branch, tag or commit "
                           "such as HEAD~1") from None


def roadmap_file_at(path: Path, when: date) -> bytes | None:
    """The roadmap file as committed in git before ``when`` (None outside git or without history)."""
    path = Path(path).resolve()
    try:
        rev = _git(["rev-list", "-1", f"--before={when.isoformat()}T00:00", "--end-of-options", "HEAD", "--",
                    path.name], path.parent, text=True).stdout.strip()
        if not rev:
            return None
        return _git(["show", "--end-of-options", f"{rev}:./{path.name}"], path.parent).stdout
    except (OSError, subprocess.SubprocessError):
        return None


def previous_roadmap(roadmap: Roadmap, when: date) -> tuple[Roadmap, str]:
    """The plan as it stood on ``when``: from git history if there is one, else the current file."""
    from .loading import parse_roadmap_bytes

    data = roadmap_file_at(Path(roadmap.path), when) if roadmap.path != "<memory>" else None
    if data is not None:
        old, diagnostics = parse_roadmap_bytes(data, f"{roadmap.path}@{when.isoformat()}")
        if old is not None and not any(d.is_error for d in diagnostics):
            return old, f"the roadmap file as committed in git before {when.isoformat()}"
    return roadmap, "the current roadmap file, as git has no earlier version"


def roadmap_at_revision(path: Path, rev: str) -> Roadmap:
    """The roadmap file as it is at a git revision; :class:`InvalidValue` when git cannot show it."""
    from .errors import InvalidValue, RoadmapInvalid
    from .loading import parse_roadmap_bytes

    path = Path(path).resolve()
    commit = verify_revision(rev, path.parent)
    try:
        data = _git(["show", "--end-of-options", f"{commit}:./{path.name}"], path.parent).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        detail = (getattr(exc, "stderr", b"") or b"").decode(errors="replace").strip()
        raise InvalidValue(f"git cannot show {path.name} at '{rev}': {detail or exc}") from None
    roadmap, diagnostics = parse_roadmap_bytes(data, f"{rev}:{path.name}")
    if roadmap is None or any(d.is_error for d in diagnostics):
        raise RoadmapInvalid(diagnostics)
    return roadmap


def baseline_roadmap(spec: str, roadmap_path: Path) -> tuple[Roadmap, str] | None:
    """The plan named by a ``--baseline`` value that is a file or ``git:REV`` (None for a saved name).

    One syntax for every command that compares with an earlier plan: ``git:REV`` is the roadmap
    file at a git revision, an existing path is another roadmap file, anything else is the name of
    a baseline saved in the tracking store (see :mod:`roadmap_tracker.store.baselines`).
    Returns the roadmap and a label for titles ("git v2024-03", "file old.yaml").
    """
    from .loading import load_roadmap

    if spec.startswith("git:"):
        return roadmap_at_revision(roadmap_path, spec[4:]), f"git {spec[4:]}"
    if Path(spec).is_file():
        return load_roadmap(spec), f"file {spec}"
    return None
