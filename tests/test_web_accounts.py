"""Signing in and reporting progress from the browser: only with --allow-updates, and safely."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from roadmap_tracker.server import FeedSource, create_app
from roadmap_tracker.store import Store, store_stamp
from roadmap_tracker.store.accounts import Accounts
from roadmap_tracker.store.rules import merge_all
from roadmap_tracker.web.accounts import FAILURES_ALLOWED, SESSION_COOKIE, BrowserUpdates
from roadmap_tracker.web.routes import WebOptions

from .conftest import SMALL_FEED_ROADMAP
from .conftest import Page

AS_OF = date(2024, 3, 1)
REPORT = {"status": "in_progress", "progress": "40", "started": "2024-02-26", "note": "Chapters 1-3"}


@pytest.fixture
def site(tmp_path, write_roadmap):
    path = write_roadmap(SMALL_FEED_ROADMAP)
    url = f"sqlite:///{tmp_path / 'tracking.sqlite'}"
    store = Store(url, "small")
    source = FeedSource(path, today=lambda: AS_OF, facts=lambda roadmap, day: merge_all(roadmap, store.facts(day)),
                        facts_stamp=lambda: store_stamp(url))
    app = create_app(source, WebOptions(accounts=BrowserUpdates(store, today=lambda: AS_OF)))
    yield SimpleNamespace(app=app, store=store, accounts=Accounts(store), source=source, db=tmp_path / "tracking.sqlite")
    store.close()


def hidden(client, path: str, name: str = "csrf") -> str:
    page = Page(client.get(path).get_data(as_text=True))
    return next(i["value"] for i in page.all("input") if i.get("name") == name)


def signed_in(site, name: str, role: str, **scope):
    client = site.app.test_client()
    site.accounts.add(name, role, **scope)
    token = site.accounts.issue_link(name)
    link = f"/sign-in?token={token}"
    response = client.post(link, data={"csrf": hidden(client, link)})
    assert response.status_code == 303, response.data
    return client


def report(client, milestone_id: str = "draft", csrf: str | None = None, **fields):
    data = dict(REPORT, **fields)
    if csrf is None:
        csrf = hidden(client, f"/m/{milestone_id}")
    if csrf:
        data["csrf"] = csrf
    return client.post(f"/m/{milestone_id}/report", data=data)


def test_a_sign_in_link_shows_a_button_and_the_page_never_shows_the_token(site):
    site.accounts.add("anna", "editor")
    token = site.accounts.issue_link("anna")
    response = site.app.test_client().get(f"/sign-in?token={token}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Sign in as anna" in body
    assert token not in body and token.split(".")[1] not in body
    assert response.headers["Cache-Control"] == "private, no-store"


def test_signing_in_sets_an_http_only_same_site_strict_cookie(site):
    client = site.app.test_client()
    site.accounts.add("anna", "editor")
    link = f"/sign-in?token={site.accounts.issue_link('anna')}"
    response = client.post(link, data={"csrf": hidden(client, link)})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(SESSION_COOKIE + "="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Max-Age=" in cookie
    assert "Secure" not in cookie  # plain HTTP on loopback: a Secure cookie would never come back
    assert "Signed in as anna (editor)" in Page(client.get("/").get_data(as_text=True)).words


def test_the_cookie_is_secure_behind_https(site):
    client = site.app.test_client()
    site.accounts.add("anna", "editor")
    link = f"/sign-in?token={site.accounts.issue_link('anna')}"
    https = {"X-Forwarded-Proto": "https"}
    response = client.post(link, data={"csrf": hidden(client, link)}, headers=https)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(SESSION_COOKIE + "="))
    assert "Secure" in cookie


def test_an_editor_reports_progress_and_the_history_says_who(site):
    client = signed_in(site, "anna", "editor")
    response = report(client)
    assert response.status_code == 303 and response.headers["Location"].startswith("/m/draft?reported=")
    [record] = site.store.history("draft")
    assert record.author == "anna" and record.note == "Chapters 1-3"
    assert record.changes["progress"] == [None, 40] and record.changes["status"] == [None, "in_progress"]


def test_a_report_describes_its_start_day_else_the_servers_day(site):
    client = signed_in(site, "anna", "editor")
    report(client)  # started 2024-02-26
    report(client, started="", progress="50", note="Half")
    assert [r.effective_on for r in site.store.history("draft")] == [date(2024, 2, 26), AS_OF]


def test_a_report_shows_at_once_on_the_pages_and_in_the_feeds(site):
    client = signed_in(site, "anna", "editor")
    report(client)
    assert "status in_progress (40%)" in Page(client.get("/m/draft").get_data(as_text=True)).words
    anonymous = site.app.test_client()
    assert "40% done" in Page(anonymous.get("/").get_data(as_text=True)).words
    assert b"in progress (40%)" in anonymous.get("/calendar.ics").data


def test_a_report_is_refused_with_the_same_message_as_roadmap_update_and_nothing_is_written(site):
    client = signed_in(site, "anna", "editor")
    response = report(client, finished="2024-02-20")
    assert response.status_code == 400
    assert "finished 2024-02-20 is before it started (2024-02-26); check the dates" in \
        Page(response.get_data(as_text=True)).words
    response = report(client, started="2024-03-05")
    assert response.status_code == 400 and "is in the future (today is 2024-03-01)" in response.get_data(as_text=True)
    assert site.store.history() == []


@pytest.mark.parametrize("fields, message", [({"progress": "lots"}, "progress 'lots' is not a whole number"),
                                             ({"progress": "150"}, "progress 150 is out of range; give 0 to 100"),
                                             ({"started": "26/02/2024"}, "started:"),
                                             ({"status": "finished"}, "status 'finished' is not one of")])
def test_bad_form_values_are_refused_and_the_form_keeps_what_was_typed(site, fields, message):
    client = signed_in(site, "anna", "editor")
    response = report(client, **fields)
    page = Page(response.get_data(as_text=True))
    assert response.status_code == 400 and message in page.words
    assert "Chapters 1-3" in page.words  # the note typed is still in the form
    assert site.store.history() == []


def test_a_post_without_the_csrf_token_is_refused_and_writes_nothing(site):
    client = signed_in(site, "anna", "editor")
    assert report(client, csrf="").status_code == 403
    assert report(client, csrf="0" * 64).status_code == 403
    assert site.store.history() == []


def test_a_csrf_token_from_another_session_is_refused(site):
    other = signed_in(site, "bob", "editor")
    stolen = hidden(other, "/m/draft")
    client = signed_in(site, "anna", "editor")
    assert report(client, csrf=stolen).status_code == 403
    assert site.store.history() == []


def test_anonymous_visitors_get_403_on_every_write(site):
    client = site.app.test_client()
    assert report(client, csrf="anything").status_code == 403
    assert client.post("/sign-out", data={"csrf": "anything"}).status_code == 403
    assert site.store.history() == []


def test_viewers_get_403_and_see_no_form(site):
    client = signed_in(site, "vera", "viewer")
    assert not Page(client.get("/m/draft").get_data(as_text=True)).all("textarea")
    csrf = hidden(client, "/")  # the sign-out form's token: a valid token for this session
    assert report(client, csrf=csrf).status_code == 403
    assert site.store.history() == []


def test_editors_report_only_on_their_steps_or_track(site):
    client = signed_in(site, "sam", "editor", steps=("survey",))
    csrf = hidden(client, "/m/survey")
    assert report(client, "draft", csrf=csrf).status_code == 403
    assert not Page(client.get("/m/draft").get_data(as_text=True)).all("textarea")
    tracker = signed_in(site, "tess", "editor", track="sessions")
    assert report(tracker, "draft", csrf=hidden(tracker, "/")).status_code == 403
    assert site.store.history() == []


def test_a_sign_in_link_works_once(site):
    site.accounts.add("anna", "editor")
    link = f"/sign-in?token={site.accounts.issue_link('anna')}"
    first = site.app.test_client()
    assert first.post(link, data={"csrf": hidden(first, link)}).status_code == 303
    second = site.app.test_client()
    assert second.get(link).status_code == 403
    assert "this sign-in link is not valid" in second.get(link).get_data(as_text=True)


def test_an_expired_sign_in_link_is_refused(site):
    site.accounts.add("anna", "editor")
    token = site.accounts.issue_link("anna", valid=timedelta(seconds=-1))
    client = site.app.test_client()
    assert client.get(f"/sign-in?token={token}").status_code == 403


def test_a_forged_or_mangled_token_is_refused(site):
    site.accounts.add("anna", "editor")
    ident, secret = site.accounts.issue_link("anna").split(".")
    client = site.app.test_client()
    for token in (f"{ident}.{secret[:-1]}x", f"{int(ident) + 1}.{secret}", "x", "", f"{ident}."):
        assert client.get(f"/sign-in?token={token}").status_code == 403


def test_the_sign_in_post_needs_the_form_token(site):
    site.accounts.add("anna", "editor")
    link = f"/sign-in?token={site.accounts.issue_link('anna')}"
    client = site.app.test_client()
    client.get(link)
    assert client.post(link, data={"csrf": "guess"}).status_code == 403
    assert client.post(link, data={"csrf": hidden(client, link)}).status_code == 303  # still unused


def test_repeated_bad_sign_in_attempts_are_slowed_down(site):
    client = site.app.test_client()
    for _ in range(FAILURES_ALLOWED):
        assert client.get("/sign-in?token=1.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").status_code == 403
    assert client.get("/sign-in?token=1.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").status_code == 429


def test_after_sign_out_the_old_cookie_is_refused(site):
    client = signed_in(site, "anna", "editor")
    csrf = hidden(client, "/m/draft")
    cookie = client.get_cookie(SESSION_COOKIE).value
    assert client.post("/sign-out", data={"csrf": csrf}).status_code == 303
    client.set_cookie(SESSION_COOKIE, cookie)  # replayed
    assert report(client, csrf=csrf).status_code == 403
    assert site.store.history() == []


def test_a_revoked_account_is_signed_out_at_once(site):
    client = signed_in(site, "anna", "editor")
    csrf = hidden(client, "/m/draft")
    site.accounts.revoke("anna")
    assert report(client, csrf=csrf).status_code == 403
    assert "Signed in as" not in client.get("/").get_data(as_text=True)


def test_a_tampered_session_cookie_is_ignored(site):
    client = signed_in(site, "anna", "editor")
    value = client.get_cookie(SESSION_COOKIE).value
    client.set_cookie(SESSION_COOKIE, value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1])
    assert "Signed in as" not in client.get("/").get_data(as_text=True)


def test_markup_in_account_names_renders_as_text(site):
    client = signed_in(site, '<script>alert("x")</script>', "editor")
    report(client)
    for path in ("/", "/m/draft"):
        body = client.get(path).get_data(as_text=True)
        assert "<script" not in body and "&lt;script&gt;" in body


def test_tokens_are_stored_only_as_hashes(site):
    site.accounts.add("anna", "editor")
    token = site.accounts.issue_link("anna")
    client = site.app.test_client()
    link = f"/sign-in?token={token}"
    client.post(link, data={"csrf": hidden(client, link)})
    session_secret = client.get_cookie(SESSION_COOKIE).value
    site.store.close()
    data = b"".join(p.read_bytes() for p in site.db.parent.glob("tracking.sqlite*"))
    assert token.split(".")[1].encode() not in data
    assert session_secret.encode() not in data


def test_signed_in_pages_are_never_cached(site):
    client = signed_in(site, "anna", "editor")
    for path in ("/", "/m/draft", "/gantt", "/calendars"):
        assert client.get(path).headers["Cache-Control"] == "private, no-store"


def test_the_cli_manages_accounts_and_prints_the_link_once(cli, write_roadmap, tmp_path):
    path = str(write_roadmap(SMALL_FEED_ROADMAP))
    added = cli("--file", path, "users", "add", "ohchr-focal", "--role", "editor", "--track", "work")
    assert added.exit_code == 0, added.output
    assert added.stdout.startswith("http://127.0.0.1:8080/sign-in?token=")
    listed = cli("--file", path, "users", "list")
    assert "ohchr-focal  editor  track work  added" in listed.stdout
    assert added.stdout.strip().split("token=")[1].split(".")[1] not in listed.output
    assert cli("--file", path, "users", "revoke", "ohchr-focal").exit_code == 0
    assert "revoked" in cli("--file", path, "users", "list").stdout


@pytest.mark.parametrize("args, message", [
    (["--role", "owner"], "'owner' is not one of"),
    (["--role", "editor", "--steps", "draftt"], "no milestone 'draftt'"),
    (["--role", "editor", "--track", "nope"], "no track 'nope'"),
    (["--role", "editor", "--track", "work", "--steps", "draft"], "give --steps or --track, not both"),
    (["--role", "viewer", "--track", "work"], "--steps and --track are for editors"),
])
def test_the_cli_refuses_bad_accounts(cli, write_roadmap, args, message):
    result = cli("--file", str(write_roadmap(SMALL_FEED_ROADMAP)), "users", "add", "x", *args)
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_accounts_links_and_sessions_work_the_same_on_both_databases(db_url):
    from roadmap_tracker.store.accounts import SignInRefused

    with Store.open(db_url, "small") as store:
        accounts = Accounts(store)
        accounts.add("anna", "editor", steps=("draft",))
        token = accounts.issue_link("anna")
        assert accounts.check_link(token).name == "anna"
        account, session = accounts.sign_in(token, timedelta(hours=1))
        assert account.name == "anna"
        with pytest.raises(SignInRefused):
            accounts.sign_in(token, timedelta(hours=1))
        assert accounts.session_account(accounts.start_session(account, timedelta(hours=1))).name == "anna"
        assert accounts.session_account(session).steps == ("draft",)
        assert accounts.signing_key() == accounts.signing_key()
        accounts.revoke("anna")
        assert accounts.session_account(session) is None
        assert [a.name for a in accounts.list()] == ["anna"] and accounts.list()[0].revoked_at is not None


@pytest.mark.parametrize("progress", ["²", "9" * 5000])
def test_a_report_whose_progress_is_no_plain_number_is_a_400_with_a_message(site, progress):
    client = signed_in(site, "anna", "editor")
    response = report(client, progress=progress)
    assert response.status_code == 400
    assert "is not a whole number from 0 to 100" in response.get_data(as_text=True)
