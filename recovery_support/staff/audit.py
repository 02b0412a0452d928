"""The audit trail: one row per view, export, change and login attempt.

Detail is JSON (filters, counts, ids), never message text: the audit log must not become a second copy of
the records it watches. Written in the same transaction as the change it describes where there is one.
"""
import json
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from recovery_support.staff.models import AuditLog, utcnow

MAX_DETAIL_CHARS = 4000


def _clean(value: str, limit: int) -> str:
    # Control characters out: a username or filter someone typed must not forge lines in a log viewer.
    return "".join(ch if ch.isprintable() else " " for ch in (value or ""))[:limit]


def audit_row(actor: str, action: str, target: str = "", detail: Optional[Any] = None,
              remote: Optional[str] = None) -> AuditLog:
    text = "" if detail is None else json.dumps(detail, default=str, sort_keys=True, ensure_ascii=False)
    return AuditLog(at=utcnow(), actor=_clean(actor, 255) or "unknown", action=action,
                    target=_clean(target, 255), detail=_clean(text, MAX_DETAIL_CHARS),
                    remote=_clean(remote or "", 64) or None)


def record(target_of: Any, actor: str, action: str, target: str = "", detail: Optional[Any] = None,
           remote: Optional[str] = None) -> None:
    """Adds an entry to an open ``Session`` (committed with its change) or writes it at once to an ``Engine``."""
    row = audit_row(actor, action, target, detail, remote)
    if isinstance(target_of, Session):
        target_of.add(row)
        return
    engine: Engine = target_of
    with Session(engine, future=True) as session, session.begin():
        session.add(row)


def recent(engine: Engine, limit: int = 200, actor: Optional[str] = None, action: Optional[str] = None) -> list:
    query = sa.select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)
    if actor:
        query = query.where(AuditLog.actor == actor)
    if action:
        query = query.where(AuditLog.action == action)
    with Session(engine, future=True) as session:
        return list(session.execute(query).scalars())
