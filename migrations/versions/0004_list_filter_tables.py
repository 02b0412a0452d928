"""What the conversation list filters and searches on, kept by the projector so the list never reads Rasa's
``events``: ``intents`` and ``conversation_intents`` (the intent drop-down and filter) and ``search_messages``
(the text search, with a trigram index on PostgreSQL), all filled here from the events already stored.

Messages are folded as recovery_support/staff/search.py folds them, written out (like 0001's tables) so this
revision stays what it was when that module changes; a test keeps the two equal.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08
"""
import json
from typing import Dict, List, Sequence, Set, Tuple, Union

import sqlalchemy as sa
from alembic import context, op

revision: str = "0004"
down_revision: Union[str, None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TRIGRAM_INDEX = "ix_search_messages_text_trgm"
BACKFILL_CHUNK = 500  # conversations per round trip

_conversations = sa.table("conversations", sa.column("id", sa.Integer), sa.column("sender_id", sa.String))
_events = sa.table("events", sa.column("id", sa.Integer), sa.column("sender_id", sa.String),
                   sa.column("type_name", sa.String), sa.column("intent_name", sa.String),
                   sa.column("data", sa.Text))
_intents = sa.table("intents", sa.column("name", sa.String))
_conversation_intents = sa.table("conversation_intents", sa.column("conversation_id", sa.Integer),
                                 sa.column("intent", sa.String))
_search_messages = sa.table("search_messages", sa.column("event_id", sa.Integer),
                            sa.column("conversation_id", sa.Integer), sa.column("text", sa.Text))


def _folded_text(raw: str) -> str:
    """search.py's ``fold(message_text(load_data(raw)))``: the event's text, case-folded, whitespace made single."""
    try:
        data = json.loads(raw or "{}")
    except (TypeError, ValueError):
        return ""
    text = data.get("text") if isinstance(data, dict) else None
    return " ".join(text.split()).casefold() if isinstance(text, str) else ""


def _backfill(bind) -> None:
    conversations = bind.execute(sa.select(_conversations.c.id, _conversations.c.sender_id)
                                 .order_by(_conversations.c.id)).all()
    known: Set[str] = set()
    for start in range(0, len(conversations), BACKFILL_CHUNK):
        chunk = {sender: conversation_id for conversation_id, sender in conversations[start:start + BACKFILL_CHUNK]}
        messages: List[Dict[str, object]] = []
        intents: Set[Tuple[int, str]] = set()
        for event_id, sender, type_name, intent, raw in bind.execute(
                sa.select(_events.c.id, _events.c.sender_id, _events.c.type_name, _events.c.intent_name,
                          _events.c.data)
                .where(_events.c.sender_id.in_(list(chunk)), _events.c.type_name.in_(("user", "bot")))):
            text = _folded_text(raw)
            if text:
                messages.append({"event_id": event_id, "conversation_id": chunk[sender], "text": text})
            if type_name == "user" and intent:
                intents.add((chunk[sender], intent))
        new = sorted({intent for _, intent in intents} - known)
        if new:
            bind.execute(_intents.insert(), [{"name": name} for name in new])
            known.update(new)
        if intents:
            bind.execute(_conversation_intents.insert(),
                         [{"conversation_id": c, "intent": intent} for c, intent in sorted(intents)])
        if messages:
            bind.execute(_search_messages.insert(), messages)


def _create_trigram_index() -> None:
    # Extensions belong to the database, not a schema: in public, not in the schema being migrated, which may be
    # dropped (tests, benchmarks) and would take every other schema's trigram index with it.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
    opclass = "gin_trgm_ops"
    if not context.is_offline_mode():  # it may have been installed elsewhere before: name its operator class
        schema = op.get_bind().execute(sa.text(
            "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'")).scalar_one()
        opclass = f"{schema}.gin_trgm_ops"
    op.create_index(TRIGRAM_INDEX, "search_messages", ["text"], postgresql_using="gin",
                    postgresql_ops={"text": opclass})


def upgrade() -> None:
    op.create_table("intents", sa.Column("name", sa.String(255), primary_key=True))
    op.create_table(
        "conversation_intents",
        sa.Column("conversation_id", sa.Integer, sa.ForeignKey("conversations.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("intent", sa.String(255), sa.ForeignKey("intents.name"), primary_key=True),
    )
    op.create_index("ix_conversation_intents_intent", "conversation_intents", ["intent"])
    op.create_table(
        "search_messages",
        sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("conversation_id", sa.Integer, sa.ForeignKey("conversations.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.create_index("ix_search_messages_conversation_id", "search_messages", ["conversation_id"])
    if op.get_context().dialect.name == "postgresql":
        _create_trigram_index()
    if context.is_offline_mode():
        # No database to read events from: the projector starts over and recomputes every conversation.
        op.execute("UPDATE projector_cursor SET last_event_id = 0")
    elif sa.inspect(op.get_bind()).has_table("events"):  # Rasa makes it with its first conversation
        _backfill(op.get_bind())


def downgrade() -> None:
    # pg_trgm stays: other tables or schemas in the database may use it.
    if op.get_context().dialect.name == "postgresql":
        op.drop_index(TRIGRAM_INDEX, table_name="search_messages")
    op.drop_index("ix_search_messages_conversation_id", table_name="search_messages")
    op.drop_table("search_messages")
    op.drop_index("ix_conversation_intents_intent", table_name="conversation_intents")
    op.drop_table("conversation_intents")
    op.drop_table("intents")
