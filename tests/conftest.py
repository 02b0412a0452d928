import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")


@pytest.fixture(scope="session")
def nlp():
    from recovery_support.nlp import load_pipeline

    return load_pipeline()


@pytest.fixture(scope="session")
def kb():
    from recovery_support.knowledge import load_knowledge_base

    return load_knowledge_base()


@pytest.fixture(scope="session")
def clinic():
    from recovery_support.clinic import load_clinic_profile

    return load_clinic_profile()


@pytest.fixture(scope="session")
def answerer(kb, nlp, clinic):
    from recovery_support.knowledge.answerer import Answerer
    from recovery_support.knowledge.search import TopicSearch

    return Answerer(kb, TopicSearch(kb, nlp), clinic)


MODEL = os.path.join(os.path.dirname(os.path.dirname(__file__)), "models", "clinic.tar.gz")


@pytest.fixture(scope="session")
def parse():
    """Parses text with the trained model (NLU pipeline incl. the crisis detector), as the server would."""
    import asyncio

    from rasa.core.agent import Agent

    if not os.path.exists(MODEL):
        pytest.fail(f"no trained model at {MODEL}: run `make model` (make test does it first)")
    agent = Agent.load(MODEL)
    loop = asyncio.new_event_loop()

    def _parse(text: str) -> dict:
        return loop.run_until_complete(agent.parse_message(text))

    yield _parse
    loop.close()
