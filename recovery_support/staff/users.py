"""Staff accounts: create, change, authenticate."""
from dataclasses import dataclass
from typing import List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from recovery_support.staff import passwords
from recovery_support.staff.models import StaffSession, StaffUser, utcnow
from recovery_support.staff.roles import ROLES

USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-@")
MAX_USERNAME_CHARS = 64


@dataclass(frozen=True)
class User:
    """What a request knows about its user (a plain value, usable after the database session closed)."""

    id: int
    username: str
    role: str
    active: bool


def _user(row: StaffUser) -> User:
    return User(id=row.id, username=row.username, role=row.role, active=row.active)


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


def check_username(username: str) -> str:
    name = normalise_username(username)
    if not name or len(name) > MAX_USERNAME_CHARS or not set(name) <= USERNAME_CHARS:
        raise ValueError("a username has 1-64 characters: letters, digits and . _ - @")
    return name


def create_user(engine: Engine, username: str, password: str, role: str) -> User:
    name = check_username(username)
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    row = StaffUser(username=name, password_hash=passwords.hash_password(password), role=role, active=True)
    with Session(engine, future=True) as session, session.begin():
        if session.execute(sa.select(StaffUser.id).where(StaffUser.username == name)).first():
            raise ValueError(f"user {name!r} exists")
        session.add(row)
        session.flush()
        return _user(row)


def set_password(engine: Engine, username: str, password: str) -> None:
    """Sets a new password and ends every session of the user: whoever knew the old one is logged out."""
    new_hash = passwords.hash_password(password)
    with Session(engine, future=True) as session, session.begin():
        row = session.execute(sa.select(StaffUser).where(StaffUser.username == normalise_username(username))
                              ).scalar_one_or_none()
        if row is None:
            raise LookupError(username)
        row.password_hash = new_hash
        session.execute(sa.delete(StaffSession).where(StaffSession.user_id == row.id))


def update_user(engine: Engine, user_id: int, role: Optional[str] = None, active: Optional[bool] = None) -> User:
    with Session(engine, future=True) as session, session.begin():
        row = session.get(StaffUser, user_id)
        if row is None:
            raise LookupError(user_id)
        if role is not None:
            if role not in ROLES:
                raise ValueError(f"role must be one of {', '.join(ROLES)}")
            row.role = role
        if active is not None:
            row.active = active
        return _user(row)


def get_user(engine: Engine, user_id: int) -> Optional[User]:
    with Session(engine, future=True) as session:
        row = session.get(StaffUser, user_id)
        return _user(row) if row else None


def list_users(engine: Engine) -> List[User]:
    with Session(engine, future=True) as session:
        return [_user(r) for r in session.execute(sa.select(StaffUser).order_by(StaffUser.username)).scalars()]


def authenticate(engine: Engine, username: str, password: str) -> Optional[User]:
    """The active user with this password, or None. Unknown names cost the same hashing time as known ones."""
    name = normalise_username(username)
    with Session(engine, future=True) as session, session.begin():
        row = session.execute(sa.select(StaffUser).where(StaffUser.username == name)).scalar_one_or_none()
        if row is None:
            passwords.spend_verify_time(password)
            return None
        if not passwords.verify_password(row.password_hash, password) or not row.active:
            return None
        if passwords.needs_rehash(row.password_hash):
            row.password_hash = passwords.rehash(password)  # parameters were raised since it was set
        row.last_login_at = utcnow()
        return _user(row)
