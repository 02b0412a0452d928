"""The semantic crisis layer: a classifier over sentence-encoder vectors, trained on the project's own examples.

Classes are the four crisis categories and ``none`` (every ordinary example: topics, small talk). A message is
scored on its whole vector and on each sentence-sized window of it, and each category keeps its highest
probability: one alarming sentence at the end of a long, calm message still counts. Plain logistic regression
(scikit-learn, already in Rasa's environment): it is fast, its probabilities are usable as they are, and staff
can retrain it by adding examples to ``data/nlu/crisis.yml``.
"""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np

from recovery_support.crisis.category import CrisisCategory

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


class SemanticCrisisClassifier:
    def __init__(self, coef: np.ndarray, intercept: np.ndarray, classes: Sequence[str]) -> None:
        self.coef = np.asarray(coef, dtype=np.float32)
        self.intercept = np.asarray(intercept, dtype=np.float32)
        self.classes = list(classes)

    @classmethod
    def fit(cls, vectors: np.ndarray, labels: Sequence[str], weights: Optional[Sequence[float]] = None,
            c: float = 4.0) -> "SemanticCrisisClassifier":
        """``labels``: a category value or ``none`` per row; ``weights``: how much each row counts. Classes
        are also weighted so the few crisis examples are not outvoted by the many ordinary ones."""
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
        model.fit(vectors, list(labels), sample_weight=None if weights is None else np.asarray(weights))
        return cls(model.coef_, model.intercept_, model.classes_)

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        logits = vectors @ self.coef.T + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def score(self, sentence: np.ndarray, windows: np.ndarray) -> SemanticScores:
        rows = np.vstack([sentence[None, :], windows]) if len(windows) > 1 else sentence[None, :]
        best = self.probabilities(rows).max(axis=0)
        return SemanticScores({CrisisCategory(name): float(best[i])
                               for i, name in enumerate(self.classes) if name != NONE})

    def to_arrays(self) -> Dict[str, np.ndarray]:
        return {"coef": self.coef, "intercept": self.intercept, "classes": np.array(self.classes)}

    @classmethod
    def from_arrays(cls, arrays: Dict[str, np.ndarray]) -> "SemanticCrisisClassifier":
        return cls(arrays["coef"], arrays["intercept"], [str(c) for c in arrays["classes"]])
