"""The shipped files: data/milestones.yaml is a true account of the WSIS+20 process, readable by any
YAML reader, and the `init` template is too.

The account's rules (see the comment at the top of data/milestones.yaml): sessions meet on their
own dates and never wait for a report; a report meant for a session is due before the session
opens; every step names its source, except the few listed below that no stored source gives an
address for.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import yaml

from roadmap_tracker.loading import read_roadmap
from roadmap_tracker.scheduling import compute_schedule

from .conftest import ROOT, SHIPPED

TEMPLATE = ROOT / "roadmap_tracker" / "templates" / "starter.yaml"
SHIPPED_YAML = sorted((ROOT / "data").glob("*.yaml")) + [TEMPLATE]
TODAY = "2026-11-28"

SESSION_KINDS = {"session"}
MEETING_KINDS = {"meeting", "event"}  # with fixed dates, these meet whatever is late too
DELIVERABLE_KINDS = {"report", "submission", "publication", "survey", "task"}

# Each report meant for a session, and that session.
MEANT_FOR = {
    "synthesis-draft": "cstd-27",
    "synthesis-final": "cstd-28",
    "ungis-roadmap": "cstd-29",
    "financing-task-force-report": "cstd-30",
}

# Steps that no stored source gives a web address for; each says so in its notes or condition,
# or is a step of the plan itself. Add a link rather than a name here.
WITHOUT_ADDRESS = {
    "roadmap-presented", "ga-2023-ict4sd", "adjust-to-guidance", "ecosoc-2024-resolution",
    "cstd-28-resolution", "ecosoc-2025-resolution", "written-inputs", "synthesis-draft", "synthesis-final",
    "consultations-programme", "survey-itu", "cstd-webpage", "cstd-intersessional-2025", "ungis-roadmap",
    "cstd-29", "cstd-30", "wsis-forum-2026",
}


@pytest.fixture(scope="module")
def shipped():
    roadmap, diagnostics = read_roadmap(SHIPPED)
    assert roadmap is not None, diagnostics
    return roadmap


def _sessions(roadmap):
    named_in_during = {s for m in roadmap.milestones for s in m.during}
    return [m for m in roadmap.milestones
            if m.kind in SESSION_KINDS or m.id in named_in_during or (m.kind in MEETING_KINDS and m.fixed)]


@pytest.mark.parametrize("path", SHIPPED_YAML, ids=lambda p: str(Path(p).relative_to(ROOT)))
def test_shipped_yaml_reads_the_same_with_the_pure_python_parser_and_libyaml(path):
    if not hasattr(yaml, "CSafeLoader"):
        pytest.skip("this PyYAML is built without libyaml")
    text = path.read_text(encoding="utf-8")
    pure = yaml.load(text, Loader=yaml.SafeLoader)
    fast = yaml.load(text, Loader=yaml.CSafeLoader)
    assert pure == fast
    assert pure["milestones"]


def test_shipped_roadmap_validates_without_errors_today_and_in_2024(shipped):
    for as_of in (date(2024, 3, 1), date(2026, 11, 28)):
        errors = [d for d in compute_schedule(shipped, as_of).diagnostics if d.is_error]
        assert errors == []
    assert not [d for d in read_roadmap(SHIPPED)[1] if d.is_error]


def test_no_session_waits_for_a_deliverable(shipped):
    kinds = {m.id: m.kind for m in shipped.milestones}
    waits = {(m.id, d.predecessor) for m in _sessions(shipped) for d in m.dependencies
             if kinds[d.predecessor] in DELIVERABLE_KINDS}
    assert waits == set()


def test_the_sessions_include_every_cstd_session_and_the_ga_high_level_meeting(shipped):
    ids = {m.id for m in _sessions(shipped)}
    assert {f"cstd-{n}" for n in range(25, 31)} | {"ga-hlm", "wsis-forum-2024"} <= ids


@pytest.mark.parametrize("report, session", sorted(MEANT_FOR.items()))
def test_a_report_meant_for_a_session_is_due_before_the_session_can_open(shipped, report, session):
    steps = {m.id: m for m in shipped.milestones}
    due = steps[report].deadline or steps[report].end
    assert due is not None
    assert due.last < steps[session].start.first
    assert report not in {d.predecessor for d in steps[session].dependencies}
    assert session not in {d.predecessor for d in steps[report].dependencies}


def test_every_step_names_its_source_unless_listed_as_without_address(shipped):
    unlinked = {m.id for m in shipped.milestones if not m.links}
    assert unlinked == WITHOUT_ADDRESS


def test_every_address_is_a_web_address(shipped):
    links = [link for m in shipped.milestones for link in m.links]
    assert links and all(link.startswith("https://") and " " not in link for link in links)


def test_status_today_forecasts_the_29th_session_in_2026(cli):
    result = cli("--file", str(SHIPPED), "status", "--as-of", TODAY, "--format", "json")
    data = json.loads(result.stdout)
    items = [item for name, section in data.items() if isinstance(section, list)
             for item in section if item["id"] == "cstd-29"]
    assert items
    assert {item["start"][:4] for item in items} | {item["end"][:4] for item in items} == {"2026"}


def test_status_today_lists_the_unconfirmed_follow_up_as_open_conditions(cli):
    data = json.loads(cli("--file", str(SHIPPED), "status", "--as-of", TODAY, "--format", "json").stdout)
    assert data["target"]["id"] == "ga-outcome-adopted"
    assert data["target"]["status"] == "done"
    assert {item["id"] for item in data["open_conditions"]} >= {
        "cstd-29", "ungis-roadmap", "financing-task-force-report", "cstd-30"}


def test_every_open_step_has_a_date_a_window_or_a_deadline(shipped):
    """A step with none would be forecast for whatever day one looks, and briefed as due then."""
    schedule = compute_schedule(shipped, date(2026, 11, 28))
    undated = [e.id for e in schedule if e.state == "planned" and not (
        e.milestone.start or e.milestone.not_before or e.milestone.during or e.milestone.deadline)]
    assert undated == []


def test_status_today_shows_no_invented_side_event(cli):
    data = json.loads(cli("--file", str(SHIPPED), "status", "--as-of", TODAY, "--format", "json").stdout)
    listed = {item["id"] for name, section in data.items() if isinstance(section, list) for item in section}
    assert listed.isdisjoint({"consultation-eclac", "wsis-forum-2025-joint-event"})
    assert all((item["deadline"] or item["end"]) >= "2026" for item in data["overdue"] + data["at_risk"])


def test_validate_warns_where_only_libyaml_reads_the_file(cli, write_roadmap):
    if not hasattr(yaml, "CSafeLoader"):
        pytest.skip("this PyYAML is built without libyaml")
    path = write_roadmap("roadmap: {id: r, title: R}\nmilestones:\n"
                         "  - id: a\n    title: A\n    links: [https://www.diplomacy.edu/?p=252225]\n")
    result = cli("validate", str(path))
    assert result.exit_code == 0
    assert f"{path}:5: warning[yaml-portability]: " in result.stderr
    assert "quote the value" in result.stderr


def test_validate_says_nothing_of_portability_when_values_are_quoted(cli, write_roadmap):
    path = write_roadmap("roadmap: {id: r, title: R}\nmilestones:\n"
                         "  - id: a\n    title: A\n    links: [\"https://www.diplomacy.edu/?p=252225\"]\n")
    result = cli("validate", str(path))
    assert result.exit_code == 0
    assert "yaml-portability" not in result.stderr
