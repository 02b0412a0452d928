"""One topic of the knowledge base, as written in ``data/knowledge/topics/<topic>.yml``."""
from dataclasses import dataclass
from typing import Tuple


@dataclass(frozen=True)
class Source:
    doc: str       # an id from data/knowledge/sources.yml
    section: str   # the heading or paragraph the facts come from


@dataclass(frozen=True)
class TopicEntry:
    topic: str                 # also the NLU intent that asks for it
    title: str                 # short label for suggestion buttons
    question: str              # the canonical question it answers
    answer: str
    next_step: str
    keywords: Tuple[str, ...]
    follow_ups: Tuple[str, ...]
    sources: Tuple[Source, ...]

    @property
    def reply(self) -> str:
        """What the person reads: the answer and its next step (placeholders not yet filled)."""
        return f"{self.answer.strip()} {self.next_step.strip()}"

    @property
    def payload(self) -> str:
        """The message a suggestion button sends: Rasa treats ``/intent`` as that intent, skipping NLU."""
        return f"/{self.topic}"
