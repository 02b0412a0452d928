"""What the conversation list shows of each conversation: ``preview`` (the first words of the person's crisis
message, else of their first message) and ``topics`` (the topic intents their messages were read as).

Filled by the projector (recovery_support/staff/preview.py, intents.py), not here: the cursor goes back to 0,
so its next passes recompute every conversation from its events with the same code as any new turn. Until
they have, ``preview`` is NULL and the list says it isn't ready.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-09
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: Union[str, None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

PREVIEW_COLUMN_CHARS = 128  # models.PREVIEW_COLUMN_CHARS when written


def upgrade() -> None:
    op.add_column("conversations", sa.Column("preview", sa.String(PREVIEW_COLUMN_CHARS)))
    op.add_column("conversations", sa.Column("topics", sa.Text, nullable=False, server_default=""))
    op.execute("UPDATE projector_cursor SET last_event_id = 0")


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later), not a batch copy: on SQLite with foreign keys
    # on, dropping the old ``conversations`` would cascade-delete every conversation's intents, messages,
    # tags and notes.
    op.drop_column("conversations", "topics")
    op.drop_column("conversations", "preview")
