"""``roadmap publish``: the pages and every feed as static files, with relative links."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from ical.calendar_stream import IcsCalendarStream

from roadmap_tracker.web.publish import MARKER, write_site

from .conftest import SMALL_FEED_ROADMAP
from .conftest import Page

AS_OF = "2024-03-01"


@pytest.fixture
def roadmap_file(write_roadmap):
    return write_roadmap(SMALL_FEED_ROADMAP)


@pytest.fixture
def publish(cli, roadmap_file):
    def run(output: Path, *extra: str):
        return cli("--file", str(roadmap_file), "publish", "-o", str(output), "--as-of", AS_OF, *extra)

    return run


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_publish_writes_every_page_and_feed(publish, tmp_path):
    result = publish(tmp_path / "site")
    assert result.exit_code == 0, result.output
    names = set(files_of(tmp_path / "site"))
    assert {"index.html", "gantt.html", "calendars.html", "status.json", "schedule.json", "assets/site.css",
            "calendar.ics", "calendar-critical.ics", "calendar/work.ics", "calendar/sessions.ics"} <= names
    assert {f"m/{i}.html" for i in ("session", "draft", "ready", "hlm", "geneva-briefing", "survey")} <= names


def test_published_feeds_are_valid_calendars(publish, tmp_path):
    publish(tmp_path / "site")
    for path in (tmp_path / "site").rglob("*.ics"):
        IcsCalendarStream.calendar_from_ics(path.read_text(encoding="utf-8"))


def test_every_local_link_of_the_site_resolves_to_a_published_file(publish, tmp_path):
    site = tmp_path / "site"
    publish(site)
    checked = 0
    for page in site.rglob("*.html"):
        parsed = Page(page.read_text(encoding="utf-8"))
        for attrs in parsed.all("a") + parsed.all("link"):
            href = attrs.get("href", "")
            if href.startswith(("#", "https://", "http://", "webcal://", "data:")):
                continue
            assert not href.startswith("/"), f"{page}: {href} is not relative"
            target = (page.parent / unquote(urlsplit(href).path)).resolve()
            assert target.is_file() and site.resolve() in target.parents, f"{page}: {href}"
            checked += 1
    assert checked > 50


def test_same_input_gives_the_same_bytes(publish, tmp_path):
    publish(tmp_path / "one")
    publish(tmp_path / "two")
    assert files_of(tmp_path / "one") == files_of(tmp_path / "two")
    first = files_of(tmp_path / "one")
    publish(tmp_path / "one")
    assert files_of(tmp_path / "one") == first


def test_published_status_json_is_what_the_cli_prints(publish, cli, roadmap_file, tmp_path):
    publish(tmp_path / "site")
    printed = cli("--file", str(roadmap_file), "status", "--as-of", AS_OF, "--format", "json").stdout
    assert json.loads((tmp_path / "site" / "status.json").read_text()) == json.loads(printed)


def test_published_pages_have_no_forms(publish, tmp_path):
    publish(tmp_path / "site")
    for page in (tmp_path / "site").rglob("*.html"):
        assert not Page(page.read_text(encoding="utf-8")).all("form"), page


def test_base_url_gives_subscription_addresses(publish, tmp_path):
    publish(tmp_path / "site", "--base-url", "https://example.org/wsis20/")
    page = Page((tmp_path / "site" / "calendars.html").read_text(encoding="utf-8"))
    hrefs = [a["href"] for a in page.all("a")]
    assert "webcal://example.org/wsis20/calendar.ics" in hrefs
    assert "webcal://example.org/wsis20/calendar/work.ics" in hrefs
    assert "https://example.org/wsis20/calendar-critical.ics" in [i.get("value") for i in page.all("input")]


def test_a_base_url_that_is_not_a_web_address_is_refused(publish, tmp_path):
    result = publish(tmp_path / "site", "--base-url", "javascript:alert(1)")
    assert result.exit_code == 2 and "--base-url 'javascript:alert(1)' must start with https://" in result.stderr
    assert not (tmp_path / "site").exists()


def test_a_previous_site_is_replaced_whole(publish, tmp_path):
    site = tmp_path / "site"
    publish(site)
    (site / "m" / "removed-step.html").write_text("old")
    publish(site)
    assert not (site / "m" / "removed-step.html").exists() and (site / "index.html").is_file()


def test_a_folder_with_other_files_is_left_alone(publish, tmp_path):
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "letter.docx").write_text("mine")
    result = publish(folder)
    assert result.exit_code == 2
    assert "has files that 'roadmap publish' did not write" in result.stderr and "Traceback" not in result.output
    assert files_of(folder) == {"letter.docx": b"mine"}


def test_a_failed_write_keeps_the_previous_site_and_leaves_no_temporary_folder(publish, tmp_path, monkeypatch):
    site = tmp_path / "site"
    publish(site)
    before = files_of(site)
    calls = []

    def failing_write(self, data):
        calls.append(self)
        if len(calls) > 3:
            raise OSError(28, "No space left on device")
        with self.open("wb") as handle:
            return handle.write(data)

    monkeypatch.setattr(Path, "write_bytes", failing_write)
    with pytest.raises(OSError):
        write_site({f"page{i}.html": b"new" for i in range(10)} | {MARKER: b"x"}, site)
    assert files_of(site) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.state.json", "roadmap.yaml", "site"]


def test_a_broken_roadmap_publishes_nothing_and_says_where(cli, write_roadmap, tmp_path):
    path = write_roadmap(SMALL_FEED_ROADMAP.replace("after: [draft]", "after: [draftt]"), "broken.yaml")
    result = cli("--file", str(path), "publish", "-o", str(tmp_path / "site"))
    assert result.exit_code == 2 and "broken.yaml:" in result.stderr and "did you mean 'draft'?" in result.stderr
    assert not (tmp_path / "site").exists()
