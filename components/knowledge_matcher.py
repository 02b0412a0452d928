"""Rasa NLU component: the knowledge base's topics nearest in meaning to the message, in its parse data.

It runs in the Rasa server on the sentence vector the featurizer already computed (cached per message), so
the action server needs no encoder of its own. Rows: the NLU examples of the topic intents (encoded at
training) and each knowledge-base entry's title and question (encoded at start-up, so editing an entry
needs no retraining). Output: ``knowledge_matches: [{"topic", "score"}, ...]``, best first.

It also trains the topic classifier on the same vectors (a logistic regression over the topic examples, with
out-of-scope and small talk as ``other``) and outputs ``topic_probabilities: {topic: p}``: it places a question
worded unlike any single example better than its nearest neighbours do.
"""
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from recovery_support.knowledge import load_knowledge_base
from recovery_support.knowledge.semantic_search import SemanticTopicSearch
from recovery_support.nlp.linear_classifier import LinearClassifier
from recovery_support.nlp.encoder import shared_encoder

EXAMPLES_FILE = "topic_examples.npz"
CLASSIFIER_FILE = "topic_classifier.npz"
MATCHES_KEY = "knowledge_matches"
PROBABILITIES_KEY = "topic_probabilities"
OTHER = "other"
OTHER_INTENTS = ("out_of_scope", "chitchat")  # what the classifier learns as not a topic
MIN_PROBABILITY = 0.01  # smaller ones are left out of the parse data


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class KnowledgeMatcher(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"limit": 3, "classifier_c": 8.0}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 examples: Optional[Dict[str, np.ndarray]] = None,
                 classifier: Optional[LinearClassifier] = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self.model_storage, self.resource = model_storage, resource
        self.encoder = shared_encoder()
        self.search = self._index(examples) if examples is not None else None
        self.classifier = classifier

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "KnowledgeMatcher":
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "KnowledgeMatcher":
        with model_storage.read_from(resource) as directory:
            with np.load(directory / EXAMPLES_FILE) as arrays:
                examples = {"vectors": arrays["vectors"], "topics": arrays["topics"]}
            classifier = None
            if (directory / CLASSIFIER_FILE).exists():
                with np.load(directory / CLASSIFIER_FILE) as arrays:
                    classifier = LinearClassifier.from_arrays(dict(arrays))
        return cls(config, model_storage, resource, examples, classifier)

    def train(self, training_data: TrainingData) -> Resource:
        kb = load_knowledge_base()
        rows = [(e.get(INTENT), e.get(TEXT)) for e in training_data.intent_examples if e.get(INTENT) in kb]
        examples = {"vectors": self.encoder.encode_many([text for _, text in rows]),
                    "topics": np.array([topic for topic, _ in rows])}
        others = [e.get(TEXT) for e in training_data.intent_examples if e.get(INTENT) in OTHER_INTENTS]
        vectors = np.vstack([examples["vectors"], self.encoder.encode_many(others)]) if others else examples["vectors"]
        labels = [str(t) for t in examples["topics"]] + [OTHER] * len(others)
        # Unweighted classes: the topics have about as many examples each, and "other" should stay rare.
        self.classifier = LinearClassifier.fit(vectors, labels, c=float(self.config["classifier_c"]), balanced=False)
        with self.model_storage.write_to(self.resource) as directory:
            np.savez(directory / EXAMPLES_FILE, **examples)
            np.savez(directory / CLASSIFIER_FILE, **self.classifier.to_arrays())
        self.search = self._index(examples)
        return self.resource

    def _index(self, examples: Dict[str, np.ndarray]) -> SemanticTopicSearch:
        kb = load_knowledge_base()
        entries = list(kb)
        texts = [e.title for e in entries] + [e.question for e in entries]
        topics = [e.topic for e in entries] * 2
        known = [i for i, t in enumerate(examples["topics"]) if str(t) in kb]  # a topic since removed drops out
        vectors = np.vstack([examples["vectors"][known], self.encoder.encode_many(texts)])
        return SemanticTopicSearch(vectors, [str(examples["topics"][i]) for i in known] + topics)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if self.search is None or not text.strip():
                continue
            vector = self.encoder.encode(text).sentence
            matches = self.search.search(vector, self.config["limit"])
            message.set(MATCHES_KEY, [{"topic": m.topic, "score": m.score} for m in matches], add_to_output=True)
            if self.classifier is not None:
                row = self.classifier.probabilities(vector[None, :])[0]
                message.set(PROBABILITIES_KEY, {c: round(float(p), 4) for c, p in zip(self.classifier.classes, row)
                                                if c != OTHER and p >= MIN_PROBABILITY}, add_to_output=True)
        return messages
