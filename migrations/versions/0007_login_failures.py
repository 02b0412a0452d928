"""Failed logins in the database: every staff-app process shares one count per account, per address and per
pair (recovery_support/staff/throttle.py); before, each process counted in its own memory.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: Union[str, None] = "0006"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(255), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_login_failures_username_at", "login_failures", ["username", "at"])
    op.create_index("ix_login_failures_address_at", "login_failures", ["address", "at"])


def downgrade() -> None:
    op.drop_table("login_failures")
