"""The rule policy that reads only recent turns compares exactly the states Rasa's reads, and predicts the same,
in conversations far longer than any rule."""
import asyncio
import uuid

import pytest
from rasa.core.agent import Agent
from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered, UserUtteranceReverted

from components.recent_rule_policy import MARGIN, RecentRulePolicy, recent_part
from tests.conftest import MODEL

TURNS = ["hi", "how long does withdrawal last", "and then what?", "what do i eat during detox", "thanks",
         "where are you located", "can my wife visit", "i dont want to be here anymore", "no not like that",
         "what is mat", "does it hurt", "ok"]


@pytest.fixture(scope="module")
def agent():
    return Agent.load(MODEL)


def rule_policy(agent) -> RecentRulePolicy:
    nodes = agent.processor.graph_runner._instantiated_nodes
    found = [n._component for n in nodes.values() if isinstance(getattr(n, "_component", None), RecentRulePolicy)]
    assert len(found) == 1, "config.yml should name RecentRulePolicy"
    return found[0]


def long_conversation(agent, turns: int, undo_at: int = -1):
    """A conversation of ``turns`` messages through the bot, without the action server (its replies stand in)."""
    loop = asyncio.new_event_loop()
    try:
        tracker = agent.tracker_store.init_tracker(uuid.uuid4().hex)
        tracker.update(ActionExecuted("action_listen"))
        for n in range(turns):
            text = TURNS[n % len(TURNS)]
            parsed = loop.run_until_complete(agent.parse_message(text))
            tracker.update(UserUttered(text, parsed["intent"], parse_data=parsed))
            prediction = agent.processor._predict_next_with_tracker(tracker)
            action = agent.domain.action_names_or_texts[prediction.max_confidence_index]
            tracker.update(ActionExecuted(action))
            tracker.update(BotUttered(f"reply {n}"))
            tracker.update(SlotSet("topic", parsed["intent"]["name"]))
            tracker.update(ActionExecuted("action_listen"))
            if n == undo_at:  # Rasa's undo of the last user turn: history that isn't a plain list
                tracker.update(UserUtteranceReverted())
        return tracker
    finally:
        loop.close()


@pytest.mark.parametrize("turns, undo_at", [(1, -1), (6, -1), (40, -1), (40, 20), (12, 9)])
def test_the_states_a_rule_can_see_and_the_prediction_are_rasas(agent, turns, undo_at):
    policy = rule_policy(agent)
    tracker = long_conversation(agent, turns, undo_at)
    seen = policy._longest_rule()
    assert seen > 0
    for use_text in (False, True):
        ours = policy._prediction_states(tracker, agent.domain, use_text, policy._get_rule_only_data())
        rasas = RulePolicy._prediction_states(policy, tracker, agent.domain, use_text, policy._get_rule_only_data())
        assert ours[-seen:] == rasas[-seen:]
        assert len(ours) <= seen + MARGIN + 3  # however long the conversation (Rasa's: all of it)
        action, rule, unhappy = policy._find_action_from_rules(tracker, agent.domain, use_text)
        rasa_action, rasa_rule, rasa_unhappy = RulePolicy._find_action_from_rules(
            _RasaView(policy), tracker, agent.domain, use_text)
        assert (action, unhappy) == (rasa_action, rasa_unhappy)
        if action is not None:  # with no rule, the second value is only a description of the states for the log
            assert rule == rasa_rule


class _RasaView:
    """The same policy, building its states the way Rasa does (the whole conversation)."""

    def __init__(self, policy: RecentRulePolicy) -> None:
        self._policy = policy

    def __getattr__(self, name):
        if name == "_prediction_states":
            return lambda *args, **kwargs: RulePolicy._prediction_states(self._policy, *args, **kwargs)
        return getattr(self._policy, name)


def test_a_short_conversation_is_left_whole(agent):
    tracker = long_conversation(agent, 1)
    assert recent_part(tracker, 10) is tracker
