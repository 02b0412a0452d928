"""action_answer: replies from the knowledge base. The choice of reply is made in recovery_support."""
from functools import lru_cache
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from recovery_support.clinic import load_clinic_profile
from recovery_support.knowledge import load_knowledge_base
from recovery_support.knowledge.answerer import Answerer
from recovery_support.knowledge.search import Match, TopicSearch
from recovery_support.nlp import load_pipeline


@lru_cache(maxsize=1)
def answerer() -> Answerer:
    # Built once per action-server process: loading spaCy and fitting the search index take a moment.
    kb = load_knowledge_base()
    return Answerer(kb, TopicSearch(kb, load_pipeline()), load_clinic_profile())


def diet_ranking(message: Dict[Text, Any]) -> Dict[Text, float]:
    """The classifier's probability per intent, also when the FallbackClassifier replaced the top one."""
    return {i["name"]: float(i.get("confidence") or 0.0) for i in message.get("intent_ranking") or []
            if i.get("name") and i.get("name") != "nlu_fallback"}


def semantic_matches(message: Dict[Text, Any]) -> List[Match]:
    """The topics nearest in meaning, computed in the Rasa server (components/knowledge_matcher.py)."""
    rows = message.get("knowledge_matches") or []
    return [Match(str(r["topic"]), float(r["score"])) for r in rows if isinstance(r, dict) and "topic" in r]


def topic_probabilities(message: Dict[Text, Any]) -> Dict[Text, float]:
    """The encoder's topic classifier, computed in the Rasa server (components/knowledge_matcher.py)."""
    rows = message.get("topic_probabilities") or {}
    return {str(k): float(v) for k, v in rows.items()} if isinstance(rows, dict) else {}


class ActionAnswer(Action):
    def name(self) -> Text:
        return "action_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name")
        reply = answerer().reply(intent, message.get("text") or "", tracker.get_slot("topic"),
                                 semantic=semantic_matches(message), ranking=diet_ranking(message),
                                 classifier=topic_probabilities(message))
        # answer_kind stays in the tracker (bot event metadata) for staff review of clarify/redirect turns;
        # output channels send only text and buttons.
        dispatcher.utter_message(text=reply.text, buttons=reply.buttons, answer_kind=reply.kind)
        return [SlotSet("topic", reply.topic)]
