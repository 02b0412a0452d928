"""The choice of topic from DIET, the semantic search and the TF-IDF search (topic_choice.py)."""
from recovery_support.knowledge.search import Match
from recovery_support.knowledge.topic_choice import ANSWER, CLARIFY, OUT_OF_SCOPE, choose

TOPICS = ["a", "b", "c"]


def test_agreeing_signals_answer_even_when_each_is_unsure():
    assert choose(TOPICS, {"a": 0.3}, [Match("a", 0.55), Match("b", 0.53)], []).kind == ANSWER


def test_one_sure_signal_that_nothing_contradicts_is_answered():
    choice = choose(TOPICS, {}, [Match("b", 0.8), Match("a", 0.5)], [])
    assert (choice.kind, choice.topic) == (ANSWER, "b")


def test_two_topics_genuinely_close_get_a_question():
    choice = choose(TOPICS, {}, [Match("a", 0.6), Match("b", 0.58)], [])
    assert choice.kind == CLARIFY and choice.topics[:2] == ["a", "b"]


def test_a_question_spanning_two_topics_gets_the_best_answer_and_the_other_as_a_follow_up():
    choice = choose(TOPICS, {"a": 0.5, "b": 0.3}, [Match("a", 0.7), Match("b", 0.68)], [])
    assert choice.kind == ANSWER and choice.topics == ["a", "b"]


def test_nothing_near_in_meaning_is_out_of_scope_whatever_diet_guessed():
    assert choose(TOPICS, {"a": 0.7}, [Match("a", 0.3)], []).kind == OUT_OF_SCOPE


def test_a_follow_up_leans_on_the_last_answer():
    choice = choose(TOPICS, {}, [Match("a", 0.3), Match("c", 0.28)], [], context=["c"])
    assert (choice.kind, choice.topic) == (ANSWER, "c")
