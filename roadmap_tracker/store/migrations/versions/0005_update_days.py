"""The day each update describes (`roadmap update --as-of`), so that an earlier day's views leave
out what was reported for the days after it. Updates recorded before describe the day they were
recorded (UTC).

Revision ID: 0005
Revises: 0004
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("updates", sa.Column("effective_on", sa.Date(), nullable=True))
    updates = sa.table("updates", sa.column("id", sa.Integer()), sa.column("recorded_at", sa.DateTime(timezone=True)),
                       sa.column("effective_on", sa.Date()))
    connection = op.get_bind()
    for update_id, recorded_at in connection.execute(sa.select(updates.c.id, updates.c.recorded_at)).all():
        assert isinstance(recorded_at, datetime)
        if recorded_at.tzinfo is not None:
            recorded_at = recorded_at.astimezone(timezone.utc)
        connection.execute(updates.update().where(updates.c.id == update_id).values(effective_on=recorded_at.date()))


def downgrade() -> None:
    with op.batch_alter_table("updates") as batch:
        batch.drop_column("effective_on")
