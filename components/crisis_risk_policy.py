"""Rasa policy: crisis replies, safety check-ins and risk across the conversation's last turns.

An NLU component sees one message; this policy sees the conversation. It reads each recent user turn's
``crisis`` parse data (set by ``components.crisis_detector``) and runs what
``recovery_support.crisis.conversation.plan_turn`` says: two crisis replies for two categories (an intentional
overdose: 911 first, then 988), a check-in for a possible crisis, the full reply when the check-in's answer
shows danger. It abstains otherwise, so the rules answer as before. Priority above RulePolicy (6), because
a crisis outranks the usual answer; it has nothing to train.
"""
from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction, SupportedData
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from recovery_support.crisis import CrisisCategory
from recovery_support.crisis.conversation import RECENT_TURNS, Turn, plan_turn

# Intents that action_answer does not answer: a check-in on one of them is not followed by an answer.
NOT_QUESTIONS = {"greet", "goodbye", "thanks", "affirm", "deny", "bot_challenge", "chitchat"}
CHECK_IN_PREFIX = "utter_check_in_"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class CrisisRiskPolicy(Policy):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"priority": 7}

    @staticmethod
    def supported_data() -> SupportedData:
        return SupportedData.ML_AND_RULE_DATA

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        with self._model_storage.write_to(self._resource):
            pass  # nothing to learn: the decisions are the crisis layer's
        return self._resource

    def predict_action_probabilities(self, tracker: DialogueStateTracker, domain: Domain,
                                     rule_only_data: Optional[Dict[Text, Any]] = None,
                                     **kwargs: Any) -> PolicyPrediction:
        turns, done, pending = _read_recent(tracker)
        if not turns:
            return self._prediction(self._default_predictions(domain))
        current = turns[-1]
        plan = plan_turn(turns, pending, answers_questions=current.intent not in NOT_QUESTIONS
                         and not current.intent.startswith("crisis_"))
        plan = [action for action in plan if action in domain.action_names_or_texts]
        if not plan or done > len(plan):
            return self._prediction(self._default_predictions(domain))
        action = plan[done] if done < len(plan) else ACTION_LISTEN_NAME
        probabilities = self._default_predictions(domain)
        probabilities[domain.index_for_action(action)] = 1.0
        events = []
        if done == 0 and action.startswith("utter_crisis_"):
            # Also when the danger showed over several turns: later small talk gets the follow-up support.
            events = [SlotSet("crisis_category", action[len("utter_crisis_"):])]
        return self._prediction(probabilities, events=events)


def _read_recent(tracker: DialogueStateTracker) -> "tuple[List[Turn], int, Optional[CrisisCategory]]":
    """The session's last user turns (oldest first), the number of actions already run for the newest one,
    and the category of a check-in given in the bot's reply just before it. Reads backwards and stops after
    RECENT_TURNS user turns, so the cost does not grow with the conversation."""
    turns: List[Turn] = []
    done = 0
    pending: Optional[CrisisCategory] = None
    for event in reversed(tracker.events):
        if isinstance(event, SessionStarted):
            break
        if isinstance(event, ActionExecuted):
            name = event.action_name or ""
            if not turns:
                if name != ACTION_LISTEN_NAME:
                    done += 1
            elif len(turns) == 1 and name.startswith(CHECK_IN_PREFIX) and pending is None:
                pending = _category(name[len(CHECK_IN_PREFIX):])
        elif isinstance(event, UserUttered):
            parse = event.parse_data or {}
            crisis = parse.get("crisis") if isinstance(parse.get("crisis"), dict) else {}
            turns.append(Turn((event.intent or {}).get("name") or "", event.text or "", crisis))
            if len(turns) >= RECENT_TURNS:
                break
    return list(reversed(turns)), done, pending


def _category(value: str) -> Optional[CrisisCategory]:
    try:
        return CrisisCategory(value)
    except ValueError:
        return None
