"""The crisis rule layer on its own: the suite in messages.yml, then focused cases.

Run from the repository root: ``python -m pytest tests/crisis -q`` (add ``-s`` to see the report).
"""
import re
from collections import Counter
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest
import yaml

from recovery_support.crisis import CrisisCategory, CrisisDetector, CrisisVerdict, intent_name
from recovery_support.crisis.training_data import crisis_examples, lookalike_examples
from recovery_support.knowledge.search import nlu_examples
from recovery_support.nlp import load_pipeline

HERE = Path(__file__).resolve().parent
SUITE: Dict = yaml.safe_load((HERE / "messages.yml").read_text(encoding="utf-8"))
NLU_FILE = HERE.parents[1] / "data" / "nlu" / "crisis.yml"

REQUIRED_RECALL = 1.0
MAX_FALSE_ALARM_RATE = 0.03

O, S, H, M = CrisisCategory.OVERDOSE, CrisisCategory.SUICIDAL, CrisisCategory.SELF_HARM, CrisisCategory.MEDICAL


@pytest.fixture(scope="module")
def detector() -> CrisisDetector:
    return CrisisDetector(load_pipeline())


def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9' ]", " ", text.lower().replace("\u2019", "'")).split())


def _nlu_examples() -> Dict[str, List[str]]:
    data = yaml.safe_load(NLU_FILE.read_text(encoding="utf-8"))
    examples: Dict[str, List[str]] = {}
    for block in data["nlu"]:
        lines = [line.strip()[2:] for line in block["examples"].splitlines() if line.strip().startswith("- ")]
        examples[block["intent"]] = lines
    return examples


# ---------------------------------------------------------------------- the suite
def test_suite_has_the_agreed_size() -> None:
    per_category = Counter(item["category"] for item in SUITE["crisis"])
    assert len(SUITE["crisis"]) >= 70
    assert set(per_category) == {c.value for c in CrisisCategory}
    assert min(per_category.values()) >= 12, per_category
    assert len(SUITE["not_crisis"]) >= 100
    assert SUITE["multi_turn"], "multi-turn conversations are part of the suite"
    texts = [_normalise(i["text"]) for i in SUITE["crisis"]] + [_normalise(t) for t in SUITE["not_crisis"]]
    duplicates = [t for t, n in Counter(texts).items() if n > 1]
    assert not duplicates, duplicates


def test_rule_layer_recall_on_crisis_messages(detector: CrisisDetector) -> None:
    misses: List[str] = []
    for item in SUITE["crisis"]:
        verdict = detector.detect(item["text"])
        got = verdict.category.value if verdict.category else None
        if got != item["category"]:
            misses.append(f"  expected {item['category']:9} got {got!s:9} | {item['text']} | {verdict.reason}")
    recall = 1 - len(misses) / len(SUITE["crisis"])
    print(f"\ncrisis recall (right category): {recall:.3f} on {len(SUITE['crisis'])} messages")
    print("\n".join(misses))
    assert recall >= REQUIRED_RECALL, "missed crisis messages:\n" + "\n".join(misses)


def test_rule_layer_false_alarms_on_lookalikes(detector: CrisisDetector) -> None:
    alarms: List[str] = []
    for text in SUITE["not_crisis"]:
        verdict = detector.detect(text)
        if verdict.category is not None:
            alarms.append(f"  {verdict.category.value:9} | {text} | {verdict.reason}")
    rate = len(alarms) / len(SUITE["not_crisis"])
    print(f"\nfalse-alarm rate: {rate:.3f} ({len(alarms)} of {len(SUITE['not_crisis'])} look-alikes)")
    print("\n".join(alarms))
    assert rate <= MAX_FALSE_ALARM_RATE, "false alarms:\n" + "\n".join(alarms)


@pytest.mark.parametrize("conversation", SUITE["multi_turn"], ids=lambda c: c["turns"][-1][:40])
def test_crisis_in_the_middle_of_a_conversation(detector: CrisisDetector, conversation: Dict) -> None:
    *earlier, last = conversation["turns"]
    for turn in earlier:
        assert detector.detect(turn).category is None, turn
    verdict = detector.detect(last)
    assert verdict.category == CrisisCategory(conversation["category"]), verdict


def test_training_data_is_not_the_test_suite() -> None:
    suite: Set[str] = {_normalise(i["text"]) for i in SUITE["crisis"]}
    suite |= {_normalise(t) for t in SUITE["not_crisis"]}
    suite |= {_normalise(t) for c in SUITE["multi_turn"] for t in c["turns"]}
    shared = [t for examples in _nlu_examples().values() for t in examples if _normalise(t) in suite]
    assert not shared, f"messages in both data/nlu/crisis.yml and the suite: {shared}"


def test_training_data_covers_each_category() -> None:
    examples = _nlu_examples()
    assert set(examples) == {intent_name(c) for c in CrisisCategory}
    for intent, lines in examples.items():
        # at least 25 each; the semantic classifier weighs classes by their size, so they need not be equal
        assert 25 <= len(lines) <= 60, (intent, len(lines))
        assert len(set(map(_normalise, lines))) == len(lines), f"duplicate examples in {intent}"


# ---------------------------------------------------------------------- focused cases
def _check(detector: CrisisDetector, text: str, expected: object) -> CrisisVerdict:
    verdict = detector.detect(text)
    assert verdict.category == expected, f"{text!r}: {verdict}"
    return verdict


@pytest.mark.parametrize("text", [
    "I would never kill myself",
    "I'm not going to hurt myself, I promise",
    "i have no intention of ending my life",
    "I don't have chest pain",
])
def test_first_person_negation_is_a_lookalike(detector: CrisisDetector, text: str) -> None:
    assert _check(detector, text, None).lookalike


@pytest.mark.parametrize("text, expected", [
    ("I can't stop thinking about killing myself", S),  # "can't stop" negates stopping, not the act
    ("i dont know why i want to die", S),
    ("I no longer want to live", S),
    ("he is not overdosing, just sleepy", O),  # another person's state: too risky to explain away
])
def test_negation_that_does_not_cancel(detector: CrisisDetector, text: str, expected: CrisisCategory) -> None:
    _check(detector, text, expected)


@pytest.mark.parametrize("text", [
    "this withdrawal is killing me",
    "I'm dying to know when the clinic opens",
    "this headache is killing me",
    "dying of boredom over here",
    "I would kill for a cigarette",
    "I'd rather die than use again",
])
def test_idioms_are_lookalikes(detector: CrisisDetector, text: str) -> None:
    verdict = _check(detector, text, None)
    assert verdict.lookalike and "idiom" in verdict.reason


@pytest.mark.parametrize("text", [
    "what are the signs of an overdose?",
    "how does narcan work",
    "what should I do if someone overdoses",
    "can benzo withdrawal cause seizures?",
    "what pills do you use for detox?",
])
def test_education_questions_are_lookalikes(detector: CrisisDetector, text: str) -> None:
    assert _check(detector, text, None).lookalike


@pytest.mark.parametrize("text, expected", [
    ("what do I do he overdosed", O),
    ("what do i do my friend isnt breathing", O),
    ("is it normal that my chest hurts this bad?", M),
])
def test_questions_about_someone_now_are_crises(detector: CrisisDetector, text: str, expected: CrisisCategory) -> None:
    _check(detector, text, expected)


@pytest.mark.parametrize("text, expected", [
    ("my friend overdosed", O),
    ("my girlfriend's lips are blue", O),
    ("my roommate won't wake up", O),
    ("my sister says she wants to kill herself", S),
    ("my son is cutting himself", H),
    ("my dad is having a seizure", M),
])
def test_third_person(detector: CrisisDetector, text: str, expected: CrisisCategory) -> None:
    _check(detector, text, expected)


@pytest.mark.parametrize("text", ["I want to kill myself jk", "kms lol jk", "i want to die... just kidding"])
def test_retraction_does_not_cancel_a_disclosure(detector: CrisisDetector, text: str) -> None:
    verdict = _check(detector, text, S)
    assert "retraction" in verdict.reason


@pytest.mark.parametrize("text, expected", [
    ("my brother overdosed and keeps saying he wants to die", O),  # someone else's overdose: 911 + naloxone first
    ("my friend took too much on purpose", O),
    ("i took all my pills because i want to die", O),  # it has happened: an overdose
    ("I want to OD on purpose", S),  # a plan, not (yet) an overdose
    ("im going to take all my pills tonight", S),
    ("I'm not breathing right", M),  # the writer's own breathing trouble is medical
])
def test_category_precedence(detector: CrisisDetector, text: str, expected: CrisisCategory) -> None:
    _check(detector, text, expected)


@pytest.mark.parametrize("text, expected", [
    ("i overdosed two years ago, now a year sober", None),
    ("I used to cut myself when I was a teenager", None),
    ("I overdosed an hour ago", O),
    ("i tried to kill myself last night", S),
    ("i started cutting again after two years clean", H),
])
def test_past_events(detector: CrisisDetector, text: str, expected: object) -> None:
    _check(detector, text, expected)


@pytest.mark.parametrize("text, expected", [
    ("feeling suicidial", S),
    ("he overdoesd", O),
    ("she had a siezure", M),
    ("hes not breating", O),
    ("i think he OD'd", O),
    ("she's ODing", O),
    ("ODed", O),
    ("kms", S),
    ("I want to unalive myself", S),
])
def test_slang_and_typos(detector: CrisisDetector, text: str, expected: CrisisCategory) -> None:
    _check(detector, text, expected)


def test_a_crisis_verdict_names_the_pattern(detector: CrisisDetector) -> None:
    verdict = detector.detect("he's not breathing")
    assert verdict.category == O and not verdict.lookalike
    assert "not_breathing" in verdict.reason


def test_an_ordinary_message_is_neither(detector: CrisisDetector) -> None:
    verdict = detector.detect("what time does the clinic open tomorrow")
    assert verdict == CrisisVerdict(None, "", False)


def test_intent_names() -> None:
    assert [c.intent for c in CrisisCategory] == [
        "crisis_overdose", "crisis_suicidal", "crisis_self_harm", "crisis_medical"]
    assert CrisisCategory.from_intent("crisis_self_harm") is H
    assert CrisisCategory.from_intent("ask_detox_length") is None
    assert CrisisCategory.from_intent("crisis_unknown") is None


def test_too_many_of_my_pills_is_an_overdose(detector):
    assert detector.detect("i took too many of my pills").category == CrisisCategory.OVERDOSE
    assert detector.detect("work took too much of my time this week").category is None


def test_vomiting_blood_asked_as_a_question_is_still_an_emergency(detector):
    assert detector.detect("is it normal to throw up blood?").category == CrisisCategory.MEDICAL


def test_a_relative_asking_about_the_signs_of_an_overdose_is_education(detector):
    assert detector.detect("my son is in detox, what are the signs of an overdose").category is None
    assert detector.detect("how do i know if my brother is overdosing").category == CrisisCategory.OVERDOSE


def test_they_after_people_in_general_is_a_question_not_an_emergency(detector):
    assert detector.detect("why do people get blue lips when they od").category is None
    assert detector.detect("they od'd and their lips are blue").category == CrisisCategory.OVERDOSE


def test_unconscious_under_anesthesia_is_not_an_overdose(detector):
    assert detector.detect("my dad wants to do that detox where theyre unconscious, is it a good idea").category is None
    assert detector.detect("my dad is unconscious on the floor").category == CrisisCategory.OVERDOSE


def test_a_look_alike_explains_its_own_sentence_and_leaves_the_rest_to_be_read(detector):
    text = "my back is killing me from the cot. also i wrote letters to everyone and gave my dog away"
    verdict = detector.detect(text)
    if verdict.lookalike:
        rest = verdict.unexplained_text(text)
        assert "killing me" not in rest and "gave my dog away" in rest
    idiom_only = detector.detect("this headache is killing me")
    assert idiom_only.lookalike and idiom_only.unexplained_text("this headache is killing me") == ""


def test_no_blind_message_is_in_any_training_data() -> None:
    """Blind sets measure wording nobody here wrote: copying one into training would make them measure nothing."""
    blind_dir = HERE.parent / "blind"
    blind = set()
    for path in blind_dir.glob("*.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for section in ("crisis", "lookalike", "ordinary", "questions"):
            for item in data.get(section) or []:
                item = item if isinstance(item, dict) else {"text": item}
                blind.update(_normalise(t) for t in item.get("turns") or [item.get("text") or ""])
    training = [t for path in NLU_FILE.parent.glob("*.yml") for ts in nlu_examples(path).values() for t in ts]
    training += lookalike_examples() + [text for text, _ in crisis_examples()]
    # Short common questions ("hi", "how do i sign up") are written by everyone alike; a copy is a longer one.
    copied = [t for t in training if _normalise(t) in blind and len(_normalise(t).split()) >= 8]
    assert blind and not copied, f"blind messages in the training data: {copied}"
