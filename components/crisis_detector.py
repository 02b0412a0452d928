"""Rasa NLU component: the last step of the pipeline, so a crisis is recognised before any dialogue policy.

It combines the rule layer (``recovery_support.crisis``, spaCy patterns with negation, idioms and third
person) with the trained classifier's ranking. A crisis becomes intent ``crisis_<category>`` at confidence
1.0 plus a ``crisis_category`` entity (which fills the slot); a crisis intent that the rule layer calls a
look-alike is replaced by the best ordinary intent, so "this withdrawal is killing me" gets its answer.
"""
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from recovery_support.crisis import CrisisDetector as RuleLayer
from recovery_support.crisis import decide
from recovery_support.nlp import load_pipeline

FALLBACK_INTENT = "nlu_fallback"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class CrisisDetector(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # classifier_threshold: a crisis intent from the classifier alone counts at this confidence.
        # fallback_threshold: keep equal to FallbackClassifier's threshold.
        return {"classifier_threshold": 0.8, "fallback_threshold": 0.45}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.config = {**self.get_default_config(), **config}
        self.rules = RuleLayer(load_pipeline())

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "CrisisDetector":
        return cls(config)

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
        category = decide(verdict, ranking, self.config["classifier_threshold"])
        if category is not None:
            intent = {"name": category.intent, "confidence": 1.0}
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [intent] + [i for i in message.get(INTENT_RANKING_KEY) or []
                                                         if i["name"] != category.intent], add_to_output=True)
            entity = {"entity": "crisis_category", "value": category.value, "start": 0, "end": len(text),
                      "confidence_entity": 1.0, "extractor": self.__class__.__name__}
            message.set(ENTITIES, [*(message.get(ENTITIES) or []), entity], add_to_output=True)
            message.set("crisis", {"category": category.value, "reason": verdict.reason}, add_to_output=True)
            return
        current = (message.get(INTENT) or {}).get("name") or ""
        if current.startswith("crisis_"):
            message.set(INTENT, self._best_ordinary_intent(ranking), add_to_output=True)

    def _best_ordinary_intent(self, ranking: List[tuple]) -> Dict[Text, Any]:
        for name, confidence in ranking:
            if not name.startswith("crisis_"):
                if confidence >= self.config["fallback_threshold"]:
                    return {"name": name, "confidence": confidence}
                break
        return {"name": FALLBACK_INTENT, "confidence": self.config["fallback_threshold"]}
