"""Login throttling, in the database so every staff-app process counts the same failures.

Three counts over the window, each with its own limit:
- one username from one address (``login_max_failures``, 5): someone guessing one colleague's password;
- one address, any username (``login_max_failures_per_address``, 20): one machine trying many accounts;
- one username, any address (``login_max_failures_per_account``, 50): guessing spread over many machines.
The per-account limit is high on purpose: a low one would let anyone lock a clinician out of the crisis queue
with a few wrong passwords. The address is the real client's (``client_address``), not a proxy's.
"""
from datetime import timedelta
from typing import Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from recovery_support.staff.models import LoginFailure, utcnow
from recovery_support.staff.settings import Settings

Key = Tuple[str, str]  # (username, address)


def _count(session: Session, since, *conditions) -> Tuple[int, object]:  # type: ignore[no-untyped-def]
    found = session.execute(sa.select(sa.func.count(LoginFailure.id), sa.func.max(LoginFailure.at))
                            .where(LoginFailure.at >= since, *conditions)).one()
    return int(found[0]), found[1]


def retry_after(engine: Engine, key: Key, settings: Settings) -> float:
    """Seconds until this username may try again from this address; 0 when it may try now."""
    username, address = key
    now = utcnow()
    since = now - timedelta(seconds=settings.login_window_seconds)
    limits = [((LoginFailure.username == username, LoginFailure.address == address), settings.login_max_failures),
              ((LoginFailure.address == address,), settings.login_max_failures_per_address),
              ((LoginFailure.username == username,), settings.login_max_failures_per_account)]
    wait = 0.0
    with Session(engine, future=True) as session:
        for conditions, limit in limits:
            count, latest = _count(session, since, *conditions)
            if count >= limit and latest is not None:
                until = latest + timedelta(seconds=settings.login_lockout_seconds)
                wait = max(wait, (until - now).total_seconds())
    return max(0.0, wait)


def failed(engine: Engine, key: Key, settings: Settings) -> None:
    with Session(engine, future=True) as session, session.begin():
        session.add(LoginFailure(username=key[0], address=key[1], at=utcnow()))
        # Old rows only cost space: forget what no window or lockout can count any more.
        horizon = utcnow() - timedelta(seconds=max(settings.login_window_seconds, settings.login_lockout_seconds))
        session.execute(sa.delete(LoginFailure).where(LoginFailure.at < horizon))


def succeeded(engine: Engine, key: Key) -> None:
    """The pair's failures are forgotten; the address's and the account's other failures still count."""
    with Session(engine, future=True) as session, session.begin():
        session.execute(sa.delete(LoginFailure).where(LoginFailure.username == key[0],
                                                      LoginFailure.address == key[1]))
