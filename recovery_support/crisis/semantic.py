"""The semantic crisis layer: a classifier over sentence-encoder vectors, trained on the project's own examples.

Classes are the four crisis categories and ``none`` (every ordinary example: topics, small talk). A message is
scored on its whole vector and on each sentence-sized window of it, and each category keeps its highest
probability: one alarming sentence at the end of a long, calm message still counts. Plain logistic regression
(``nlp/linear_classifier.py``): it is fast, its probabilities are usable as they are, and staff can retrain it
by adding examples to ``data/crisis/examples.yml`` or ``data/crisis/lookalikes.yml``.
"""
from dataclasses import dataclass
from typing import Dict, List

import numpy as np

from recovery_support.crisis.category import CrisisCategory
from recovery_support.nlp.linear_classifier import LinearClassifier

NONE = "none"


@dataclass(frozen=True)
class SemanticScores:
    """Each category's probability (the highest over the message and its windows)."""

    probabilities: Dict[CrisisCategory, float]

    def top(self) -> "tuple[CrisisCategory, float]":
        category = max(self.probabilities, key=self.probabilities.__getitem__)
        return category, self.probabilities[category]

    def above(self, threshold: float) -> List[CrisisCategory]:
        return [c for c, p in sorted(self.probabilities.items(), key=lambda kv: -kv[1]) if p >= threshold]

    def as_dict(self) -> Dict[str, float]:
        return {c.value: round(p, 4) for c, p in self.probabilities.items()}


class SemanticCrisisClassifier(LinearClassifier):
    """Classes: the four categories and ``none``."""

    def score(self, sentence: np.ndarray, windows: np.ndarray) -> SemanticScores:
        rows = np.vstack([sentence[None, :], windows]) if len(windows) > 1 else sentence[None, :]
        best = self.probabilities(rows).max(axis=0)
        return SemanticScores({CrisisCategory(name): float(best[i])
                               for i, name in enumerate(self.classes) if name != NONE})
