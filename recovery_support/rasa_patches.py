"""What this project changes in Rasa where Rasa offers no setting, in one place (each module says why).

Imported by the tracker store module: every endpoints file names that store, and Rasa loads it before the model,
so the Rasa server runs these before its first message. Measured in the README, "Speed".
"""
from recovery_support import (
    action_call_events, action_result_check, endpoint_sessions, graph_runner, heap_freeze, nlu_fallback,
)
from recovery_support.speedups import enabled

nlu_fallback.install()  # behaviour, not speed: a crisis is understood with the NLU server down
for name, module in (("events", action_call_events), ("schema", action_result_check), ("http", endpoint_sessions),
                     ("graph", graph_runner), ("gc", heap_freeze)):
    if enabled(name):  # all are, except in benchmarks/speed_cuts.py
        module.install()
