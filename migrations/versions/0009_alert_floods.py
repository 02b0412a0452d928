"""Grouped alerts for floods of crisis messages (recovery_support/alerts/grouping.py).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import context, op

revision: str = "0009"
down_revision: Union[str, None] = "0008"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

COLUMNS = ("source", "grouped_into", "flood")


def upgrade() -> None:
    # The alert worker creates its tables from the models when it starts before any migration ran.
    if not context.is_offline_mode():
        present = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("handoffs")}
        if set(COLUMNS) <= present:
            return
    with op.batch_alter_table("handoffs") as batch:  # batch: SQLite can't add a foreign key in place
        batch.add_column(sa.Column("source", sa.String(64)))
        batch.add_column(sa.Column("grouped_into", sa.Integer, sa.ForeignKey("handoffs.id",
                                                                             name="fk_handoffs_grouped_into")))
        batch.add_column(sa.Column("flood", sa.String(16)))
        batch.create_index("ix_handoffs_source", ["source"])
        batch.create_index("ix_handoffs_grouped_into", ["grouped_into"])


def downgrade() -> None:
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_index("ix_handoffs_grouped_into")
        batch.drop_index("ix_handoffs_source")
        batch.drop_column("flood")
        batch.drop_column("grouped_into")
        batch.drop_column("source")
