"""After the model is loaded, its objects are moved out of the garbage collector's sight (``gc.freeze``).

A loaded model leaves a few million long-lived Python objects (TensorFlow, spaCy, the encoder, the domain).
Each full collection walks all of them again, tens of milliseconds during which every conversation waits: a
tail-latency cost, not a throughput one. They live as long as the process, so nothing is lost by not scanning
them; new objects are collected as before. Python's documentation recommends this for pre-loaded servers.
"""
import gc
import logging
from typing import Any

from rasa.core.agent import Agent

logger = logging.getLogger(__name__)
_rasas_load_model = Agent.load_model


def load_model_and_freeze(self: Agent, *args: Any, **kwargs: Any) -> None:
    _rasas_load_model(self, *args, **kwargs)
    gc.collect()
    gc.freeze()
    logger.debug("%d objects frozen out of garbage collection after loading the model", gc.get_freeze_count())


def install() -> None:
    Agent.load_model = load_model_and_freeze  # type: ignore[assignment]
