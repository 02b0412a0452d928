"""The planned graph runner gives the trained model's answers exactly as Rasa's dask runner does."""
import asyncio
import uuid

import pytest
from rasa.core.agent import Agent
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.events import ActionExecuted, UserUttered

from recovery_support.graph_runner import PlannedGraphRunner
from tests.conftest import MODEL

MESSAGES = ["hi", "how long does withdrawal last", "my brother is not breathing and his lips are blue",
            "what do i eat during detox", "asdfgh", "i dont want to be here anymore"]


@pytest.fixture(scope="module")
def agent():
    return Agent.load(MODEL)


def dask_twin(runner: PlannedGraphRunner) -> DaskGraphRunner:
    twin = object.__new__(DaskGraphRunner)
    twin.__dict__.update({k: v for k, v in runner.__dict__.items() if k != "_plans"})
    return twin


def outcomes(agent) -> list:
    loop = asyncio.new_event_loop()
    try:
        results = []
        for text in MESSAGES:
            parsed = loop.run_until_complete(agent.parse_message(text))
            tracker = agent.tracker_store.init_tracker(uuid.uuid4().hex)
            tracker.update(ActionExecuted("action_listen"))
            tracker.update(UserUttered(text, parsed["intent"], parse_data=parsed))
            prediction = agent.processor._predict_next_with_tracker(tracker)
            results.append((parsed["intent"], [i["name"] for i in parsed["intent_ranking"]], parsed.get("crisis"),
                            prediction.max_confidence_index, prediction.policy_name))
        return results
    finally:
        loop.close()


def test_the_same_intents_crisis_verdicts_and_next_actions_as_dask(agent):
    planned = agent.processor.graph_runner
    assert isinstance(planned, PlannedGraphRunner)  # what the server runs (rasa_patches)
    ours = outcomes(agent)
    agent.processor.graph_runner = dask_twin(planned)
    try:
        theirs = outcomes(agent)
    finally:
        agent.processor.graph_runner = planned
    assert ours == theirs
