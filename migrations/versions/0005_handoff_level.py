"""Handoffs carry a level: ``crisis`` (the full crisis reply was given) or ``check_in`` (a possible crisis got a
safety check-in: a lower-priority handoff that staff still see and are alerted to).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import context, op

revision: str = "0005"
down_revision: Union[str, None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # The alert worker creates its tables from the models when it starts before any migration ran; they have it.
    if not context.is_offline_mode() and "level" in {
            c["name"] for c in sa.inspect(op.get_bind()).get_columns("handoffs")}:
        return
    with op.batch_alter_table("handoffs") as batch:
        batch.add_column(sa.Column("level", sa.String(16), nullable=False, server_default="crisis"))


def downgrade() -> None:
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_column("level")
