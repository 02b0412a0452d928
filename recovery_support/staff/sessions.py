"""Server-side login sessions: a random cookie value, stored only as its SHA-256.

A new value is made at every login and nothing from before the login is kept (no session fixation); each
session has its own CSRF token. Sessions end after ``session_idle_minutes`` without a request and after
``session_max_hours`` in any case.
"""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from recovery_support.staff.models import StaffSession, StaffUser, utcnow
from recovery_support.staff.settings import Settings
from recovery_support.staff.users import User

COOKIE_NAME = "staff_session"
TOUCH_SECONDS = 30  # last_seen_at is written at most this often: a page view shouldn't always cost a write


@dataclass(frozen=True)
class LoginSession:
    key: str  # the stored hash
    user: User
    csrf_token: str


def _key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(engine: Engine, user: User, settings: Settings) -> str:
    """A fresh session for ``user``; returns the cookie value (only the browser ever has it)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with Session(engine, future=True) as session, session.begin():
        session.add(StaffSession(id=_key(token), user_id=user.id, csrf_token=secrets.token_urlsafe(32),
                                 created_at=now, last_seen_at=now,
                                 expires_at=now + timedelta(hours=settings.session_max_hours)))
        # Expired sessions are removed as others start: no separate cleaning job needed.
        session.execute(sa.delete(StaffSession).where(StaffSession.expires_at < now))
    return token


def load_session(engine: Engine, token: Optional[str], settings: Settings,
                 touch: bool = True) -> Optional[LoginSession]:
    """The session ``token`` belongs to, or None once it ended. ``touch=False`` (the live feed checking that its
    page is still logged in) does not count as activity: an open tab alone must not keep a session alive."""
    if not token or len(token) > 128:
        return None
    key = _key(token)
    now = utcnow()
    with Session(engine, future=True) as session, session.begin():
        row = session.get(StaffSession, key)
        if row is None:
            return None
        user = session.get(StaffUser, row.user_id)
        idle_limit = row.last_seen_at + timedelta(minutes=settings.session_idle_minutes)
        if user is None or not user.active or now >= row.expires_at or now >= idle_limit:
            session.delete(row)
            return None
        if touch and (now - row.last_seen_at).total_seconds() >= TOUCH_SECONDS:
            row.last_seen_at = now
        return LoginSession(key=key, user=User(id=user.id, username=user.username, role=user.role, active=True),
                            csrf_token=row.csrf_token)


def end_session(engine: Engine, token: Optional[str]) -> None:
    if not token:
        return
    with Session(engine, future=True) as session, session.begin():
        session.execute(sa.delete(StaffSession).where(StaffSession.id == _key(token)))


def end_user_sessions(engine: Engine, user_id: int) -> None:
    """Logs a user out everywhere (deactivated, role changed, password reset)."""
    with Session(engine, future=True) as session, session.begin():
        session.execute(sa.delete(StaffSession).where(StaffSession.user_id == user_id))
