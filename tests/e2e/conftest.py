import pytest

from recovery_support.servers import running_bot


@pytest.fixture(scope="session")
def bot(tmp_path_factory):
    with running_bot(tmp_path_factory.mktemp("bot")) as running:
        yield running


@pytest.fixture(scope="session")
def bot_without_actions(tmp_path_factory):
    """The Rasa server with its action server down (nothing listens on the action port)."""
    with running_bot(tmp_path_factory.mktemp("bot-no-actions"), with_actions=False) as running:
        yield running
