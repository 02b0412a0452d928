"""Chooses the reply to a question: the topic's entry, a clarifying question with suggestions, or a kind redirect.

Pure library code (no Rasa), so every branch is tested directly; ``actions/answer.py`` only moves data in and out.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

from recovery_support.clinic import ClinicProfile
from recovery_support.knowledge.base import KnowledgeBase
from recovery_support.knowledge.entry import TopicEntry
from recovery_support.knowledge.search import Match, TopicSearch

# Search scores are cosine similarities (0..1). Below SUGGEST nothing is close enough to offer.
SUGGEST_MIN = 0.2
# A follow-up of the last topic answered is taken as meant when it leads the others by this much.
CONTEXT_MIN = 0.35
CONTEXT_MARGIN = 0.1
# The semantic search (sentence-encoder cosine, semantic_search.py) is sure of a topic at this score with this
# lead over the next topic; calibrated on the project's held-out NLU split (tests/nlu/holdout.yml).
SEMANTIC_SURE = 0.55
SEMANTIC_MARGIN = 0.04
# A second topic this close to the answered one is offered first among the buttons ("what happens on day one":
# stages, and preparing for admission).
SECOND_TOPIC_MARGIN = 0.03
STARTER_TOPICS = ("what_is_detox", "withdrawal_symptoms", "inpatient_vs_outpatient", "getting_started")
MAX_MESSAGE_CHARS = 2000  # longer messages are searched by their start: a 10 kB paste is not a question
# Short questions with one of these lean on the last answer: "is it safe?", "how long do they last?"
BACK_REFERENCES = {"it", "its", "it's", "they", "them", "those", "that", "this", "these", "there"}
SHORT_QUESTION_WORDS = 7

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
              nlu_guess: Optional[str] = None, semantic: Sequence[Match] = ()) -> Reply:
        """``nlu_guess``: the classifier's best intent when it fell below the fallback threshold.
        ``semantic``: the topics nearest in meaning (``knowledge_matches`` of the parse data), best first."""
        text = (text or "")[:MAX_MESSAGE_CHARS]
        semantic = [m for m in semantic if m.topic in self.kb]
        if intent in self.kb:
            return self.answer(self.kb.get(intent), _close_second(intent, semantic))
        if intent == "affirm" and last_topic in self.kb:
            return Reply(AFFIRM, self._buttons(self.kb.follow_ups(last_topic)), last_topic, "follow_ups")
        if intent == "deny":
            return Reply(DENY, self._starters(), last_topic, "deny")
        if intent == "out_of_scope":
            return self._redirect(REDIRECT)
        return self._low_confidence(text, last_topic, nlu_guess, semantic)

    def answer(self, entry: TopicEntry, also: Optional[str] = None) -> Reply:
        """The entry's reply; ``also``: a second topic the question may mean, offered as the first button."""
        follow_ups = self.kb.follow_ups(entry.topic)
        if also in self.kb and also != entry.topic:
            follow_ups = [self.kb.get(also), *[e for e in follow_ups if e.topic != also]]
        return Reply(self.clinic.fill(entry.reply), self._buttons(follow_ups), entry.topic)

    def _semantic_choice(self, semantic: Sequence[Match], nlu_guess: Optional[str],
                         searched: Sequence[Match]) -> Optional[Reply]:
        """An answer when the signals agree, or one is sure and no other names a different topic."""
        if not semantic:
            return None
        best, runner_up = semantic[0], (semantic[1].score if len(semantic) > 1 else 0.0)
        second = semantic[1].topic if len(semantic) > 1 else None
        agrees = best.topic == nlu_guess or (searched and searched[0].topic == best.topic)
        sure = best.score >= SEMANTIC_SURE and best.score - runner_up >= SEMANTIC_MARGIN
        contradicted = nlu_guess not in (None, best.topic, second) and searched and searched[0].topic == nlu_guess
        if agrees or (sure and not contradicted):
            return self.answer(self.kb.get(best.topic), second if best.score - runner_up < SECOND_TOPIC_MARGIN
                               else None)
        return None

    def _low_confidence(self, text: str, last_topic: Optional[str], nlu_guess: Optional[str],
                        semantic: Sequence[Match] = ()) -> Reply:
        if not text.strip() or text.strip().startswith("/"):
            return Reply(EMPTY, self._starters(), last_topic, "empty")
        if self.search.looks_foreign(text):
            return self._redirect(NOT_ENGLISH, "not_english")
        if not self.search.has_content(text):
            return self._redirect(NOT_UNDERSTOOD, "not_understood")
        query = text
        if last_topic in self.kb and _refers_back(text):
            query = f"{text} {self.kb.get(last_topic).title}"
        matches = [m for m in self.search.search(query, limit=3, context=last_topic) if m.score >= SUGGEST_MIN]
        if not _refers_back(text):
            chosen = self._semantic_choice(semantic, nlu_guess, matches)
            if chosen is not None:
                return chosen
        if not matches:
            return self._redirect(NOT_UNDERSTOOD, "not_understood")
        best, runner_up = matches[0], (matches[1].score if len(matches) > 1 else 0.0)
        in_context = (*self.kb.get(last_topic).follow_ups, last_topic) if last_topic in self.kb else ()
        if best.topic in in_context and best.score >= CONTEXT_MIN and best.score - runner_up >= CONTEXT_MARGIN:
            return self.answer(self.kb.get(best.topic))
        # Two independent signals (the classifier's unsure guess and the search) naming one topic: answer it.
        if best.topic == nlu_guess and best.score - runner_up >= CONTEXT_MARGIN:
            return self.answer(self.kb.get(best.topic))
        return Reply(CLARIFY, self._buttons(self.kb.get(m.topic) for m in matches), last_topic, "clarify")

    def _redirect(self, text: str, kind: str = "redirect") -> Reply:
        return Reply(self.clinic.fill(text), self._starters(), None, kind)

    def _starters(self) -> List[Dict[str, str]]:
        return self._buttons(self.kb.get(t) for t in STARTER_TOPICS if t in self.kb)

    @staticmethod
    def _buttons(entries) -> List[Dict[str, str]]:
        return [{"title": e.title, "payload": e.payload} for e in entries]


def _close_second(answered: str, semantic: Sequence[Match]) -> Optional[str]:
    """The semantic search's other top topic when it stands as close to the question as the answered one."""
    scores = {m.topic: m.score for m in semantic}
    others = [m for m in semantic if m.topic != answered]
    if others and answered in scores and scores[answered] - others[0].score < SECOND_TOPIC_MARGIN:
        return others[0].topic
    return None


def _refers_back(text: str) -> bool:
    words = [w.strip("?!.,").lower() for w in text.split()]
    return len(words) <= SHORT_QUESTION_WORDS and any(w in BACK_REFERENCES for w in words)
