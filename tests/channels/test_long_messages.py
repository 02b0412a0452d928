"""A very long message is cut to what the bot reads, keeping its start, its end and any alarming sentence."""
import time

from recovery_support.channels.long_messages import MAX_MESSAGE_CHARS, NOTE, shortened

CALM = "I wanted to ask about parking and the visiting hours for families on the weekend. "


def test_a_message_within_the_cap_is_untouched():
    assert shortened("how long does withdrawal last") == ("how long does withdrawal last", None)


def test_a_long_message_keeps_its_start_end_and_a_crisis_in_the_middle():
    text = CALM * 60 + "My son is on the floor and not breathing right now. " + CALM * 60
    read, note = shortened(text)
    assert note == NOTE and len(read) <= MAX_MESSAGE_CHARS
    assert read.startswith(CALM.strip()[:40]) and read.rstrip().endswith("weekend.")
    assert "My son is on the floor and not breathing right now." in read


def test_the_scan_is_linear_even_for_the_largest_body():
    text = ("a" * 50 + " ") * 1300  # about 64 kB, the most a request may carry
    started = time.perf_counter()
    read, _ = shortened(text)
    assert len(read) <= MAX_MESSAGE_CHARS
    print(f"\n64 kB shortened in {(time.perf_counter() - started) * 1000:.1f} ms")
