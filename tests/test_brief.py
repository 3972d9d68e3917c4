"""The weekly briefing pack: every section, what moved and why, escaping, self-contained HTML."""

from __future__ import annotations

import re
import subprocess
from datetime import date

from roadmap_tracker.charts.brief import build_brief, render_docx, render_html, render_markdown
from roadmap_tracker.status import build_status
from roadmap_tracker.wording import headline
from roadmap_tracker.loading import parse_roadmap_bytes
from roadmap_tracker.diff import compare_schedules
from roadmap_tracker.scheduling import compute_schedule

MONDAY = date(2024, 3, 4)
LAST_MONDAY = date(2024, 2, 26)

ONE_OF_EACH = """\
roadmap: {id: week, title: One of each, target: decision}
milestones:
  - {id: finished, title: Finished last week, duration: 3d, actual: {start: 2024-02-27, end: 2024-02-29}}
  - {id: due, title: Due next week, not_before: 2024-03-04, duration: 5d}
  - {id: overdue, title: Overdue step, not_before: 2024-02-01, duration: 2d, deadline: 2024-02-20}
  - {id: risky, title: "<script>alert(1)</script>", not_before: 2024-03-04, duration: 20d, deadline: 2024-03-15}
  - {id: conditional, title: Only if funded, not_before: 2024-04-01, duration: 5d, condition: if funded}
  - {id: working, title: Under way, not_before: 2024-02-26, duration: 30d, status: in_progress, progress: 30,
     actual: {start: 2024-02-26}}
  - {id: stuck, title: "Waiting for $2m", not_before: 2024-03-25, duration: 5d, status: blocked}
  - {id: decision, title: The decision, kind: decision, start: 2024-04-10, after: [due, risky]}
"""


def _schedule(text: str, as_of: date):
    roadmap, diagnostics = parse_roadmap_bytes(text.encode(), "week.yaml")
    assert roadmap is not None, diagnostics
    return compute_schedule(roadmap, as_of)


def test_every_section_lists_its_steps():
    brief = build_brief(_schedule(ONE_OF_EACH, MONDAY), _schedule(ONE_OF_EACH, LAST_MONDAY))
    ids = {name: [row[0] for row in rows] for name, rows in brief.sections.items()}
    assert ids["done_last_week"] == ["finished"]
    assert ids["due_soon"] == ["due"]
    assert ids["overdue"] == ["overdue"]
    assert ids["at_risk"] == ["risky"]
    assert ids["blocked"] == ["stuck"]
    assert ids["in_progress"] == ["working"]
    assert ids["open_conditions"] == ["conditional"]
    assert ids["critical_path"][-1] == "decision"
    assert brief.week == "2024-W10"
    assert "forecast 2024-04-10" in brief.headline


def test_the_headline_is_the_library_headline_with_the_verdict_first():
    schedule = _schedule(ONE_OF_EACH, MONDAY)
    brief = build_brief(schedule, _schedule(ONE_OF_EACH, LAST_MONDAY))
    report = build_status(schedule, horizon=14)
    assert brief.headline == headline(report) + "." and brief.verdict == report.verdict
    assert brief.reasons == report.reasons


def test_empty_sections_are_one_line_and_the_headline_its_own_paragraph():
    text = """\
roadmap: {id: calm, title: Calm, target: b}
milestones:
  - {id: a, title: A, not_before: 2024-05-06, duration: 5d}
  - {id: b, title: B, duration: 0, after: [a]}
"""
    brief = build_brief(_schedule(text, MONDAY), _schedule(text, LAST_MONDAY))
    page = render_markdown(brief)
    assert "Nothing moved, nothing done last week, nothing due in the next two weeks, nothing overdue" in page
    assert "Nothing." not in page and "## Overdue" not in page and "## Critical path" in page
    paragraphs = page.split("\n\n")
    assert f"**{brief.headline}**" in paragraphs


def test_what_moved_says_why():
    before = _schedule(ONE_OF_EACH, LAST_MONDAY)
    after = _schedule(ONE_OF_EACH.replace("title: Due next week, not_before: 2024-03-04, duration: 5d",
                                          "title: Due next week, not_before: 2024-03-04, duration: 8d"), MONDAY)
    moves = {m.id: m for m in compare_schedules(before, after)}
    assert moves["due"].cause == "plan-edit" and moves["due"].end_days == 3
    assert moves["due"].reason == "plan edit: duration 5d -> 8d"
    assert moves["overdue"].cause == "time"
    assert moves["finished"].cause == "reported"


KNOCK_ON = """\
roadmap: {id: k, title: Knock-on}
milestones:
  - {id: a, title: A, not_before: 2024-03-04, duration: 5d}
  - {id: b, title: B, duration: 5d, after: [a]}
"""


def test_knock_on_moves_name_the_predecessor():
    text = KNOCK_ON
    before = _schedule(text, MONDAY)
    after = _schedule(text.replace("duration: 5d}\n  - {id: b", "duration: 9d}\n  - {id: b"), MONDAY)
    moves = {m.id: m for m in compare_schedules(before, after)}
    assert moves["b"].reason == "knock-on: its driving predecessor a moved"
    assert moves["b"].end_days == 4 and moves["b"].start_days == 4
    assert moves["a"].reason == "plan edit: duration 5d -> 9d"


def test_a_shortened_duration_that_did_not_cause_the_move_is_not_named():
    text = KNOCK_ON
    before = _schedule(text, MONDAY)
    after = _schedule(text.replace("duration: 5d}\n  - {id: b", "duration: 15d}\n  - {id: b")
                      .replace("duration: 5d, after", "duration: 4d, after"), MONDAY)
    moves = {m.id: m for m in compare_schedules(before, after)}
    assert moves["b"].start_days == 10 and moves["b"].end_days == 9
    assert moves["b"].reason == "knock-on: its driving predecessor a moved; plan edit: duration 5d -> 4d"


def test_a_plan_edit_names_the_key_and_both_values():
    text = """\
roadmap: {id: k, title: Knock-on}
milestones:
  - {id: a, title: A, not_before: 2024-03-04, duration: 5d}
  - {id: b, title: B, duration: 5d, not_before: 2024-03-04, after: [a]}
"""
    before = _schedule(text, MONDAY)
    after = _schedule(text.replace("duration: 5d}\n  - {id: b", "duration: 10d}\n  - {id: b")
                      .replace("duration: 5d, not_before: 2024-03-04, after", "duration: 5d, not_before: 2024-03-20, after"),
                      MONDAY)
    moves = {m.id: m for m in compare_schedules(before, after)}
    assert moves["b"].reason == "plan edit: not_before 2024-03-04 -> 2024-03-20"


def test_html_escapes_text_and_embeds_the_chart():
    brief = build_brief(_schedule(ONE_OF_EACH, MONDAY), _schedule(ONE_OF_EACH, LAST_MONDAY))
    page = render_html(brief, b"\x89PNG fake")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    sources = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert sources and all(s.startswith("data:") for s in sources)
    assert "<h2>Overdue (1)</h2>" in page


def test_markdown_has_a_heading_for_each_section_with_steps():
    brief = build_brief(_schedule(ONE_OF_EACH, MONDAY), _schedule(ONE_OF_EACH, LAST_MONDAY))
    text = render_markdown(brief)
    for heading in ("## Done last week (1)", "## Due in the next two weeks (1)", "## Overdue (1)", "## At risk (1)",
                    "## Blocked (1)", "## In progress (1)", "## Open conditions (1)", "## Critical path"):
        assert heading in text
    assert brief.empty == ["late_to_start", "to_confirm"] and "Nothing late to start, nothing to confirm." in text
    assert "## What moved, and why (2)" in text and "## Late to start" not in text
    assert "<script>" not in text


def test_docx_has_the_headline_each_section_table_and_the_chart():
    from io import BytesIO

    from docx import Document

    from roadmap_tracker.charts.draw import render_gantt
    from roadmap_tracker.charts.gantt import gantt_layout

    schedule = _schedule(ONE_OF_EACH, MONDAY)
    brief = build_brief(schedule, _schedule(ONE_OF_EACH, LAST_MONDAY))
    png = render_gantt(gantt_layout(schedule), "png", 60)
    doc = Document(BytesIO(render_docx(brief, png)))
    texts = [p.text for p in doc.paragraphs]
    assert brief.headline in texts
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    filled = [name for name in brief.names if brief.sections[name]]
    assert len(doc.tables) == len(filled) == len(headings) - 1
    for table, name in zip(doc.tables, filled):
        assert [c.text for c in table.rows[0].cells] == list(brief.headers[name])
        assert [row.cells[0].text for row in table.rows[1:]] == [r[0] for r in brief.sections[name]]
    assert "<script>alert(1)</script>" in [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert len(doc.inline_shapes) == 1
    section = doc.sections[0]
    assert abs(doc.inline_shapes[0].width - (section.page_width - section.left_margin - section.right_margin)) < 10
    assert doc.core_properties.title == "One of each: week 2024-W10"
    assert doc.core_properties.created.date() == MONDAY


def test_cli_writes_the_pack_and_compares_with_git_history(cli, tmp_path):
    folder = tmp_path / "repo"
    folder.mkdir()
    plan = folder / "milestones.yaml"
    plan.write_text(ONE_OF_EACH)
    env = {"GIT_AUTHOR_DATE": "2024-02-20T12:00:00", "GIT_COMMITTER_DATE": "2024-02-20T12:00:00",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "PATH": "/usr/bin:/bin"}
    subprocess.run(["git", "init", "-q"], cwd=folder, check=True)
    subprocess.run(["git", "add", "milestones.yaml"], cwd=folder, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", "plan"], cwd=folder, check=True, env=env)
    plan.write_text(ONE_OF_EACH.replace("duration: 5d}", "duration: 7d}", 1))
    out = tmp_path / "briefing"
    result = cli("--file", str(plan), "brief", "--week", "2024-W10", "-o", str(out), "--dpi", "60")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["brief.docx", "brief.html", "brief.md", "gantt.png", "gantt.svg",
                                                         "summary.png"]
    text = (out / "brief.md").read_text()
    assert "committed in git before 2024-02-26" in text
    assert "| due | Due next week | +2 days |" in text and "plan edit: duration 5d -> 7d" in text
    assert (out / "gantt.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_week_is_a_usage_error(cli):
    result = cli("brief", "--week", "2024-10", "-o", "x")
    assert result.exit_code == 2 and "ISO week" in result.stderr


def test_cli_brief_as_of_a_day_against_a_baseline_file_with_a_chosen_window(cli, tmp_path):
    plan = tmp_path / "milestones.yaml"
    plan.write_text(ONE_OF_EACH)
    earlier = tmp_path / "earlier.yaml"
    earlier.write_text(ONE_OF_EACH.replace("duration: 20d", "duration: 10d"))
    out = tmp_path / "briefing"
    result = cli("--file", str(plan), "brief", "--as-of", "2024-03-06", "--baseline", str(earlier),
                 "--from", "2024-02-26", "--weeks", "8", "-o", str(out), "--dpi", "60")
    assert result.exit_code == 0, result.output
    text = (out / "brief.md").read_text()
    assert "Briefing as of 2024-03-06. Compared with the baseline" in text
    assert "| risky |" in text.split("## What moved")[1].split("##")[0]
    both = cli("--file", str(plan), "brief", "--as-of", "2024-03-06", "--week", "2024-W10", "-o", str(out))
    assert both.exit_code == 2 and "not both" in both.stderr


OVERDUE_WHILE_UNDER_WAY = """\
roadmap: {id: late, title: Late and under way, target: decision}
milestones:
  - {id: drafting, title: Drafting, not_before: 2024-01-08, duration: 20d, deadline: 2024-02-16,
     status: blocked, actual: {start: 2024-01-08}}
  - {id: decision, title: The decision, kind: decision, start: 2024-06-10, after: [drafting]}
"""


def test_an_overdue_step_under_way_is_not_summed_up_as_nothing_in_progress():
    """A step is listed once, under Overdue; the empty sections then say "nothing else"."""
    brief = build_brief(_schedule(OVERDUE_WHILE_UNDER_WAY, MONDAY), _schedule(OVERDUE_WHILE_UNDER_WAY, LAST_MONDAY))
    assert [row[0] for row in brief.sections["overdue"]] == ["drafting"]
    line = brief.nothing_line()
    assert "nothing else blocked" in line and "nothing else in progress" in line
    assert "nothing blocked" not in line and "nothing in progress" not in line


def test_the_same_briefing_gives_the_same_docx_bytes_an_hour_later(monkeypatch):
    import time

    schedule = _schedule(ONE_OF_EACH, MONDAY)
    brief = build_brief(schedule, _schedule(ONE_OF_EACH, LAST_MONDAY))
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    one_pixel = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
                 + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b""))
    first = render_docx(brief, one_pixel)
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 3600)
    assert render_docx(brief, one_pixel) == first


def test_an_open_condition_whose_window_passed_is_not_listed_as_due():
    text = """\
roadmap: {id: due, title: Due or waiting, target: decision}
milestones:
  - {id: side, title: Side event, not_before: 2024-01-08, duration: 5d, condition: if a host is found}
  - {id: soon, title: Due soon, not_before: 2024-03-04, duration: 5d}
  - {id: decision, title: The decision, kind: decision, start: 2024-06-10, after: [soon]}
"""
    brief = build_brief(_schedule(text, MONDAY), _schedule(text, LAST_MONDAY))
    assert [row[0] for row in brief.sections["due_soon"]] == ["soon"]
    assert [row[0] for row in brief.sections["open_conditions"]] == ["side"]
