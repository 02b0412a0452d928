"""The knowledge base hangs together with the domain, the rules and the NLU data, and is our own writing."""
import re
from pathlib import Path

import pytest
import yaml

from recovery_support.knowledge.search import nlu_examples
from recovery_support.paths import ROOT, SEEDS_DIR, SHARED_DIR

DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())
NON_TOPIC_INTENTS = {"greet", "goodbye", "thanks", "affirm", "deny", "bot_challenge", "chitchat", "out_of_scope"}
TOPIC_INTENTS = [i for i in DOMAIN["intents"] if i not in NON_TOPIC_INTENTS and not i.startswith("crisis_")]
STIGMA = re.compile(r"\b(addicts?|junkies?|junky|clean|dirty|abusers?|druggies?)\b", re.IGNORECASE)
DOSE = re.compile(r"\b\d+(\.\d+)?\s?(mg|milligrams?|ml|mcg|micrograms?|pills?|tablets?|strips?)\b", re.IGNORECASE)


def words(text: str):
    return re.findall(r"[a-z0-9']+", text.lower().replace("’", "'"))


def runs(tokens, n=10):
    return {tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)}


def rule_intents():
    intents = set()
    for path in (ROOT / "data" / "rules").glob("*.yml"):
        text = path.read_text()
        intents.update(re.findall(r"intent:\s*(\w+)", text))
    return intents


def test_every_topic_intent_has_an_entry(kb):
    assert sorted(TOPIC_INTENTS) == sorted(e.topic for e in kb)


def test_every_entry_is_reachable(kb):
    examples = nlu_examples()
    answered = rule_intents()
    for entry in kb:
        assert entry.topic in DOMAIN["intents"], f"{entry.topic} is not an intent in domain.yml"
        assert entry.topic in answered, f"no rule answers {entry.topic}"
        assert len(examples.get(entry.topic, [])) >= 15, f"{entry.topic} needs at least 15 NLU examples"


def test_the_issue_topics_are_all_there(kb):
    assert len(kb) >= 23


@pytest.mark.parametrize("topic", TOPIC_INTENTS)
def test_answer_is_short_complete_and_filled(kb, clinic, topic):
    entry = kb.get(topic)
    reply = clinic.fill(entry.reply)
    assert len(reply.split()) <= 120, f"{topic}: {len(reply.split())} words"
    assert "{" not in reply and "}" not in reply, f"{topic}: unfilled placeholder"
    assert entry.next_step.strip(), f"{topic}: every answer ends with a next step"
    assert 2 <= len(entry.follow_ups) <= 3
    assert len(entry.title) <= 30


@pytest.mark.parametrize("topic", TOPIC_INTENTS)
def test_answer_is_person_first_and_gives_no_doses(kb, topic):
    entry = kb.get(topic)
    text = " ".join([entry.title, entry.question, entry.reply])
    assert not STIGMA.search(text), f"{topic}: stigmatising word {STIGMA.search(text).group()!r}"
    assert not DOSE.search(text), f"{topic}: looks like a dose: {DOSE.search(text).group()!r}"


def test_every_source_is_cited_and_exists(kb):
    for doc_id, source in kb.sources.items():
        file = source["file"]
        path = SHARED_DIR / file[len("shared/"):] if file.startswith("shared/") else ROOT / file
        assert path.exists(), f"source {doc_id}: {path} is missing"
    cited = {s.doc for e in kb for s in e.sources}
    assert {"clear-life-detox-guide", "how-to-detox"} <= cited


def test_no_answer_copies_ten_words_from_the_clinic_documents(kb):
    seeds = sorted(Path(SEEDS_DIR).glob("*.txt"))
    assert seeds, f"the clinic's documents are expected in {SEEDS_DIR}"
    source_runs = set().union(*(runs(words(p.read_text(encoding="utf-8"))) for p in seeds))
    for entry in kb:
        copied = runs(words(" ".join([entry.question, entry.answer, entry.next_step]))) & source_runs
        assert not copied, f"{entry.topic} copies: {' '.join(next(iter(copied)))}"


def test_the_copy_check_can_fail():
    sentence = "Heroin detoxification is a complex process in which an addicted individual's body suffers"
    source = (Path(SEEDS_DIR) / "000_5eb9d56ab386e4b0.txt").read_text(encoding="utf-8")
    assert runs(words(sentence)) & runs(words(source))
