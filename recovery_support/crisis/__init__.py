"""Crisis detection: a spaCy rule layer that recognises someone in danger, and the rule for combining it
with the trained classifier (``decide``)."""
from recovery_support.crisis.category import CrisisCategory, CrisisVerdict, intent_name
from recovery_support.crisis.detector import CrisisDetector, decide

__all__ = ["CrisisCategory", "CrisisVerdict", "CrisisDetector", "decide", "intent_name"]
