"""The per-message decision: rules, semantic classifier and DIET's ranking together (decision.py)."""
from typing import List, Optional, Tuple

import pytest

from recovery_support.crisis import CHECK_IN, CRISIS, CrisisCategory, CrisisVerdict, decide
from recovery_support.crisis.semantic import SemanticScores

O, S, H, M = CrisisCategory.OVERDOSE, CrisisCategory.SUICIDAL, CrisisCategory.SELF_HARM, CrisisCategory.MEDICAL
RULE_HIT = CrisisVerdict(O, "overdose: not_breathing", False)
NOTHING = CrisisVerdict(None, "", False)
LOOKALIKE = CrisisVerdict(None, "look-alike: idiom killing_me", True)


def scores(**values: float) -> SemanticScores:
    return SemanticScores({c: values.get(c.value, 0.0) for c in CrisisCategory})


@pytest.mark.parametrize("verdict, semantic, ranking, level, categories", [
    (RULE_HIT, None, [("greet", 0.99)], CRISIS, (O,)),  # the rules win whatever the classifiers say
    (NOTHING, scores(suicidal=0.9), [("greet", 0.9)], CRISIS, (S,)),  # wording the rules do not know
    (NOTHING, scores(medical=0.6), [], CHECK_IN, (M,)),  # possible: a check-in
    (NOTHING, scores(medical=0.55), [], None, ()),  # below the check-in bar
    # danger split between categories, none enough alone: together they make a check-in for the likeliest
    (NOTHING, scores(overdose=0.4, suicidal=0.22, medical=0.14), [], CHECK_IN, (O,)),
    (NOTHING, scores(overdose=0.35, suicidal=0.2, medical=0.15), [], None, ()),  # 0.70 together: not enough
    (NOTHING, scores(overdose=0.4, suicidal=0.22, medical=0.14), [("insurance_cost", 0.9)], None, ()),
    (NOTHING, scores(suicidal=0.7), [("insurance_cost", 0.85)], None, ()),  # clearly an ordinary question
    (NOTHING, scores(suicidal=0.7), [("insurance_cost", 0.5)], CHECK_IN, (S,)),  # unsure: ask
    (NOTHING, scores(medical=0.2), [], None, ()),  # nothing
    # the semantic scores beside a look-alike come from the sentences it does not explain: they still count
    (LOOKALIKE, scores(suicidal=0.95), [], CRISIS, (S,)),
    (LOOKALIKE, scores(suicidal=0.6), [], CHECK_IN, (S,)),
    (LOOKALIKE, None, [], None, ()),  # the look-alike explained the whole message
    (LOOKALIKE, None, [("crisis_suicidal", 0.97)], None, ()),  # "this withdrawal is killing me"
    (NOTHING, None, [("greet", 0.05), ("crisis_medical", 0.85)], CRISIS, (M,)),  # DIET alone, any order
    (NOTHING, None, [("crisis_suicidal", 0.79)], None, ()),
    # an overdose that may be on purpose: 911 first, then 988
    (RULE_HIT, scores(overdose=0.6, suicidal=0.4), [], CRISIS, (O, S)),
    (NOTHING, scores(suicidal=0.92, overdose=0.35), [], CRISIS, (O, S)),
    # a phrase that names an overdose on purpose carries both, whatever the scores
    (CrisisVerdict(S, "suicidal: od_intent", False, also=(O,)), scores(suicidal=0.9), [], CRISIS, (O, S)),
    (NOTHING, scores(suicidal=0.8), [], CHECK_IN, (S,)),  # likely, not sure: a check-in
    # a second category only where both are needed (self-harm beside an overdose is not asked for twice)
    (RULE_HIT, scores(self_harm=0.5), [], CRISIS, (O,)),
])
def test_decide(verdict: CrisisVerdict, semantic: Optional[SemanticScores], ranking: List[Tuple[str, float]],
                level: Optional[str], categories: tuple) -> None:
    decision = decide(verdict, semantic, ranking)
    assert (decision.level, decision.categories) == (level, categories), decision.reason


@pytest.mark.parametrize("whole, level", [
    (scores(self_harm=0.93), CRISIS),  # "cutting his arm with a kitchen knife": the accident rule was wrong
    (scores(self_harm=0.8), None),  # not sure enough to overrule the look-alike, and no check-in from it
])
def test_a_confident_reading_of_the_whole_message_overrules_a_look_alike(whole: SemanticScores,
                                                                         level: Optional[str]) -> None:
    decision = decide(LOOKALIKE, None, [], whole=whole)
    assert decision.level == level, decision.reason
    if level:
        assert decision.categories == (H,) and "whole message" in decision.reason


def test_a_short_message_needs_more_for_a_check_in() -> None:
    assert decide(NOTHING, scores(medical=0.68), [], words=4).level is None  # "day 3 off xanax"
    assert decide(NOTHING, scores(medical=0.68, overdose=0.2), [], words=4).level is None  # not summed when short
    assert decide(NOTHING, scores(medical=0.8), [], words=4).level == CHECK_IN
    assert decide(NOTHING, scores(medical=0.68), [], words=12).level == CHECK_IN
    assert decide(NOTHING, scores(medical=0.95), [], words=2).level == CRISIS  # the crisis bar is the same


def test_the_decision_in_the_parse_data_names_its_reason_and_scores() -> None:
    data = decide(NOTHING, scores(suicidal=0.9), []).as_dict()
    assert data["level"] == CRISIS and data["category"] == "suicidal" and data["categories"] == ["suicidal"]
    assert "semantic" in data["reason"] and data["scores"]["suicidal"] == 0.9
