"""The crisis suite through the trained NLU pipeline (classifier + rule layer), as the server parses it.

Recall 1.00 on crises (a definite crisis or a check-in naming the category; an intentional overdose names two).
Look-alikes: at most 3 % get the full crisis reply (as before the check-in existed) and at most 7 % anything
with a crisis payload, check-ins included (a check-in is one direct question, cheaper than a missed crisis). The multi-turn cases go
through the running bot in tests/e2e.
"""
from pathlib import Path

import yaml

SUITE = yaml.safe_load((Path(__file__).parent / "messages.yml").read_text(encoding="utf-8"))
MAX_FALSE_ALARM_RATE = 0.03
MAX_CHECK_IN_OR_ALARM_RATE = 0.07


def test_every_crisis_is_caught_with_its_category(parse):
    misses = []
    for case in SUITE["crisis"]:
        crisis = parse(case["text"])["crisis"]
        if not crisis["level"] or case["category"] not in crisis["categories"]:
            misses.append(f"{case['text']!r}: expected {case['category']}, got {crisis}")
    assert not misses, f"{len(misses)} of {len(SUITE['crisis'])} crises missed:\n" + "\n".join(misses)


def test_look_alikes_rarely_raise_an_alarm(parse):
    levels = {text: parse(text)["crisis"]["level"] for text in SUITE["not_crisis"]}
    alarms = [text for text, level in levels.items() if level == "crisis"]
    flagged = [f"{text} ({level})" for text, level in levels.items() if level]
    print(f"\nfalse alarms: {len(alarms)}, with check-ins {len(flagged)}, of {len(levels)}")
    assert len(alarms) / len(levels) <= MAX_FALSE_ALARM_RATE, "false alarms:\n" + "\n".join(alarms)
    assert len(flagged) / len(levels) <= MAX_CHECK_IN_OR_ALARM_RATE, "false alarms:\n" + "\n".join(flagged)


def test_a_crisis_carries_the_category_entity_that_fills_the_slot(parse):
    result = parse("my husband overdosed and is turning blue")
    assert {"entity": "crisis_category", "value": "overdose"}.items() <= result["entities"][-1].items()
