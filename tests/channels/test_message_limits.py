"""Per-sender and per-address message limits: a burst, then a steady pace; over it, a note with every resource."""
import asyncio
from typing import Any, Dict, List

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from recovery_support.channels import message_limits as limits_module
from recovery_support.channels.message_limits import Limits, MessageLimits, TokenBuckets
from recovery_support.channels.never_silent import answer_turn


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_a_minutes_worth_at_once_then_the_steady_pace():
    clock = FakeClock()
    buckets = TokenBuckets(per_minute=30, clock=clock)
    assert all(buckets.take("a") for _ in range(30))
    assert not buckets.take("a")
    assert buckets.take("b")  # another sender has its own
    clock.now += 2.0  # 30 a minute: one every 2 s
    assert buckets.take("a") and not buckets.take("a")


def test_no_limit_when_set_to_zero():
    buckets = TokenBuckets(per_minute=0, clock=FakeClock())
    assert all(buckets.take("a") for _ in range(10_000))


def test_many_senders_from_one_address_hit_the_address_limit_but_others_do_not():
    limits = MessageLimits(Limits(per_sender=30, per_address=10), clock=FakeClock())
    assert all(limits.allow(f"made-up-{n}", "203.0.113.9") for n in range(10))
    assert not limits.allow("made-up-10", "203.0.113.9")
    assert limits.allow("someone-else", "198.51.100.7")


def test_a_refused_sender_does_not_use_up_its_addresss_allowance():
    limits = MessageLimits(Limits(per_sender=2, per_address=5), clock=FakeClock())
    for _ in range(20):
        limits.allow("looping", "203.0.113.9")
    assert sum(limits.allow(f"person-{n}", "203.0.113.9") for n in range(5)) == 3  # 5 - the loop's 2


def test_loopback_is_limited_per_sender_only_unless_asked():
    open_loopback = MessageLimits(Limits(per_sender=100, per_address=3), clock=FakeClock())
    assert all(open_loopback.allow(f"s{n}", "127.0.0.1") for n in range(20))
    strict = MessageLimits(Limits(per_sender=100, per_address=3, limit_loopback=True), clock=FakeClock())
    assert sum(strict.allow(f"s{n}", "::1") for n in range(20)) == 3


def test_settings_come_from_the_environment():
    assert Limits.from_environment({}) == Limits(30.0, 120.0, False)
    assert Limits.from_environment({"CHAT_LIMIT_PER_SENDER": "5", "CHAT_LIMIT_PER_ADDRESS": "0",
                                    "CHAT_LIMIT_LOOPBACK": "1"}) == Limits(5.0, 0.0, True)


def test_over_the_limit_the_message_is_not_read_and_the_note_carries_every_crisis_resource(monkeypatch):
    monkeypatch.setattr(limits_module, "_limits", MessageLimits(Limits(per_sender=2), clock=FakeClock()))
    read: List[str] = []

    async def on_new_message(message: UserMessage) -> None:
        read.append(message.text)
        await message.output_channel.send_text_message(message.sender_id, "an answer")

    async def send(text: str) -> List[Dict[str, Any]]:
        out = CollectingOutputChannel()
        await answer_turn(on_new_message, UserMessage(text, out, "fast-typist"), "198.51.100.7")
        return out.messages

    replies = [asyncio.run(send(f"message {n}")) for n in range(3)]
    assert read == ["message 0", "message 1"]
    note = replies[2][0]["text"]
    assert "911" in note and "naloxone" in note and "988" in note and "(555) 010-0199" in note


def test_the_source_in_metadata_is_the_servers_never_the_clients(monkeypatch):
    monkeypatch.setattr(limits_module, "_limits", MessageLimits(Limits(per_sender=0, per_address=0)))
    seen: List[Any] = []

    async def on_new_message(message: UserMessage) -> None:
        seen.append(message.metadata)
        await message.output_channel.send_text_message(message.sender_id, "ok")

    forged = UserMessage("hi", CollectingOutputChannel(), "s", metadata={"source": "addr-victim", "page": "faq"})
    asyncio.run(answer_turn(on_new_message, forged, "198.51.100.7"))
    no_address = UserMessage("hi", CollectingOutputChannel(), "s", metadata={"source": "addr-victim"})
    asyncio.run(answer_turn(on_new_message, no_address, None))
    local = UserMessage("hi", CollectingOutputChannel(), "s", metadata={})
    asyncio.run(answer_turn(on_new_message, local, "127.0.0.1"))  # one machine: everyone is loopback
    assert seen[0]["page"] == "faq" and seen[0]["source"].startswith("addr-") and seen[0]["source"] != "addr-victim"
    assert "source" not in seen[1] and "source" not in seen[2]
