import pytest

from recovery_support.servers import running_bot


@pytest.fixture(scope="session")
def bot_without_actions(tmp_path_factory):
    """The Rasa server after its action server was killed (it answered once before)."""
    with running_bot(tmp_path_factory.mktemp("bot-no-actions")) as running:
        assert running.send("what is detox"), "the action server did not answer before it was killed"
        running.action_process.kill()
        running.action_process.wait(timeout=10)
        yield running
