"""Accounts for the pages: who may sign in, what they may report on, one-time links and sessions.

Secrets are never stored: a sign-in link's secret is kept as a salted ``hashlib.scrypt`` hash
(n=2**14, r=8, p=1); a session's 256-bit random secret as its SHA-256 (it is checked on every
request, and a slow hash adds nothing to a secret that long). A link or a session is named by its
row id, so checking one costs one hash, and the comparison takes constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from ..errors import InvalidValue
from . import Store, StoreError, _aware

ROLES = ("viewer", "editor", "admin")
SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1, "dklen": 32}


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    role: str
    steps: tuple[str, ...] | None
    track: str | None
    created_at: datetime
    revoked_at: datetime | None = None

    def may_report_on(self, milestone) -> bool:
        """Editors report on their steps (or track, or every step when given neither); admins on all."""
        if self.revoked_at is not None or self.role not in ("editor", "admin"):
            return False
        if self.role == "admin":
            return True
        if self.steps is not None:
            return milestone.id in self.steps
        if self.track is not None:
            return milestone.track == self.track
        return True

    @property
    def scope(self) -> str:
        if self.role == "admin":
            return "every step"
        if self.role == "viewer":
            return "reads only"
        if self.steps is not None:
            return "steps " + ", ".join(self.steps)
        return f"track {self.track}" if self.track else "every step"


class SignInRefused(InvalidValue):
    """A sign-in link or session that is unknown, used, expired, ended or revoked."""


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(timezone.utc)


def scrypt_hash(secret: str, salt: bytes) -> str:
    return hashlib.scrypt(secret.encode("utf-8"), salt=salt, **SCRYPT).hex()


def _split(token: str) -> tuple[int, str] | None:
    ident, _, secret = (token or "").partition(".")
    if not ident.isdigit() or len(ident) > 12 or not 20 <= len(secret) <= 100:
        return None
    return int(ident), secret


def _account(row) -> Account:
    return Account(row["id"], row["name"], row["role"], tuple(json.loads(row["steps"])) if row["steps"] else None,
                   row["track"], _aware(row["created_at"]),
                   _aware(row["revoked_at"]) if row["revoked_at"] is not None else None)


class Accounts:
    """The accounts of one roadmap in a tracking store."""

    def __init__(self, store: Store):
        self.store = store

    # -- people ---------------------------------------------------------------------------------
    def add(self, name: str, role: str, steps: tuple[str, ...] | None = None, track: str | None = None,
            now: datetime | None = None) -> Account:
        from sqlalchemy import insert, select

        from .models import accounts

        name = " ".join(name.split())
        if not name or len(name) > 100:
            raise InvalidValue("give the account a name of 1 to 100 characters")
        if role not in ROLES:
            raise InvalidValue(f"role '{role}' is not one of {', '.join(ROLES)}")

        def work(connection):
            key = (accounts.c.roadmap_id == self.store.roadmap_id) & (accounts.c.name == name)
            if connection.execute(select(accounts.c.id).where(key)).first():
                raise StoreError(f"an account named '{name}' already exists; 'roadmap users list' shows it, "
                                 "'roadmap users link' makes it a new sign-in link")
            connection.execute(insert(accounts).values(
                roadmap_id=self.store.roadmap_id, name=name, role=role, steps=json.dumps(list(steps)) if steps else None,
                track=track, created_at=_now(now), revoked_at=None))
            return _account(connection.execute(select(accounts).where(key)).mappings().one())

        return self.store._write(work)

    def list(self) -> list[Account]:
        from sqlalchemy import select

        from .models import accounts

        with self.store.engine.connect() as connection:
            rows = connection.execute(select(accounts).where(accounts.c.roadmap_id == self.store.roadmap_id)
                                      .order_by(accounts.c.id)).mappings().all()
        return [_account(r) for r in rows]

    def get(self, name: str) -> Account:
        for account in self.list():
            if account.name == name:
                return account
        raise InvalidValue(f"no account named '{name}'; 'roadmap users list' shows them")

    def revoke(self, name: str, now: datetime | None = None) -> Account:
        """Revoke an account: its sessions end and its unused links stop working at once."""
        from sqlalchemy import update

        from .models import accounts, sign_in_links, web_sessions

        account = self.get(name)
        moment = _now(now)

        def work(connection):
            connection.execute(update(accounts).where(accounts.c.id == account.id).values(revoked_at=moment))
            connection.execute(update(web_sessions).where((web_sessions.c.account_id == account.id)
                                                          & web_sessions.c.ended_at.is_(None)).values(ended_at=moment))
            connection.execute(update(sign_in_links).where((sign_in_links.c.account_id == account.id)
                                                           & sign_in_links.c.used_at.is_(None)).values(used_at=moment))

        self.store._write(work)
        return self.get(name)

    # -- one-time links -------------------------------------------------------------------------
    def issue_link(self, name: str, valid: timedelta = timedelta(days=3), now: datetime | None = None) -> str:
        """A new one-time sign-in token (``ID.SECRET``) for an account; only its hash is stored."""
        from sqlalchemy import insert

        from .models import sign_in_links

        account = self.get(name)
        if account.revoked_at is not None:
            raise InvalidValue(f"the account '{name}' is revoked; add a new account instead")
        secret = secrets.token_urlsafe(32)
        salt = secrets.token_bytes(16)
        moment = _now(now)

        def work(connection):
            result = connection.execute(insert(sign_in_links).values(
                account_id=account.id, salt=salt.hex(), secret_hash=scrypt_hash(secret, salt), created_at=moment,
                expires_at=moment + valid, used_at=None))
            return result.inserted_primary_key[0]

        return f"{self.store._write(work)}.{secret}"

    def check_link(self, token: str, now: datetime | None = None) -> Account:
        """The account a sign-in token is for, without using it up; :class:`SignInRefused` if it is not valid."""
        return self._link(token, now, use=False)

    def sign_in(self, token: str, lasts: timedelta, now: datetime | None = None) -> tuple[Account, str]:
        """Use a sign-in token up (once only) and start a session, in one transaction.

        Returns the account and the session's ``ID.SECRET`` for the cookie (only its hash is stored).
        """
        return self._link(token, now, use=True, lasts=lasts)

    def _link(self, token: str, now: datetime | None, use: bool, lasts: timedelta | None = None):
        from sqlalchemy import select, update

        from .models import accounts, sign_in_links

        refused = SignInRefused("this sign-in link is not valid: it is unknown, was used already, has expired or "
                                "its account was revoked; ask for a new one")
        parts = _split(token)
        if parts is None:
            raise refused
        ident, secret = parts
        moment = _now(now)

        def work(connection):
            row = connection.execute(select(sign_in_links).where(sign_in_links.c.id == ident)).mappings().first()
            if row is None:
                scrypt_hash(secret, b"0" * 16)  # the same work whether or not the link exists
                raise refused
            good = hmac.compare_digest(scrypt_hash(secret, bytes.fromhex(row["salt"])), row["secret_hash"])
            if not good or row["used_at"] is not None or _aware(row["expires_at"]) <= moment:
                raise refused
            account = connection.execute(select(accounts).where(
                (accounts.c.id == row["account_id"]) & (accounts.c.roadmap_id == self.store.roadmap_id))
            ).mappings().first()
            if account is None or account["revoked_at"] is not None:
                raise refused
            if not use:
                return _account(account)
            done = connection.execute(update(sign_in_links).where(
                (sign_in_links.c.id == ident) & sign_in_links.c.used_at.is_(None)).values(used_at=moment))
            if done.rowcount != 1:
                raise refused
            return _account(account), self._new_session(connection, account["id"], lasts, moment)

        return self.store._write(work)

    @staticmethod
    def _new_session(connection, account_id: int, lasts: timedelta, moment: datetime) -> str:
        from sqlalchemy import insert

        from .models import web_sessions

        secret = secrets.token_urlsafe(32)
        result = connection.execute(insert(web_sessions).values(
            account_id=account_id, secret_hash=hashlib.sha256(secret.encode()).hexdigest(), created_at=moment,
            expires_at=moment + lasts, ended_at=None))
        return f"{result.inserted_primary_key[0]}.{secret}"

    # -- sessions -------------------------------------------------------------------------------
    def start_session(self, account: Account, lasts: timedelta, now: datetime | None = None) -> str:
        """A new session for ``account``: returns ``ID.SECRET`` for the cookie; only a hash is stored."""
        return self.store._write(lambda connection: self._new_session(connection, account.id, lasts, _now(now)))

    def session_account(self, token: str, now: datetime | None = None) -> Account | None:
        """The account of a live session (None when unknown, ended, expired or revoked)."""
        from sqlalchemy import select

        from .models import accounts, web_sessions

        parts = _split(token)
        if parts is None:
            return None
        ident, secret = parts
        with self.store.engine.connect() as connection:
            row = connection.execute(
                select(web_sessions, accounts.c.name, accounts.c.role, accounts.c.steps, accounts.c.track,
                       accounts.c.created_at, accounts.c.revoked_at, accounts.c.roadmap_id)
                .join(accounts, accounts.c.id == web_sessions.c.account_id)
                .where(web_sessions.c.id == ident)).mappings().first()
        if row is None or row["roadmap_id"] != self.store.roadmap_id:
            return None
        if not hmac.compare_digest(hashlib.sha256(secret.encode()).hexdigest(), row["secret_hash"]):
            return None
        if row["ended_at"] is not None or _aware(row["expires_at"]) <= _now(now) or row["revoked_at"] is not None:
            return None
        return Account(row["account_id"], row["name"], row["role"],
                       tuple(json.loads(row["steps"])) if row["steps"] else None, row["track"],
                       _aware(row["created_at"]), None)

    def end_session(self, token: str, now: datetime | None = None) -> None:
        from sqlalchemy import update

        from .models import web_sessions

        parts = _split(token)
        if parts is None:
            return
        self.store._write(lambda connection: connection.execute(update(web_sessions).where(
            (web_sessions.c.id == parts[0]) & web_sessions.c.ended_at.is_(None)).values(ended_at=_now(now))))

    def signing_key(self) -> bytes:
        """The key that signs cookies and CSRF tokens: made on first use, kept in the store."""
        from sqlalchemy import insert, select

        from .models import web_keys

        def work(connection):
            key = web_keys.c.roadmap_id == self.store.roadmap_id
            row = connection.execute(select(web_keys.c.secret).where(key)).first()
            if row is None:
                secret = secrets.token_hex(32)
                connection.execute(insert(web_keys).values(roadmap_id=self.store.roadmap_id, secret=secret))
                return secret
            return row[0]

        return bytes.fromhex(self.store._write(work))


__all__ = ["ROLES", "Account", "Accounts", "SignInRefused"]
