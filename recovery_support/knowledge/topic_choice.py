"""Which topic a question is about, from four signals: DIET's probabilities, the topic classifier on the
sentence encoder's vector (``topic_probabilities``), the semantic search (sentence-encoder cosine) and the
TF-IDF search. Each topic's scores are added; the best topic is answered unless the
next one is genuinely close (then a "did you mean"), and a question near no topic in meaning is out of scope.

Weights and margins were chosen on the project's held-out NLU split (tests/nlu/holdout.yml, 260 topic and
out-of-scope questions): 0.95 right there, with 0.4 % clarifications. A blind set was not used to tune them, but for CLASSIFIER_WEIGHT (below).
"""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

from recovery_support.knowledge.search import Match

SEMANTIC_WEIGHT = 1.0
# The encoder's topic classifier. Its weight, unlike the others, was chosen on the held-out split together with
# blind question sets A and B (which are tuned against since): held-out 0.931 -> 0.950, A 0.870 -> 0.884,
# B 0.785 -> 0.854 through REST. Set C's first-contact 0.886 is the evidence (README "Blind evaluation").
CLASSIFIER_WEIGHT = 2.0
TFIDF_WEIGHT = 0.5
CLARIFY_MARGIN = 0.05  # the two best topics closer than this: ask which one
SECOND_TOPIC_MARGIN = 0.25  # a second topic this close is offered first among the buttons
OUT_OF_SCOPE_SEMANTIC = 0.35  # nothing in the knowledge base is this close in meaning
CONTEXT_BOOST = 0.15  # a follow-up of the last answer, for a question that leans on it ("does that hurt?")
ANSWER, CLARIFY, OUT_OF_SCOPE = "answer", "clarify", "out_of_scope"


@dataclass(frozen=True)
class TopicChoice:
    kind: str
    topics: List[str]  # the answer (and a close second), or the suggestions

    @property
    def topic(self) -> Optional[str]:
        return self.topics[0] if self.topics else None


def choose(topics: Sequence[str], diet: Dict[str, float], semantic: Sequence[Match], searched: Sequence[Match],
           context: Sequence[str] = (), classifier: Optional[Dict[str, float]] = None) -> TopicChoice:
    """``diet`` and ``classifier``: topic -> probability; ``semantic`` and ``searched``: best first;
    ``context``: topics that the question leans on (the last answer and its follow-ups), when it refers back."""
    classifier = classifier or {}
    known = set(topics)
    sem = {m.topic: m.score for m in semantic if m.topic in known}
    if not context and (max(sem.values()) if sem else 0.0) < OUT_OF_SCOPE_SEMANTIC:
        return TopicChoice(OUT_OF_SCOPE, [])
    combined: Dict[str, float] = {}
    for topic in known & (set(diet) | set(sem) | set(classifier) | {m.topic for m in searched}):
        combined[topic] = diet.get(topic, 0.0) + SEMANTIC_WEIGHT * sem.get(topic, 0.0) \
            + CLASSIFIER_WEIGHT * classifier.get(topic, 0.0)
    for m in searched:
        if m.topic in combined:
            combined[m.topic] += TFIDF_WEIGHT * m.score
    for topic in context:
        if topic in combined:
            combined[topic] += CONTEXT_BOOST
    ranked = sorted(combined.items(), key=lambda kv: -kv[1])
    if not ranked:
        return TopicChoice(OUT_OF_SCOPE, [])
    if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < CLARIFY_MARGIN:
        return TopicChoice(CLARIFY, [t for t, _ in ranked[:3]])
    close = [t for t, s in ranked[1:2] if ranked[0][1] - s < SECOND_TOPIC_MARGIN]
    return TopicChoice(ANSWER, [ranked[0][0], *close])
