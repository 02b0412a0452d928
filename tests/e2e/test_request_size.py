"""A body far larger than any chat message is refused at the door (413) by the real server, and the people
chatting meanwhile are still answered: a 1 MB message used to hold the only event loop for 40 s."""
import threading
import time
import uuid

import requests

from recovery_support.channels.body_limit import MAX_REQUEST_BYTES


def test_a_huge_body_is_refused_and_others_are_still_answered(bot):
    huge = {"sender": uuid.uuid4().hex, "message": "a" * 1_000_000}
    refused = []

    def flood():
        for _ in range(5):
            refused.append(requests.post(f"{bot.rasa_url}/webhooks/rest/webhook", json=huge, timeout=60).status_code)

    attackers = [threading.Thread(target=flood) for _ in range(2)]
    for attacker in attackers:
        attacker.start()
    started = time.monotonic()
    answer = bot.send("how long does withdrawal last")
    waited = time.monotonic() - started
    for attacker in attackers:
        attacker.join()
    print(f"\nordinary message answered in {waited:.2f} s beside ten 1 MB bodies")
    assert set(refused) == {413}
    assert any("24" in (m.get("text") or "") for m in answer), answer
    # A long but real message (4,000 characters in JSON) still fits.
    assert len('{"sender": "x", "message": ""}') + 4000 * 6 < MAX_REQUEST_BYTES


def test_a_very_long_message_gets_a_note_and_a_crisis_in_its_middle_is_still_caught(bot):
    calm = "I wanted to ask about parking and the visiting hours for families on the weekend. "
    text = calm * 60 + "My boyfriend used and now he is not breathing and his lips are blue. " + calm * 60
    started = time.monotonic()
    replies = bot.send(text)
    print(f"\n{len(text)} characters answered in {time.monotonic() - started:.2f} s")
    said = " ".join(m.get("text") or "" for m in replies)
    assert "Your message was very long" in said
    assert "911" in said and any(isinstance(m.get("custom"), dict) and m["custom"].get("crisis") for m in replies)
