"""Other tools' formats: Mermaid, MS Project XML (read back by MPXJ), TaskJuggler, CSV and JSON."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from roadmap_tracker.cli import export as export_group
from roadmap_tracker.formats import EXPORTERS
from roadmap_tracker.loading import load_roadmap, parse_roadmap_bytes
from roadmap_tracker.formats.mermaid import mermaid_id, mermaid_text
from roadmap_tracker.formats.mspdi import to_mspdi
from roadmap_tracker.scheduling import compute_schedule

from .conftest import SHIPPED, mpxj_reader

AS_OF = date(2024, 1, 1)
PLAN = """\
roadmap:
  id: interop
  title: "Interop: a plan"
  tracks: [{id: prep, title: "Preparation #1"}, {id: sessions, title: Sessions}]
milestones:
  - {id: draft, title: "Draft: chapters 1; 2", track: prep, not_before: 2024-01-08, duration: 10d}
  - {id: review, title: Review, track: prep, duration: 5d, after: [draft]}
  - id: translate
    title: Translation
    track: prep
    duration: 2w
    depends_on: [{id: draft, type: SS, lag: 3d}]
  - id: edit
    title: Editing
    track: prep
    duration: 4d
    depends_on: [{id: translate, type: FF, lag: 2d}, {id: review, lag: -1d}]
  - {id: session, title: The session, kind: session, track: sessions, start: 2024-02-12, end: 2024-02-16,
     after: [edit], deadline: 2024-02-16}
  - {id: adopted, title: Adopted, kind: decision, track: sessions, duration: 0, after: [session]}
  - {id: started, title: Started already, track: prep, duration: 10d, status: in_progress, progress: 30,
     actual: {start: 2023-12-27}}
"""


@pytest.fixture
def plan(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN)
    return path


def _schedule(path: Path):
    return compute_schedule(load_roadmap(path), AS_OF)


def test_every_registered_exporter_is_a_command_that_writes_its_file(cli, plan, tmp_path):
    assert set(EXPORTERS) == set(export_group.commands)
    for name, exporter in EXPORTERS.items():
        output = tmp_path / f"out{exporter.extension}"
        result = cli("--file", str(plan), "export", name, "-o", str(output), "--as-of", "2024-01-01")
        assert result.exit_code == 0, (name, result.output)
        assert output.stat().st_size > 100
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_mermaid_has_sections_critical_path_milestones_and_status(plan):
    text = EXPORTERS["mermaid"].render(_schedule(plan))
    lines = text.splitlines()
    assert lines[0] == "gantt"
    assert "    section Preparation No.1" in lines and "    section Sessions" in lines
    assert "    Draft∶ chapters 1, 2 :m_draft, 2024-01-08, 10d" in lines
    assert "    Review :m_review, after m_draft, 5d" in lines  # driven by a plain finish-to-start link
    assert "    Editing :m_edit, 2024-01-23, 4d" in lines  # driven by an FF link: its own date
    assert "    The session :crit, m_session, 2024-02-12, 5d" in lines
    assert any(line.startswith("    Adopted :crit, milestone, m_adopted,") for line in lines)
    assert any(line.startswith("    Started already :active, m_started,") for line in lines)


def test_mermaid_titles_are_made_safe():
    assert mermaid_text("a:b;c#d\ne %% f") == "a∶b,cNo.d e pct pct f"


def test_json_export_follows_its_published_schema(cli, plan):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(cli("schema", "--export-json").stdout)
    data = json.loads(EXPORTERS["json"].render(_schedule(plan)))
    jsonschema.validate(data, schema)
    edit = next(m for m in data["milestones"] if m["id"] == "edit")
    assert edit["dependencies"] == [{"id": "translate", "type": "FF", "lag": "2d"},
                                    {"id": "review", "type": "FS", "lag": "-1d"}]


def _round_trip(cli, plan: Path, fmt: str, tmp_path: Path):
    """Export the plan in ``fmt``, import it back; the schedules of both, and their links by id."""
    exported = tmp_path / f"plan.{fmt}"
    assert cli("--file", str(plan), "export", fmt, "-o", str(exported), "--as-of", "2024-01-01").exit_code == 0
    back = tmp_path / "back.yaml"
    result = cli("import", fmt, str(exported), "-o", str(back))
    assert result.exit_code == 0, result.output
    assert cli("validate", str(back)).exit_code == 0
    original, imported = _schedule(plan), _schedule(back)

    def links(schedule):
        return {e.id: [(d.predecessor, d.type, str(d.lag)) for d in e.milestone.dependencies] for e in schedule}

    assert links(imported) == links(original)
    return original, imported, back


def test_csv_round_trip_keeps_ids_links_lags_and_dates(cli, plan, tmp_path):
    original, imported, _ = _round_trip(cli, plan, "csv", tmp_path)
    assert [e.id for e in imported] == [e.id for e in original]
    assert {e.id: (e.start, e.end) for e in imported} == {e.id: (e.start, e.end) for e in original}


def test_bad_csv_rows_are_located_errors(cli, tmp_path):
    source = tmp_path / "bad.csv"
    source.write_text("id,title,duration,depends_on,progress\na,A,10 days,,\nb,B,5d,zz,\nc,C,2d,a XX 2d,140\n")
    result = cli("import", "csv", str(source), "-o", str(tmp_path / "out.yaml"))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert any(line.startswith(f"{source}:2: error[invalid-duration]") for line in lines)
    assert any(line.startswith(f"{source}:3: error[unknown-dependency]") for line in lines)
    assert any(line.startswith(f"{source}:4: error[invalid-dependency]") for line in lines)
    assert any(line.startswith(f"{source}:4: error[out-of-range]") for line in lines)
    assert not (tmp_path / "out.yaml").exists()


def test_mspdi_round_trip_keeps_ids_links_lags_and_dates(cli, plan, tmp_path):
    original, imported, back = _round_trip(cli, plan, "mspdi", tmp_path)
    assert sorted(e.id for e in imported) == sorted(e.id for e in original)  # now grouped by track
    assert {e.id: (e.start, e.end) for e in imported if e.state == "planned"} == \
        {e.id: (e.start, e.end) for e in original if e.state == "planned"}
    assert [t.id for t in load_roadmap(back).tracks] == ["prep", "sessions"]


def test_bad_mspdi_is_a_located_error(cli, tmp_path):
    source = tmp_path / "bad.xml"
    source.write_text("<Project xmlns='http://schemas.microsoft.com/project'>\n<Tasks><Task></Tasks>\n")
    result = cli("import", "mspdi", str(source), "-o", str(tmp_path / "out.yaml"))
    assert result.exit_code == 2 and f"{source}:2: error[invalid-import]: not well-formed XML" in result.stderr




def test_mpxj_reads_our_ms_project_xml_with_the_same_tasks_dates_and_links(tmp_path):
    reader = mpxj_reader()
    schedule = compute_schedule(load_roadmap(SHIPPED), date(2024, 3, 1))
    path = tmp_path / "wsis20.xml"
    path.write_text(to_mspdi(schedule))
    project = reader().read(str(path))
    tasks = {str(t.getWBS()): t for t in project.getTasks() if t.getWBS() is not None and not t.hasChildTasks()}
    assert set(tasks) == set(schedule.entries)
    by_uid = {int(t.getUniqueID()): str(t.getWBS()) for t in project.getTasks() if t.getWBS() is not None}
    for entry in schedule:
        task = tasks[entry.id]
        assert str(task.getName()) == entry.title
        assert str(task.getStart())[:10] == entry.start.isoformat()
        assert str(task.getFinish())[:10] == entry.end.isoformat()
        links = sorted((by_uid[int(r.getPredecessorTask().getUniqueID())], str(r.getType())) for r in
                       task.getPredecessors())
        assert links == sorted((d.predecessor, d.type) for d in entry.milestone.dependencies)


def test_the_shipped_roadmap_as_taskjuggler_schedules_to_our_dates(tmp_path):
    if shutil.which("tj3") is None:
        pytest.skip("tj3 (Debian package 'tj3') is not installed; .ci/run installs it")
    from roadmap_tracker.formats.taskjuggler import read_tj_csv, tj_id

    schedule = compute_schedule(load_roadmap(SHIPPED), date(2024, 3, 1))
    (tmp_path / "plan.tjp").write_text(EXPORTERS["tjp"].render(schedule))
    subprocess.run(["tj3", "--silent", "--no-color", "plan.tjp"], cwd=tmp_path, check=True, timeout=300)
    theirs = read_tj_csv((tmp_path / "schedule.csv").read_text())
    assert {e.id: theirs.get(tj_id(e.id)) for e in schedule} == {e.id: e.span for e in schedule}


def test_imported_roadmap_from_an_unknown_tool_validates(cli, tmp_path):
    source = tmp_path / "plan.csv"
    source.write_text("id,title,kind,start,end,duration,depends_on\nkick-off,Kick-off,meeting,2024-02-01,,,\n"
                      "work,Work,,,,10d,kick-off\nreview,Review,,,,3bd,work SS 2d\n")
    out = tmp_path / "roadmap.yaml"
    assert cli("import", "csv", str(source), "-o", str(out)).exit_code == 0
    roadmap, diagnostics = parse_roadmap_bytes(out.read_bytes(), str(out))
    assert not diagnostics and [m.id for m in roadmap.milestones] == ["kick-off", "work", "review"]
    again = cli("import", "csv", str(source), "-o", str(out))
    assert again.exit_code == 2 and "--force" in again.stderr


def _mermaid_cli():
    mmdc = os.environ.get("ROADMAP_MMDC") or shutil.which("mmdc")
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not mmdc or not browser:
        pytest.skip("mermaid-cli (set ROADMAP_MMDC) and chromium are needed to render Mermaid; .ci/run installs them")
    return mmdc, browser


def test_mermaid_cli_draws_every_milestone_where_we_schedule_it(tmp_path):
    mmdc, browser = _mermaid_cli()
    schedule = compute_schedule(load_roadmap(SHIPPED), date(2024, 3, 1))
    (tmp_path / "roadmap.mmd").write_text(EXPORTERS["mermaid"].render(schedule))
    (tmp_path / "puppeteer.json").write_text(json.dumps({"executablePath": browser, "args": [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]}))
    subprocess.run([mmdc, "-p", "puppeteer.json", "-i", "roadmap.mmd", "-o", "roadmap.svg"], cwd=tmp_path,
                   check=True, capture_output=True, timeout=180)
    svg = (tmp_path / "roadmap.svg").read_text()
    assert "Syntax error" not in svg
    bars = {m["id"][len("my-svg-"):]: (float(m["x"]), float(m["width"])) for m in re.finditer(
        r'<rect id="(?P<id>my-svg-m_[A-Za-z0-9_]+)"[^>]* x="(?P<x>[-\d.]+)"[^>]* width="(?P<width>[-\d.]+)"', svg)}
    assert set(bars) == {mermaid_id(e.id) for e in schedule}
    spans = [e for e in schedule if not e.point]
    first, last = min(spans, key=lambda e: e.span[0]), max(spans, key=lambda e: e.span[0])
    scale = (bars[mermaid_id(last.id)][0] - bars[mermaid_id(first.id)][0]) / (last.span[0] - first.span[0])
    for entry in spans:  # every bar starts where we schedule it, to the pixel Mermaid rounds to
        expected = bars[mermaid_id(first.id)][0] + (entry.span[0] - first.span[0]) * scale
        assert abs(bars[mermaid_id(entry.id)][0] - expected) <= 2.5, entry.id
