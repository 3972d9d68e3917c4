"""ORM models of the tracking store (SQLAlchemy 2). The Alembic migrations must produce exactly these."""

from __future__ import annotations

from datetime import date, datetime

from typing import cast

from sqlalchemy import Date, DateTime, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Update(Base):
    """Append-only history: one row per reported change, with the old and new value of each field."""

    __tablename__ = "updates"
    __table_args__ = (Index("ix_updates_milestone", "roadmap_id", "milestone_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    roadmap_id: Mapped[str] = mapped_column(String(200))
    milestone_id: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    author: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    changes: Mapped[str] = mapped_column(Text)  # JSON: {field: [old, new]}
    effective_on: Mapped[date | None] = mapped_column(Date)  # the day it describes (`update --as-of`)


class MilestoneState(Base):
    """The current facts of a milestone: the fold of its history, locked while an update is applied."""

    __tablename__ = "milestone_state"

    roadmap_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    milestone_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    status: Mapped[str | None] = mapped_column(String(20))
    progress: Mapped[int | None] = mapped_column(Integer)
    actual_start: Mapped[str | None] = mapped_column(String(10))
    actual_end: Mapped[str | None] = mapped_column(String(10))
    documents: Mapped[str | None] = mapped_column(Text)  # JSON list
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_update_id: Mapped[int | None] = mapped_column(Integer)
    # the latest day its updates describe: a view of an earlier day replays this step's history
    described_until: Mapped[date | None] = mapped_column(Date)


class Baseline(Base):
    """A named snapshot: the plan file's text and hash, the facts and the schedule computed from them."""

    __tablename__ = "baselines"
    __table_args__ = (UniqueConstraint("roadmap_id", "name", name="uq_baselines_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    roadmap_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    as_of: Mapped[str] = mapped_column(String(10))
    plan_hash: Mapped[str] = mapped_column(String(64))
    plan: Mapped[str] = mapped_column(Text)
    facts: Mapped[str] = mapped_column(Text)  # JSON
    schedule: Mapped[str] = mapped_column(Text)  # JSON rows as `roadmap schedule --format json`


class Account(Base):
    """A person who may sign in to the pages: role, and the steps they may report on (``--steps``/``--track``)."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("roadmap_id", "name", name="uq_accounts_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    roadmap_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # viewer | editor | admin
    steps: Mapped[str | None] = mapped_column(Text)  # JSON list of milestone ids, or null
    track: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SignInLink(Base):
    """A one-time sign-in link: only a salted scrypt hash of its secret is kept."""

    __tablename__ = "sign_in_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(Integer, index=True)
    salt: Mapped[str] = mapped_column(String(64))
    secret_hash: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebSession(Base):
    """A signed-in browser: a hash of the session secret in its cookie, until it expires or signs out."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(Integer, index=True)
    secret_hash: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebKey(Base):
    """The key that signs session cookies and CSRF tokens, made once per roadmap."""

    __tablename__ = "web_keys"

    roadmap_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    secret: Mapped[str] = mapped_column(String(128))


class RoadmapIdentity(Base):
    """The roadmap file a roadmap id belongs to (its path in the repository), recorded at the first write."""

    __tablename__ = "roadmaps"

    roadmap_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# The tables, for Core queries (a declarative class's __table__ is a Table).
updates = cast(Table, Update.__table__)
roadmaps = cast(Table, RoadmapIdentity.__table__)
milestone_state = cast(Table, MilestoneState.__table__)
baselines = cast(Table, Baseline.__table__)
accounts = cast(Table, Account.__table__)
sign_in_links = cast(Table, SignInLink.__table__)
web_sessions = cast(Table, WebSession.__table__)
web_keys = cast(Table, WebKey.__table__)
