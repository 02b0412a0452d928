"""The conversation list (filters, search, paging) and the transcript view."""
import pytest

from recovery_support.staff.filters import parse_filter
from recovery_support.staff.listing import list_conversations
from recovery_support.staff.projector import project_all
from recovery_support.staff.review import add_tag, set_review_status
from tests.staff.conftest import insert_event, insert_turn, logged_in

DAY = 86400.0
T0 = 1_760_000_000.0  # 2025-10-09 UTC


@pytest.fixture
def corpus(any_db):
    insert_turn(any_db, "tg-crisis", "I took too many pills", intent="crisis_overdose", channel="telegram",
                timestamp=T0)
    insert_turn(any_db, "web-detox", "what is detox like?", intent="what_is_detox", channel="socketio",
                timestamp=T0 + DAY, reply="Detox is the first step.")
    insert_turn(any_db, "web-fallback", "blargh", intent="nlu_fallback", channel="socketio",
                timestamp=T0 + 2 * DAY)
    insert_turn(any_db, "web-fallback", "zzz", intent="nlu_fallback", channel="socketio", timestamp=T0 + 2 * DAY + 5)
    insert_turn(any_db, "unicode", "Ich fühle mich schlecht, café", intent="chitchat", channel="rest",
                timestamp=T0 + 3 * DAY)
    insert_turn(any_db, "percent", "100% sure_thing", intent="chitchat", channel="rest", timestamp=T0 + 4 * DAY)
    project_all(any_db)
    return any_db


def senders(engine, **params) -> list:
    from recovery_support.staff.models import Conversation
    from sqlalchemy.orm import Session
    import sqlalchemy as sa

    page = list_conversations(engine, parse_filter(params), 1, 50)
    with Session(engine, future=True) as session:
        by_id = dict(session.execute(sa.select(Conversation.id, Conversation.sender_id)).all())
    return sorted(by_id[r["id"]] for r in page.rows)


def test_filters(corpus):
    from tests.staff.conftest import rows

    cid = {r["sender_id"]: r["id"] for r in rows(corpus, "select id, sender_id from conversations")}
    set_review_status(corpus, cid["web-detox"], "reviewed", "r")
    add_tag(corpus, cid["web-fallback"], "Bad Answer", "r")
    assert senders(corpus, channel="socketio") == ["web-detox", "web-fallback"]
    assert senders(corpus, crisis="yes") == ["tg-crisis"]
    assert len(senders(corpus, crisis="no")) == 4
    assert senders(corpus, intent="what_is_detox") == ["web-detox"]
    assert senders(corpus, min_fallback="2") == ["web-fallback"]
    assert senders(corpus, min_fallback="3") == []
    assert senders(corpus, review_status="reviewed") == ["web-detox"]
    assert senders(corpus, tag="bad answer") == ["web-fallback"]
    assert senders(corpus, date_from="2025-10-10", date_to="2025-10-11") == ["web-detox", "web-fallback"]
    assert senders(corpus, date_to="2025-10-09") == ["tg-crisis"]
    assert senders(corpus, channel="socketio", min_fallback="1") == ["web-fallback"]


def test_bad_filter_values_are_reported_and_ignored():
    f = parse_filter({"date_from": "yesterday", "crisis": "maybe", "min_fallback": "lots", "review_status": "x",
                      "channel": "c" * 500})
    assert len(f.errors) == 5 and f.is_empty()


def test_search_matches_message_text_only(corpus):
    assert senders(corpus, q="DETOX") == ["web-detox"]  # case-insensitive
    assert senders(corpus, q="first step") == ["web-detox"]  # the bot's words too
    assert senders(corpus, q="café") == ["unicode"]  # stored JSON-escaped by Rasa
    assert senders(corpus, q="fühle") == ["unicode"]
    assert senders(corpus, q="CAFÉ") == ["unicode"]  # beyond ASCII too, on SQLite as well
    assert senders(corpus, q="  FÜHLE   mich ") == ["unicode"]  # runs of whitespace count as one space
    assert senders(corpus, q="100%") == ["percent"]  # LIKE wildcards are literal
    assert senders(corpus, q="u_e") == []  # "_" is not a wildcard ("sure" has no underscore)
    assert senders(corpus, q="sure_thing") == ["percent"]
    # JSON keys and intent names are not message text.
    assert senders(corpus, q="parse_data") == []
    assert senders(corpus, q="what_is_detox") == []
    assert senders(corpus, q="pills", crisis="no") == []
    # One message at a time: the user's words and the bot's reply after them are two messages.
    assert senders(corpus, q="detox like?") == ["web-detox"]
    assert senders(corpus, q="like? detox is") == []
    assert senders(corpus, q="like?\ndetox") == []
    # Hostile input is a bound parameter, never SQL.
    assert senders(corpus, q="'; drop table conversations; --") == []
    assert len(senders(corpus)) == 5


def test_intent_filter_and_options_follow_the_events(corpus):
    from recovery_support.staff.listing import filter_options

    assert filter_options(corpus)["intents"] == ["chitchat", "crisis_overdose", "nlu_fallback", "what_is_detox"]
    insert_turn(corpus, "web-detox", "I keep craving", intent="coping_cravings", channel="socketio",
                timestamp=T0 + 5 * DAY, reply="Cravings pass.")
    project_all(corpus)
    assert senders(corpus, intent="coping_cravings") == ["web-detox"]
    assert senders(corpus, intent="what_is_detox") == ["web-detox"]  # kept: its earlier turn still has it
    assert senders(corpus, q="cravings pass") == ["web-detox"]
    assert "coping_cravings" in filter_options(corpus)["intents"]


async def test_list_page_paging_and_links(db, users):
    for i in range(3):
        insert_turn(db, f"s{i}", "hello", timestamp=T0 + i)
    project_all(db)
    from tests.staff.conftest import TEST_SETTINGS
    from dataclasses import replace

    async with logged_in(db, "reviewer", replace(TEST_SETTINGS, page_size=2)) as client:
        html = await (await client.get("/conversations", params={"channel": "rest"})).text()
        assert "3 conversations" in html and 'href="/conversations/3"' in html and 'href="/conversations/1"' not in html
        assert "/conversations?page=2&amp;channel=rest" in html
        assert "/export?format=csv&amp;channel=rest" in html
        assert "unredacted=1" not in html  # not offered to reviewers
        html = await (await client.get("/conversations", params={"channel": "rest", "page": "2"})).text()
        assert 'href="/conversations/1"' in html
        html = await (await client.get("/conversations", params={"date_from": "nonsense"})).text()
        assert "not a date" in html


async def test_transcript_shows_each_turn(db, users):
    insert_event(db, "t", "bot", "Hi! I'm the clinic's assistant.", intent=None, timestamp=T0 - 5)
    insert_turn(db, "t", "what is detox", intent="what_is_detox", confidence=0.87, channel="socketio",
                timestamp=T0, reply="Detox is the first step.")
    insert_turn(db, "t", "I took too many pills", intent="crisis_overdose", confidence=1.0, timestamp=T0 + 60,
                reply="Call 911 now.")
    insert_turn(db, "t", "hmm", intent="nlu_fallback", confidence=0.45, timestamp=T0 + 120,
                ranking=[{"name": "nlu_fallback", "confidence": 0.45}, {"name": "chitchat", "confidence": 0.2}])
    project_all(db)
    async with logged_in(db, "reviewer") as client:
        html = await (await client.get("/conversations/1")).text()
    assert html.index("Hi! I") < html.index("what is detox") < html.index("Detox is the first step.") \
        < html.index("I took too many pills") < html.index("Call 911 now.")
    assert "intent <code>what_is_detox</code> (0.87)" in html
    assert "Bot action <code>action_answer</code>" in html
    assert "action_listen" not in html
    assert "Crisis: overdose" in html
    assert "intent <code>nlu_fallback</code> (0.45) · low confidence · fallback" in html
    assert "2025-10-09 08:53:20 UTC" in html
    # A reviewer gets the review forms but not the note form, nor the channel's identifier for the person.
    assert 'action="/conversations/1/review"' in html and 'action="/conversations/1/notes"' not in html
    assert "Sender id" not in html and "<code>t</code>" not in html
    async with logged_in(db, "clinician") as client:
        html = await (await client.get("/conversations/1")).text()
    assert "<dt>Sender id</dt><dd><code>t</code></dd>" in html
