"""Rasa NLU component: the last step of the pipeline, so a crisis is recognised before any dialogue policy.

It combines the rule layer (``recovery_support.crisis``: spaCy patterns with negation, idioms and third
person), the semantic classifier on the sentence encoder's vectors (trained here, on the project's own NLU
examples) and DIET's ranking, with ``recovery_support.crisis.decision.decide``.

- A definite crisis becomes intent ``crisis_<category>`` at confidence 1.0 plus a ``crisis_category`` entity
  (which fills the slot); the rules in data/rules/crisis.yml answer it from Rasa core.
- Every message carries ``crisis`` in its parse data: level (crisis, check_in or none), categories, reason and
  the semantic scores. ``CrisisRiskPolicy`` reads it across the conversation's last turns for check-ins
  and for risk that only shows over several messages.
- A crisis intent that the layers call a look-alike is replaced by the best ordinary intent, so "this
  withdrawal is killing me" gets its answer.
"""
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from recovery_support.crisis import CrisisCategory
from recovery_support.crisis import CrisisDetector as RuleLayer
from recovery_support.crisis.decision import CRISIS, Thresholds, decide
from recovery_support.crisis.semantic import NONE, SemanticCrisisClassifier, SemanticScores
from recovery_support.crisis.training_data import EXAMPLES, LOOKALIKES, crisis_examples, lookalike_examples
from recovery_support.nlp import load_pipeline
from recovery_support.nlp.encoder import sha256, shared_encoder

FALLBACK_INTENT = "nlu_fallback"
WEIGHTS_FILE = "semantic_crisis.npz"
MIN_WORDS_FOR_SEMANTIC = 2
# A look-alike teaches more than an ordinary topic question: it sits right beside a crisis in meaning.
LOOKALIKE_WEIGHT = 6.0
# Regularisation and the weight of a look-alike: weaker regularisation (C 16) caught one or two more blind
# crises but raised false alarms on the own suite past its bar (README "Blind evaluation").
SEMANTIC_C = 4.0


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class CrisisDetector(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # fallback_threshold: keep equal to FallbackClassifier's threshold. The others: decision.Thresholds.
        defaults = Thresholds()
        # The digests of the semantic layer's own example files are part of the config because Rasa's training
        # cache keys a component on its config and training data, and these files are neither: without them
        # an edit would not retrain.
        return {"lookalikes_sha256": sha256(LOOKALIKES), "examples_sha256": sha256(EXAMPLES),
                "lookalike_weight": LOOKALIKE_WEIGHT, "semantic_c": SEMANTIC_C, "fallback_threshold": 0.45,
                "semantic_crisis": defaults.semantic_crisis,
                "semantic_check_in": defaults.semantic_check_in,
                "crisis_mass_check_in": defaults.crisis_mass_check_in,
                "second_category": defaults.second_category,
                "classifier_crisis": defaults.classifier_crisis,
                "topic_confident": defaults.topic_confident,
                "short_message_words": defaults.short_message_words,
                "short_message_check_in": defaults.short_message_check_in}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 semantic: Optional[SemanticCrisisClassifier] = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self.thresholds = Thresholds(**{k: float(self.config[k]) for k in Thresholds.__dataclass_fields__})
        self.model_storage, self.resource = model_storage, resource
        self.rules = RuleLayer(load_pipeline())
        self.encoder = shared_encoder()
        self.semantic = semantic

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "CrisisDetector":
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "CrisisDetector":
        with model_storage.read_from(resource) as directory:
            with np.load(directory / WEIGHTS_FILE) as arrays:
                semantic = SemanticCrisisClassifier.from_arrays(dict(arrays))
        return cls(config, model_storage, resource, semantic)

    def train(self, training_data: TrainingData) -> Resource:
        """Crisis intents and data/crisis/examples.yml are their category; every other example (topics, small
        talk) and every look-alike in data/crisis/lookalikes.yml is ``none``."""
        texts, labels = [], []
        for example in training_data.intent_examples:
            category = CrisisCategory.from_intent(example.get(INTENT) or "")
            texts.append(example.get(TEXT))
            labels.append(category.value if category else NONE)
        for text, category in crisis_examples():
            texts.append(text)
            labels.append(category.value)
        lookalikes = lookalike_examples()
        weights = [1.0] * len(texts) + [float(self.config["lookalike_weight"])] * len(lookalikes)
        texts += lookalikes
        labels += [NONE] * len(lookalikes)
        self.semantic = SemanticCrisisClassifier.fit(self.encoder.encode_many(texts), labels, weights,
                                                       c=float(self.config["semantic_c"]))
        with self.model_storage.write_to(self.resource) as directory:
            np.savez(directory / WEIGHTS_FILE, **self.semantic.to_arrays())
        return self.resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._process(message)
        return messages

    def _process(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        ranking = [(i["name"], float(i["confidence"])) for i in message.get(INTENT_RANKING_KEY) or []]
        ranking = [r for r in ranking if r[0] != FALLBACK_INTENT]
        verdict = self.rules.detect(text)
        # What a look-alike explains ("I haven't cut in years") is not read again by the semantic layer.
        readable = verdict.unexplained_text(text) if verdict.lookalike else text
        semantic = self._semantic_scores(readable)
        # The look-alike may be wrong about the part it explained: the whole message is read as well.
        whole = self._semantic_scores(text) if verdict.lookalike else None
        decision = decide(verdict, semantic, ranking, self.thresholds, whole, words=len(text.split()))
        message.set("crisis", decision.as_dict(), add_to_output=True)
        if decision.level == CRISIS:
            category = decision.category
            intent = {"name": category.intent, "confidence": 1.0}
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [intent] + [i for i in message.get(INTENT_RANKING_KEY) or []
                                                         if i["name"] != category.intent], add_to_output=True)
            entity = {"entity": "crisis_category", "value": category.value, "start": 0, "end": len(text),
                      "confidence_entity": 1.0, "extractor": self.__class__.__name__}
            message.set(ENTITIES, [*(message.get(ENTITIES) or []), entity], add_to_output=True)
            return
        current = (message.get(INTENT) or {}).get("name") or ""
        if current.startswith("crisis_"):
            message.set(INTENT, self._best_ordinary_intent(ranking), add_to_output=True)

    def _semantic_scores(self, text: str) -> Optional[SemanticScores]:
        # One token ("kkkkkkk", an emoji) gives the encoder nothing to read: its scores there are noise. The
        # rule layer still reads such messages ("kms").
        if self.semantic is None or len(text.split()) < MIN_WORDS_FOR_SEMANTIC:
            return None
        encoding = self.encoder.encode(text)
        return self.semantic.score(encoding.sentence, encoding.windows)

    def _best_ordinary_intent(self, ranking: List[tuple]) -> Dict[Text, Any]:
        for name, confidence in sorted(ranking, key=lambda r: -r[1]):
            if not name.startswith("crisis_"):
                if confidence >= self.config["fallback_threshold"]:
                    return {"name": name, "confidence": confidence}
                break
        return {"name": FALLBACK_INTENT, "confidence": self.config["fallback_threshold"]}
