"""What the crisis layer can conclude about one message: a category (or none) and why."""
from dataclasses import dataclass
from enum import Enum
from typing import Optional, Tuple


class CrisisCategory(str, Enum):
    """The four kinds of danger the bot must answer at once; each needs different resources."""

    OVERDOSE = "overdose"  # 911 + naloxone, for the writer or someone else
    SUICIDAL = "suicidal"  # 988 / Crisis Text Line, 911 if in immediate danger
    SELF_HARM = "self_harm"  # 988 / Crisis Text Line
    MEDICAL = "medical"  # withdrawal emergency: 911

    @property
    def intent(self) -> str:
        """The Rasa intent trained for this category (``crisis_overdose`` ...)."""
        return intent_name(self)

    @classmethod
    def from_intent(cls, intent: str) -> Optional["CrisisCategory"]:
        """The category of a ``crisis_<value>`` intent, or None for any other intent."""
        if not intent.startswith(INTENT_PREFIX):
            return None
        try:
            return cls(intent[len(INTENT_PREFIX):])
        except ValueError:
            return None


INTENT_PREFIX = "crisis_"

# When several categories fire in one message, the most time-critical response wins: an overdose
# happening now needs 911 and naloxone before anything else; intent to die outranks self-harm;
# withdrawal symptoms come last because the other three already route to emergency help.
PRECEDENCE = (CrisisCategory.OVERDOSE, CrisisCategory.SUICIDAL, CrisisCategory.SELF_HARM, CrisisCategory.MEDICAL)


def intent_name(category: CrisisCategory) -> str:
    return f"{INTENT_PREFIX}{category.value}"


@dataclass(frozen=True)
class CrisisVerdict:
    """The rule layer's answer for one message.

    ``reason`` names the pattern that fired (or the look-alike that explains the alarming words) so a
    reviewer can see why a message was flagged. ``lookalike`` is True only when no crisis pattern fired
    and the text matched a known non-crisis form (idiom, negation, education question, hypothetical,
    past event); the classifier is then not trusted to overrule the rules.
    """

    category: Optional[CrisisCategory]
    reason: str = ""
    lookalike: bool = False
    # character spans of the sentences the look-alike explains: the semantic layer still reads the rest
    explained: Tuple[Tuple[int, int], ...] = ()
    # categories the matched phrase carries beside its own: "I'm going to take all my pills" is also an overdose
    also: Tuple["CrisisCategory", ...] = ()

    def unexplained_text(self, text: str) -> str:
        """The message without the sentences the look-alike explains."""
        kept, at = [], 0
        for start, end in self.explained:
            kept.append(text[at:start])
            at = end
        kept.append(text[at:])
        return " ".join(part.strip() for part in kept if part.strip())

    @property
    def is_crisis(self) -> bool:
        return self.category is not None
