"""The roadmap in a browser: the read-only pages, through Flask's test client on a real roadmap file."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest

from roadmap_tracker import web
from roadmap_tracker.web import pages as _pages  # noqa: F401  (web.pages below)
from roadmap_tracker.server import FeedSource, create_app
from roadmap_tracker.status import SECTION_TITLES, StatusItem, build_status
from roadmap_tracker.wording import headline

from .conftest import SMALL_FEED_ROADMAP, Page

AS_OF = date(2024, 3, 1)
PAGES = ["/", "/m/draft", "/gantt", "/calendars"]
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'

HOSTILE = f"""\
roadmap:
  id: hostile
  title: 'Roadmap {XSS}'
  tracks: [{{id: work, title: 'Work {XSS}'}}]
milestones:
  - id: evil
    title: 'Step {XSS}'
    track: work
    start: 2024-03-04
    duration: 5d
    deadline: 2024-02-20
    lead: '{XSS}'
    notes: 'Notes {XSS}'
    condition: 'if {XSS}'
    documents: ['A/RES/<b>1</b>']
    links: ['javascript:alert(1)', 'https://example.org/?a=1&b="2"']
  - id: next
    title: Next
    track: work
    after: [evil]
    duration: 2d
"""




@pytest.fixture
def roadmap_file(write_roadmap):
    return write_roadmap(SMALL_FEED_ROADMAP)


@pytest.fixture
def source(roadmap_file):
    feeds = FeedSource(roadmap_file, today=lambda: AS_OF)
    feeds.refresh()
    return feeds


@pytest.fixture
def client(source):
    return create_app(source).test_client()


def get_page(client, path: str) -> Page:
    response = client.get(path)
    assert response.status_code == 200, response.data[:500]
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    return Page(response.get_data(as_text=True))


def test_status_page_says_the_library_headline(client, source):
    report = build_status(source.schedule)
    assert headline(report) in get_page(client, "/").words


def test_status_page_has_every_section_with_the_library_counts(client, source):
    report = build_status(source.schedule)
    words = get_page(client, "/").words
    empty = [SECTION_TITLES[name] for name, items in report.sections.items() if not items]
    assert empty and f"None as of 2024-03-01: {', '.join(empty)}." in words
    for name, items in report.sections.items():
        if items:
            assert f"{SECTION_TITLES[name]} ({len(items)})" in words


def test_status_page_links_each_item_to_its_page_with_the_reason(client, source):
    report = build_status(source.schedule)
    page = get_page(client, "/")
    hrefs = {a.get("href") for a in page.all("a")}
    items = [item for items in report.sections.values() for item in items]
    assert items
    for item in items:
        assert f"/m/{item.entry.id}" in hrefs
        assert item.why in page.words


def test_status_page_shows_sections_the_library_adds(client, monkeypatch, source):
    def with_extra_section(schedule, *args, **kwargs):
        report = build_status(schedule, *args, **kwargs)
        report.sections["late_to_start"] = [StatusItem(schedule["draft"], "should have started by 2024-02-26")]
        return report

    monkeypatch.setattr(web.pages, "build_status", with_extra_section)
    words = get_page(client, "/").words
    assert "Late to start (1)" in words and "should have started by 2024-02-26" in words


def test_status_page_shows_the_critical_path_of_the_target(write_roadmap):
    # the target is the point after the draft (a fixed session its draft can meet sets its own date)
    path = write_roadmap(SMALL_FEED_ROADMAP.replace("  timezone: Europe/Zurich\n", "  timezone: Europe/Zurich\n  target: ready\n", 1),
                         "target.yaml")
    source = FeedSource(path, today=lambda: AS_OF)
    page = get_page(create_app(source).test_client(), "/")
    chain = source.schedule.driving_chain("ready")
    assert [e.id for e in chain] == ["draft", "ready"]
    text = page.words[page.words.index("Critical path ("):]
    positions = [text.index(e.title) for e in chain]
    assert positions == sorted(positions)


def test_milestone_page_says_what_roadmap_show_says(client, source):
    from roadmap_tracker.text import show_fields

    words = get_page(client, "/m/draft").words
    for label, value in show_fields(source.schedule, "draft"):
        if label not in web.pages.LINKED_FIELDS:
            assert f"{label} {' '.join(value.split())}" in words


def test_milestone_page_links_what_it_waits_for_and_what_waits_for_it(client):
    hrefs = {a.get("href") for a in get_page(client, "/m/ready").all("a")}
    assert "/m/draft" in hrefs
    hrefs = {a.get("href") for a in get_page(client, "/m/draft").all("a")}
    assert {"/m/ready", "/m/session"} <= hrefs


def test_unknown_milestone_is_a_404_page(client):
    response = client.get("/m/nope")
    assert response.status_code == 404
    assert "There is no milestone 'nope' in this roadmap." in Page(response.get_data(as_text=True)).words


def test_gantt_page_has_the_chart_inline_as_svg_with_text(client):
    response = client.get("/gantt")
    body = response.get_data(as_text=True)
    svg = body[body.index("<svg"):body.index("</svg>")]
    assert "<text" in svg and "Draft report" in svg
    assert 'role="img"' in svg and "<script" not in body


def test_gantt_window_comes_from_get_parameters(client):
    words = get_page(client, "/gantt?from=2024-01-01&weeks=4").words
    assert "2024-01-01 to 2024-01-28" in words  # four weeks, the last day inclusive


def test_gantt_columns_follow_the_scale_parameter(client):
    by_week = client.get("/gantt?from=2024-01-01&weeks=26&scale=week").get_data(as_text=True)
    by_month = client.get("/gantt?from=2024-01-01&weeks=26&scale=month").get_data(as_text=True)
    assert ">W05<" in by_week and ">W05<" not in by_month
    assert '<option value="month" selected>' in by_month


@pytest.mark.parametrize("query, message", [
    ("scale=fortnight", "scale: 'fortnight' is not one of week, month, quarter"),
    ("from=2024-13-01", "from:"), ("weeks=0", "weeks: '0' is not a number of weeks"),
    ("weeks=abc", "weeks: 'abc'"), ("track=nope", "track: no track 'nope'; tracks: sessions, work")])
def test_bad_gantt_parameters_get_400_and_say_why(client, query, message):
    response = client.get(f"/gantt?{query}")
    assert response.status_code == 400
    assert message in Page(response.get_data(as_text=True)).words


def test_calendar_page_links_every_feed_and_each_resolves(client):
    page = get_page(client, "/calendars")
    feeds = [a["href"] for a in page.all("a") if a["href"].startswith("/calendar") and ".ics" in a["href"]]
    assert set(feeds) == {"/calendar.ics", "/calendar.ics?critical=1", "/calendar/sessions.ics", "/calendar/work.ics"}
    for href in feeds:
        response = client.get(href)
        assert response.status_code == 200 and response.data.startswith(b"BEGIN:VCALENDAR")
    webcal = [a["href"] for a in page.all("a") if a["href"].startswith("webcal:")]
    assert "webcal://localhost/calendar.ics" in webcal
    for name in ("Outlook", "Google Calendar", "Apple Calendar"):
        assert name in page.words


def test_status_json_is_what_the_cli_prints(client, cli, roadmap_file):
    printed = cli("--file", str(roadmap_file), "status", "--as-of", AS_OF.isoformat(), "--format", "json")
    response = client.get("/status.json")
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.get_json() == json.loads(printed.stdout)


def test_schedule_json_is_what_the_cli_prints(client, cli, roadmap_file):
    printed = cli("--file", str(roadmap_file), "schedule", "--as-of", AS_OF.isoformat(), "--format", "json")
    assert client.get("/schedule.json").get_json() == json.loads(printed.stdout)


@pytest.mark.parametrize("path", PAGES + ["/status.json", "/schedule.json", "/assets/site.css"])
def test_every_page_has_an_etag_and_answers_304_when_unchanged(client, path):
    first = client.get(path)
    assert first.headers["ETag"]
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_the_etag_changes_when_the_roadmap_changes(client, roadmap_file):
    import os

    before = client.get("/").headers["ETag"]
    stamp = roadmap_file.stat().st_mtime_ns + 2_000_000_000
    roadmap_file.write_text(SMALL_FEED_ROADMAP.replace("Draft report", "Draft report, revised"), encoding="utf-8")
    os.utime(roadmap_file, ns=(stamp, stamp))
    response = client.get("/", headers={"If-None-Match": before})
    assert response.status_code == 200 and "Draft report, revised" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", PAGES)
def test_pages_have_landmarks_one_h1_and_a_language(client, path):
    page = get_page(client, path)
    tags = [t for t, _ in page.tags]
    assert page.all("html")[0]["lang"] == "en"
    assert tags.count("h1") == 1 and tags.count("main") == 1
    assert {"header", "nav", "footer"} <= set(tags)
    assert page.all("a")[0]["href"] == "#main"  # skip link first, for keyboard users


@pytest.mark.parametrize("path", PAGES)
def test_pages_load_nothing_from_elsewhere_and_run_no_script(client, path):
    response = client.get(path)
    page = Page(response.get_data(as_text=True))
    assert not page.all("script") and not page.all("iframe")
    loaded = [a.get("src") for a in page.all("img")] + [a["href"] for a in page.all("link")]
    assert all(url.startswith(("/", "data:")) for url in loaded if url)  # data: is inline, no request
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_every_form_field_has_a_label(client):
    page = get_page(client, "/gantt")
    labelled = {a.get("for") for a in page.all("label")}
    for field in page.all("input") + page.all("select"):
        assert field["id"] in labelled


@pytest.fixture
def hostile(write_roadmap):
    path = write_roadmap(HOSTILE, "hostile.yaml")
    return create_app(FeedSource(path, today=lambda: AS_OF)).test_client()


@pytest.mark.parametrize("path", ["/", "/m/evil", "/m/next", "/gantt", "/calendars", "/gantt?track=<script>"])
def test_markup_in_the_roadmap_is_shown_as_text(hostile, path):
    body = hostile.get(path).get_data(as_text=True)
    assert "<script" not in body and "<img" not in body and "<b>" not in body
    assert "onerror=alert" not in re.sub(r"&[a-z]+;|&#\d+;", "", body.replace("&lt;img src=x onerror=alert(1)&gt;", ""))


def test_markup_in_the_roadmap_is_still_readable(hostile):
    words = get_page(hostile, "/m/evil").words
    assert f"Step {XSS}" in words and f"Notes {XSS}" in words


def test_only_web_addresses_become_links(hostile):
    page = get_page(hostile, "/m/evil")
    hrefs = [a["href"] for a in page.all("a")]
    assert not any(h.lower().startswith("javascript:") for h in hrefs)
    assert 'https://example.org/?a=1&b="2"' in hrefs
    assert "javascript:alert(1)" in page.words


def test_document_symbols_link_to_the_un_document_system(client, write_roadmap):
    path = write_roadmap(SMALL_FEED_ROADMAP.replace("lead: Secretariat", "lead: Secretariat\n    documents: [E/CN.16/2024/2]"), "docs.yaml")
    page = get_page(create_app(FeedSource(path, today=lambda: AS_OF)).test_client(), "/m/draft")
    assert "https://docs.un.org/en/E/CN.16/2024/2" in [a["href"] for a in page.all("a")]


def test_a_broken_file_keeps_the_last_good_pages_with_a_warning(client, roadmap_file):
    import os

    get_page(client, "/")
    stamp = roadmap_file.stat().st_mtime_ns + 2_000_000_000
    roadmap_file.write_text(SMALL_FEED_ROADMAP.replace("after: [draft]", "after: [draftt]"), encoding="utf-8")
    os.utime(roadmap_file, ns=(stamp, stamp))
    page = get_page(client, "/")
    assert "The roadmap file has errors;" in page.words and "did you mean 'draft'?" in page.words
    assert "Draft report" in page.words


def test_no_write_route_without_allow_updates(client):
    for path in ["/", "/m/draft", "/sign-in", "/sign-out", "/m/draft/report"]:
        assert client.post(path).status_code in (404, 405)
    assert client.get("/sign-in?token=1.abcdefghijklmnopqrstuvwxyz").status_code == 404


def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_text_colours_meet_wcag_aa_contrast():
    from importlib import resources

    css = resources.files("roadmap_tracker.web").joinpath("static/site.css").read_text()
    colours = dict(re.findall(r"--([a-z]+):\s*(#[0-9a-f]{6})", css))
    for name in ("ink", "muted", "link", "critical", "late", "risk", "ok", "blocked"):
        assert contrast(colours[name], colours["paper"]) >= 4.5, name
        assert contrast(colours[name], colours["band"]) >= 4.5, name  # on the headline's background too
    assert contrast("#ffffff", "#1f2d3d") >= 4.5  # the page header
    assert contrast(colours["focus"], colours["paper"]) >= 3 and contrast(colours["focus"], colours["band"]) >= 3
    header_focus = re.search(r"header.site :focus-visible \{ outline-color: (#[0-9a-f]{6})", css).group(1)
    assert contrast(header_focus, "#1f2d3d") >= 3  # focus rings are drawn to be seen (non-text contrast)
    assert contrast(colours["late"], "#fff3f4") >= 4.5 and contrast(colours["ok"], "#f0f8f2") >= 4.5


def test_a_milestone_page_says_what_moved_in_the_week_and_why(source):
    from roadmap_tracker.diff import compare_schedules
    from roadmap_tracker.loading import parse_roadmap_bytes
    from roadmap_tracker.scheduling import compute_schedule
    from roadmap_tracker.web.routes import WebOptions

    text = source.path.read_text(encoding="utf-8")
    shorter = text.replace("duration: 10d", "duration: 7d", 1)
    assert shorter != text
    earlier = compute_schedule(parse_roadmap_bytes(shorter.encode(), "earlier.yaml")[0], source.schedule.as_of)
    client = create_app(source, WebOptions(moves=lambda schedule: compare_schedules(earlier, schedule))).test_client()
    words = get_page(client, "/m/draft").words
    assert "What moved since" in words and "(+3 days): plan edit" in words
    assert "Its dates did not move" in get_page(client, "/m/session").words


def test_without_a_history_of_the_plan_the_page_says_nothing_about_moves(client):
    assert "What moved since" not in get_page(client, "/m/draft").words
