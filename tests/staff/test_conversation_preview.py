"""The conversation list's rows: a preview of the person's words (the crisis message first), the topics and a
crisis marker in words; previews escaped, cleared by anonymisation, filled for conversations older than them."""
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from recovery_support.staff.intents import TOPICS_DIR, topic_intents, topics_in_order
from recovery_support.staff.models import PREVIEW_COLUMN_CHARS
from recovery_support.staff.preview import ELLIPSIS, PREVIEW_CHARS, shorten
from recovery_support.staff.projector import project_all
from recovery_support.staff.retention import apply_retention
from tests.staff.conftest import ROOT, insert_event, insert_turn, logged_in, migrate, create_events_table, rows

T0 = 1_760_000_000.0  # 2025-10-09 UTC
LONG = ("I have been using for about six years now and my family wants me to get help, but I am scared of "
        "withdrawal and of losing my job while I am away")


def previews(engine) -> dict:
    return {r["sender_id"]: (r["preview"], r["topics"])
            for r in rows(engine, "select sender_id, preview, topics from conversations")}


def test_shorten_cuts_at_a_word_with_an_ellipsis():
    assert shorten("  what is\n detox   like? ") == "what is detox like?"
    cut = shorten(LONG)
    assert cut.endswith(ELLIPSIS) and len(cut) <= PREVIEW_CHARS + 1
    assert LONG.startswith(cut[:-1]) and LONG[len(cut) - 1] == " "  # whole words only
    assert cut == "I have been using for about six years now and my family wants me to get help, but I am scared of…"
    assert shorten("x" * 300) == "x" * PREVIEW_CHARS + ELLIPSIS  # one endless word: cut inside it
    assert shorten("a" * PREVIEW_CHARS) == "a" * PREVIEW_CHARS  # exactly the limit: not cut


def test_the_column_and_the_migration_have_room_for_a_preview():
    assert PREVIEW_CHARS + len(ELLIPSIS) <= PREVIEW_COLUMN_CHARS
    migration = (ROOT / "migrations" / "versions" / "0006_conversation_preview.py").read_text()
    assert f"PREVIEW_COLUMN_CHARS = {PREVIEW_COLUMN_CHARS} " in migration


def test_topics_are_the_intents_with_a_knowledge_file(tmp_path):
    names = topic_intents()
    assert names == {p.stem for p in Path(TOPICS_DIR).glob("*.yml")} and "what_is_detox" in names
    assert not names & {"greet", "chitchat", "nlu_fallback", "out_of_scope", "crisis_overdose"}
    (tmp_path / "new_topic.yml").write_text("topic: new_topic\n")
    assert topic_intents(tmp_path) == {"new_topic"}
    read_as = ["greet", "withdrawal_symptoms", None, "crisis_overdose", "what_is_detox", "withdrawal_symptoms"]
    assert topics_in_order(read_as) == ["withdrawal_symptoms", "what_is_detox"]  # first asked first, once


def test_preview_is_the_first_message_or_the_crisis_message(any_db):
    insert_turn(any_db, "calm", "hi there", intent="greet", timestamp=T0)
    insert_turn(any_db, "calm", "what is detox like?", intent="what_is_detox", timestamp=T0 + 10)
    insert_turn(any_db, "calm", "/withdrawal_symptoms", intent="withdrawal_symptoms", timestamp=T0 + 20)
    insert_turn(any_db, "calm", "thanks", intent="thanks", timestamp=T0 + 30)
    insert_turn(any_db, "crisis", "how long does withdrawal last", intent="withdrawal_timeline", timestamp=T0)
    insert_turn(any_db, "crisis", "I took too many pills", intent="crisis_overdose", timestamp=T0 + 10)
    insert_turn(any_db, "crisis", "I want to die", intent="crisis_suicidal", timestamp=T0 + 20)
    insert_turn(any_db, "long", LONG, intent="family_support", timestamp=T0)
    # A tapped button arrives as its payload: not the person's words, so not their first message.
    insert_turn(any_db, "buttons", "/getting_started", intent="getting_started", timestamp=T0)
    insert_event(any_db, "bot-only", "bot", "Hi! I'm the clinic's assistant.", intent=None, timestamp=T0)
    project_all(any_db)
    got = previews(any_db)
    assert got["calm"] == ("hi there", "what_is_detox,withdrawal_symptoms")
    assert got["crisis"] == ("I took too many pills", "withdrawal_timeline")
    assert got["long"] == (shorten(LONG), "family_support") and got["long"][0].endswith(ELLIPSIS)
    assert got["buttons"] == ("", "getting_started")
    assert got["bot-only"] == ("", "")
    # A later crisis replaces the calm opening: staff see the crisis first.
    insert_turn(any_db, "calm", "I relapsed and took too much", intent="crisis_overdose", timestamp=T0 + 40)
    project_all(any_db)
    assert previews(any_db)["calm"] == ("I relapsed and took too much", "what_is_detox,withdrawal_symptoms")


async def test_list_rows_show_preview_topics_and_crisis_marker_escaped(db, users):
    hostile = '<script>alert("x")</script> <b>help</b>'
    insert_turn(db, "hostile", hostile, intent="what_is_detox", channel="socketio", timestamp=T0)
    insert_turn(db, "hostile", "I want to hurt myself", intent="crisis_self_harm", channel="socketio",
                timestamp=T0 + 10)
    insert_turn(db, "calm", "Is rapid detox safe?", intent="rapid_detox", channel="telegram", timestamp=T0 + 20)
    insert_turn(db, "calm", "and after that?", intent="aftercare", channel="telegram", timestamp=T0 + 30)
    insert_turn(db, "script", hostile, intent="chitchat", timestamp=T0 + 40)
    project_all(db)
    async with logged_in(db, "reviewer") as client:
        html = await (await client.get("/conversations")).text()
        crisis_only = await (await client.get("/conversations", params={"crisis": "yes"})).text()
        searched = await (await client.get("/conversations", params={"q": "<b>help"})).text()
    assert '<ul class="conversation-list">' in html and html.count('<li class="conversation-row') == 3
    assert "<script>" not in html and "<b>help" not in html
    assert '<p class="snippet">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &lt;b&gt;help&lt;/b&gt;</p>' in html
    assert '<p class="snippet">I want to hurt myself</p>' in html  # the crisis message, not the first one
    assert '<strong class="crisis-marker">Crisis: self harm</strong>' in html
    assert '<p class="topics">Topics: rapid detox, aftercare</p>' in html
    assert '<p class="topics">No topic recognised</p>' in html  # chitchat is not a topic
    assert 'href="/conversations/2">2</a>' in html  # the number stays a link of its own (browser test)
    assert "telegram" in html and "Review: unreviewed" in html and "2025-10-09" in html
    # Filters and search pick rows as before; the rows they pick carry the same preview.
    assert crisis_only.count('<li class="conversation-row') == 1 and "I want to hurt myself" in crisis_only
    assert searched.count('<li class="conversation-row') == 2 and "<b>help" not in searched


async def test_anonymising_clears_the_preview(db, users):
    insert_turn(db, "old", "My name is Ann and I took too many pills", intent="crisis_overdose", channel="telegram",
                timestamp=T0)
    insert_turn(db, "old", "how long is detox", intent="detox_stages", channel="telegram", timestamp=T0 + 10)
    project_all(db)
    assert previews(db)["old"][0] == "My name is Ann and I took too many pills"
    apply_retention(db, 30, anonymise=True, now=datetime(2026, 1, 31))
    conversation = rows(db, "select preview, topics, status, crisis_category from conversations")[0]
    # The words go; the topics stay, like the intents kept in the scrubbed events (statistics).
    assert conversation == {"preview": None, "topics": "detox_stages", "status": "anonymised",
                            "crisis_category": "overdose"}
    with db.begin() as connection:  # a recount (as after an upgrade) must not bring any text back
        connection.execute(sa.text("update projector_cursor set last_event_id = 0"))
    project_all(db)
    assert rows(db, "select preview from conversations") == [{"preview": None}]
    async with logged_in(db, "reviewer") as client:
        html = await (await client.get("/conversations")).text()
    assert "Ann" not in html and "pills" not in html
    assert "Text removed by retention." in html and "Crisis: overdose" in html


def test_migration_leaves_the_preview_to_the_projector(any_engine):
    """Conversations projected before 0006 get a preview and topics from the projector's next passes."""
    create_events_table(any_engine)
    migrate(any_engine, "0005")
    insert_turn(any_engine, "before", "what is detox", intent="what_is_detox", timestamp=T0)
    with any_engine.begin() as connection:  # as 0005's projector left it: counted, cursor at the last event
        connection.execute(sa.text(
            "insert into conversations (id, sender_id, status, crisis, review_status, user_turns, fallback_turns, "
            "low_confidence_turns, event_count, last_event_id, updated_at) values "
            "(1, 'before', 'active', false, 'unreviewed', 1, 0, 0, 4, 4, '2025-10-09 00:00:00')"))
        connection.execute(sa.text("insert into projector_cursor (id, last_event_id, updated_at) "
                                   "values (1, 4, '2025-10-09 00:00:00')"))
        connection.execute(sa.text("insert into intents (name) values ('what_is_detox')"))
        connection.execute(sa.text("insert into conversation_intents values (1, 'what_is_detox')"))
    migrate(any_engine)
    assert previews(any_engine) == {"before": (None, "")}  # not summarised yet: the list says so
    assert rows(any_engine, "select last_event_id from projector_cursor") == [{"last_event_id": 0}]
    project_all(any_engine)
    assert previews(any_engine) == {"before": ("what is detox", "what_is_detox")}
    # Downgrading drops the two columns and nothing else: the conversation's intents and search text stay.
    migrate(any_engine, "0005", down=True)
    assert rows(any_engine, "select count(*) as n from conversation_intents") == [{"n": 1}]
    assert rows(any_engine, "select count(*) as n from search_messages") == [{"n": 2}]
    assert rows(any_engine, "select sender_id from conversations") == [{"sender_id": "before"}]
