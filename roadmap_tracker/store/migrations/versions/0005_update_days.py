"""The day each update describes (`roadmap update --as-of`), so that an earlier day's views leave
out what was reported for the days after it. Updates recorded before describe the (local) day they
were recorded. Each step's state row keeps the latest day its updates describe, so that only a
view of an earlier day pays for replaying its history.

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
    days = []
    for update_id, recorded_at in connection.execute(sa.select(updates.c.id, updates.c.recorded_at)).all():
        assert isinstance(recorded_at, datetime)
        if recorded_at.tzinfo is None:  # SQLite keeps the UTC time without its zone
            recorded_at = recorded_at.replace(tzinfo=timezone.utc)
        # the local day, as `roadmap update` without --as-of would have said (views use the local today)
        days.append({"update_id": update_id, "day": recorded_at.astimezone().date()})
    if days:  # one statement for all rows (executemany), not a round trip per row
        connection.execute(updates.update().where(updates.c.id == sa.bindparam("update_id"))
                           .values(effective_on=sa.bindparam("day")), days)
    op.add_column("milestone_state", sa.Column("described_until", sa.Date(), nullable=True))
    connection.execute(sa.text(
        "UPDATE milestone_state SET described_until = (SELECT max(u.effective_on) FROM updates u "
        "WHERE u.roadmap_id = milestone_state.roadmap_id AND u.milestone_id = milestone_state.milestone_id)"))


def downgrade() -> None:
    with op.batch_alter_table("milestone_state") as batch:
        batch.drop_column("described_until")
    with op.batch_alter_table("updates") as batch:
        batch.drop_column("effective_on")
