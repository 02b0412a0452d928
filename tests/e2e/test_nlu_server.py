"""`make run`'s second process parses messages for the chat server, and when it is down the chat server parses
them itself: a crisis still gets its reply."""
import pytest

from recovery_support.servers import custom_payloads, running_bot, texts

FALLBACK = "parsing the message here"


@pytest.fixture(scope="module")
def split_bot(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("split")
    with running_bot(workdir, nlu_server=True) as bot:
        yield bot, workdir / "rasa.log"


def crisis_reply_ok(replies) -> bool:
    return "911" in texts(replies) and any(p.get("crisis") and p.get("category") == "overdose"
                                           for p in custom_payloads(replies))


def test_the_nlu_server_parses_and_the_answers_are_the_bots(split_bot):
    bot, log = split_bot
    assert "24" in texts(bot.send("how long does withdrawal last"))
    assert crisis_reply_ok(bot.send("my boyfriend used and now he is not breathing and his lips are blue"))
    assert FALLBACK not in log.read_text()


def test_with_the_nlu_server_down_the_chat_server_parses_and_a_crisis_is_still_answered(split_bot):
    bot, log = split_bot
    bot.nlu_process.kill()
    bot.nlu_process.wait(timeout=10)
    assert crisis_reply_ok(bot.send("my boyfriend used and now he is not breathing and his lips are blue"))
    assert "24" in texts(bot.send("how long does withdrawal last"))
    assert FALLBACK in log.read_text()
