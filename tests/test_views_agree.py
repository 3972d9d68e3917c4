"""Every view says the same word about a step: the library computes it once."""

from __future__ import annotations

import json

PLAN = """\
roadmap: {id: agree, title: Views agree, target: decision}
milestones:
  - {id: side-event, title: Side event, duration: 2d, not_before: 2024-01-08,
     condition: if a host is found}
  - {id: draft, title: Draft, duration: 10d, not_before: 2024-01-08}
  - {id: decision, title: Decision, duration: 0, after: [draft]}
"""


def test_an_open_condition_is_window_passed_in_every_view_never_overdue(cli, write_roadmap):
    path = write_roadmap(PLAN)
    args = ("--file", str(path))
    schedule = {row["id"]: row for row in json.loads(cli(*args, "schedule", "--as-of", "2024-03-01",
                                                         "--format", "json").stdout)}
    status = json.loads(cli(*args, "status", "--as-of", "2024-03-01", "--format", "json").stdout)
    show = cli(*args, "show", "side-event", "--as-of", "2024-03-01").stdout
    table = cli(*args, "schedule", "--as-of", "2024-03-01").stdout
    assert [i["id"] for i in status["overdue"]] == ["draft", "decision"]
    assert [i["id"] for i in status["open_conditions"]] == ["side-event"]
    assert "window passed" in next(line for line in table.splitlines() if line.startswith("side-event"))
    assert "overdue" in next(line for line in table.splitlines() if line.startswith("draft "))
    assert "window ended" in show and "overdue" not in show
    assert schedule["side-event"]["late_days"] == 52  # its expected end, 2024-01-09, passed 52 days ago
