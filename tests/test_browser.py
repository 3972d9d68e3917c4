"""The pages in a real browser: Playwright driving Debian's Chromium against a real server."""

from __future__ import annotations

import json
import os
import shutil
import struct
from pathlib import Path

import pytest

from .conftest import SMALL_FEED_ROADMAP
from .conftest import running_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PAGES = ["/", "/gantt", "/calendars", "/m/draft", "/m/session"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One real server for the module (read-only, as of 2024-03-01), on a free port."""
    folder = tmp_path_factory.mktemp("browser")
    roadmap = folder / "roadmap.yaml"
    roadmap.write_text(SMALL_FEED_ROADMAP, encoding="utf-8")
    with running_server(roadmap, "--as-of", "2024-03-01", "--state", str(folder / "state.json")) as (srv, _):
        yield srv


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed (pip install playwright)")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        except Exception as exc:  # a Chromium that Playwright cannot drive: say why
            pytest.skip(f"Chromium at {CHROMIUM} cannot be started by Playwright: {exc}")
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.problems = []
    tab.on("console", lambda m: tab.problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    tab.on("pageerror", lambda e: tab.problems.append(f"page error: {e}"))
    tab.on("requestfailed", lambda r: tab.problems.append(f"failed: {r.url}"))
    tab.on("response", lambda r: tab.problems.append(f"{r.status}: {r.url}") if r.status >= 400 else None)
    yield tab
    context.close()


def url(server, path: str) -> str:
    return f"http://127.0.0.1:{server.port}{path}"


@pytest.mark.parametrize("path", PAGES)
def test_every_page_loads_without_errors_or_failed_requests(server, page, path):
    response = page.goto(url(server, path))
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    assert page.problems == []
    assert page.evaluate("[...document.styleSheets].some(s => (s.href || '').endsWith('/assets/site.css') "
                         "&& s.cssRules.length > 50)")  # the tool's own stylesheet, loaded and parsed


@pytest.mark.parametrize("path", PAGES)
def test_every_link_resolves(server, page, path):
    page.goto(url(server, path))
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    local = sorted({h.split("#")[0] for h in hrefs if h.startswith(url(server, ""))})
    assert local
    for href in local:
        assert page.request.get(href).status == 200, href


def test_status_page_counts_equal_the_cli(server, page, cli):
    printed = json.loads(cli("--file", str(server.roadmap), "status", "--as-of", "2024-03-01", "--format", "json").stdout)
    page.goto(url(server, "/"))
    shown = page.eval_on_selector_all(
        ".toc [data-section] .count", "els => els.map(e => [e.parentElement.dataset.section, e.textContent])")
    counts = {name: int(text) for name, text in shown}
    assert counts == printed["counts"]


def test_keyboard_navigation_reaches_every_link(server, page):
    page.goto(url(server, "/"))
    total = page.eval_on_selector_all("a[href], button, input, select, textarea", "els => els.length")
    reached = set()
    for _ in range(total + 5):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("document.activeElement.outerHTML"))
    links = set(page.eval_on_selector_all("a[href]", "els => els.map(e => e.outerHTML)"))
    assert links <= reached


def test_the_skip_link_is_first_and_moves_focus_to_the_content(server, page):
    page.goto(url(server, "/"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


@pytest.mark.parametrize("path, name", [("/", "status"), ("/gantt", "gantt")])
def test_screenshots_are_written_for_review(server, page, path, name, tmp_path):
    folder = Path(os.environ.get("ROADMAP_TEST_ARTEFACTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url(server, path))
        target = folder / f"{name}-{width}.png"
        page.screenshot(path=str(target), full_page=True)
        data = target.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
        assert struct.unpack(">I", data[16:20])[0] == width  # no sideways overflow of the page
