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
