"""Intent classification on held-out examples that were written apart from the training data.

Writes results/nlu_holdout_report.json (per-intent precision, recall, F1 and every miss) for review.
"""
import json
import re
from pathlib import Path

import yaml
from sklearn.metrics import classification_report, f1_score

from recovery_support.knowledge.search import nlu_examples
from recovery_support.paths import ROOT

HOLDOUT = Path(__file__).parent / "holdout.yml"
REPORT = ROOT / "results" / "nlu_holdout_report.json"
MIN_MACRO_F1 = 0.90


def holdout():
    return [(text, intent) for intent, texts in nlu_examples(HOLDOUT).items() for text in texts]


def normalised(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", "", text.lower()).split())


def test_holdout_is_kept_out_of_training():
    training = {normalised(t) for path in (ROOT / "data" / "nlu").glob("*.yml") for ts in nlu_examples(path).values()
                for t in ts}
    leaked = [text for text, _ in holdout() if normalised(text) in training]
    assert not leaked, f"held-out examples also in training data: {leaked}"


def test_holdout_covers_every_intent_but_crisis():
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    expected = {i for i in domain["intents"] if not i.startswith("crisis_")}
    assert expected == set(nlu_examples(HOLDOUT))


def test_intent_macro_f1_on_holdout(parse):
    examples = holdout()
    predicted = [parse(text)["intent"]["name"] for text, _ in examples]
    expected = [intent for _, intent in examples]
    labels = sorted(set(expected))
    macro_f1 = f1_score(expected, predicted, labels=labels, average="macro", zero_division=0)
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps({
        "macro_f1": macro_f1,
        "per_intent": classification_report(expected, predicted, labels=labels, output_dict=True, zero_division=0),
        "misses": [{"text": t, "expected": e, "predicted": p} for (t, e), p in zip(examples, predicted) if e != p],
    }, indent=2))
    print(f"\nheld-out intent macro-F1: {macro_f1:.3f} ({len(examples)} examples); report: {REPORT}")
    assert macro_f1 >= MIN_MACRO_F1
