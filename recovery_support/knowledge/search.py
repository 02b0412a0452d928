"""Finds the topics closest to a free-text question, for low-confidence turns.

TF-IDF (scikit-learn, already installed with Rasa) over spaCy lemmas plus character trigrams, so
"withdrawl" still meets "withdrawal". Each topic is represented by its title, question, keywords,
answer and the NLU examples that train its intent; a topic scores by its best-matching text.
"""
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence

import numpy as np
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from spacy.language import Language

from recovery_support.knowledge.base import KnowledgeBase
from recovery_support.paths import ROOT

NLU_EXAMPLES = ROOT / "data" / "nlu" / "topics.yml"
# How much a topic that the last answer suggested as a follow-up gains: context for "and outpatient?".
FOLLOW_UP_BOOST = 0.15
# Weight of the similarity to a topic's text as a whole: breaks ties between topics whose best rows are a
# single shared word ("outpatient" is a keyword of both outpatient_detox and inpatient_vs_outpatient).
WHOLE_TOPIC_WEIGHT = 0.25


@dataclass(frozen=True)
class Match:
    topic: str
    score: float


def nlu_examples(path: Path = NLU_EXAMPLES) -> Dict[str, List[str]]:
    """Intent -> example texts, from a Rasa YAML training-data file (plain examples, no entity markup)."""
    if not Path(path).exists():
        return {}
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    out: Dict[str, List[str]] = {}
    for block in raw.get("nlu", []):
        if "intent" in block:
            lines = [line.strip()[2:].strip() for line in block["examples"].splitlines() if line.strip().startswith("- ")]
            out.setdefault(block["intent"], []).extend(lines)
    return out


class TopicSearch:
    def __init__(self, kb: KnowledgeBase, nlp: Language, examples: Optional[Dict[str, List[str]]] = None) -> None:
        self.kb = kb
        self.nlp = nlp
        examples = nlu_examples() if examples is None else examples
        texts: List[str] = []
        self._topic_of_row: List[str] = []
        for entry in kb:
            for text in [entry.title, entry.question, entry.answer, *entry.keywords, *examples.get(entry.topic, [])]:
                texts.append(text)
                self._topic_of_row.append(entry.topic)
        self._vectorizer = TfidfVectorizer(analyzer=self._features, sublinear_tf=True)
        self._matrix = self._vectorizer.fit_transform(texts)
        self._topics = sorted(set(self._topic_of_row))
        whole = [" ".join(t for t, r in zip(texts, self._topic_of_row) if r == topic) for topic in self._topics]
        self._whole_topics = self._vectorizer.transform(whole)
        self._rows_by_topic = {t: [i for i, r in enumerate(self._topic_of_row) if r == t] for t in self._topics}

    def _features(self, text: str) -> List[str]:
        lemmas = [t.lemma_.lower() for t in self.nlp(text) if t.is_alpha and not t.is_stop]
        trigrams = [f"#{lemma[i:i + 3]}" for lemma in lemmas for i in range(max(1, len(lemma) - 2))]
        return lemmas + trigrams

    def has_content(self, text: str) -> bool:
        """False when no word of the text is a known word (emoji only, a keyboard mash, ...)."""
        vocabulary = self._vectorizer.vocabulary_
        return any(f in vocabulary for f in self._features(text) if not f.startswith("#"))

    def looks_foreign(self, text: str) -> bool:
        """Several words, not one English function word, and mostly unknown: likely another language."""
        words = [t for t in self.nlp(text) if t.is_alpha]
        if len(words) < 3 or any(t.is_stop for t in words):
            return False
        known = sum(t.lemma_.lower() in self._vectorizer.vocabulary_ for t in words)
        return known / len(words) < 0.5

    def search(self, text: str, limit: int = 3, context: Optional[str] = None) -> List[Match]:
        query = self._vectorizer.transform([text])
        if query.nnz == 0:
            return []
        similarities = (self._matrix @ query.T).toarray().ravel()  # rows are L2-normalised: cosine
        whole = (self._whole_topics @ query.T).toarray().ravel()
        boosted = set(self.kb.entries[context].follow_ups) if context in self.kb else set()
        scores = []
        for k, topic in enumerate(self._topics):
            score = float(np.max(similarities[self._rows_by_topic[topic]])) + WHOLE_TOPIC_WEIGHT * float(whole[k])
            if topic in boosted and score > 0:
                score += FOLLOW_UP_BOOST
            scores.append(Match(topic, round(score, 4)))
        scores.sort(key=lambda m: m.score, reverse=True)
        return [m for m in scores[:limit] if m.score > 0]

    def topics(self) -> Sequence[str]:
        return self._topics


def best_topics(matches: Iterable[Match], minimum: float) -> List[Match]:
    return [m for m in matches if m.score >= minimum]
