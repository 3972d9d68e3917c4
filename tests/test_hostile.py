"""The hostile corpus: every command over every file in tests/hostile/ and over special files.

Each run must end with exit 0 or 2 (never 'internal error', never a traceback), and whatever it
writes must be well-formed: SVG and MS Project XML parse as XML, calendars parse with the strict
`ical` parser. The corpus holds what an attack on the tool found: dates pushed out of range by
durations and lags, control characters, time zones that are folders, 5000-digit numbers, UTF-16,
over-long ids and titles, empty roadmaps, formula-like cells, mathtext in titles.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from roadmap_tracker.cli import main

from .conftest import strict_ics_checks

HOSTILE = Path(__file__).resolve().parent / "hostile"
CORPUS = sorted(p.name for p in HOSTILE.glob("*.yaml"))
AS_OF = "2026-01-07"


def _commands(path: Path, out: Path) -> dict[str, tuple[list[str], Path | None]]:
    """command name -> (arguments, the file or folder it writes)."""
    f = ["--file", str(path)]
    return {
        "validate": (["validate", str(path), "--as-of", AS_OF], None),
        "status": (f + ["status", "--as-of", AS_OF], None),
        "schedule": (f + ["schedule", "--as-of", AS_OF], None),
        "export-ics": (f + ["export", "ics", "-o", str(out / "feed.ics"), "--as-of", AS_OF], out / "feed.ics"),
        "export-csv": (f + ["export", "csv", "-o", str(out / "plan.csv"), "--as-of", AS_OF], out / "plan.csv"),
        "export-mspdi": (f + ["export", "mspdi", "-o", str(out / "plan.xml"), "--as-of", AS_OF], out / "plan.xml"),
        "gantt": (f + ["gantt", "-o", str(out / "gantt.svg"), "--as-of", AS_OF, "--dpi", "50"], out / "gantt.svg"),
        "brief": (f + ["brief", "--week", "2026-W02", "-o", str(out / "brief"), "--dpi", "50"], out / "brief"),
    }


COMMANDS = list(_commands(Path("x"), Path("y")))

def _well_formed(name: str, written: Path) -> None:
    if name == "export-ics":
        strict_ics_checks(written.read_bytes())
    elif name in ("export-mspdi", "gantt"):
        ET.parse(written)
    elif name == "brief":
        ET.parse(written / "gantt.svg")
        assert (written / "gantt.png").read_bytes().startswith(b"\x89PNG")
    elif name == "export-csv":
        written.read_text(encoding="utf-8")


def _case(file: str, command: str):
    return pytest.param(file, command, id=f"{file}-{command}")


@pytest.mark.parametrize("file, command", [_case(f, c) for f in CORPUS for c in COMMANDS])
def test_every_command_over_the_hostile_corpus_exits_0_or_2_with_well_formed_output(runner, tmp_path, file,
                                                                                     command):
    path = tmp_path / file
    shutil.copyfile(HOSTILE / file, path)  # the tracking store and feed state go beside the copy
    out = tmp_path / "out"
    out.mkdir()
    args, written = _commands(path, out)[command]
    result = runner.invoke(main, args, catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    text = result.output
    assert "internal error" not in text and "Traceback" not in text, text[-2000:]
    assert result.exit_code in (0, 2), text[-2000:]
    if result.exit_code == 2:
        assert text.strip(), "a refusal says why"
    if result.exit_code == 0 and written is not None:
        assert written.exists(), f"{command} said nothing was wrong but wrote nothing"
        _well_formed(command, written)


def test_the_corpus_is_large_and_mostly_refused():
    assert len(CORPUS) >= 40
    assert len(CORPUS) * len(COMMANDS) >= 320


# -- special files, generated rather than stored -------------------------------------------------------

def _special(kind: str, tmp_path: Path) -> Path:
    if kind in ("/dev/zero", "/dev/urandom", "/etc/passwd"):
        return Path(kind)
    if kind == "fifo":
        path = tmp_path / "pipe.yaml"
        os.mkfifo(path)
        return path
    if kind == "folder":
        return tmp_path
    if kind == "33-mb":
        path = tmp_path / "big.yaml"
        with open(path, "wb") as handle:
            handle.truncate(33 * 1024 * 1024)
        return path
    if kind == "1-mb-id":
        path = tmp_path / "long-id.yaml"
        path.write_text("roadmap: {id: x, title: X}\nmilestones:\n  - {id: " + "a" * 1_000_000 + ", title: A}\n")
        return path
    raise AssertionError(kind)


SPECIAL = ["/dev/zero", "/dev/urandom", "fifo", "folder", "/etc/passwd", "33-mb", "1-mb-id"]


@pytest.mark.parametrize("kind", [k for k in SPECIAL if not k.startswith("/") or os.path.exists(k)])
@pytest.mark.parametrize("command", ["validate", "status"])
def test_special_files_are_refused_at_once_without_echoing_them(tmp_path, kind, command):
    path = _special(kind, tmp_path)
    args = ["validate", str(path)] if command == "validate" else ["--file", str(path), "status"]
    # a real process with a time limit: a FIFO or a device must not hang it
    result = subprocess.run([sys.executable, "-m", "roadmap_tracker.cli", *args], capture_output=True, text=True,
                            timeout=60, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr) < 1000, "a message never quotes a file back"
    assert "daemon:" not in result.stderr and "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
        not in result.stderr
