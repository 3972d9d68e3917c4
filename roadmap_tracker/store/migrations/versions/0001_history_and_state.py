"""Progress history and current state.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "updates",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("roadmap_id", sa.String(200), nullable=False),
        sa.Column("milestone_id", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("changes", sa.Text(), nullable=False),
    )
    op.create_index("ix_updates_milestone", "updates", ["roadmap_id", "milestone_id", "id"])
    op.create_table(
        "milestone_state",
        sa.Column("roadmap_id", sa.String(200), primary_key=True),
        sa.Column("milestone_id", sa.String(200), primary_key=True),
        sa.Column("status", sa.String(20), nullable=True),
        sa.Column("progress", sa.Integer(), nullable=True),
        sa.Column("actual_start", sa.String(10), nullable=True),
        sa.Column("actual_end", sa.String(10), nullable=True),
        sa.Column("documents", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_update_id", sa.Integer(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("milestone_state")
    op.drop_index("ix_updates_milestone", table_name="updates")
    op.drop_table("updates")
