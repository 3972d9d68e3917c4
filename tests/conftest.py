"""Shared fixtures: the shipped roadmap, small roadmaps written to temporary files, the CLI runner."""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from roadmap_tracker.cli import main

# The parse cache of the test run lives in a folder of its own, never in the user's cache.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="roadmap-tests-cache-")
atexit.register(shutil.rmtree, os.environ["XDG_CACHE_HOME"], True)

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "data" / "milestones.yaml"
DIAGNOSTIC_LINE = re.compile(r"^.+:\d+: (error|warning)\[[a-z-]+\]: .+")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def cli(runner):
    """Run ``roadmap ARGS...``; returns click's Result (exit_code, stdout, stderr)."""

    def run(*args: str, env: dict | None = None):
        return runner.invoke(main, list(args), env=env, catch_exceptions=False)

    return run


@pytest.fixture
def write_roadmap(tmp_path):
    """Write YAML text to a roadmap file in a temporary folder and return its path."""

    def write(text: str, name: str = "roadmap.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
