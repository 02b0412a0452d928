"""The action server's replies are held to Rasa's schema, checked once rather than on every call."""
import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

import recovery_support.rasa_patches  # noqa: F401 (installs the check, as the Rasa server does)


def action() -> RemoteAction:
    return RemoteAction("action_answer", None)


def test_a_good_reply_passes_and_the_schema_is_not_rechecked_each_time(monkeypatch):
    checked = []
    monkeypatch.setattr(jsonschema.Draft7Validator, "check_schema", classmethod(lambda cls, s: checked.append(1)))
    reply = {"events": [{"event": "slot", "name": "topic", "value": "aftercare"}],
             "responses": [{"text": "Detox is only the start."}]}
    for _ in range(3):
        assert action()._validate_action_result(reply)
    assert len(checked) <= 1  # once, when the first reply arrives (Rasa: on every reply)


@pytest.mark.parametrize("reply", [
    {"events": [{"event": "no_such_event"}]},
    {"events": "not a list"},
    {"responses": [42]},
])
def test_a_bad_reply_fails_as_rasa_says(reply):
    with pytest.raises(jsonschema.ValidationError, match="Failed to validate Action server response"):
        action()._validate_action_result(reply)
