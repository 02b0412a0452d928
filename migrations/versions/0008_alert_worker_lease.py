"""One active alert worker at a time, however many run (recovery_support/alerts/lease.py).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import context, op

revision: str = "0008"
down_revision: Union[str, None] = "0007"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # The alert worker creates its tables from the models when it starts before any migration ran.
    if not context.is_offline_mode() and sa.inspect(op.get_bind()).has_table("alert_worker_lease"):
        return
    op.create_table(
        "alert_worker_lease",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("holder", sa.String(255), nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("alert_worker_lease")
