"""Risk across a conversation, and what the bot does in a turn because of it.

A message on its own may say little ("I won't be a bother much longer"); after "what's the point of any of
it" it says more. Each user turn carries the crisis decision of its message (``CrisisDecision.as_dict``); this
module adds up the last turns' semantic scores, remembers a disclosure made earlier (also when it is
taken back: "jk"), and follows a safety check-in to its answer. No Rasa here: ``CrisisRiskPolicy`` feeds it
the tracker's turns and runs the actions it names.
"""
import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

from recovery_support.crisis.category import CrisisCategory
from recovery_support.crisis.decision import CHECK_IN, CRISIS

RECENT_TURNS = 4        # the current message and the three before it
RISK_SUM = 0.75         # summed semantic probability of one category over those turns that makes a check-in
RISK_TURN_MIN = 0.12    # a turn adds to the sum only above this (noise of ordinary messages stays out)
# Taking a disclosure back does not end the risk (NOTES-safety.md): it is met with a check-in.
RETRACTION = re.compile(r"\b(j/?k|jk+|just (kidding|joking)|kidding|joking|not serious|was a joke|nvm|"
                        r"never ?mind|forget (it|i said)|didn'?t mean (it|that)|lol|lmao|haha+)\b", re.I)
# For these, "yes" to the check-in question ("Are you thinking about ending your life?") is the danger; for
# the others the question is "Is the person awake and breathing normally?", and "no" is the danger.
YES_IS_DANGER = {CrisisCategory.SUICIDAL, CrisisCategory.SELF_HARM}
UNCLEAR_ANSWERS = {"nlu_fallback", "out_of_scope", "chitchat", "greet", "thanks", "bot_challenge"}


@dataclass(frozen=True)
class Turn:
    """One user message: its intent, text and crisis decision (as stored in its parse data)."""

    intent: str
    text: str
    crisis: Dict[str, object]

    @property
    def level(self) -> Optional[str]:
        return self.crisis.get("level")  # type: ignore[return-value]

    def score(self, category: CrisisCategory) -> float:
        scores = self.crisis.get("scores") or {}
        return float(scores.get(category.value, 0.0)) if isinstance(scores, dict) else 0.0

    @property
    def categories(self) -> List[CrisisCategory]:
        return [CrisisCategory(c) for c in self.crisis.get("categories") or [] if c in CrisisCategory._value2member_map_]


def crisis_action(category: CrisisCategory) -> str:
    return f"utter_crisis_{category.value}"


def check_in_action(category: CrisisCategory) -> str:
    return f"utter_check_in_{category.value}"


def declined_action(category: CrisisCategory) -> str:
    return f"utter_check_in_declined_{category.value}"


def plan_turn(turns: Sequence[Turn], pending_check_in: Optional[CrisisCategory],
              answers_questions: bool) -> List[str]:
    """The actions for the newest turn (``turns[-1]``), or [] when the usual rules should answer it.

    ``pending_check_in``: the category the bot checked in about in its last reply, if it did.
    ``answers_questions``: the newest intent is one action_answer handles (a topic or unclear message).
    """
    current, earlier = turns[-1], list(turns[:-1])
    if current.level == CRISIS:
        return [crisis_action(c) for c in current.categories]
    if pending_check_in is not None:
        answer = _check_in_answer(current, pending_check_in)
        if answer is not None:
            return [answer]
    if current.level == CHECK_IN:
        return _check_in(current.categories[0], answers_questions)
    disclosed = [c for t in earlier for c in t.categories if t.level == CRISIS]
    if disclosed and RETRACTION.search(current.text):
        return _check_in(disclosed[-1], answers_questions=False)
    risky = _accumulated(turns[-RECENT_TURNS:])
    if risky is not None and not any(t.level for t in earlier[-2:]):
        return _check_in(risky, answers_questions)
    return []


def _check_in(category: CrisisCategory, answers_questions: bool) -> List[str]:
    # The check-in first; a real question in the same message still gets its answer after it.
    return [check_in_action(category)] + (["action_answer"] if answers_questions else [])


def _check_in_answer(current: Turn, asked: CrisisCategory) -> Optional[str]:
    if current.level == CHECK_IN or current.score(asked) >= RISK_TURN_MIN * 2:
        return crisis_action(asked)
    if current.intent == "affirm":
        return crisis_action(asked) if asked in YES_IS_DANGER else declined_action(asked)
    if current.intent == "deny":
        return declined_action(asked) if asked in YES_IS_DANGER else crisis_action(asked)
    if current.intent in UNCLEAR_ANSWERS:
        return crisis_action(asked)  # "idk", "maybe", a shrug: treated as yes, with the resources
    return None  # a real question: answered as usual


def _accumulated(turns: Sequence[Turn]) -> Optional[CrisisCategory]:
    best, best_sum = None, 0.0
    for category in CrisisCategory:
        total = sum(s for s in (t.score(category) for t in turns) if s >= RISK_TURN_MIN)
        contributing = sum(1 for t in turns if t.score(category) >= RISK_TURN_MIN)
        if contributing >= 2 and total >= RISK_SUM and total > best_sum:
            best, best_sum = category, total
    return best
