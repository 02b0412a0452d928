"""A cap on what one message may make the bot read, without losing a crisis hidden in the middle.

Reading costs grow with the text (spaCy, DIET, the encoder's windows), so a message longer than
``MAX_MESSAGE_CHARS`` is shortened before Rasa reads it: its start, its end (where people often put the danger
after a long calm question), and every sentence between them that names something alarming, found by one
regular-expression pass over the whole text (linear time). The person is told, kindly, that part was skipped.
"""
import re
from typing import List, Optional, Tuple

MAX_MESSAGE_CHARS = 4000
KEEP_START = 1500
KEEP_END = 1500
SENTENCE = re.compile(r"[^.!?\n]+[.!?\n]*")
# Deliberately broad (false hits only keep a sentence, they raise no alarm): the crisis layer decides.
ALARMING = re.compile(
    r"\b(?:overdos\w*|od(?:'?d|ing)?|narcan|naloxone|not breathing|breath\w*|blue|unresponsive|wake|suicid\w*|"
    r"kill\w*|kms|unalive|die|dying|dead|death|end (?:it|my life)|goodbye|note|pills?|cut\w*|blood|bleed\w*|"
    r"hurt\w*|self.?harm|sh|razor|seiz\w*|chest|stroke|faint\w*|collaps\w*|unconscious|gun|rope|bridge|jump\w*)\b",
    re.IGNORECASE)

NOTE = ("Your message was very long, so I read its beginning, its end and anything in between that sounded "
        "urgent. If I missed something important, please send it again in a shorter message.")


def shortened(text: str) -> Tuple[str, Optional[str]]:
    """(what Rasa reads, a note for the person or None)."""
    if len(text) <= MAX_MESSAGE_CHARS:
        return text, None
    start, end = text[:KEEP_START], text[-KEEP_END:]
    middle = text[KEEP_START:len(text) - KEEP_END]
    budget = MAX_MESSAGE_CHARS - KEEP_START - KEEP_END
    kept: List[str] = []
    for sentence in SENTENCE.finditer(middle):
        piece = sentence.group().strip()
        if piece and ALARMING.search(piece) and len(piece) <= budget:
            kept.append(piece)
            budget -= len(piece) + 3
    return " … ".join([start.strip(), *kept, end.strip()]), NOTE
