"""Retention: ``python -m recovery_support.staff.retention --older-than-days N [--anonymise] [--dry-run]``.

Conversations whose last activity is older than N days are deleted (their events, notes, tags and the search's
copy of their messages with them) or, with --anonymise, kept without any text or identifier (anonymise.py) for
statistics. Either way the crisis handoffs of those conversations keep their record of who was alerted and who
acknowledged (the disclosure record 42 CFR Part 2 asks for) but lose the message text, the sender id and staff
notes. Every conversation touched gets its own audit entry, plus one for the run.
"""
import argparse
import logging
import sys
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from recovery_support.alerts.db import events
from recovery_support.alerts.models import Handoff, HandoffLog, Outbox
from recovery_support.staff import audit
from recovery_support.staff.anonymise import scrub_event
from recovery_support.staff.database import has_table, staff_engine
from recovery_support.staff.models import (ANONYMISED, Conversation, ConversationIntent, ConversationTag, Note,
                                           SearchMessage, utcnow)
from recovery_support.staff.projector import project_all

ACTOR = "retention"
REMOVED_TEXT = "[removed by retention]"
CHUNK = 100  # conversations per transaction: a long run doesn't hold one lock for minutes

logger = logging.getLogger(__name__)


@dataclass
class RetentionResult:
    conversations: List[int] = field(default_factory=list)
    events: int = 0


def _scrub_handoffs(session: Session, sender_id: str, replacement: str) -> None:
    handoff_ids = [r[0] for r in session.execute(sa.select(Handoff.id).where(Handoff.conversation_id == sender_id))]
    if not handoff_ids:
        return
    session.execute(sa.update(Handoff).where(Handoff.id.in_(handoff_ids))
                    .values(message_text=REMOVED_TEXT, conversation_id=replacement)
                    .execution_options(synchronize_session=False))
    session.execute(sa.update(Outbox).where(Outbox.handoff_id.in_(handoff_ids)).values(body=REMOVED_TEXT)
                    .execution_options(synchronize_session=False))
    # Staff notes may describe the person; who acted and when stays.
    session.execute(sa.update(HandoffLog).where(HandoffLog.handoff_id.in_(handoff_ids), HandoffLog.action == "note")
                    .values(detail=REMOVED_TEXT).execution_options(synchronize_session=False))


def _delete(session: Session, conversation: Conversation) -> int:
    removed = session.execute(sa.delete(events).where(events.c.sender_id == conversation.sender_id)).rowcount
    _scrub_handoffs(session, conversation.sender_id, f"deleted-conversation-{conversation.id}")
    session.execute(sa.delete(Note).where(Note.conversation_id == conversation.id))
    session.execute(sa.delete(ConversationTag).where(ConversationTag.conversation_id == conversation.id))
    session.execute(sa.delete(ConversationIntent).where(ConversationIntent.conversation_id == conversation.id))
    session.execute(sa.delete(SearchMessage).where(SearchMessage.conversation_id == conversation.id))
    session.delete(conversation)
    return removed


def _anonymise(session: Session, conversation: Conversation) -> int:
    pseudonym = f"anon-{uuid.uuid4().hex}"
    rows = session.execute(sa.select(events.c.id, events.c.type_name, events.c.data)
                           .where(events.c.sender_id == conversation.sender_id)).all()
    for row in rows:
        session.execute(sa.update(events).where(events.c.id == row.id)
                        .values(sender_id=pseudonym, data=scrub_event(row.type_name, row.data)))
    _scrub_handoffs(session, conversation.sender_id, pseudonym)
    session.execute(sa.delete(Note).where(Note.conversation_id == conversation.id))
    # The search's copy of the text goes too, and the list's preview; intents and topics stay, like the events'
    # (statistics, the intent filter).
    session.execute(sa.delete(SearchMessage).where(SearchMessage.conversation_id == conversation.id))
    conversation.preview = None
    conversation.sender_id = pseudonym
    conversation.status = ANONYMISED
    conversation.updated_at = utcnow()
    return len(rows)


def apply_retention(engine: Engine, older_than_days: int, anonymise: bool = False, dry_run: bool = False,
                    now: Optional[datetime] = None) -> RetentionResult:
    if older_than_days < 1:
        raise ValueError("--older-than-days must be at least 1")
    project_all(engine)  # events not yet projected would otherwise escape (no conversation row yet)
    cutoff = (now or utcnow()) - timedelta(days=older_than_days)
    query = sa.select(Conversation.id).where(Conversation.last_activity < cutoff).order_by(Conversation.id)
    if anonymise:
        query = query.where(Conversation.status != ANONYMISED)
    with Session(engine, future=True) as session:
        ids = [r[0] for r in session.execute(query)]
    result = RetentionResult()
    action = "retention_anonymise" if anonymise else "retention_delete"
    if dry_run:
        result.conversations = ids
        return result
    for start in range(0, len(ids), CHUNK):
        with Session(engine, future=True) as session, session.begin():
            for conversation_id in ids[start:start + CHUNK]:
                conversation = session.get(Conversation, conversation_id)
                if conversation is None or conversation.last_activity is None or conversation.last_activity >= cutoff:
                    continue  # deleted or active again since the list was made
                count = (_anonymise if anonymise else _delete)(session, conversation)
                audit.record(session, ACTOR, action, f"conversation:{conversation_id}",
                             {"events": count, "older_than_days": older_than_days})
                result.conversations.append(conversation_id)
                result.events += count
    audit.record(engine, ACTOR, f"{action}_run", "conversations",
                 {"older_than_days": older_than_days, "cutoff": cutoff.isoformat(timespec="seconds"),
                  "conversations": len(result.conversations), "events": result.events})
    return result


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Delete (or anonymise) conversations older than N days.")
    parser.add_argument("--older-than-days", type=int, required=True, metavar="N")
    parser.add_argument("--anonymise", action="store_true", help="keep them without text or identifiers")
    parser.add_argument("--dry-run", action="store_true", help="only count what would be affected")
    parser.add_argument("--database-url", help="default: DATABASE_URL, else sqlite:///var/conversations.db")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    engine = staff_engine(args.database_url)
    if not (has_table(engine, "conversations") and has_table(engine, "events")):
        print("error: no conversations or events table (run `.venv/bin/alembic upgrade head`; "
              "Rasa creates events)", file=sys.stderr)
        return 1
    try:
        result = apply_retention(engine, args.older_than_days, args.anonymise, args.dry_run)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    verb = "anonymised" if args.anonymise else "deleted"
    if args.dry_run:
        print(f"{len(result.conversations)} conversations would be {verb} (dry run).")
    else:
        print(f"{len(result.conversations)} conversations {verb} ({result.events} events).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
