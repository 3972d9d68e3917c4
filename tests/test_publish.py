"""``roadmap publish``: the pages and every feed as static files, with relative links."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from ical.calendar_stream import IcsCalendarStream

from roadmap_tracker.web.publish import write_site

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


def test_what_the_last_publish_wrote_is_replaced_and_a_removed_steps_page_goes(publish, roadmap_file, tmp_path):
    site = tmp_path / "site"
    roadmap_file.write_text(SMALL_FEED_ROADMAP + "  - {id: extra, title: Extra step, duration: 1d}\n")
    assert publish(site).exit_code == 0
    assert (site / "m" / "extra.html").is_file()
    roadmap_file.write_text(SMALL_FEED_ROADMAP)
    assert publish(site).exit_code == 0
    assert not (site / "m" / "extra.html").exists() and (site / "index.html").is_file()


def test_files_publish_did_not_write_are_named_and_kept_and_force_publishes_around_them(publish, tmp_path):
    site = tmp_path / "site"
    publish(site)
    (site / "CNAME").write_text("roadmap.example.org")
    (site / "notes.txt").write_text("mine")
    (site / ".git").mkdir()
    (site / ".git" / "HEAD").write_text("ref: refs/heads/main")
    refused = publish(site)
    assert refused.exit_code == 2
    assert "did not write (.git/HEAD, CNAME, notes.txt); choose a new or empty folder, or give --force" \
        in refused.stderr
    forced = publish(site, "--force")
    assert forced.exit_code == 0, forced.output
    assert (site / "CNAME").read_text() == "roadmap.example.org" and (site / "notes.txt").read_text() == "mine"
    assert (site / ".git" / "HEAD").read_text() == "ref: refs/heads/main" and (site / "index.html").is_file()
    assert publish(site, "--force").exit_code == 0  # again: still kept
    assert (site / "CNAME").is_file() and (site / ".git" / "HEAD").is_file()


@pytest.mark.parametrize("output", ["", ".", "/"])
def test_publish_refuses_no_folder_the_current_folder_or_the_root(cli, roadmap_file, output):
    result = cli("--file", str(roadmap_file), "publish", "-o", output, "--as-of", AS_OF)
    assert result.exit_code == 2 and "internal error" not in result.output
    assert "folder of its own" in result.stderr


def test_publishing_a_roadmap_without_steps_says_there_is_nothing_to_publish(cli, write_roadmap, tmp_path):
    path = write_roadmap("roadmap: {id: e, title: Empty}\nmilestones: []\n", "empty.yaml")
    result = cli("--file", str(path), "publish", "-o", str(tmp_path / "site"))
    assert result.exit_code == 2 and "nothing to publish" in result.stderr
    assert not (tmp_path / "site").exists()


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
        write_site({f"page{i}.html": b"new" for i in range(10)}, site)
    assert files_of(site) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.state.json", "roadmap.yaml", "site"]


def test_a_broken_roadmap_publishes_nothing_and_says_where(cli, write_roadmap, tmp_path):
    path = write_roadmap(SMALL_FEED_ROADMAP.replace("after: [draft]", "after: [draftt]"), "broken.yaml")
    result = cli("--file", str(path), "publish", "-o", str(tmp_path / "site"))
    assert result.exit_code == 2 and "broken.yaml:" in result.stderr and "did you mean 'draft'?" in result.stderr
    assert not (tmp_path / "site").exists()
