"""Signing in and reporting progress from the browser (``roadmap serve --allow-updates`` only).

- A one-time link (``/sign-in?token=ID.SECRET``, made by ``roadmap users add``) opens a page with
  one button; pressing it (a POST, so that mail scanners that fetch links do not use it up) starts a
  session. The token is in the query string, so it never appears in a logged path or a page.
- The session cookie is signed, HttpOnly, SameSite=Strict (Secure over HTTPS) and expires; the
  session itself lives in the store, so signing out or revoking the account ends it at once.
- Every form carries a CSRF token bound to its session; writes are POST only; viewers and
  anonymous visitors get 403; repeated bad sign-in attempts from one address get 429.
- A report goes through :func:`roadmap_tracker.store.rules.decide_update`, exactly as
  ``roadmap update`` does, and lands in the same history with ``by`` = the account's name.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from datetime import date, timedelta
from typing import TYPE_CHECKING

from ..errors import RoadmapError
from .._util import whole_number
from ..model import STATUSES
from .pages import milestone_context, render

if TYPE_CHECKING:
    from ..store.accounts import Account

SESSION_COOKIE = "roadmap_session"
SIGN_IN_COOKIE = "roadmap_sign_in"
FAILURES_ALLOWED = 10  # bad sign-in attempts per address ...
FAILURE_WINDOW = 600  # ... per ten minutes


class BrowserUpdates:
    """Accounts, sessions and progress reports for the pages, over a tracking store."""

    def __init__(self, store, lasts: timedelta = timedelta(hours=12), today=date.today):
        from ..store.accounts import Accounts

        self.store = store
        self.accounts = Accounts(store)
        self.lasts = lasts
        self.today = today
        self.key = self.accounts.signing_key()
        self.failures: dict[str, list[float]] = {}
        self.lock = threading.Lock()

    # -- who is asking --------------------------------------------------------------------------
    def _serializer(self):
        from itsdangerous import URLSafeTimedSerializer

        return URLSafeTimedSerializer(self.key, salt="roadmap-session")

    def _session_token(self) -> str | None:
        from flask import g, request
        from itsdangerous import BadSignature

        if "session_token" not in g:
            raw = request.cookies.get(SESSION_COOKIE)
            token = None
            if raw:
                try:
                    token = self._serializer().loads(raw, max_age=int(self.lasts.total_seconds()))
                except BadSignature:
                    token = None
            g.session_token = token if isinstance(token, str) else None
        return g.session_token

    def current_user(self) -> Account | None:
        from flask import g

        if "account" not in g:
            token = self._session_token()
            g.account = self.accounts.session_account(token) if token else None
        return g.account

    def csrf_token(self) -> str | None:
        token = self._session_token()
        if not token:
            return None
        return hmac.new(self.key, b"csrf:" + token.encode(), hashlib.sha256).hexdigest()

    def _csrf_ok(self) -> bool:
        from flask import request

        expected = self.csrf_token()
        given = request.form.get("csrf", "")
        if not expected:
            return False
        return hmac.compare_digest(expected, given)

    # -- rate limit -----------------------------------------------------------------------------
    def _limited(self, address: str) -> bool:
        now = time.monotonic()
        with self.lock:
            recent = [t for t in self.failures.get(address, []) if now - t < FAILURE_WINDOW]
            self.failures[address] = recent
            return len(recent) >= FAILURES_ALLOWED

    def _failed(self, address: str) -> None:
        with self.lock:
            self.failures.setdefault(address, []).append(time.monotonic())

    # -- routes ---------------------------------------------------------------------------------
    def add_routes(self, web, current, page_set, respond) -> None:
        from flask import redirect, request

        from ..store.accounts import SignInRefused

        def message(status: int, title: str, text: str):
            schedule, problem = current()
            if schedule is None:
                return respond(f"{text}\n", "text/plain", status=status, private=True)
            pages = page_set(schedule, problem)
            return respond(render("message.html", **pages.common(""), page_title=title, message=text),
                           status=status, private=True)

        def too_many():
            return message(429, "Too many attempts", "Too many sign-in attempts from this address; wait ten "
                                                     "minutes and use your link again.")

        @web.get("/sign-in")
        def sign_in_page():
            address = request.remote_addr or "?"
            if self._limited(address):
                return too_many()
            try:
                account = self.accounts.check_link(request.args.get("token", ""))
            except SignInRefused as exc:
                self._failed(address)
                return message(403, "Sign-in refused", str(exc))
            schedule, problem = current()
            if schedule is None:
                return respond("the roadmap cannot be read\n", "text/plain", status=503, private=True)
            pre = secrets.token_urlsafe(24)
            pages = page_set(schedule, problem)
            body = render("sign_in.html", **pages.common(""), page_title="Sign in", account=account, pre=pre)
            response = respond(body, private=True)
            response.set_cookie(SIGN_IN_COOKIE, pre, max_age=900, httponly=True, samesite="Strict",
                                secure=_over_https(request), path="/sign-in")
            return response

        @web.post("/sign-in")
        def sign_in():
            address = request.remote_addr or "?"
            if self._limited(address):
                return too_many()
            pre = request.cookies.get(SIGN_IN_COOKIE, "")
            if not pre or not hmac.compare_digest(pre, request.form.get("csrf", "")):
                return message(403, "Sign-in refused", "This form has expired or did not come from this site; "
                                                       "open your sign-in link again.")
            try:
                _account, token = self.accounts.sign_in(request.args.get("token", ""), self.lasts)
            except SignInRefused as exc:
                self._failed(address)
                return message(403, "Sign-in refused", str(exc))
            response = redirect("/", code=303)
            response.set_cookie(SESSION_COOKIE, self._serializer().dumps(token),
                                max_age=int(self.lasts.total_seconds()), httponly=True, samesite="Strict",
                                secure=_over_https(request), path="/")
            response.delete_cookie(SIGN_IN_COOKIE, path="/sign-in")
            response.headers["Cache-Control"] = "private, no-store"
            return response

        @web.post("/sign-out")
        def sign_out():
            if self.current_user() is None or not self._csrf_ok():
                return message(403, "Not signed out", "This form has expired or did not come from this site.")
            self.accounts.end_session(self._session_token())
            response = redirect("/", code=303)
            response.delete_cookie(SESSION_COOKIE, path="/")
            return response

        @web.post("/m/<milestone_id>/report")
        def report(milestone_id: str):
            from ..model import Facts
            from ..store.rules import decide_update, described_day

            user = self.current_user()
            if user is None:
                return message(403, "Sign in first", "Only signed-in editors can report progress; open your "
                                                     "sign-in link first.")
            if not self._csrf_ok():
                return message(403, "Refused", "This form has expired or did not come from this site; reload "
                                               "the page and try again. Nothing was recorded.")
            schedule, problem = current()
            if schedule is None:
                return respond("the roadmap cannot be read\n", "text/plain", status=503, private=True)
            if milestone_id not in schedule.entries:
                return message(404, "Not found", f"There is no milestone '{milestone_id}' in this roadmap.")
            milestone = schedule.roadmap.get(milestone_id)
            if not user.may_report_on(milestone):
                return message(403, "Not yours to report", f"The account '{user.name}' ({user.scope}) may not "
                                                            f"report on '{milestone_id}'. Nothing was recorded.")
            form = {k: request.form.get(k, "") for k in ("status", "progress", "started", "finished", "documents",
                                                          "note")}
            form["reopen"] = "1" if request.form.get("reopen") == "1" else ""  # the checkbox, ticked or not
            try:
                update = parse_report(form)
                note = " ".join(form["note"].split()) or None
                record = self.store.record_update(
                    milestone_id, lambda facts: decide_update(milestone, facts, update, self.today(), schedule.as_of,
                                                              schedule[milestone_id].end),
                    user.name, note, seed=Facts.from_milestone(milestone),
                    effective_on=described_day(update, None, schedule.as_of))
            except RoadmapError as exc:
                pages = page_set(schedule, problem)
                context = milestone_context(pages, milestone_id, self.store.history(milestone_id), True, form, None,
                                            str(exc))
                return respond(render("milestone.html", **context), status=400, private=True)
            return redirect(f"/m/{milestone_id}?reported={record.id if record else 0}", code=303)


def _over_https(request) -> bool:
    """Whether the browser reached us over HTTPS, directly or through a proxy that says so.

    Trusting ``X-Forwarded-Proto`` here is safe: it can only make a cookie stricter (Secure).
    """
    return request.is_secure or request.headers.get("X-Forwarded-Proto", "").lower() == "https"


def parse_report(form: dict[str, str]):
    """The browser's form fields as an :class:`~roadmap_tracker.store.rules.UpdateRequest` (never ``--force``)."""
    from ..dates import parse_day
    from ..errors import InvalidValue
    from ..store.rules import UpdateRequest

    status = form.get("status") or None
    if status is not None and status not in STATUSES:
        raise InvalidValue(f"status '{status}' is not one of {', '.join(STATUSES)}")
    progress = None
    if form.get("progress", "").strip():
        text = form["progress"].strip()
        progress = whole_number(text, 3)
        if progress is None:
            raise InvalidValue(f"progress '{text[:20]}' is not a whole number from 0 to 100")
    days: dict[str, date | None] = {}
    for field in ("started", "finished"):
        text = form.get(field, "").strip()
        days[field] = None
        if text:
            try:
                days[field] = parse_day(text)
            except ValueError as exc:
                raise InvalidValue(f"{field}: {exc}") from None
    documents = tuple(d.strip() for d in form.get("documents", "").split(",") if d.strip())
    return UpdateRequest(status, progress, days["started"], days["finished"], documents, form.get("reopen") == "1")


__all__ = ["BrowserUpdates", "parse_report"]
