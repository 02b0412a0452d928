"""The crisis alert tables (handoffs, handoff_log, outbox, alert_cursor), as in recovery_support/alerts/models.py.

Written out rather than created from the live metadata, so this revision stays what it was when later ones
change the models. A table the alert worker already made with its own ``create_tables`` is left as it is: the
worker may have started (and created them) before anyone ran Alembic.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import context, op

revision: str = "0001"
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TABLES = ("handoffs", "handoff_log", "outbox", "alert_cursor")


def _exists(name: str) -> bool:
    if context.is_offline_mode():  # `alembic upgrade head --sql`: no database to ask; the script creates all
        return False
    return sa.inspect(op.get_bind()).has_table(name)


def upgrade() -> None:
    if not _exists("handoffs"):
        op.create_table(
            "handoffs",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("conversation_id", sa.String(255), nullable=False),
            sa.Column("category", sa.String(64), nullable=False),
            sa.Column("message_text", sa.Text, nullable=False),
            sa.Column("event_id", sa.Integer, nullable=False, unique=True),
            sa.Column("message_at", sa.DateTime),
            sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("status", sa.String(16), nullable=False),
            sa.Column("acknowledged_at", sa.DateTime),
            sa.Column("acknowledged_by", sa.String(255)),
            sa.Column("escalated_at", sa.DateTime),
        )
        op.create_index("ix_handoffs_conversation_id", "handoffs", ["conversation_id"])
        op.create_index("ix_handoffs_status", "handoffs", ["status"])
    if not _exists("handoff_log"):
        op.create_table(
            "handoff_log",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("handoff_id", sa.Integer, sa.ForeignKey("handoffs.id"), nullable=False),
            sa.Column("at", sa.DateTime, nullable=False),
            sa.Column("actor", sa.String(255), nullable=False),
            sa.Column("action", sa.String(64), nullable=False),
            sa.Column("detail", sa.Text, nullable=False),
        )
        op.create_index("ix_handoff_log_handoff_id", "handoff_log", ["handoff_id"])
    if not _exists("outbox"):
        op.create_table(
            "outbox",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("handoff_id", sa.Integer, sa.ForeignKey("handoffs.id"), nullable=False),
            sa.Column("channel", sa.String(16), nullable=False),
            sa.Column("recipient", sa.String(512), nullable=False),
            sa.Column("kind", sa.String(16), nullable=False),
            sa.Column("body", sa.Text, nullable=False),
            sa.Column("attempts", sa.Integer, nullable=False),
            sa.Column("next_attempt_at", sa.DateTime, nullable=False),
            sa.Column("delivered_at", sa.DateTime),
            sa.Column("last_error", sa.Text),
            sa.Column("created_at", sa.DateTime, nullable=False),
            sa.UniqueConstraint("handoff_id", "channel", "recipient", "kind", name="uq_outbox_delivery"),
        )
        op.create_index("ix_outbox_due", "outbox", ["delivered_at", "next_attempt_at"])
    if not _exists("alert_cursor"):
        op.create_table(
            "alert_cursor",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("last_event_id", sa.Integer, nullable=False),
            sa.Column("updated_at", sa.DateTime, nullable=False),
        )


def downgrade() -> None:
    for name in ("alert_cursor", "outbox", "handoff_log", "handoffs"):  # children before parents
        if _exists(name):
            op.drop_table(name)
