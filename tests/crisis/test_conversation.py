"""Risk across turns and the check-in's answer (conversation.py), as the policy sees the tracker's turns."""
from typing import Dict, List, Optional

from recovery_support.crisis import CHECK_IN, CRISIS, CrisisCategory
from recovery_support.crisis.conversation import Turn, plan_turn

O, S, M = CrisisCategory.OVERDOSE, CrisisCategory.SUICIDAL, CrisisCategory.MEDICAL


def turn(intent: str = "withdrawal_timeline", text: str = "", level: Optional[str] = None,
         categories: List[str] = (), **scores: float) -> Turn:
    crisis: Dict[str, object] = {"level": level, "categories": list(categories), "scores": scores}
    return Turn(intent, text, crisis)


def test_a_definite_crisis_in_two_categories_gets_both_replies_in_order() -> None:
    assert plan_turn([turn(level=CRISIS, categories=["overdose", "suicidal"])], None, True) == [
        "utter_crisis_overdose", "utter_crisis_suicidal"]


def test_a_possible_crisis_gets_the_check_in_and_then_its_answer() -> None:
    assert plan_turn([turn(level=CHECK_IN, categories=["suicidal"])], None, True) == [
        "utter_check_in_suicidal", "action_answer"]
    assert plan_turn([turn("greet", level=CHECK_IN, categories=["suicidal"])], None, False) == [
        "utter_check_in_suicidal"]


def test_yes_to_are_you_thinking_of_ending_your_life_gets_the_full_reply_and_no_gets_relief() -> None:
    assert plan_turn([turn("affirm")], S, False) == ["utter_crisis_suicidal"]
    assert plan_turn([turn("deny")], S, False) == ["utter_check_in_declined_suicidal"]


def test_no_to_is_he_breathing_is_the_danger() -> None:
    assert plan_turn([turn("deny")], O, False) == ["utter_crisis_overdose"]
    assert plan_turn([turn("affirm")], O, False) == ["utter_check_in_declined_overdose"]


def test_an_unclear_answer_to_a_check_in_is_taken_as_danger() -> None:
    assert plan_turn([turn("nlu_fallback", "idk maybe")], S, False) == ["utter_crisis_suicidal"]


def test_a_real_question_after_a_check_in_is_answered_as_usual() -> None:
    assert plan_turn([turn("withdrawal_timeline")], S, True) == []


def test_weak_signals_over_several_turns_add_up_to_a_check_in() -> None:
    turns = [turn(suicidal=0.3), turn(suicidal=0.25), turn(suicidal=0.3)]
    assert plan_turn(turns, None, True) == ["utter_check_in_suicidal", "action_answer"]
    assert plan_turn([turn(suicidal=0.3)], None, True) == []  # one weak signal alone is not enough
    assert plan_turn([turn(suicidal=0.05)] * 4, None, True) == []  # ordinary noise never adds up


def test_taking_a_disclosure_back_still_gets_a_check_in() -> None:
    turns = [turn(level=CRISIS, categories=["suicidal"]), turn("chitchat", "lol jk")]
    assert plan_turn(turns, None, False) == ["utter_check_in_suicidal"]


def test_an_ordinary_conversation_is_left_to_the_rules() -> None:
    assert plan_turn([turn(), turn()], None, True) == []
