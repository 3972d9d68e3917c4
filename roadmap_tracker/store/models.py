"""ORM models of the tracking store (SQLAlchemy 2). The Alembic migrations must produce exactly these."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, Text, UniqueConstraint
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


updates = Update.__table__
milestone_state = MilestoneState.__table__
baselines = Baseline.__table__
