"""Conversations through the REST channel against the real servers: what a person would see."""
import re
import sqlite3
import uuid

import pytest
import yaml

from recovery_support.clinic import load_clinic_profile

from recovery_support.paths import ROOT
from recovery_support.servers import custom_payloads, texts

# One question per topic, in a person's words (not training examples), and a fact its answer must carry.
QUESTIONS = {
    "what_is_detox": ("what actually is heroin detox", r"withdraw"),
    "withdrawal_symptoms": ("what does dopesick feel like", r"sweat"),
    "withdrawal_timeline": ("how soon after my last use does withdrawal kick in", r"24"),
    "detox_stages": ("what are the stages of detox", r"stabiliz"),
    "medication_assisted_treatment": ("do you give meds to help with withdrawal", r"medication"),
    "inpatient_detox": ("what is inpatient detox like", r"stay"),
    "outpatient_detox": ("can i detox at home and just visit the clinic", r"home"),
    "rapid_detox": ("is rapid detox under anesthesia safe", r"heart|kidney"),
    "quitting_alone": ("can i just quit cold turkey by myself", r"fatal|dangerous|deadly"),
    "why_addictive": ("why is heroin so addictive", r"one"),
    "nutrition_hydration": ("what should i eat and drink during detox", r"water"),
    "getting_started": ("how do i get started", r"\(555\) 010-0100"),
    "clinic_location_hours": ("where is the clinic located", r"Costa Mesa"),
    "medication_dosing": ("how many mg of suboxone should i take", r"medical staff|doctor|clinic"),
}


@pytest.mark.parametrize("topic", sorted(QUESTIONS))
def test_a_question_gets_its_answer_with_a_next_step(bot, topic):
    question, fact = QUESTIONS[topic]
    replies = bot.send(question)
    reply = texts(replies)
    assert re.search(fact, reply, re.IGNORECASE), f"{topic}: {reply}"
    assert len(reply.split()) <= 130
    assert any(m.get("buttons") for m in replies), "suggestions for what to ask next"


def test_a_follow_up_question_is_read_in_context(bot):
    sender = uuid.uuid4().hex
    assert "sweat" in texts(bot.send("what are the symptoms of withdrawal", sender)).lower()
    assert "24" in texts(bot.send("how long do they last?", sender))


def test_and_outpatient_after_inpatient(bot):
    sender = uuid.uuid4().hex
    bot.send("tell me about inpatient detox", sender)
    assert "home" in texts(bot.send("and outpatient?", sender)).lower()


def test_a_suggestion_button_answers_its_topic(bot):
    replies = bot.send("hi")
    payload = replies[0]["buttons"][0]["payload"]
    assert payload.startswith("/")
    assert len(texts(bot.send(payload)).split()) > 20


def test_greeting_and_goodbye(bot):
    assert "Clear Life Recovery" in texts(bot.send("hello"))
    assert texts(bot.send("bye, thanks"))


@pytest.mark.parametrize("text", [
    " ",
    "🙏🙏😭",
    "x" * 10_000,
    "necesito ayuda para dejar la heroína",
    "<img src=x onerror=alert(1)>",
    "'; DROP TABLE events; --",
    "asdfghjkl qwerty",
])
def test_bad_input_gets_a_sensible_reply(bot, text):
    reply = texts(bot.send(text))
    assert reply.strip(), f"no reply to {text[:40]!r}"
    assert "<img" not in reply


def test_out_of_scope_is_redirected_with_the_clinic_contact(bot):
    reply = texts(bot.send("what's the weather in Denver tomorrow"))
    assert "(555) 010-0100" in reply and "detox" in reply


@pytest.mark.parametrize("text, category, number", [
    ("my boyfriend took too much and his lips are blue", "overdose", "911"),
    ("i dont want to be alive anymore", "suicidal", "988"),
    ("my dad is having a seizure from withdrawal", "medical", "911"),
])
def test_a_crisis_gets_the_resources_and_the_marker(bot, text, category, number):
    replies = bot.send(text)
    assert number in texts(replies)
    assert {"crisis": True, "category": category}.items() <= custom_payloads(replies)[0].items()


def test_overdose_reply_carries_naloxone_steps(bot):
    reply = texts(bot.send("he OD'd and wont wake up"))
    assert "911" in reply and "naloxone" in reply.lower() and "Narcan" in reply


def test_a_crisis_mid_conversation_is_caught(bot):
    sender = uuid.uuid4().hex
    bot.send("how long does withdrawal last", sender)
    replies = bot.send("honestly i just want to end it all", sender)
    assert "988" in texts(replies) and custom_payloads(replies)[0]["crisis"] is True


@pytest.mark.parametrize("text", [
    "I'm dying to know how long detox takes",
    "this headache is killing me",
    "what are the signs of an overdose?",
])
def test_a_look_alike_gets_its_ordinary_answer(bot, text):
    replies = bot.send(text)
    assert not custom_payloads(replies), f"false alarm on {text!r}"
    assert texts(replies)


def test_an_ordinary_question_with_the_action_server_killed_gets_an_apology_not_silence(bot_without_actions):
    replies = bot_without_actions.send("how long does withdrawal last")
    text = texts(replies)
    assert "sorry" in text.lower() and load_clinic_profile().phone in text and "988" in text and "911" in text


def test_crisis_reply_arrives_with_the_action_server_down(bot_without_actions):
    replies = bot_without_actions.send("my friend overdosed and isnt breathing")
    assert "911" in texts(replies) and "naloxone" in texts(replies).lower()
    assert custom_payloads(replies)[0] == {**custom_payloads(replies)[0], "crisis": True, "category": "overdose"}


MULTI_TURN = yaml.safe_load((ROOT / "tests" / "crisis" / "messages.yml").read_text(encoding="utf-8"))["multi_turn"]


@pytest.mark.parametrize("case", MULTI_TURN, ids=lambda c: c["turns"][-1][:40])
def test_a_crisis_that_appears_mid_conversation(bot, case):
    sender = uuid.uuid4().hex
    *before, last = case["turns"]
    for text in before:
        assert not custom_payloads(bot.send(text, sender)), f"false alarm on {text!r}"
    payloads = custom_payloads(bot.send(last, sender))
    assert payloads and payloads[0]["crisis"] is True and payloads[0]["category"] == case["category"]


def test_after_a_disclosure_a_retraction_still_gets_a_check_in(bot):
    sender = uuid.uuid4().hex
    bot.send("sometimes i think everyone would be better off if i was dead", sender)
    replies = bot.send("jk lol", sender)
    assert "988" in texts(replies) and "ending your life" in texts(replies)
    assert custom_payloads(replies) and custom_payloads(replies)[0]["level"] == "check_in"
    assert custom_payloads(replies)[0]["category"] == "suicidal"


def test_yes_to_the_check_in_gets_the_full_crisis_reply(bot):
    sender = uuid.uuid4().hex
    bot.send("i want to die", sender)
    bot.send("lol just kidding", sender)
    replies = bot.send("yeah honestly", sender)
    payloads = custom_payloads(replies)
    assert payloads and payloads[0]["category"] == "suicidal" and "level" not in payloads[0]
    assert "988" in texts(replies) and "741741" in texts(replies)


def test_no_to_the_check_in_gets_relief_and_the_conversation_goes_on(bot):
    sender = uuid.uuid4().hex
    bot.send("i want to die", sender)
    bot.send("jk", sender)
    replies = bot.send("no", sender)
    assert not custom_payloads(replies) and "988" in texts(replies) and "glad" in texts(replies)
    assert "24" in texts(bot.send("how long does withdrawal last", sender))


def test_an_intentional_overdose_gets_911_and_naloxone_first_then_988(bot):
    replies = bot.send("i'm going to take all my pills tonight so i don't wake up")
    categories = [p["category"] for p in custom_payloads(replies)]
    assert categories == ["overdose", "suicidal"], categories
    assert "911" in texts(replies) and "naloxone" in texts(replies).lower() and "988" in texts(replies)


def test_a_question_after_a_crisis_is_still_answered(bot):
    sender = uuid.uuid4().hex
    bot.send("my friend overdosed and is turning blue", sender)
    assert "24" in texts(bot.send("how long does withdrawal last", sender))


def test_every_turn_is_kept_in_the_database(bot):
    sender = uuid.uuid4().hex
    bot.send("what is detox", sender)
    with sqlite3.connect(bot.db_path) as db:
        rows = db.execute("SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id", (sender,)).fetchall()
    assert any(t == "user" and "what is detox" in d for t, d in rows)
    assert any(t == "bot" for t, _ in rows)


def test_a_request_body_cannot_choose_the_conversations_channel(bot):
    """A client naming another channel would be stored as a Telegram conversation, and a staff reply relayed to
    a chat id of its choosing: the channel is the one the request came through."""
    import requests

    sender = uuid.uuid4().hex
    requests.post(f"{bot.rasa_url}/webhooks/rest/webhook", timeout=60,
                  json={"sender": sender, "message": "what is detox", "input_channel": "telegram"}).raise_for_status()
    with sqlite3.connect(bot.db_path) as db:
        channels = {row[0] for row in db.execute(
            "SELECT json_extract(data, '$.input_channel') FROM events WHERE sender_id = ? AND type_name = 'user'",
            (sender,))}
    assert channels == {"rest"}
