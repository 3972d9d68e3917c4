"""The pages over real HTTP, from the server the ``roadmap serve`` command starts."""

from __future__ import annotations


def test_status_page_over_http_with_an_etag_and_a_304(server):  # noqa: F811
    status, headers, body = server.request("GET", "/")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"Status as of 2024-03-01" in body
    status, _, again = server.request("GET", "/", {"If-None-Match": headers["ETag"]})
    assert status == 304 and again == b""


def test_every_link_on_the_status_page_resolves_over_http(server):  # noqa: F811
    from .conftest import Page

    _, _, body = server.request("GET", "/")
    page = Page(body.decode())
    hrefs = [a["href"] for a in page.all("a") + page.all("link")]
    local = {h for h in hrefs if h.startswith("/")}  # the icon is inline (data:), never requested
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


def test_an_editor_signs_in_and_reports_over_http_with_allow_updates(tmp_path, cli):
    import json
    import re

    from .conftest import SMALL_FEED_ROADMAP, Page, free_port, running_server

    roadmap = tmp_path / "roadmap.yaml"
    roadmap.write_text(SMALL_FEED_ROADMAP, encoding="utf-8")
    port = free_port()
    added = cli("--file", str(roadmap), "users", "add", "anna", "--role", "editor", "--url", f"http://127.0.0.1:{port}")
    link = added.stdout.strip().split(f":{port}", 1)[1]
    with running_server(roadmap, "--as-of", "2024-03-01", "--allow-updates", port=port,
                        capture_log=True) as (srv, process):
        status, headers, body = srv.request("GET", link)
        assert status == 200
        pre_cookie = headers["Set-Cookie"].split(";")[0]
        pre = next(i["value"] for i in Page(body.decode()).all("input") if i.get("name") == "csrf")
        form = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": pre_cookie}
        status, headers, _ = srv.request_body("POST", link, f"csrf={pre}", form)
        assert status == 303
        session = next(c for c in headers.get_all("Set-Cookie") if c.startswith("roadmap_session")).split(";")[0]
        _, _, page = srv.request("GET", "/m/draft", {"Cookie": session})
        csrf = re.search(rb'name="csrf" value="([0-9a-f]+)"', page).group(1).decode()
        data = f"csrf={csrf}&status=in_progress&progress=30&started=2024-02-26&note=Under+way"
        status, headers, _ = srv.request_body("POST", "/m/draft/report", data,
                                              {"Content-Type": "application/x-www-form-urlencoded", "Cookie": session})
        assert status == 303
        _, _, feed = srv.request("GET", "/calendar.ics")
        assert b"in progress (30%)" in feed
        [record] = json.loads(cli("--file", str(roadmap), "history", "draft", "--format", "json").stdout)
        assert record["author"] == "anna" and record["note"] == "Under way"
        assert srv.request_body("POST", "/m/draft/report", data, {"Content-Type": "application/x-www-form-urlencoded"})[0] == 403
    assert link.split("token=")[1] not in process.stderr.read().decode()
