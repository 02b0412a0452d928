"""Review actions on a conversation: status, tags, notes, staff messages. Each change and its audit entry
commit together."""
from typing import Optional, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from recovery_support.staff import audit
from recovery_support.staff.models import (NOTE, REVIEW_STATUSES, STAFF_MESSAGE, Conversation, ConversationTag, Note,
                                          Tag, utcnow)

MAX_TAG_CHARS = 64
MAX_NOTE_CHARS = 10000
# What the web chat's relay route takes (channels/socketio.py MAX_STAFF_MESSAGE_CHARS); Telegram takes 4096.
MAX_STAFF_MESSAGE_CHARS = 2000


def clean_tag(name: str) -> str:
    tag = " ".join("".join(ch for ch in (name or "") if ch.isprintable()).split()).lower()
    if not tag or len(tag) > MAX_TAG_CHARS:
        raise ValueError(f"a tag has 1-{MAX_TAG_CHARS} characters")
    return tag


def _clean_text(text: str) -> str:
    # Newlines and tabs stay (notes are paragraphs); other control characters go.
    return "".join(ch for ch in (text or "").replace("\r\n", "\n") if ch.isprintable() or ch in "\n\t").strip()


def clean_note(text: str) -> str:
    note = _clean_text(text)
    if not note or len(note) > MAX_NOTE_CHARS:
        raise ValueError(f"a note has 1-{MAX_NOTE_CHARS} characters")
    return note


def clean_staff_message(text: str) -> str:
    message = _clean_text(text)
    if not message or len(message) > MAX_STAFF_MESSAGE_CHARS:
        raise ValueError(f"a message has 1-{MAX_STAFF_MESSAGE_CHARS} characters")
    return message


def _conversation(session: Session, conversation_id: int) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise LookupError(conversation_id)
    return conversation


def set_review_status(engine: Engine, conversation_id: int, status: str, actor: str,
                      remote: Optional[str] = None) -> None:
    if status not in REVIEW_STATUSES:
        raise ValueError("unknown review status")
    with Session(engine, future=True) as session, session.begin():
        conversation = _conversation(session, conversation_id)
        before = conversation.review_status
        conversation.review_status = status
        audit.record(session, actor, "review_status", f"conversation:{conversation_id}",
                     {"from": before, "to": status}, remote)


def add_tag(engine: Engine, conversation_id: int, name: str, actor: str, remote: Optional[str] = None) -> str:
    tag_name = clean_tag(name)
    with Session(engine, future=True) as session, session.begin():
        _conversation(session, conversation_id)
        tag = session.execute(sa.select(Tag).where(Tag.name == tag_name)).scalar_one_or_none()
        if tag is None:
            tag = Tag(name=tag_name)
            session.add(tag)
            session.flush()
        if session.get(ConversationTag, (conversation_id, tag.id)) is None:
            session.add(ConversationTag(conversation_id=conversation_id, tag_id=tag.id, tagged_by=actor,
                                        tagged_at=utcnow()))
        audit.record(session, actor, "tag_add", f"conversation:{conversation_id}", {"tag": tag_name}, remote)
    return tag_name


def remove_tag(engine: Engine, conversation_id: int, name: str, actor: str, remote: Optional[str] = None) -> None:
    with Session(engine, future=True) as session, session.begin():
        _conversation(session, conversation_id)
        tag = session.execute(sa.select(Tag).where(Tag.name == (name or "").lower())).scalar_one_or_none()
        if tag is not None:
            session.execute(sa.delete(ConversationTag).where(ConversationTag.conversation_id == conversation_id,
                                                             ConversationTag.tag_id == tag.id))
        audit.record(session, actor, "tag_remove", f"conversation:{conversation_id}", {"tag": name}, remote)


def add_note(engine: Engine, conversation_id: int, text: str, author: str, remote: Optional[str] = None) -> int:
    note_text = clean_note(text)
    with Session(engine, future=True) as session, session.begin():
        _conversation(session, conversation_id)
        note = Note(conversation_id=conversation_id, author=author, text=note_text, at=utcnow(), kind=NOTE)
        session.add(note)
        session.flush()
        # The audit entry names the note, not its words (the note itself is the record).
        audit.record(session, author, "note_add", f"conversation:{conversation_id}", {"note_id": note.id}, remote)
        return note.id


def message_target(engine: Engine, conversation_id: int) -> Tuple[str, str, str]:
    """(channel, sender id, status) of a conversation, for writing to the person; LookupError if none."""
    with Session(engine, future=True) as session:
        conversation = _conversation(session, conversation_id)
        return conversation.channel or "", conversation.sender_id, conversation.status


def add_staff_message(engine: Engine, conversation_id: int, text: str, author: str, channel: str,
                      remote: Optional[str] = None) -> int:
    """Records a message already sent to the person (a note row of kind ``staff_message``), audited."""
    message_text = clean_staff_message(text)
    with Session(engine, future=True) as session, session.begin():
        _conversation(session, conversation_id)
        note = Note(conversation_id=conversation_id, author=author, text=message_text, at=utcnow(),
                    kind=STAFF_MESSAGE)
        session.add(note)
        session.flush()
        # As for notes: the audit entry names the row, not the words.
        audit.record(session, author, "staff_message", f"conversation:{conversation_id}",
                     {"note_id": note.id, "channel": channel}, remote)
        return note.id
