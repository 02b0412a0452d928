"""The chat server's logs never name a sender id: a session id in a log would let its reader join that chat."""
import asyncio
import logging

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from recovery_support.channels.log_ref import log_ref
from recovery_support.channels.never_silent import answer_turn

SESSION = "3f2b9c1e8a7d4e6f9b0c1d2e3f4a5b6c"


def test_a_failed_turn_is_logged_by_reference_and_the_person_still_gets_a_reply(caplog):
    async def failing_turn(_message):
        raise RuntimeError("the model broke")

    output = CollectingOutputChannel()
    with caplog.at_level(logging.WARNING):
        asyncio.run(answer_turn(failing_turn, UserMessage("hello", output, SESSION)))
    assert output.messages, "the person got no reply"
    assert SESSION not in caplog.text and log_ref(SESSION) in caplog.text
    assert log_ref(SESSION) == log_ref(SESSION) != log_ref("another")
