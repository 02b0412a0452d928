"""What this project changes in Rasa where Rasa offers no setting, in one place (each module says why).

Imported by the tracker store module: every endpoints file names that store, and Rasa loads it before the model,
so the Rasa server runs these before its first message. Measured in the README, "Speed".
"""
from recovery_support import (
    action_call_events, action_result_check, endpoint_sessions, graph_runner, heap_freeze, nlu_fallback,
)

action_call_events.install()
action_result_check.install()
endpoint_sessions.install()
graph_runner.install()
heap_freeze.install()
nlu_fallback.install()
