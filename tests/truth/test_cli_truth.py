"""The command line gives the same answers: baselines in status, what-if on a step under way,
"did you mean" for tracks and kinds, a step that missed its session."""

from __future__ import annotations

import json

from tests.truth.test_late_and_verdict import BEHIND

MISSED = """\
roadmap: {id: missed, title: Missed}
milestones:
  - {id: s27, title: Session 27, kind: session, start: 2024-04-15, end: 2024-04-19,
     actual: {start: 2024-04-15, end: 2024-04-19}}
  - {id: s28, title: Session 28, kind: session, start: 2025-04-07, end: 2025-04-11}
  - {id: disc, title: Discussion, duration: 1d, during: [s27]}
  - {id: disc2, title: Discussion in a later session, duration: 1d, during: [s27, s28]}
"""


def test_status_with_a_baseline_gives_each_items_baseline_dates_and_variance(cli, write_roadmap):
    path = write_roadmap(BEHIND)
    assert cli("--file", str(path), "baseline", "save", "agreed", "--as-of", "2025-01-09").exit_code == 0
    path.write_text(BEHIND.replace("duration: 20d", "duration: 30d"), encoding="utf-8")
    result = cli("--file", str(path), "status", "--as-of", "2025-04-15", "--format", "json", "--baseline", "agreed")
    assert result.exit_code == 0, result.stderr
    draft = next(item for item in json.loads(result.stdout)["overdue"] if item["id"] == "draft")
    assert (draft["baseline_start"], draft["baseline_end"]) == ("2025-01-09", "2025-01-28")
    assert draft["end"] == "2025-05-14" and draft["variance_days"] == 106
    text = cli("--file", str(path), "status", "--as-of", "2025-04-15", "--baseline", "agreed").stdout
    assert "baseline end 2025-01-28 (+106 days)" in text


def test_whatif_finish_ends_a_step_under_way_on_that_day_when_its_progress_is_in_the_store(cli, write_roadmap):
    path = write_roadmap(BEHIND.replace("deadline: 2025-06-30", "deadline: 2025-12-31"))
    update = cli("--file", str(path), "update", "draft", "--status", "in_progress", "--progress", "10",
                 "--started", "2025-01-09")
    assert update.exit_code == 0, update.stderr
    result = cli("--file", str(path), "whatif", "draft", "--finish", "2025-02-20", "--as-of", "2025-01-20",
                 "--format", "json")
    assert result.exit_code == 0, result.stderr
    moves = {m["id"]: m for m in json.loads(result.stdout)["moves"]}
    assert moves["draft"]["new_end"] == "2025-02-20"


def test_gantt_with_an_unknown_track_suggests_the_closest(cli, write_roadmap, tmp_path):
    path = write_roadmap("roadmap: {id: t, title: T, tracks: [{id: sessions, title: Sessions}]}\nmilestones:\n"
                         "  - {id: a, title: A, track: sessions, duration: 1d}\n")
    result = cli("--file", str(path), "gantt", "--track", "sesions", "-o", str(tmp_path / "g.png"))
    assert result.exit_code == 2
    assert "no track 'sesions'" in result.stderr and "did you mean 'sessions'?" in result.stderr
    assert not (tmp_path / "g.png").exists()


def test_export_ics_with_an_unknown_kind_suggests_the_closest(cli, write_roadmap, tmp_path):
    path = write_roadmap(BEHIND)
    result = cli("--file", str(path), "export", "ics", "--kind", "sesion", "-o", str(tmp_path / "f.ics"))
    assert result.exit_code == 2
    assert "no kind 'sesion'" in result.stderr and "did you mean 'session'" in result.stderr
    assert not (tmp_path / "f.ics").exists()


def test_a_step_that_missed_its_session_says_so_and_names_the_session_it_now_waits_for(cli, write_roadmap):
    path = write_roadmap(MISSED)
    data = json.loads(cli("--file", str(path), "status", "--as-of", "2024-06-03", "--format", "json").stdout)
    why = {item["id"]: item for item in data["overdue"]}
    assert why["disc"]["why"].startswith("its session s27 (2024-04-15..2024-04-19) is over with nothing recorded "
                                         "for it: record what happened, or add a later session to 'during'; "
                                         "expected to end 2024-04-19, 45 days ago")
    assert why["disc"]["float"] < 0  # it had to be done by the session's end
    assert why["disc2"]["why"].startswith("misses its session s27 (2024-04-15..2024-04-19); now waits for s28 "
                                          "(2025-04-07)")
    assert not any(item["id"] in ("disc", "disc2") for item in data["upcoming"] + data["in_progress"])
