"""The semantic crisis classifier's own examples, beside the NLU crisis intents: more ways people write a
crisis (``data/crisis/examples.yml``) and alarming words that are not one (``data/crisis/lookalikes.yml``).

They live outside the NLU data so DIET's intent classes stay the size of the topics'; only the semantic
layer (``components/crisis_detector.py``) trains on them. No Rasa here.
"""
from pathlib import Path
from typing import List, Tuple

import yaml

from recovery_support.crisis.category import CrisisCategory
from recovery_support.paths import ROOT

EXAMPLES = ROOT / "data" / "crisis" / "examples.yml"
LOOKALIKES = ROOT / "data" / "crisis" / "lookalikes.yml"


def lookalike_examples(path: Path = LOOKALIKES) -> List[str]:
    """Messages with alarming words that are not a crisis now: the classifier's ``none`` class."""
    return [str(text) for text in yaml.safe_load(path.read_text(encoding="utf-8"))["lookalikes"]]


def crisis_examples(path: Path = EXAMPLES) -> List[Tuple[str, CrisisCategory]]:
    """(text, category) for every example of ``data/crisis/examples.yml``."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))["examples"]
    return [(str(text), CrisisCategory(category)) for category, texts in data.items() for text in texts]
