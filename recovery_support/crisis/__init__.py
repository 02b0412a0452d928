"""Crisis detection: a spaCy rule layer (``detector``), a semantic classifier on sentence-encoder vectors
(``semantic``), the decision that combines them per message (``decision``) and risk across a conversation
(``conversation``). No Rasa here."""
from recovery_support.crisis.category import CrisisCategory, CrisisVerdict, intent_name
from recovery_support.crisis.decision import CHECK_IN, CRISIS, CrisisDecision, Thresholds, decide
from recovery_support.crisis.detector import CrisisDetector

__all__ = ["CHECK_IN", "CRISIS", "CrisisCategory", "CrisisDecision", "CrisisVerdict", "CrisisDetector", "Thresholds",
           "decide", "intent_name"]
