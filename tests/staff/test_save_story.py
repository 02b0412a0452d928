""""Save as test story": a transcript turn appended to a Rasa test-story file (a temp file here), safely."""
import json
from contextlib import asynccontextmanager
from dataclasses import replace

import yaml
from aiohttp.test_utils import TestClient, TestServer

from recovery_support.staff.app import make_app
from recovery_support.staff.projector import project_all
from recovery_support.staff.review_stories import action_for, choosable_intents
from tests.staff.conftest import TEST_SETTINGS, csrf_of, login, insert_turn, rows

HOSTILE = 'he said "stop" \'now\'\n- action: utter_greet\nintent: {greet}: [x] # {{ not_a_var }}\n  '


class FakeRedactor:
    """The real one loads spaCy (seconds); this one shows the text goes through it."""

    def redact(self, text: str) -> str:
        return text.replace("714-555-0123", "[PHONE]")


@asynccontextmanager
async def client_as(db, role, path):
    settings = replace(TEST_SETTINGS, review_stories_path=str(path))
    client = TestClient(TestServer(make_app(db, settings, redactor=FakeRedactor)))
    await client.start_server()
    try:
        if role:
            assert (await login(client, role)).status == 303
        yield client
    finally:
        await client.close()


def seed(db):
    insert_turn(db, "web-story", "hi there", intent="greet", timestamp=1_760_000_000.0)
    second = insert_turn(db, "web-story", HOSTILE, intent="chitchat", timestamp=1_760_000_010.0)
    third = insert_turn(db, "web-story", "call me on 714-555-0123 about detox", intent="nlu_fallback",
                        timestamp=1_760_000_020.0)
    project_all(db)
    return rows(db, "select id from conversations")[0]["id"], second, third


def test_actions_for_intents():
    assert action_for("what_is_detox") == "action_answer"
    assert action_for("bot_challenge") == "utter_iamabot"
    assert action_for("crisis_self_harm") == "utter_crisis_self_harm"
    assert action_for("affirm") == "action_answer"  # topics.yml reads yes/no in context
    assert action_for("nonsense") is None
    assert set(choosable_intents()) >= {"greet", "crisis_overdose", "overdose_signs", "out_of_scope"}


async def test_reviewer_saves_stories_that_load_and_round_trip(db, users, tmp_path):
    conversation, second, third = seed(db)
    path = tmp_path / "stories" / "test_from_review.yml"
    async with client_as(db, "reviewer", path) as client:
        html = await (await client.get(f"/conversations/{conversation}")).text()
        assert f'name="event_id" value="{second}"' in html and "Save as test story" in html
        token = await csrf_of(client, f"/conversations/{conversation}")
        for event_id, intent in [(second, "what_is_detox"), (third, "crisis_overdose")]:
            response = await client.post(f"/conversations/{conversation}/test-story",
                                         data={"csrf_token": token, "event_id": str(event_id), "intent": intent})
            assert response.status == 200 and "as a test story" in await response.text()
        # An intent outside the domain is refused, nothing written.
        response = await client.post(f"/conversations/{conversation}/test-story",
                                     data={"csrf_token": token, "event_id": str(second), "intent": "evil: x"})
        assert "choose one of the domain" in await response.text()
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert document["version"] == "3.1"
    assert document["stories"] == [
        {"story": f"review {conversation} turn 2",
         "steps": [{"user": HOSTILE, "intent": "what_is_detox"}, {"action": "action_answer"}]},
        {"story": f"review {conversation} turn 3",
         "steps": [{"user": "call me on [PHONE] about detox", "intent": "crisis_overdose"},
                   {"action": "utter_crisis_overdose"}]},
    ]
    entries = rows(db, "select actor, target, detail from audit_log where action = 'save_test_story'")
    assert [e["actor"] for e in entries] == ["reviewer", "reviewer"]
    assert entries[0]["target"] == f"conversation:{conversation}"
    assert json.loads(entries[1]["detail"])["redacted"] is True
    assert "714-555-0123" not in entries[1]["detail"] and "stop" not in entries[0]["detail"]


async def test_csrf_and_login_required(db, users, tmp_path):
    conversation, second, _ = seed(db)
    path = tmp_path / "stories.yml"
    form = {"event_id": str(second), "intent": "greet"}
    async with client_as(db, "reviewer", path) as client:
        response = await client.post(f"/conversations/{conversation}/test-story", data=form)
        assert response.status == 403
        response = await client.post(f"/conversations/{conversation}/test-story",
                                     data={**form, "csrf_token": "forged"})
        assert response.status == 403
    async with client_as(db, None, path) as client:
        response = await client.post(f"/conversations/{conversation}/test-story", data=form)
        assert response.status == 403
    assert not path.exists()
    assert rows(db, "select count(*) as n from audit_log where action = 'save_test_story'") == [{"n": 0}]


async def test_other_conversations_message_is_not_found(db, users, tmp_path):
    conversation, _, _ = seed(db)
    other = insert_turn(db, "web-other", "elsewhere", intent="greet", timestamp=1_760_000_100.0)
    async with client_as(db, "clinician", tmp_path / "s.yml") as client:
        token = await csrf_of(client, f"/conversations/{conversation}")
        response = await client.post(f"/conversations/{conversation}/test-story",
                                     data={"csrf_token": token, "event_id": str(other), "intent": "greet"})
        assert response.status == 404
