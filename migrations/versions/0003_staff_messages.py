"""Staff messages: a note row of kind "staff_message" is what staff wrote to the person (relay.py).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: Union[str, None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # Existing rows are internal notes; SQLite needs a batch (table copy) to change a table, PostgreSQL doesn't.
    with op.batch_alter_table("notes") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="note"))


def downgrade() -> None:
    # Staff messages would read as internal notes after a downgrade: they go, as the feature does.
    op.execute(sa.text("DELETE FROM notes WHERE kind <> 'note'"))
    with op.batch_alter_table("notes") as batch:
        batch.drop_column("kind")
