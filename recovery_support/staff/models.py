"""The staff side's own tables. Rasa's ``events`` is read only; the alert tables live in alerts/models.py.

Times are naive UTC ``datetime`` values, as in the alert tables (SQLite has no time zones).
"""
import sqlalchemy as sa
from sqlalchemy.orm import declarative_base, relationship

from recovery_support.alerts.models import utcnow

Base = declarative_base()

# Conversation.status: "anonymised" once retention has stripped its text (kept for statistics only).
ACTIVE = "active"
ANONYMISED = "anonymised"

# Conversation.review_status values, in the order a reviewer moves through them.
REVIEW_STATUSES = ("unreviewed", "in_review", "reviewed", "follow_up")
UNREVIEWED = REVIEW_STATUSES[0]

# Room for preview.PREVIEW_CHARS and its "…", with some to spare (a test keeps them in step).
PREVIEW_COLUMN_CHARS = 128


class Conversation(Base):
    """One Rasa sender, projected from ``events`` (recomputed, never hand-edited, except the review fields)."""

    __tablename__ = "conversations"

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    # Rasa's sender_id: chosen by the channel (a Telegram chat id is an identifier), so never put in a URL.
    sender_id = sa.Column(sa.String(255), nullable=False, unique=True)
    channel = sa.Column(sa.String(64))
    first_activity = sa.Column(sa.DateTime, index=True)
    last_activity = sa.Column(sa.DateTime, index=True)
    status = sa.Column(sa.String(16), nullable=False, default=ACTIVE)
    crisis = sa.Column(sa.Boolean, nullable=False, default=False, index=True)
    crisis_category = sa.Column(sa.String(64))
    review_status = sa.Column(sa.String(16), nullable=False, default=UNREVIEWED, index=True)
    user_turns = sa.Column(sa.Integer, nullable=False, default=0)
    fallback_turns = sa.Column(sa.Integer, nullable=False, default=0)  # nlu_fallback or a fallback action
    low_confidence_turns = sa.Column(sa.Integer, nullable=False, default=0)  # top intent below the threshold
    # What the list shows before a conversation is opened (preview.py, intents.py). The preview is a copy of
    # the person's words, so retention clears it (retention.py); NULL until the projector has written it.
    preview = sa.Column(sa.String(PREVIEW_COLUMN_CHARS))
    topics = sa.Column(sa.Text, nullable=False, default="", server_default="")  # topic intents, comma-separated
    # How many events were counted and the highest id among them: a change in either means "recompute".
    event_count = sa.Column(sa.Integer, nullable=False, default=0)
    last_event_id = sa.Column(sa.Integer, nullable=False, default=0)
    updated_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)

    tags = relationship("Tag", secondary="conversation_tags", order_by="Tag.name", viewonly=True)


class Intent(Base):
    """An intent name some conversation has had (intents.py): what the list's intent drop-down chooses from."""

    __tablename__ = "intents"

    name = sa.Column(sa.String(255), primary_key=True)


class ConversationIntent(Base):
    """An intent one of the person's messages was read as (intents.py keeps them, from the projector)."""

    __tablename__ = "conversation_intents"

    conversation_id = sa.Column(sa.Integer, sa.ForeignKey("conversations.id", ondelete="CASCADE"),
                                primary_key=True)
    intent = sa.Column(sa.String(255), sa.ForeignKey("intents.name"), primary_key=True, index=True)


class SearchMessage(Base):
    """One message the person or the bot wrote, as the list's search reads it (search.py keeps and matches them).

    A copy of transcript text, so retention deletes it with the events (retention.py). On PostgreSQL a trigram
    index serves the search (migration 0004; the models leave it out, schema.py says why).
    """

    __tablename__ = "search_messages"

    # Rasa's events.id; no foreign key: ``events`` is Rasa's, and a key would stop its rows being deleted.
    event_id = sa.Column(sa.Integer, primary_key=True, autoincrement=False)
    conversation_id = sa.Column(sa.Integer, sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False,
                                index=True)
    text = sa.Column(sa.Text, nullable=False)


class Tag(Base):
    __tablename__ = "tags"

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    name = sa.Column(sa.String(64), nullable=False, unique=True)


class ConversationTag(Base):
    __tablename__ = "conversation_tags"

    conversation_id = sa.Column(sa.Integer, sa.ForeignKey("conversations.id", ondelete="CASCADE"),
                                primary_key=True)
    tag_id = sa.Column(sa.Integer, sa.ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True)
    tagged_by = sa.Column(sa.String(255), nullable=False)
    tagged_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)


# Note.kind: an internal note staff keep, or a message a staff member sent to the person (staff/relay.py).
NOTE = "note"
STAFF_MESSAGE = "staff_message"
NOTE_KINDS = (NOTE, STAFF_MESSAGE)


class Note(Base):
    __tablename__ = "notes"

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    conversation_id = sa.Column(sa.Integer, sa.ForeignKey("conversations.id", ondelete="CASCADE"),
                                nullable=False, index=True)
    author = sa.Column(sa.String(255), nullable=False)  # a username, copied: users can be renamed or removed
    text = sa.Column(sa.Text, nullable=False)
    at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    kind = sa.Column(sa.String(16), nullable=False, default=NOTE, server_default=NOTE)  # NOTE_KINDS


class StaffUser(Base):
    __tablename__ = "staff_users"

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    username = sa.Column(sa.String(64), nullable=False, unique=True)
    password_hash = sa.Column(sa.String(255), nullable=False)  # Argon2id, PHC string with its parameters
    role = sa.Column(sa.String(16), nullable=False)  # admin, clinician, reviewer (roles.py)
    active = sa.Column(sa.Boolean, nullable=False, default=True)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    last_login_at = sa.Column(sa.DateTime)


class AuditLog(Base):
    """Who viewed, exported or changed which record, and when (HIPAA audit controls). Append-only."""

    __tablename__ = "audit_log"

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    at = sa.Column(sa.DateTime, nullable=False, default=utcnow, index=True)
    actor = sa.Column(sa.String(255), nullable=False, index=True)
    action = sa.Column(sa.String(64), nullable=False, index=True)
    target = sa.Column(sa.String(255), nullable=False, default="")  # e.g. conversation:12, handoff:3
    detail = sa.Column(sa.Text, nullable=False, default="")  # JSON: filters, counts; never message text
    remote = sa.Column(sa.String(64))  # the client address, for logins and web actions


class LoginFailure(Base):
    """A failed login: kept in the database so every staff-app process counts the same failures (throttle.py)."""

    __tablename__ = "login_failures"
    __table_args__ = (sa.Index("ix_login_failures_username_at", "username", "at"),
                      sa.Index("ix_login_failures_address_at", "address", "at"))

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    username = sa.Column(sa.String(255), nullable=False)
    address = sa.Column(sa.String(64), nullable=False)
    at = sa.Column(sa.DateTime, nullable=False, default=utcnow)


class StaffSession(Base):
    """A logged-in browser. Kept in the database so a restart doesn't log everyone out mid-crisis."""

    __tablename__ = "staff_sessions"

    # SHA-256 of the cookie value: a copy of this table can't be replayed as cookies.
    id = sa.Column(sa.String(64), primary_key=True)
    user_id = sa.Column(sa.Integer, sa.ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False,
                        index=True)
    csrf_token = sa.Column(sa.String(64), nullable=False)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    last_seen_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    expires_at = sa.Column(sa.DateTime, nullable=False, index=True)  # absolute limit; idle limit in settings


class ProjectorCursor(Base):
    """The highest ``events.id`` the projector has read (one row, id 1)."""

    __tablename__ = "projector_cursor"

    id = sa.Column(sa.Integer, primary_key=True)
    last_event_id = sa.Column(sa.Integer, nullable=False, default=0)
    updated_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)


STAFF_TABLES = [t for t in Base.metadata.sorted_tables]
