"""Our dates equal TaskJuggler's on the plans both can express (skipped without tj3)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date

import pytest

from roadmap_tracker.loading import parse_roadmap_bytes
from roadmap_tracker.scheduling import compute_schedule
from tests.synthetic import synthetic_yaml
from roadmap_tracker.formats.taskjuggler import read_tj_csv, tj_id, to_tjp

pytestmark = pytest.mark.skipif(shutil.which("tj3") is None,
                                reason="tj3 (Debian package 'tj3') is not installed; .ci/run installs it")

START = date(2024, 1, 1)

MIXED = """\
roadmap: {id: mixed, title: Mixed plan}
milestones:
  - {id: a, title: A, not_before: 2024-01-01, duration: 10d}
  - {id: m, title: Point after a, duration: 0, after: [a]}
  - {id: b, title: B, duration: 5d, after: [m]}
  - {id: c, title: C, duration: 2w, depends_on: [{id: a, type: SS, lag: 3d}]}
  - {id: d, title: D with a gap, duration: 4d, depends_on: [{id: b, lag: 6d}, {id: c}]}
  - {id: s, title: Fixed session, kind: session, start: 2024-03-04, end: 2024-03-08}
  - {id: e, title: After the session, duration: 1d, after: [s, d]}
  - {id: late, title: Not before March, not_before: 2024-03-20, duration: 2d, after: [m]}
"""


def _run_tj3(tmp_path, text: str) -> tuple[dict, dict]:
    roadmap, diagnostics = parse_roadmap_bytes(text.encode(), "plan.yaml")
    assert roadmap is not None and not any(d.is_error for d in diagnostics)
    schedule = compute_schedule(roadmap, START)
    (tmp_path / "plan.tjp").write_text(to_tjp(roadmap, START, schedule=schedule))
    subprocess.run(["tj3", "--silent", "--no-color", "plan.tjp"], cwd=tmp_path, check=True, timeout=300)
    theirs = read_tj_csv((tmp_path / "schedule.csv").read_text())
    ours = {tj_id(e.id): e.span for e in schedule}
    return ours, {k: v for k, v in theirs.items() if k in ours}


def test_mixed_plan_dates_equal_taskjuggler(tmp_path):
    ours, theirs = _run_tj3(tmp_path, MIXED)
    assert ours == theirs


def test_generated_finish_to_start_plan_dates_equal_taskjuggler(tmp_path):
    ours, theirs = _run_tj3(tmp_path, synthetic_yaml(400, seed=3))
    mismatches = {k: (ours[k], theirs.get(k)) for k in ours if ours[k] != theirs.get(k)}
    assert not mismatches
