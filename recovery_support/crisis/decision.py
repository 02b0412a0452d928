"""The crisis decision for one message: rules, the semantic classifier and the intent classifier together.

Any strong signal makes a crisis; a weaker one makes a safety check-in: a wrong check-in costs a moment of the
person's time, a missed crisis can cost a life. The rule layer's look-alike verdict (negation, idiom, education,
past event) explains the sentences it matched and no more: the semantic classifier reads the rest of the
message (``CrisisVerdict.unexplained_text``), so "my back is killing me. honestly i dont want to wake up" is
still a crisis. The rules' look-alike judgement is itself wrong at times (an accident word beside a deliberate
cut, a question mark after an emergency), so the encoder also reads the whole message, and only a confident
reading there (``semantic_crisis``) overrules the look-alike: no check-in from it. DIET read the whole message
too, and its crisis intent is a weaker signal, so a look-alike does veto DIET's crisis intent.
"""
from dataclasses import dataclass, field, replace
from typing import Dict, List, Optional, Sequence, Tuple

from recovery_support.crisis.category import PRECEDENCE, CrisisCategory, CrisisVerdict
from recovery_support.crisis.semantic import SemanticScores

CRISIS = "crisis"
CHECK_IN = "check_in"


@dataclass(frozen=True)
class Thresholds:
    semantic_crisis: float = 0.9    # the encoder alone makes a crisis (below it, a check-in)
    semantic_check_in: float = 0.6  # the encoder alone makes a check-in
    # ... or this much danger across the categories together: "I want to sleep and not wake up and I know how"
    # reads as part overdose, part suicidal, part medical, none of them alone enough (blind sets B-H: recall
    # +1 to +7 points for 3 more look-alike check-ins in 425; the own look-alike suite +1 of 142).
    crisis_mass_check_in: float = 0.75
    second_category: float = 0.3    # a second category beside a crisis (an intentional overdose: 911, then 988)
    classifier_crisis: float = 0.8  # DIET's crisis intent alone makes a crisis
    topic_confident: float = 0.8  # DIET this sure of a topic ("do you have a sliding scale"): no check-in
    # A message this short gives the encoder little context ("day 3 off xanax"): its check-in needs more. On the
    # blind sets B-F no crisis this short lay between the two bars.
    short_message_words: float = 6  # words
    short_message_check_in: float = 0.75


@dataclass(frozen=True)
class CrisisDecision:
    level: Optional[str]  # CRISIS, CHECK_IN or None
    categories: Tuple[CrisisCategory, ...] = ()
    reason: str = ""
    scores: Dict[str, float] = field(default_factory=dict)
    lookalike: bool = False  # the rule layer explained the alarming words away (kept for review and tuning)

    @property
    def category(self) -> Optional[CrisisCategory]:
        return self.categories[0] if self.categories else None

    def as_dict(self) -> Dict[str, object]:
        """What goes into the message's parse data (and from there to the policy, the tracker and staff)."""
        return {"level": self.level, "category": self.category.value if self.category else None,
                "categories": [c.value for c in self.categories], "reason": self.reason, "scores": self.scores,
                "lookalike": self.lookalike}


def ordered(categories: Sequence[CrisisCategory]) -> Tuple[CrisisCategory, ...]:
    """Most time-critical first, each once."""
    return tuple(c for c in PRECEDENCE if c in set(categories))


def decide(verdict: CrisisVerdict, semantic: Optional[SemanticScores], ranking: List[Tuple[str, float]],
           thresholds: Thresholds = Thresholds(), whole: Optional[SemanticScores] = None,
           words: Optional[int] = None) -> CrisisDecision:
    """``semantic``: scored on the text the look-alike does not explain (None when nothing is left);
    ``whole``: scored on the whole message, when a look-alike explained part of it;
    ``ranking``: (intent, confidence) pairs as in Rasa's intent ranking, in any order; ``words``: the
    message's length in words (None: not short)."""
    scores = semantic.as_dict() if semantic else {}
    if words is not None and words <= thresholds.short_message_words:
        # ... and one category must carry it: summed over categories, a few words' noise adds up ("day 3 off
        # xanax" reads 0.68 medical plus a little of everything).
        thresholds = replace(thresholds, semantic_check_in=max(thresholds.semantic_check_in,
                                                                 thresholds.short_message_check_in),
                             crisis_mass_check_in=float("inf"))
    decision = _decide(verdict, semantic, ranking, thresholds, scores)
    if decision.level != CRISIS and verdict.lookalike and whole is not None:
        top, top_p = whole.top()
        if top_p >= thresholds.semantic_crisis:
            decision = CrisisDecision(CRISIS, ordered([top, *verdict.also]),
                                      f"semantic {top_p:.2f} on the whole message, over {verdict.reason}")
    return CrisisDecision(decision.level, decision.categories, decision.reason, scores, verdict.lookalike)


def _decide(verdict: CrisisVerdict, semantic: Optional[SemanticScores], ranking: List[Tuple[str, float]],
            thresholds: Thresholds, scores: Dict[str, float]) -> CrisisDecision:
    top, top_p = semantic.top() if semantic else (None, 0.0)

    def with_second(first: CrisisCategory, reason: str) -> CrisisDecision:
        extra = semantic.above(thresholds.second_category) if semantic else []
        # An overdose that may be on purpose also needs 988; a plan to die with drugs also needs 911.
        pairs = {(CrisisCategory.OVERDOSE, CrisisCategory.SUICIDAL), (CrisisCategory.SUICIDAL, CrisisCategory.OVERDOSE)}
        second = [c for c in extra if (first, c) in pairs] + list(verdict.also)
        return CrisisDecision(CRISIS, ordered([first, *second]), reason, scores)

    if verdict.category is not None:
        return with_second(verdict.category, f"rule: {verdict.reason}")
    if top is not None and top_p >= thresholds.semantic_crisis:
        beside = f" beside {verdict.reason}" if verdict.lookalike else ""
        return with_second(top, f"semantic {top_p:.2f}{beside}")
    if ranking and not verdict.lookalike:
        intent, confidence = max(ranking, key=lambda item: item[1])
        category = CrisisCategory.from_intent(intent)
        if category is not None and confidence >= thresholds.classifier_crisis:
            return with_second(category, f"classifier {confidence:.2f}")
    mass = sum(semantic.probabilities.values()) if semantic else 0.0
    if top is not None and (top_p >= thresholds.semantic_check_in or mass >= thresholds.crisis_mass_check_in) \
            and not _clearly_a_topic(ranking, thresholds):
        spread = "" if top_p >= thresholds.semantic_check_in else f", {mass:.2f} across the categories"
        return CrisisDecision(CHECK_IN, (top,), f"semantic {top_p:.2f}{spread}", scores)
    return CrisisDecision(None, (), verdict.reason, scores)


def _clearly_a_topic(ranking: List[Tuple[str, float]], thresholds: Thresholds) -> bool:
    """A check-in is for a message the bot is unsure about; one DIET reads confidently as an ordinary question
    is not (on the blind sets this removed about one false check-in per set for one crisis in five sets)."""
    if not ranking:
        return False
    intent, confidence = max(ranking, key=lambda item: item[1])
    return CrisisCategory.from_intent(intent) is None and confidence >= thresholds.topic_confident
