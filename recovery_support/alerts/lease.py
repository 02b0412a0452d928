"""One active alert worker at a time, whatever how many run: a lease in the database.

Two workers reading the same events would both try to create each handoff and both send each alert. So every
worker tries, at each poll, to take or renew the one lease row; the holder reads events, sends alerts and
escalates; the others wait, and take over within ``LEASE_SECONDS`` when the holder stops renewing (stopped,
crashed, cut off from the database). An atomic UPDATE decides, so PostgreSQL and SQLite both give the row to
exactly one worker. A sender that stalled past its lease may send an alert twice, with the same idempotency key.
"""
import socket
import uuid
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from recovery_support.alerts.models import WorkerLease, utcnow

LEASE_SECONDS = 15.0
LEASE_ID = 1


def worker_name() -> str:
    return f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"


def hold_lease(engine: Engine, holder: str, seconds: float = LEASE_SECONDS) -> bool:
    """Takes the lease if it is free or expired, renews it if ``holder`` has it; True when ``holder`` has it."""
    now = utcnow()
    expires = now + timedelta(seconds=seconds)
    with Session(engine, future=True) as session, session.begin():
        taken = session.execute(
            sa.update(WorkerLease)
            .where(WorkerLease.id == LEASE_ID, sa.or_(WorkerLease.holder == holder, WorkerLease.expires_at < now))
            .values(holder=holder, expires_at=expires).execution_options(synchronize_session=False)).rowcount
        if taken == 1:
            return True
        if session.get(WorkerLease, LEASE_ID) is not None:
            return False
    try:  # the first worker ever: the row doesn't exist yet
        with Session(engine, future=True) as session, session.begin():
            session.add(WorkerLease(id=LEASE_ID, holder=holder, expires_at=expires))
        return True
    except IntegrityError:  # another worker created it at the same moment
        return False


def release_lease(engine: Engine, holder: str) -> None:
    """On a clean stop: another worker may take over at once."""
    with Session(engine, future=True) as session, session.begin():
        session.execute(sa.update(WorkerLease).where(WorkerLease.id == LEASE_ID, WorkerLease.holder == holder)
                        .values(expires_at=utcnow() - timedelta(seconds=1))
                        .execution_options(synchronize_session=False))
