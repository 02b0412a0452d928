"""The project's own spaCy pipeline: blank English tokenizer, lookup lemmatizer, entity ruler."""
from recovery_support.nlp.pipeline import build_pipeline, load_pipeline

__all__ = ["build_pipeline", "load_pipeline"]
