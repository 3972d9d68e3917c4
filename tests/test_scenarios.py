"""Scenario roadmaps under tests/scenarios carry their own expectations in comments:

    # as-of: 2024-01-01
    # expect ID: start=2024-01-01 end=2024-01-10 total_float=0 critical=true driving=a
    # expect-diagnostic: LINE LEVEL CODE

Every diagnostic the file produces must be listed, and every listed one must appear.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from roadmap_tracker.loading import read_roadmap
from roadmap_tracker.scheduling import compute_schedule

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.yaml"))


def _expectations(path: Path):
    as_of, steps, diagnostics = date(2024, 1, 1), {}, set()
    for line in path.read_text().splitlines():
        if m := re.match(r"#\s*as-of:\s*(\S+)", line):
            as_of = date.fromisoformat(m[1])
        elif m := re.match(r"#\s*expect-diagnostic:\s*(\d+)\s+(\w+)\s+([\w-]+)", line):
            diagnostics.add((int(m[1]), m[2], m[3]))
        elif m := re.match(r"#\s*expect\s+([\w.-]+):\s*(.*)", line):
            steps[m[1]] = dict(pair.split("=", 1) for pair in m[2].split())
    return as_of, steps, diagnostics


def _actual(entry, key: str) -> str:
    if key == "window":
        return f"{entry.window[0]}..{entry.window[1]}" if entry.window else "-"
    value = getattr(entry, key)
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path: Path):
    as_of, expected_steps, expected_diagnostics = _expectations(path)
    roadmap, diagnostics = read_roadmap(path)
    if roadmap is not None and not any(d.is_error for d in diagnostics):
        schedule = compute_schedule(roadmap, as_of)
        diagnostics += schedule.diagnostics
        for step_id, fields in expected_steps.items():
            entry = schedule[step_id]
            actual = {key: _actual(entry, key) for key in fields}
            assert actual == fields, f"{step_id}: {actual} != {fields}"
    else:
        assert not expected_steps, "a file with errors cannot be scheduled"
    assert {(d.line, d.level, d.code) for d in diagnostics} == expected_diagnostics
