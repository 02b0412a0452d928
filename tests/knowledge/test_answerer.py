"""What a person reads back, for each kind of turn: answer, context follow-up, clarifying question, redirect."""
import pytest

from recovery_support.knowledge.search import Match


def titles(reply):
    return [b["title"] for b in reply.buttons]


def payloads(reply):
    return [b["payload"] for b in reply.buttons]


def test_a_topic_gets_its_entry_with_follow_up_suggestions(answerer, kb):
    reply = answerer.reply("withdrawal_timeline", "how long does withdrawal last")
    assert "24" in reply.text and "48" in reply.text
    assert reply.topic == "withdrawal_timeline"
    assert payloads(reply) == [f"/{t}" for t in kb.get("withdrawal_timeline").follow_ups]


def test_clinic_details_are_filled_in(answerer, clinic):
    reply = answerer.reply("clinic_location_hours", "where are you")
    assert clinic.address in reply.text and clinic.name in reply.text


@pytest.mark.parametrize("last_topic, text, expected", [
    ("withdrawal_symptoms", "how long do they last?", "withdrawal_timeline"),
    ("rapid_detox", "is it safe?", "rapid_detox"),
])
def test_a_vague_follow_up_is_read_in_the_context_of_the_last_answer(answerer, last_topic, text, expected):
    reply = answerer.reply("nlu_fallback", text, last_topic=last_topic)
    assert reply.topic == expected, reply


def test_low_confidence_offers_two_or_three_topics_instead_of_guessing(answerer, monkeypatch):
    # When the signals split (topic_choice, tested on its own), the person gets the close topics as buttons.
    from recovery_support.knowledge import answerer as module
    from recovery_support.knowledge.topic_choice import CLARIFY, TopicChoice

    monkeypatch.setattr(module, "choose", lambda *a, **k: TopicChoice(CLARIFY, ["outpatient_detox", "inpatient_detox"]))
    reply = answerer.reply("nlu_fallback", "treatment options at home or staying there")
    assert reply.kind == "clarify"
    assert 2 <= len(reply.buttons) <= 3
    assert all(p.startswith("/") for p in payloads(reply))


def test_out_of_scope_is_redirected_kindly_with_the_clinic_contact(answerer, clinic):
    reply = answerer.reply("out_of_scope", "what's the weather tomorrow")
    assert clinic.phone in reply.text and "911" in reply.text
    assert reply.buttons


@pytest.mark.parametrize("text, kind", [
    ("", "empty"),
    ("   ", "empty"),
    ("🙏😭💔", "not_understood"),
    ("necesito ayuda con mi hermano por favor", "not_english"),
    ("<script>alert(1)</script>", "not_understood"),
])
def test_odd_input_gets_a_sensible_reply(answerer, text, kind):
    reply = answerer.reply("nlu_fallback", text)
    assert reply.kind == kind
    assert reply.text and reply.buttons


def test_another_language_gets_the_bilingual_helpline(answerer):
    reply = answerer.reply("nlu_fallback", "necesito ayuda con mi hermano por favor")
    assert "1-800-662-4357" in reply.text and "español" in reply.text


def test_a_very_long_message_is_handled(answerer):
    reply = answerer.reply("nlu_fallback", "withdrawal " * 1500)
    assert reply.text


def test_yes_after_an_answer_offers_its_follow_ups(answerer, kb):
    reply = answerer.reply("affirm", "yes", last_topic="inpatient_detox")
    assert payloads(reply) == [f"/{t}" for t in kb.get("inpatient_detox").follow_ups]
    assert reply.topic == "inpatient_detox"


def test_an_unsure_classifier_and_the_search_agreeing_give_the_answer(answerer):
    text = "how soon after my last use does withdrawal kick in"
    near = [Match("withdrawal_symptoms", 0.62), Match("withdrawal_timeline", 0.6)]
    reply = answerer.reply("nlu_fallback", text, semantic=near, ranking={"withdrawal_timeline": 0.4})
    assert reply.topic == "withdrawal_timeline" and reply.kind == "answer"


def test_a_question_near_no_topic_in_meaning_gets_the_kind_redirect(answerer, clinic):
    far = [Match("nutrition_hydration", 0.3), Match("no_local_center", 0.29)]
    reply = answerer.reply("no_local_center", "best tacos near you?", semantic=far, ranking={"no_local_center": 0.6})
    assert reply.kind == "redirect" and clinic.phone in reply.text and "911" in reply.text
