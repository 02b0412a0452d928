"""Chooses the reply to a question: the topic's entry, a clarifying question with suggestions, or a kind redirect.

Pure library code (no Rasa), so every branch is tested directly; ``actions/answer.py`` only moves data in and out.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

from recovery_support.clinic import ClinicProfile
from recovery_support.knowledge.base import KnowledgeBase
from recovery_support.knowledge.entry import TopicEntry
from recovery_support.knowledge.search import Match, TopicSearch
from recovery_support.knowledge import topic_choice
from recovery_support.knowledge.topic_choice import choose

# Search scores are cosine similarities (0..1). Below SUGGEST nothing is close enough to offer.
SUGGEST_MIN = 0.2
# A follow-up of the last topic answered is taken as meant when it leads the others by this much.
CONTEXT_MIN = 0.35
# DIET this sure of a topic is answered without weighing the searches (buttons send their intent at 1.0).
SURE_INTENT = 0.95
STARTER_TOPICS = ("what_is_detox", "withdrawal_symptoms", "inpatient_vs_outpatient", "getting_started")
MAX_MESSAGE_CHARS = 2000  # longer messages are searched by their start: a 10 kB paste is not a question
# Short questions with one of these lean on the last answer: "is it safe?", "how long do they last?"
BACK_REFERENCES = {"it", "its", "it's", "they", "them", "those", "that", "this", "these", "there", "he", "she",
                   "him", "her", "his"}
# ... or that start by carrying the last one on: "and then what?", "what about for my wife?", "after that?"
CARRY_ON_STARTS = ("and ", "what about", "how about", "then ", "after ", "also ", "but ", "so ", "what if",
                   "ok and", "okay and", "and?")
SHORT_QUESTION_WORDS = 8

REDIRECT = (
    "I'm sorry, that's outside what I can help with. I'm here for questions about heroin detox: what it is, "
    "withdrawal and how long it lasts, inpatient and outpatient care, medications, and support for families. "
    "To talk with a person, call {clinic_name} at {clinic_phone}. If anyone is in danger right now, call 911."
)
NOT_UNDERSTOOD = (
    "I'm not sure I understood that. I can answer questions about heroin detox, withdrawal, treatment "
    "options and support for families. You can pick a topic below, or call {clinic_name} at {clinic_phone} "
    "to talk with a person."
)
EMPTY = "It looks like that message was empty. What would you like to know? You can pick a topic below."
NOT_ENGLISH = (
    "I can only answer in English for now. For free, confidential help in English or Spanish at any hour, "
    "call the SAMHSA National Helpline at 1-800-662-4357. / Por ahora solo puedo responder en inglés. Para "
    "ayuda gratuita y confidencial en español, llame a la Línea Nacional de Ayuda de SAMHSA: 1-800-662-4357 "
    "(24 horas). En una emergencia, llame al 911."
)
CLARIFY = "I want to be sure I give you the right answer. Did you mean one of these?"
AFFIRM = "Of course. Which of these would help most?"
DENY = "That's okay. If another question comes up, I'm here any time, day or night."


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: List[Dict[str, str]] = field(default_factory=list)
    topic: Optional[str] = None   # the topic answered, remembered for follow-ups
    kind: str = "answer"          # answer | clarify | redirect | ...: logged for staff review


class Answerer:
    def __init__(self, kb: KnowledgeBase, search: TopicSearch, clinic: ClinicProfile) -> None:
        self.kb = kb
        self.search = search
        self.clinic = clinic

    def reply(self, intent: Optional[str], text: str, last_topic: Optional[str] = None,
              nlu_guess: Optional[str] = None, semantic: Sequence[Match] = (),
              ranking: Optional[Dict[str, float]] = None, classifier: Optional[Dict[str, float]] = None) -> Reply:
        """``ranking``: DIET's probability per intent, also below the fallback threshold (``nlu_guess``
        alone stands for a ranking with just that intent). ``semantic``: the topics nearest in meaning
        (``knowledge_matches`` of the parse data), best first. ``classifier``: the encoder's topic classifier's
        probability per topic (``topic_probabilities``)."""
        text = (text or "")[:MAX_MESSAGE_CHARS]
        ranking = dict(ranking or ({nlu_guess: CONTEXT_MIN} if nlu_guess else {}))
        if intent in self.kb and (ranking.get(intent, 1.0) >= SURE_INTENT or not semantic):
            return self.answer(self.kb.get(intent))  # a button, or a question DIET has no doubt about
        if intent == "affirm" and last_topic in self.kb:
            return Reply(AFFIRM, self._buttons(self.kb.follow_ups(last_topic)), last_topic, "follow_ups")
        if intent == "deny":
            return Reply(DENY, self._starters(), last_topic, "deny")
        if intent == "out_of_scope":
            return self._redirect(REDIRECT)
        return self._choose(text, last_topic, ranking, semantic, classifier or {})

    def answer(self, entry: TopicEntry, also: Optional[str] = None) -> Reply:
        """The entry's reply; ``also``: a second topic the question may mean, offered as the first button."""
        follow_ups = self.kb.follow_ups(entry.topic)
        if also in self.kb and also != entry.topic:
            follow_ups = [self.kb.get(also), *[e for e in follow_ups if e.topic != also]]
        return Reply(self.clinic.fill(entry.reply), self._buttons(follow_ups), entry.topic)

    def _choose(self, text: str, last_topic: Optional[str], ranking: Dict[str, float],
                semantic: Sequence[Match], classifier: Dict[str, float]) -> Reply:
        if not text.strip() or text.strip().startswith("/"):
            return Reply(EMPTY, self._starters(), last_topic, "empty")
        if self.search.looks_foreign(text):
            return self._redirect(NOT_ENGLISH, "not_english")
        context: Sequence[str] = ()
        query = text
        if last_topic in self.kb and _refers_back(text):
            context = (last_topic, *self.kb.get(last_topic).follow_ups)
            query = f"{text} {self.kb.get(last_topic).title}"
        near_in_meaning = any(m.score >= topic_choice.OUT_OF_SCOPE_SEMANTIC for m in semantic)
        # Only words the search knows count as content; a question close in meaning, or leaning on the last
        # answer, has content in any words ("how to not go back once you get out").
        if not (context or near_in_meaning or self.search.has_content(text)):
            return self._redirect(NOT_UNDERSTOOD, "not_understood")
        searched = [m for m in self.search.search(query, limit=3, context=last_topic) if m.score >= SUGGEST_MIN]
        if not semantic:  # a model without the semantic search: the TF-IDF search and DIET's guess alone
            semantic = searched
        choice = choose(list(self.kb.entries), ranking, semantic, searched, context, classifier)
        if choice.kind == topic_choice.ANSWER:
            return self.answer(self.kb.get(choice.topic), choice.topics[1] if len(choice.topics) > 1 else None)
        if choice.kind == topic_choice.CLARIFY:
            return Reply(CLARIFY, self._buttons(self.kb.get(t) for t in choice.topics), last_topic, "clarify")
        return self._redirect(REDIRECT)

    def _redirect(self, text: str, kind: str = "redirect") -> Reply:
        return Reply(self.clinic.fill(text), self._starters(), None, kind)

    def _starters(self) -> List[Dict[str, str]]:
        return self._buttons(self.kb.get(t) for t in STARTER_TOPICS if t in self.kb)

    @staticmethod
    def _buttons(entries) -> List[Dict[str, str]]:
        return [{"title": e.title, "payload": e.payload} for e in entries]


def _refers_back(text: str) -> bool:
    words = [w.strip("?!.,").lower() for w in text.split()]
    if len(words) > SHORT_QUESTION_WORDS:
        return False
    return any(w in BACK_REFERENCES for w in words) or text.strip().lower().startswith(CARRY_ON_STARTS)
