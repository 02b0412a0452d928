"""Rate limits at the door, through the real server: one client looping, many made-up senders from one address
and 1 MB bodies at once, and a person elsewhere is still answered within 2 s. The test plays the proxy in front
of the server (``SANIC_PROXIES_COUNT=1``), so ``X-Forwarded-For`` names each client."""
import threading
import time
import uuid
from typing import Dict, List

import pytest
import requests

from recovery_support.servers import running_bot

OVER_LIMIT = "faster than I can read them"
LIMITED = {"SANIC_PROXIES_COUNT": "1", "CHAT_LIMIT_PER_SENDER": "30", "CHAT_LIMIT_PER_ADDRESS": "20"}


@pytest.fixture(scope="module")
def limited_bot(tmp_path_factory):
    with running_bot(tmp_path_factory.mktemp("limited"), extra_env=LIMITED) as bot:
        yield bot


def post(bot, http: requests.Session, sender: str, text: str, address: str) -> requests.Response:
    return http.post(f"{bot.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                     headers={"X-Forwarded-For": address}, timeout=60)


def said(response: requests.Response) -> str:
    return " ".join(m.get("text") or "" for m in response.json())


def test_a_person_is_answered_within_2_s_while_a_flood_and_huge_bodies_arrive(limited_bot):
    stop = threading.Event()
    seen: Dict[str, List[str]] = {"looping": [], "many_senders": []}
    refused: List[int] = []

    def looping_client() -> None:
        with requests.Session() as http:
            while not stop.is_set():
                seen["looping"].append(said(post(limited_bot, http, "looping", "what is detox", "203.0.113.9")))

    def many_senders() -> None:
        with requests.Session() as http:
            while not stop.is_set():
                seen["many_senders"].append(said(post(limited_bot, http, uuid.uuid4().hex, "i want to kill myself",
                                                      "203.0.113.10")))

    def huge_bodies() -> None:
        with requests.Session() as http:
            while not stop.is_set():
                refused.append(http.post(f"{limited_bot.rasa_url}/webhooks/rest/webhook",
                                         json={"sender": "huge", "message": "a" * 1_000_000}, timeout=60).status_code)

    attackers = [threading.Thread(target=target) for target in (looping_client, looping_client, many_senders,
                                                                 many_senders, huge_bodies)]
    for attacker in attackers:
        attacker.start()
    try:
        time.sleep(4)  # the flood is under way and past its allowance
        started = time.monotonic()
        with requests.Session() as http:
            answer = said(post(limited_bot, http, uuid.uuid4().hex, "how long does withdrawal last", "198.51.100.7"))
        waited = time.monotonic() - started
    finally:
        stop.set()
        for attacker in attackers:
            attacker.join()
    print(f"\nanswered in {waited:.2f} s beside {len(seen['looping'])} looping, {len(seen['many_senders'])} "
          f"made-up-sender messages and {len(refused)} 1 MB bodies")
    assert waited < 2.0
    assert "24" in answer and OVER_LIMIT not in answer
    assert set(refused) == {413}
    # The address's door held whatever the sender ids: 20 read, the rest answered at the door. (A looping sender's
    # turns queue behind its own conversation's lock; its own limit is shown below.)
    assert sum(OVER_LIMIT not in text for text in seen["many_senders"]) <= 21 < len(seen["many_senders"])
    # A crisis message over the limit was not read, but its note still gives every way to get help now.
    note = next(text for text in seen["many_senders"] if OVER_LIMIT in text)
    assert "911" in note and "988" in note and "naloxone" in note


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(bot):
    """The shared bot trusts no proxy: a client can't pick another address to dodge its limit or spend someone
    else's. (Its loopback address is limited per sender only, as on one machine.)"""
    with requests.Session() as http:
        texts = [said(post(bot, http, "one-sender", "hi", f"203.0.113.{n}")) for n in range(31)]
    assert OVER_LIMIT in texts[-1] and all(OVER_LIMIT not in text for text in texts[:30])
