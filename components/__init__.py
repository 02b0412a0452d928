"""Custom Rasa graph components (NLU glue). The logic they run lives in ``recovery_support``."""
