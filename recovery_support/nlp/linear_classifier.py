"""A multinomial logistic regression over sentence-encoder vectors, kept as plain arrays.

Used by the semantic crisis layer and the topic classifier. Fitted with scikit-learn (already in Rasa's
environment) at ``rasa train``; at run time it is one matrix product in NumPy, so a turn pays no
scikit-learn overhead and the arrays go into the model archive with ``np.savez``.
"""
from typing import Dict, List, Optional, Sequence, Type, TypeVar

import numpy as np

T = TypeVar("T", bound="LinearClassifier")


class LinearClassifier:
    def __init__(self, coef: np.ndarray, intercept: np.ndarray, classes: Sequence[str]) -> None:
        self.coef = np.asarray(coef, dtype=np.float32)
        self.intercept = np.asarray(intercept, dtype=np.float32)
        self.classes: List[str] = [str(c) for c in classes]

    @classmethod
    def fit(cls: Type[T], vectors: np.ndarray, labels: Sequence[str], weights: Optional[Sequence[float]] = None,
            c: float = 4.0, balanced: bool = True) -> T:
        """``weights``: how much each row counts; ``balanced``: classes weighted so a few examples of one
        class are not outvoted by the many of another."""
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced" if balanced else None)
        model.fit(vectors, list(labels), sample_weight=None if weights is None else np.asarray(weights))
        return cls(model.coef_, model.intercept_, model.classes_)

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """One row of class probabilities (in ``classes`` order) per vector."""
        logits = vectors @ self.coef.T + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def to_arrays(self) -> Dict[str, np.ndarray]:
        return {"coef": self.coef, "intercept": self.intercept, "classes": np.array(self.classes)}

    @classmethod
    def from_arrays(cls: Type[T], arrays: Dict[str, np.ndarray]) -> T:
        return cls(arrays["coef"], arrays["intercept"], [str(c) for c in arrays["classes"]])
