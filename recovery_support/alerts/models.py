"""The alert pipeline's own tables. Rasa's ``events`` table is read, never created or altered here.

Times are naive UTC ``datetime`` values everywhere (SQLite has no time zones; one convention avoids mixing).
"""
from datetime import datetime, timezone
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import declarative_base

Base = declarative_base()

# Handoff.status values.
OPEN = "open"
ACKNOWLEDGED = "acknowledged"
CLOSED = "closed"

# Outbox.kind values: the first alert to on-call, and the one escalation to backup contacts.
ALERT = "alert"
ESCALATION = "escalation"

# Who "disclosed" in HandoffLog: the worker acts for the clinic (42 CFR Part 2 § 2.51 asks who disclosed).
SYSTEM_ACTOR = "alert-worker"


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


# Where intake, escalation and delivery read "now": ``utcnow``, or a simulated clock in tests (a 10-minute
# outage can't take 10 real minutes in CI).
Clock = Callable[[], datetime]


class Handoff(Base):
    """One crisis message that a human must pick up; one per tracker event."""

    __tablename__ = "handoffs"

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    conversation_id = sa.Column(sa.String(255), nullable=False, index=True)  # Rasa's sender_id
    category = sa.Column(sa.String(64), nullable=False)  # overdose, suicidal, self_harm, medical
    # crisis: the full crisis reply was given; check_in: a possible crisis got a safety check-in (lower priority)
    level = sa.Column(sa.String(16), nullable=False, default="crisis", server_default="crisis")
    message_text = sa.Column(sa.Text, nullable=False, default="")
    # Unique: the tracker event that raised it, so reading the same event twice can't create two handoffs.
    event_id = sa.Column(sa.Integer, nullable=False, unique=True)
    message_at = sa.Column(sa.DateTime)  # when the person wrote it (the event's timestamp)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    status = sa.Column(sa.String(16), nullable=False, default=OPEN, index=True)
    acknowledged_at = sa.Column(sa.DateTime)
    acknowledged_by = sa.Column(sa.String(255))
    escalated_at = sa.Column(sa.DateTime)
    # Floods (grouping.py). ``source``: a digest of the client's address, from the message's metadata.
    source = sa.Column(sa.String(64), index=True)
    # The handoff whose alert this one's is folded into; grouped handoffs are not alerted or escalated alone.
    grouped_into = sa.Column(sa.Integer, sa.ForeignKey("handoffs.id"), index=True)
    # On a handoff whose alert heads a flood: "source" or "service" (its alert says later ones are grouped).
    flood = sa.Column(sa.String(16))


class HandoffLog(Base):
    """Who did what when: the record an emergency disclosure under 42 CFR Part 2 requires."""

    __tablename__ = "handoff_log"

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    handoff_id = sa.Column(sa.Integer, sa.ForeignKey("handoffs.id"), nullable=False, index=True)
    at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    actor = sa.Column(sa.String(255), nullable=False)
    action = sa.Column(sa.String(64), nullable=False)  # created, delivered, not_alerted, escalated, acknowledged
    detail = sa.Column(sa.Text, nullable=False, default="")


class Outbox(Base):
    """One message to one recipient on one channel, retried until delivered and never dropped."""

    __tablename__ = "outbox"
    __table_args__ = (
        # Nothing is queued twice, whatever re-reads or restarts happen.
        sa.UniqueConstraint("handoff_id", "channel", "recipient", "kind", name="uq_outbox_delivery"),
        # The delivery loop's query: undelivered rows that are due.
        sa.Index("ix_outbox_due", "delivered_at", "next_attempt_at"),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    handoff_id = sa.Column(sa.Integer, sa.ForeignKey("handoffs.id"), nullable=False)
    channel = sa.Column(sa.String(16), nullable=False)  # telegram, email, webhook
    recipient = sa.Column(sa.String(512), nullable=False)  # chat id, e-mail address or URL
    kind = sa.Column(sa.String(16), nullable=False, default=ALERT)
    body = sa.Column(sa.Text, nullable=False, default="")  # the rendered text, kept for the record
    attempts = sa.Column(sa.Integer, nullable=False, default=0)
    next_attempt_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    delivered_at = sa.Column(sa.DateTime)
    last_error = sa.Column(sa.Text)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)


class AlertCursor(Base):
    """The highest ``events.id`` below which every row has been read (one row, id 1)."""

    __tablename__ = "alert_cursor"

    id = sa.Column(sa.Integer, primary_key=True)
    last_event_id = sa.Column(sa.Integer, nullable=False, default=0)
    updated_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)


class WorkerLease(Base):
    """Which alert worker does the work (lease.py): one row, held by one worker until it stops renewing it."""

    __tablename__ = "alert_worker_lease"

    id = sa.Column(sa.Integer, primary_key=True)
    holder = sa.Column(sa.String(255), nullable=False)
    expires_at = sa.Column(sa.DateTime, nullable=False)


ALERT_TABLES = [Handoff.__table__, HandoffLog.__table__, Outbox.__table__, AlertCursor.__table__,
                WorkerLease.__table__]


def create_tables(engine: Engine) -> None:
    """Create the alert tables that don't exist yet (only these; issue 4 moves this to Alembic)."""
    Base.metadata.create_all(engine, tables=ALERT_TABLES)
