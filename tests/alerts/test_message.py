"""The alert text: category in words, the person's words (truncated, marked), conversation, time, link."""
from datetime import datetime

from recovery_support.alerts.message import MAX_MESSAGE_CHARS, AlertMessage, truncate


def message(**overrides):
    fields = dict(handoff_id=5, kind="alert", category="self_harm", staff_url="https://staff.test/crisis/5",
                  message_text="I hurt myself", message_at=datetime(2025, 1, 2, 3, 4, 5),
                  created_at=datetime(2025, 1, 2, 3, 4, 6), ack_url="https://ack.test/ack/5?sig=ab")
    fields.update(overrides)
    return AlertMessage(**fields)


def test_text_has_everything_staff_need():
    text = message().text()
    assert text.startswith("[CRISIS ALERT] Self-harm (handoff #5)")
    assert "Time: 2025-01-02 03:04:05 UTC" in text
    assert "In the staff app: https://staff.test/crisis/5" in text
    assert "user-written" in text and "\nI hurt myself\n" in text
    assert text.rstrip().endswith("https://ack.test/ack/5?sig=ab")


def test_escalation_and_local_time():
    text = message(kind="escalation", escalate_after_seconds=300, display_timezone="America/Los_Angeles").text()
    assert text.startswith("[ESCALATION, NOT ACKNOWLEDGED] Self-harm")
    assert "within 5 minute(s)" in text
    assert "2025-01-01 19:04:05 PST" in text


def test_truncation_and_subject_without_user_text():
    assert truncate("x" * 600) == "x" * MAX_MESSAGE_CHARS + " […truncated]"
    assert truncate("  short  ") == "short"
    assert "\n" not in message(message_text="Subject: injected\nBcc: x").subject


def test_idempotency_key_is_the_same_on_every_attempt_and_new_for_another_alert():
    key = message().idempotency_key
    assert key == message().idempotency_key == "handoff-5-alert-20250102T030406000000"
    assert message().payload()["idempotency_key"] == key
    assert message(kind="escalation").idempotency_key != key
    # Handoff 5 again in a new database is another crisis: a receiver must not drop it as a repeat.
    assert message(created_at=datetime(2025, 6, 1, 8, 0, 0)).idempotency_key != key
