"""The Gantt chart: its layout checked as data, its files checked as real PNG, SVG and PDF."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from roadmap_tracker.charts.gantt import COLOURS, GanttOptions, default_window, gantt_layout
from roadmap_tracker.charts.draw import render_gantt
from roadmap_tracker.loading import parse_roadmap_bytes
from roadmap_tracker.scheduling import compute_schedule

from .conftest import SHIPPED

PLAN = """\
roadmap:
  id: chart
  title: Chart roadmap
  target: adopted
  tracks: [{id: prep, title: Preparation}, {id: sessions, title: Sessions}]
milestones:
  - {id: done-step, title: Finished, track: prep, duration: 5d, status: done, actual: {start: 2024-02-01, end: 2024-02-05}}
  - {id: draft, title: Draft, track: prep, not_before: 2024-02-26, duration: 21d, status: in_progress, progress: 40,
     actual: {start: 2024-02-26}, after: [done-step]}
  - {id: side, title: Side work with float, track: prep, not_before: 2024-03-01, duration: 3d,
     status: in_progress, actual: {start: 2024-03-01}}
  - {id: late, title: Late thing, track: prep, not_before: 2024-02-01, duration: 2d, deadline: 2024-02-20}
  - {id: tbc, title: Some time in Q2, track: prep, start: 2024-Q2, duration: 1w, deadline: 2024-Q2}
  - {id: contingent, title: If funded, track: prep, not_before: 2024-03-04, duration: 4d, condition: if funded}
  - {id: session, title: The session, kind: session, track: sessions, start: 2024-03-18, end: 2024-03-22,
     after: [draft, side]}
  - {id: adopted, title: Adopted, kind: decision, track: sessions, duration: 0, after: [session],
     deadline: 2024-03-22}
"""


def _schedule(text: str = PLAN, as_of: date = date(2024, 3, 1)):
    roadmap, diagnostics = parse_roadmap_bytes(text.encode(), "chart.yaml")
    assert roadmap is not None, diagnostics
    return compute_schedule(roadmap, as_of)


def test_rows_are_grouped_by_track_in_file_order():
    layout = gantt_layout(_schedule())
    assert [(r.label, r.heading) for r in layout.rows][:2] == [("Preparation", True), ("Finished", False)]
    assert [r.sublabel for r in layout.rows if not r.heading] == \
        ["done-step", "draft", "side", "late", "tbc", "contingent", "session", "adopted"]
    assert [r.label for r in layout.rows if r.heading] == ["Preparation", "Sessions"]


def test_each_state_has_its_colour():
    layout = gantt_layout(_schedule())
    assert {b.id: b.category for b in layout.bars} == {
        "done-step": "done", "draft": "at_risk", "side": "in_progress", "late": "late", "tbc": "planned",
        "contingent": "contingent", "session": "planned", "adopted": "at_risk"}
    assert layout.bar("late").colour == COLOURS["late"]


def test_critical_rows_and_float_whiskers():
    layout = gantt_layout(_schedule())
    # critical: the target's driving chain, which stops at the session its preparation can meet
    assert {b.id for b in layout.bars if b.critical} == {"session", "adopted"}
    assert {b.id for b in layout.bars if b.near_critical} == {"draft"}
    side = layout.bar("side")
    assert side.float_days == (date(2024, 3, 18) - date(2024, 3, 4)).days  # ends 3 March, session on the 18th
    assert layout.bar("draft").float_days == 0


def test_shapes_progress_deadlines_and_fuzzy_windows():
    layout = gantt_layout(_schedule())
    assert layout.bar("adopted").shape == "milestone"
    assert layout.bar("session").shape == "session"
    assert layout.bar("draft").shape == "bar" and layout.bar("draft").progress == pytest.approx(0.4)
    assert layout.bar("late").deadline == date(2024, 2, 20).toordinal()
    assert layout.bar("tbc").window == (date(2024, 4, 1).toordinal(), date(2024, 7, 1).toordinal())


def test_arrows_join_the_right_rows():
    layout = gantt_layout(_schedule(), GanttOptions(arrows="all"))
    rows = {r.sublabel: r.index for r in layout.rows}
    pairs = {(a.source, a.target): (a.source_row, a.target_row, a.critical) for a in layout.arrows}
    assert pairs[("draft", "session")] == (rows["draft"], rows["session"], False)
    assert pairs[("session", "adopted")] == (rows["session"], rows["adopted"], True)
    assert pairs[("side", "session")][2] is False
    critical_only = gantt_layout(_schedule(), GanttOptions(arrows="critical"))
    assert {(a.source, a.target) for a in critical_only.arrows} == {("session", "adopted")}
    assert gantt_layout(_schedule(), GanttOptions(arrows="none")).arrows == []


def test_baseline_ghosts_show_the_earlier_dates():
    baseline = _schedule(PLAN.replace("duration: 21d", "duration: 5d"))
    layout = gantt_layout(_schedule(), baseline=baseline)
    assert layout.bar("draft").baseline == (date(2024, 2, 26).toordinal(), date(2024, 3, 4).toordinal())
    assert layout.bar("draft").end == date(2024, 3, 18).toordinal()
    assert "baseline" in layout.subtitle


def test_window_defaults_around_the_as_of_date_and_filters_rows():
    first, last = default_window(date(2024, 3, 1))
    assert first == date(2024, 1, 29) and first.weekday() == 0 and (last - first).days == 16 * 7
    layout = gantt_layout(_schedule(), GanttOptions(date_from=date(2024, 3, 11), weeks=2))
    assert {b.id for b in layout.bars} == {"draft", "session", "adopted"}
    assert layout.weeks == [(date(2024, 3, 11).toordinal(), "W11"), (date(2024, 3, 18).toordinal(), "W12")]
    assert {b.id for b in gantt_layout(_schedule(), GanttOptions(critical_only=True)).bars} == {"session", "adopted"}


def test_png_is_a_real_png_of_a4_landscape_width():
    data = render_gantt(gantt_layout(_schedule()), "png", dpi=100)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width == 1169 and 400 < height < width
    more = render_gantt(gantt_layout(_schedule(), GanttOptions(arrows="none")), "png", dpi=200)
    assert struct.unpack(">II", more[16:24])[0] == 2338


def test_svg_parses_as_xml_and_is_deterministic():
    layout = gantt_layout(_schedule())
    first = render_gantt(layout, "svg")
    assert ET.fromstring(first).tag.endswith("svg")
    assert render_gantt(gantt_layout(_schedule()), "svg") == first


def test_pdf_is_a_real_pdf():
    data = render_gantt(gantt_layout(_schedule()), "pdf")
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")


def test_cli_writes_the_chart_by_extension_and_refuses_others(cli, tmp_path):
    for name in ("week.png", "week.svg", "week.pdf"):
        result = cli("--file", str(SHIPPED), "gantt", "--as-of", "2024-03-01", "-o", str(tmp_path / name))
        assert result.exit_code == 0, result.output
        assert (tmp_path / name).stat().st_size > 5000
    bad = cli("--file", str(SHIPPED), "gantt", "-o", str(tmp_path / "week.jpg"))
    assert bad.exit_code == 2 and ".png, .svg or .pdf" in bad.stderr


def test_height_grows_with_rows():
    few = render_gantt(gantt_layout(_schedule(), GanttOptions(tracks=("sessions",))), "png", dpi=50)
    many = render_gantt(gantt_layout(_schedule()), "png", dpi=50)
    assert struct.unpack(">II", many[16:24])[1] > struct.unpack(">II", few[16:24])[1]
