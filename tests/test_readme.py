"""The README's commands run as shown, in order, on a fresh copy of the project (so it cannot drift)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from roadmap_tracker.cli import main

from .conftest import ROOT

# Commands that run until stopped: checked for their options only.
LONG_RUNNING = ("roadmap serve",)


def readme_commands() -> list[str]:
    """Every line in a README code block that starts with ``roadmap``, comments cut off."""
    commands, inside = [], False
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            inside = not inside
            continue
        if inside and line.startswith("roadmap "):
            commands.append(re.sub(r"\s+#.*$", "", line).strip())
        elif inside and "roadmap " in line and "&&" in line:
            commands += [part.strip() for part in line.split("&&") if part.strip().startswith("roadmap ")]
    return commands


@pytest.fixture(scope="module")
def fresh_copy(tmp_path_factory):
    """The shipped roadmap in a new git repository, as a newcomer's clone has it."""
    folder = tmp_path_factory.mktemp("clone")
    shutil.copytree(ROOT / "data", folder / "data")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    for args in (["init", "-q"], ["add", "data"], ["commit", "-q", "-m", "roadmap"]):
        subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True, env=env)
    return folder


def test_the_readme_shows_commands():
    assert len(readme_commands()) > 20


def test_every_readme_command_runs_as_shown(fresh_copy, monkeypatch):
    from click.testing import CliRunner

    monkeypatch.chdir(fresh_copy)
    monkeypatch.delenv("ROADMAP_FILE", raising=False)
    monkeypatch.delenv("ROADMAP_DATABASE_URL", raising=False)
    runner = CliRunner()
    failures = []
    for command in readme_commands():
        words = shlex.split(command)
        redirect = None
        if ">" in words:
            redirect = words[words.index(">") + 1]
            words = words[:words.index(">")]
        args = words[1:] + (["--help"] if command.startswith(LONG_RUNNING) else [])
        result = runner.invoke(main, args)
        if result.exit_code != 0:
            failures.append(f"{command}\n  exit {result.exit_code}: {(result.stderr or result.output)[-400:]}")
            continue
        if redirect:
            Path(redirect).write_text(result.stdout, encoding="utf-8")
    assert failures == [], "\n".join(failures)
