"""The staff tables on SQLite and PostgreSQL: constraints, cascades, users, audit, sessions."""
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from recovery_support.staff import audit, passwords
from recovery_support.staff.models import Conversation, ConversationTag, Note, StaffSession, Tag, utcnow
from recovery_support.staff.review import add_note, add_tag, remove_tag, set_review_status
from recovery_support.staff.sessions import end_user_sessions, load_session, start_session
from recovery_support.staff.settings import Settings
from recovery_support.staff.users import authenticate, create_user, set_password, update_user
from tests.staff.conftest import PASSWORD, rows


def conversation(engine, sender="s-1") -> int:
    with Session(engine, future=True) as session, session.begin():
        row = Conversation(sender_id=sender, last_activity=utcnow())
        session.add(row)
        session.flush()
        return row.id


def test_sender_id_is_unique(any_db):
    conversation(any_db, "same")
    with pytest.raises(sa.exc.IntegrityError):
        conversation(any_db, "same")


def test_defaults_and_review_changes_are_audited(any_db):
    cid = conversation(any_db)
    got = rows(any_db, "select status, review_status, crisis, user_turns from conversations")
    assert got == [{"status": "active", "review_status": "unreviewed", "crisis": False, "user_turns": 0}]
    set_review_status(any_db, cid, "reviewed", "rita", "10.0.0.1")
    assert add_tag(any_db, cid, "  Needs  Follow-up ", "rita") == "needs follow-up"
    add_tag(any_db, cid, "needs follow-up", "rita")  # twice: still one link
    note_id = add_note(any_db, cid, "Called back, doing ok.\x07", "carl")
    assert rows(any_db, "select review_status from conversations") == [{"review_status": "reviewed"}]
    assert rows(any_db, "select t.name, ct.tagged_by from tags t join conversation_tags ct on ct.tag_id = t.id") == [
        {"name": "needs follow-up", "tagged_by": "rita"}]
    assert rows(any_db, "select author, text from notes") == [{"author": "carl", "text": "Called back, doing ok."}]
    entries = rows(any_db, "select actor, action, target, detail, remote from audit_log order by id")
    assert [(e["actor"], e["action"], e["target"]) for e in entries] == [
        ("rita", "review_status", f"conversation:{cid}"), ("rita", "tag_add", f"conversation:{cid}"),
        ("rita", "tag_add", f"conversation:{cid}"), ("carl", "note_add", f"conversation:{cid}")]
    assert entries[0]["remote"] == "10.0.0.1"
    assert '"to": "reviewed"' in entries[0]["detail"]
    assert "Called back" not in entries[3]["detail"] and str(note_id) in entries[3]["detail"]
    remove_tag(any_db, cid, "needs follow-up", "rita")
    assert rows(any_db, "select count(*) as n from conversation_tags") == [{"n": 0}]
    with pytest.raises(ValueError):
        set_review_status(any_db, cid, "done-ish", "rita")
    with pytest.raises(LookupError):
        add_note(any_db, 999, "x", "carl")


def test_deleting_a_conversation_cascades_to_notes_and_tags(any_db):
    cid = conversation(any_db)
    add_tag(any_db, cid, "t", "rita")
    add_note(any_db, cid, "note", "carl")
    with Session(any_db, future=True) as session, session.begin():
        session.execute(sa.delete(Conversation).where(Conversation.id == cid))
    with Session(any_db, future=True) as session:
        assert session.execute(sa.select(sa.func.count()).select_from(Note)).scalar() == 0
        assert session.execute(sa.select(sa.func.count()).select_from(ConversationTag)).scalar() == 0
        assert session.execute(sa.select(Tag.name)).scalars().all() == ["t"]


def test_users_store_argon2id_and_authenticate(any_db):
    user = create_user(any_db, " Alice ", PASSWORD, "clinician")
    assert user.username == "alice"
    stored = rows(any_db, "select password_hash from staff_users")[0]["password_hash"]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert authenticate(any_db, "ALICE", PASSWORD) == user
    assert authenticate(any_db, "alice", PASSWORD + "x") is None
    assert authenticate(any_db, "nobody", PASSWORD) is None
    with pytest.raises(ValueError):
        create_user(any_db, "alice", PASSWORD, "clinician")
    with pytest.raises(ValueError):
        create_user(any_db, "bob", "short", "clinician")
    with pytest.raises(ValueError):
        create_user(any_db, "bob", PASSWORD, "superuser")
    with pytest.raises(ValueError):
        create_user(any_db, "<b>bob</b>", PASSWORD, "admin")
    update_user(any_db, user.id, active=False)
    assert authenticate(any_db, "alice", PASSWORD) is None
    update_user(any_db, user.id, active=True)
    set_password(any_db, "alice", "a brand new long password")
    assert authenticate(any_db, "alice", PASSWORD) is None
    assert authenticate(any_db, "alice", "a brand new long password") is not None


def test_default_hasher_is_argon2id_with_rfc_parameters(monkeypatch):
    monkeypatch.undo()  # the real hasher, not the fixture's cheap one
    hashed = passwords.hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert passwords.verify_password(hashed, PASSWORD) and not passwords.verify_password(hashed, "nope")


def test_weaker_hashes_are_upgraded_on_login(db, monkeypatch):
    from argon2 import PasswordHasher

    create_user(db, "old", PASSWORD, "reviewer")
    before = rows(db, "select password_hash from staff_users")[0]["password_hash"]
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1))
    assert authenticate(db, "old", PASSWORD) is not None
    after = rows(db, "select password_hash from staff_users")[0]["password_hash"]
    assert after != before and "m=2048,t=2" in after


def test_sessions_store_only_a_hash_and_expire(any_db):
    settings = Settings(session_idle_minutes=30, session_max_hours=12)
    user = create_user(any_db, "alice", PASSWORD, "clinician")
    token = start_session(any_db, user, settings)
    assert rows(any_db, "select count(*) as n from staff_sessions where id = :t", t=token) == [{"n": 0}]
    session = load_session(any_db, token, settings)
    assert session.user.username == "alice" and len(session.csrf_token) >= 32
    assert load_session(any_db, token + "x", settings) is None
    # Idle too long: gone, and removed from the table.
    with Session(any_db, future=True) as s, s.begin():
        s.execute(sa.update(StaffSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
    assert load_session(any_db, token, settings) is None
    assert rows(any_db, "select count(*) as n from staff_sessions") == [{"n": 0}]
    # Past the absolute limit, however active.
    token = start_session(any_db, user, settings)
    with Session(any_db, future=True) as s, s.begin():
        s.execute(sa.update(StaffSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert load_session(any_db, token, settings) is None
    token = start_session(any_db, user, settings)
    end_user_sessions(any_db, user.id)
    assert load_session(any_db, token, settings) is None


def test_audit_strips_control_characters(any_db):
    audit.record(any_db, "eve\nFAKE ENTRY", "login_failed", "user:eve\r\n", {"q": "x"}, "1.2.3.4")
    entry = rows(any_db, "select actor, target, detail from audit_log")[0]
    assert "\n" not in entry["actor"] and "\n" not in entry["target"]
    assert audit.recent(any_db, actor="eve FAKE ENTRY")[0].action == "login_failed"
