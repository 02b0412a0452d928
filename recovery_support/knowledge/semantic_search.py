"""Topics by meaning: the message's sentence vector against each topic's texts (its NLU examples, title and
question), nearest neighbour by cosine. Finds the topic of a question worded unlike any training example,
where the TF-IDF search (``search.py``) needs shared words. No Rasa here: ``components/knowledge_matcher.py``
runs it inside the Rasa server on the vector the featurizer already computed, and puts the matches in the
parse data for ``action_answer``.
"""
from typing import Dict, List, Sequence

import numpy as np

from recovery_support.knowledge.search import Match

# A topic scores by the mean of its best few rows: one odd example does not carry a topic on its own.
NEIGHBOURS = 3


class SemanticTopicSearch:
    def __init__(self, vectors: np.ndarray, topics: Sequence[str]) -> None:
        """``vectors``: unit-length rows, ``topics``: the topic of each row."""
        self.vectors = np.asarray(vectors, dtype=np.float32)
        self.row_topics = list(topics)
        self.topics = sorted(set(self.row_topics))
        self._rows: Dict[str, np.ndarray] = {t: np.array([i for i, r in enumerate(self.row_topics) if r == t])
                                             for t in self.topics}

    def search(self, vector: np.ndarray, limit: int = 3) -> List[Match]:
        if not len(self.vectors):
            return []
        similarities = self.vectors @ vector
        scores = []
        for topic in self.topics:
            best = np.sort(similarities[self._rows[topic]])[-NEIGHBOURS:]
            scores.append(Match(topic, round(float(best.mean()), 4)))
        scores.sort(key=lambda m: m.score, reverse=True)
        return scores[:limit]
