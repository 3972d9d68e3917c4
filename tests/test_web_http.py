"""The pages over real HTTP, from the server the ``roadmap serve`` command starts."""

from __future__ import annotations

from .test_server import server  # noqa: F401  (the fixture: a real server on a free port)


def test_status_page_over_http_with_an_etag_and_a_304(server):  # noqa: F811
    status, headers, body = server.request("GET", "/")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"Status as of 2024-03-01" in body
    status, _, again = server.request("GET", "/", {"If-None-Match": headers["ETag"]})
    assert status == 304 and again == b""


def test_every_link_on_the_status_page_resolves_over_http(server):  # noqa: F811
    from .test_web import Page

    _, _, body = server.request("GET", "/")
    page = Page(body.decode())
    local = {a["href"] for a in page.all("a") if a["href"].startswith("/")} | {a["href"] for a in page.all("link")}
    assert "/m/draft" in local and "/assets/site.css" in local
    for href in sorted(local):
        assert server.request("GET", href)[0] == 200, href


def test_the_read_only_server_refuses_posts_to_pages(server):  # noqa: F811
    for path in ("/", "/m/draft", "/sign-in"):
        assert server.request("POST", path)[0] in (404, 405)


def test_a_reported_update_shows_on_the_milestone_page_at_once(server, cli):  # noqa: F811
    result = cli("--file", str(server.roadmap), "update", "draft", "--status", "in_progress", "--started",
                 "2024-02-26", "--progress", "20", "--by", "<i>anna</i>", "--note", "Chapters <b>1-3</b>")
    assert result.exit_code == 0, result.output
    status, _, body = server.request("GET", "/m/draft")
    assert status == 200
    assert b"by &lt;i&gt;anna&lt;/i&gt;" in body and b"Chapters &lt;b&gt;1-3&lt;/b&gt;" in body
    assert "progress: - → 20".encode() in body
