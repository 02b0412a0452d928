"""action_answer with a real tracker and CollectingDispatcher, as the action server runs it."""
import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import ActionAnswer


def tracker(text: str, intent: str, confidence: float = 0.95, topic=None) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": []}
    return Tracker(
        sender_id="test-user", slots={"topic": topic, "crisis_category": None}, latest_message=latest,
        events=[{"event": "user", "text": text, "parse_data": latest}], paused=False, followup_action=None,
        active_loop={}, latest_action_name="action_listen",
    )


def run(t: Tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionAnswer().run(dispatcher, t, {}))
    return dispatcher.messages, events


def test_answers_the_topic_and_remembers_it():
    messages, events = run(tracker("what does dopesick feel like", "withdrawal_symptoms"))
    assert len(messages) == 1
    assert "sweat" in messages[0]["text"].lower()
    assert messages[0]["buttons"], "follow-up suggestions are offered"
    assert messages[0]["answer_kind"] == "answer"
    assert events == [SlotSet("topic", "withdrawal_symptoms")]


def test_low_confidence_follow_up_uses_the_remembered_topic():
    messages, events = run(tracker("how long do they last", "nlu_fallback", 0.3, topic="withdrawal_symptoms"))
    assert "24" in messages[0]["text"]
    assert events == [SlotSet("topic", "withdrawal_timeline")]


def test_unknown_question_is_redirected_with_the_clinic_phone(clinic):
    messages, events = run(tracker("can you fix my car", "out_of_scope"))
    assert clinic.phone in messages[0]["text"]
    assert messages[0]["answer_kind"] == "redirect"
    assert events == [SlotSet("topic", None)]


@pytest.mark.parametrize("text", ["", "🙂🙂", "x" * 10_000, "'; DROP TABLE events; --"])
def test_odd_input_never_crashes(text):
    messages, _ = run(tracker(text, "nlu_fallback", 0.2))
    assert messages and messages[0]["text"]
