"""The Gantt chart: its layout checked as data, its files checked as real PNG, SVG and PDF."""

from __future__ import annotations

import itertools
import struct
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from roadmap_tracker.charts.draw import draw_figure, render_gantt
from roadmap_tracker.charts.gantt import (COLOURS, LABEL_MAX, PAGE_HEIGHT, PAGE_WIDTH, GanttOptions, chart_window,
                                          gantt_layout, scale_for, text_width, wrap)
from roadmap_tracker.loading import load_roadmap, parse_roadmap_bytes
from roadmap_tracker.scheduling import compute_schedule
from roadmap_tracker.status import build_status
from roadmap_tracker.wording import headline

from .conftest import ROOT, SHIPPED
from .synthetic import synthetic_yaml

PLAN = """\
roadmap:
  id: chart
  title: Chart roadmap
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
  - {id: stuck, title: Waiting for the draft, track: prep, not_before: 2024-02-20, duration: 2d, status: blocked}
  - {id: session, title: The session, kind: session, track: sessions, start: 2024-03-18, end: 2024-03-22,
     after: [draft, side]}
  - {id: adopted, title: Adopted, kind: decision, track: sessions, duration: 0, after: [session],
     deadline: 2024-03-22}
  - {id: later, title: The next session, kind: session, track: sessions, start: 2024-11-04, end: 2024-11-08,
     after: [adopted]}
"""

HOSTILE_TITLES = [
    "Budget of $5 and $x^2$ \\\\frac{1}{2} in $US",
    "word " * 200_000,  # a 1 MB title
    "x" * 300_000,  # one enormous word
    "Bell\\a and tab\\t and nul\\0 and a\\nnew line",
    "第二十八届会议：信息社会世界峰会二十年审查的实质性讨论与成果文件谈判进程" * 3,
    "Ünïcödé – “quotes” — and … ellipsis & <angle> brackets",
]


def _schedule(text: str = PLAN, as_of: date = date(2024, 3, 1)):
    roadmap, diagnostics = parse_roadmap_bytes(text.encode(), "chart.yaml")
    assert roadmap is not None, diagnostics
    return compute_schedule(roadmap, as_of)


def _hostile() -> str:
    # (a control character such as \\a is refused where the file is read, so none reaches a chart)
    lines = ["roadmap: {id: hostile, title: \"Hostile $titles$\"}", "milestones:"]
    for i, title in enumerate(HOSTILE_TITLES):
        after = f", after: [h{i - 1}]" if i else ", not_before: 2024-03-04"
        lines.append(f"  - {{id: h{i}, title: \"{title}\", duration: {i + 1}d{after}}}")
    return "\n".join(lines) + "\n"


def _corpus():
    """Layouts over the charts people draw: fixtures, the shipped roadmap, a fresh one, 300 rows, hostile text."""
    shipped = compute_schedule(load_roadmap(SHIPPED), date(2024, 3, 1))
    starter = compute_schedule(load_roadmap(ROOT / "roadmap_tracker" / "templates" / "starter.yaml"),
                               date(2026, 11, 28))
    rows = _schedule(synthetic_yaml(300, seed=4, reach=5), date(2024, 1, 1))
    plan = _schedule()
    yield "plan", gantt_layout(plan)
    yield "plan with dates and ghosts", gantt_layout(plan, GanttOptions(dates=True, arrows="all"),
                                                     baseline=_schedule(PLAN.replace("21d", "5d")))
    yield "plan, milestones view", gantt_layout(plan, GanttOptions(view="milestones"))
    yield "plan, two weeks", gantt_layout(plan, GanttOptions(date_from=date(2024, 3, 11), weeks=2, dates=True))
    yield "shipped", gantt_layout(shipped, GanttOptions(dates=True))
    yield "shipped, full", gantt_layout(shipped, GanttOptions(full=True, dates=True))
    yield "shipped, milestones view", gantt_layout(shipped, GanttOptions(view="milestones"))
    yield "shipped, weeks forced", gantt_layout(shipped, GanttOptions(full=True, scale="week", dates=True))
    yield "starter", gantt_layout(starter, GanttOptions(dates=True))
    yield "300 rows", gantt_layout(rows, GanttOptions(dates=True))
    yield "hostile", gantt_layout(_schedule(_hostile()), GanttOptions(dates=True))


CORPUS = list(_corpus())


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


# -- content -------------------------------------------------------------------------------------

def test_rows_are_grouped_by_track_in_file_order():
    layout = gantt_layout(_schedule())
    assert [(r.label, r.heading) for r in layout.rows][:2] == [("Preparation", True), ("Finished", False)]
    assert [r.sublabel for r in layout.rows if not r.heading] == \
        ["done-step", "draft", "side", "late", "tbc", "contingent", "stuck", "session", "adopted", "later"]


def test_fill_says_critical_done_blocked_or_other_and_late_is_flagged():
    schedule = _schedule()
    layout = gantt_layout(schedule)
    expected = {e.id: "done" if e.state == "done" else "critical" if e.critical else
                "near_critical" if e.near_critical else "other" for e in schedule if e.id != "stuck"}
    assert set(expected.values()) >= {"done", "critical", "near_critical", "other"}
    assert {b.id: b.category for b in layout.bars if b.id != "stuck"} == expected
    assert layout.bar("stuck").category == "blocked"
    assert layout.bar("done-step").colour == COLOURS["done"]
    assert {b.id for b in layout.bars if b.late} == \
        {e.id for e in schedule if e.state not in ("done", "cancelled") and (e.lateness or e.late_by > 0)}
    assert layout.bar("late").late and layout.bar("stuck").late and not layout.bar("done-step").late


def test_shapes_progress_deadlines_and_fuzzy_windows():
    layout = gantt_layout(_schedule())
    assert layout.bar("adopted").shape == "milestone"
    assert layout.bar("session").shape == "session"
    assert layout.bar("draft").shape == "bar" and layout.bar("draft").progress == pytest.approx(0.4)
    assert layout.bar("late").deadline == date(2024, 2, 20).toordinal()
    assert layout.bar("tbc").window == (date(2024, 4, 1).toordinal(), date(2024, 7, 1).toordinal())
    assert layout.bar("contingent").contingent and not layout.bar("draft").contingent


def test_arrows_join_the_right_rows():
    schedule = _schedule(PLAN.replace("  title: Chart roadmap\n", "  title: Chart roadmap\n  target: adopted\n"))
    layout = gantt_layout(schedule, GanttOptions(arrows="all"))
    rows = {r.sublabel: r.index for r in layout.rows}
    pairs = {(a.source, a.target): (a.source_row, a.target_row, a.critical) for a in layout.arrows}
    assert pairs[("draft", "session")][:2] == (rows["draft"], rows["session"])
    assert all(flag == (schedule[s].critical and schedule[t].critical) for (s, t), (_, _, flag) in pairs.items())
    assert pairs[("side", "session")][2] is False and pairs[("session", "adopted")][2] is True
    critical = gantt_layout(schedule, GanttOptions(arrows="critical"))
    assert {(a.source, a.target) for a in critical.arrows} == {p for p, v in pairs.items() if v[2]}
    assert gantt_layout(_schedule(), GanttOptions(arrows="none")).arrows == []


def test_baseline_ghosts_show_only_where_the_dates_differ():
    baseline = _schedule(PLAN.replace("duration: 21d", "duration: 5d"))
    layout = gantt_layout(_schedule(), baseline=baseline)
    assert layout.bar("draft").baseline == (date(2024, 2, 26).toordinal(), date(2024, 3, 4).toordinal())
    assert layout.bar("done-step").baseline is None
    assert "previous plan" in layout.subtitle
    same = gantt_layout(_schedule(), baseline=_schedule())
    assert all(b.baseline is None for b in same.bars)
    assert "baseline" not in {e.key for e in same.legend}


def test_headline_is_the_library_headline_with_its_verdict():
    schedule = _schedule()
    layout = gantt_layout(schedule)
    report = build_status(schedule)
    assert layout.headline == headline(report) and layout.verdict == report.verdict
    assert layout.headline.split(":")[0] in ("On track", "At risk", "Late", "Done")
    assert any(label.kind == "headline" for label in layout.labels)


# -- the window and the time scale -----------------------------------------------------------------

def test_default_window_holds_the_target_the_next_sessions_and_the_oldest_overdue_step():
    for as_of in (date(2024, 3, 1), date(2024, 9, 2), date(2025, 6, 2)):
        schedule = compute_schedule(load_roadmap(SHIPPED), as_of)
        report = build_status(schedule)
        first, last, _ = chart_window(schedule, report)
        target = schedule.target
        assert first <= as_of - timedelta(weeks=2) and last > as_of + timedelta(weeks=12)
        assert first <= target.start and target.end < last
        sessions = [e for e in schedule.driving_chain(target.id) if e.fixed and e.start >= as_of][:2]
        assert all(first <= e.start and e.end < last for e in sessions)
        assert all(first <= min(i.entry.start, i.entry.deadline or i.entry.start) for i in report.sections["overdue"])


def test_scale_follows_the_span_unless_told():
    assert scale_for(date(2024, 1, 1), date(2024, 6, 1)) == "week"
    assert scale_for(date(2024, 1, 1), date(2025, 12, 1)) == "month"
    assert scale_for(date(2024, 1, 1), date(2028, 1, 1)) == "quarter"
    assert gantt_layout(_schedule(), GanttOptions(full=True)).scale == "month"
    assert gantt_layout(_schedule(), GanttOptions(date_from=date(2024, 3, 11), weeks=4)).scale == "week"
    forced = gantt_layout(_schedule(), GanttOptions(scale="quarter"))
    assert forced.scale == "quarter" and {t for _, t in forced.ticks} <= {"Q1", "Q2", "Q3", "Q4"}


def test_an_explicit_window_is_kept_and_its_weeks_are_iso_weeks():
    layout = gantt_layout(_schedule(), GanttOptions(date_from=date(2024, 3, 11), weeks=2))
    assert (layout.start, layout.end) == (date(2024, 3, 11).toordinal(), date(2024, 3, 25).toordinal())
    assert [t for _, t in layout.ticks] == ["W11", "W12"]


def test_steps_outside_the_window_are_pinned_to_its_edge_with_their_date():
    layout = gantt_layout(_schedule(), GanttOptions(date_from=date(2024, 3, 11), weeks=2))
    assert layout.bar("later").pinned == "right"
    assert any(label.kind == "pinned" and label.text == "→ 2024-11-04" for label in layout.labels)
    assert "done-step" not in {b.id for b in layout.bars}  # done and out of the window: history, not shown
    assert layout.bar("draft").pinned is None


def test_milestones_view_fits_one_a4_landscape_page_of_sessions_deadlines_late_steps_and_the_target():
    schedule = compute_schedule(load_roadmap(SHIPPED), date(2024, 3, 1))
    layout = gantt_layout(schedule, GanttOptions(view="milestones"))
    assert layout.width == PAGE_WIDTH and layout.height <= PAGE_HEIGHT
    assert schedule.target.id in {b.id for b in layout.bars}
    assert all(schedule[b.id].fixed or schedule[b.id].deadline or b.id == schedule.target.id
               or schedule[b.id].lateness in ("overdue", "late_to_start") or schedule[b.id].blocked
               for b in layout.bars)
    assert any(label.kind == "date" for label in layout.labels)  # dates on by default there


def test_milestones_view_shows_overdue_steps_and_ends_below_its_last_row():
    text = """\
roadmap: {id: few, title: A few steps, target: decision}
milestones:
  - {id: draft, title: Drafting, not_before: 2024-01-08, duration: 20d}
  - {id: review, title: Review, not_before: 2024-04-01, duration: 10d, after: [draft]}
  - {id: decision, title: The decision, kind: decision, start: 2024-06-10, after: [review]}
"""
    roadmap, _ = parse_roadmap_bytes(text.encode(), "few.yaml")
    schedule = compute_schedule(roadmap, date(2024, 3, 1))
    assert schedule["draft"].lateness == "overdue"
    layout = gantt_layout(schedule, GanttOptions(view="milestones"))
    assert {b.id for b in layout.bars} == {"draft", "decision"}  # review is neither late nor dated
    assert layout.height < PAGE_HEIGHT / 2


# -- labels ------------------------------------------------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("abcdefghijkl mnopqrsWM.$-é"), min_size=1, max_size=30),
                min_size=1, max_size=40).map(" ".join))
@example("M MMMMMMMMMMMMMMMMMMMMM M")  # a whole word that fits, but not with the ellipsis after it
def test_wrapping_keeps_whole_words_in_two_lines_that_fit(title):
    lines = wrap(title, 2.0, 7.5, 2)
    assert 1 <= len(lines) <= 2
    assert all(text_width(line, 7.5) <= 2.0 + 1e-9 for line in lines)
    words = title.split()
    if all(text_width(w, 7.5) <= 2.0 for w in words):  # no word alone is too wide: none is cut
        shown = " ".join(lines).replace(" …", "").replace("…", "").split()
        assert shown == words[:len(shown)]


def test_one_day_steps_keep_a_visible_width_on_long_ranges():
    layout = gantt_layout(compute_schedule(load_roadmap(SHIPPED), date(2024, 3, 1)), GanttOptions(full=True))
    left, _, right, _ = layout.plot
    days_per_inch = (layout.end - layout.start) / (right - left)
    for bar in layout.bars:
        if bar.shape != "milestone" and not bar.pinned:
            assert (bar.x1 - bar.x0) / days_per_inch >= 3 / 72 - 1e-9, bar.id


@pytest.mark.parametrize("name,layout", CORPUS, ids=[name for name, _ in CORPUS])
def test_no_two_labels_overlap_and_none_leaves_the_page(name, layout):
    boxes = sorted((label.box, label.text) for label in layout.labels)
    for box, text in boxes:
        assert 0 <= box[0] and box[2] <= layout.width and 0 <= box[1] and box[3] <= layout.height, text[:60]
    for (a, ta), (b, tb) in itertools.combinations(boxes, 2):
        if b[0] >= a[2]:
            continue
        assert not _overlap(a, b), (ta[:60], tb[:60])
    left = min(label.box[0] for label in layout.labels if label.kind == "row") if layout.rows else 0
    assert all(label.box[2] <= layout.plot[0] for label in layout.labels if label.kind in ("row", "id", "heading"))
    assert left >= 0


@pytest.mark.parametrize("name,layout", CORPUS, ids=[name for name, _ in CORPUS])
def test_every_legend_entry_is_drawn_and_every_drawn_mark_has_one(name, layout):
    import matplotlib

    from roadmap_tracker.charts.draw import chart_style

    with matplotlib.rc_context(chart_style()):
        _, drawn = draw_figure(layout)
    assert {entry.key for entry in layout.legend} == drawn


def test_titles_are_bounded_however_long():
    layout = dict(CORPUS)["hostile"]
    rows = [r for r in layout.rows if not r.heading]
    assert all(len(r.label.split("\n")) <= 2 and len(r.label) < 200 for r in rows)
    assert all(text_width(line, 7.5) <= LABEL_MAX for r in rows for line in r.label.split("\n"))
    assert not any(ch in r.label for r in rows for ch in "\x00\x07\t")


def test_rendered_text_lies_inside_the_boxes_of_the_layout():
    import matplotlib
    from matplotlib import font_manager
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from roadmap_tracker.charts.draw import chart_style

    with matplotlib.rc_context(chart_style()):
        font = font_manager.findfont(font_manager.FontProperties(family=["sans-serif"]))
        if not any(name in font for name in ("Arial", "Helvetica", "Liberation")):
            pytest.skip(f"no font with Arial's metrics here ({font})")
        layout = dict(CORPUS)["plan with dates and ghosts"]
        fig, _ = draw_figure(layout)
        fig.set_dpi(200)
        renderer = FigureCanvasAgg(fig).get_renderer()
        texts = [t for ax in fig.axes for t in ax.texts if t.get_text()]
        assert len(texts) == len(layout.labels)
        for text, label in zip(texts, layout.labels):
            extent = text.get_window_extent(renderer)
            left, right = extent.x0 / 200, extent.x1 / 200
            top, bottom = layout.height - extent.y1 / 200, layout.height - extent.y0 / 200
            box = label.box
            assert box[0] - 0.01 <= left and right <= box[2] + 0.01, label.text
            assert box[1] - 0.02 <= top and bottom <= box[3] + 0.02, label.text


# -- files ---------------------------------------------------------------------------------------------

def test_png_is_a_real_png_of_a4_landscape_width():
    data = render_gantt(gantt_layout(_schedule()), "png", dpi=100)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width == 1169 and 300 < height
    more = render_gantt(gantt_layout(_schedule(), GanttOptions(arrows="none")), "png", dpi=200)
    assert struct.unpack(">II", more[16:24])[0] == 2338


def test_png_decodes_to_the_pixels_drawn():
    import io

    import matplotlib
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    from roadmap_tracker.charts.draw import chart_style

    layout = gantt_layout(_schedule())
    data = render_gantt(layout, "png", dpi=80)
    with matplotlib.rc_context(chart_style()):
        fig, _ = draw_figure(layout)
        fig.set_dpi(80)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        expected = np.asarray(canvas.buffer_rgba())
    image = Image.open(io.BytesIO(data))
    assert image.mode == "RGBA" and round(image.info["dpi"][0]) == 80
    assert np.array_equal(np.asarray(image), expected)


def test_svg_keeps_text_as_text_in_a_common_font_and_is_deterministic():
    layout = gantt_layout(_schedule(_hostile()), GanttOptions(dates=True))
    first = render_gantt(layout, "svg")
    root = ET.fromstring(first)
    texts = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "Hostile $titles$" in " ".join(texts)  # a dollar sign is a dollar sign, not mathtext
    assert any(t.startswith("Budget of $5 and $x^2$") for t in texts)
    assert b"font-family: 'Arial', 'Helvetica'" in first or b"font-family: Arial" in first
    assert render_gantt(gantt_layout(_schedule(_hostile()), GanttOptions(dates=True)), "svg") == first


def test_pdf_is_a_real_pdf_with_embedded_fonts():
    data = render_gantt(gantt_layout(_schedule()), "pdf")
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert b"/FontFile2" in data


def test_cli_writes_the_chart_by_extension_and_refuses_others(cli, tmp_path):
    for name in ("week.png", "week.svg", "week.pdf"):
        result = cli("--file", str(SHIPPED), "gantt", "--as-of", "2024-03-01", "-o", str(tmp_path / name))
        assert result.exit_code == 0, result.output
        assert (tmp_path / name).stat().st_size > 5000
    bad = cli("--file", str(SHIPPED), "gantt", "-o", str(tmp_path / "week.jpg"))
    assert bad.exit_code == 2 and ".png, .svg or .pdf" in bad.stderr


def test_cli_views_scales_and_spans(cli, tmp_path):
    for args in (["--view", "milestones"], ["--full", "--scale", "quarter"], ["--from", "2024-03-04", "--weeks", "6",
                                                                              "--dates"]):
        out = tmp_path / "chart.svg"
        result = cli("--file", str(SHIPPED), "gantt", "--as-of", "2024-03-01", *args, "-o", str(out))
        assert result.exit_code == 0, result.output
        assert ET.fromstring(out.read_bytes()).tag.endswith("svg")
    bad = cli("--file", str(SHIPPED), "gantt", "--scale", "day", "-o", str(tmp_path / "x.png"))
    assert bad.exit_code == 2


def test_height_grows_with_rows():
    few = gantt_layout(_schedule(), GanttOptions(tracks=("sessions",)))
    many = gantt_layout(_schedule())
    assert many.height > few.height


def test_a_ghost_spans_the_previous_plan_not_the_current_bar():
    baseline = _schedule(PLAN.replace("duration: 21d", "duration: 5d"))
    layout = gantt_layout(_schedule(), baseline=baseline)
    bar = layout.bar("draft")
    assert bar.x1 - bar.x0 > bar.baseline[1] - bar.baseline[0] == 7  # the drawing uses the ghost's own span

