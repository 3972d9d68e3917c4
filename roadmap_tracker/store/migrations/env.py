"""Alembic environment: runs on the connection roadmap-tracker passes in (online mode only)."""

from alembic import context

from roadmap_tracker.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached when alembic is run by hand
    raise RuntimeError("run migrations through 'roadmap db upgrade'")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
