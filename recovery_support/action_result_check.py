"""Rasa checks each reply of the action server against a JSON schema with ``jsonschema.validate``, which first
validates the schema itself against its meta-schema and builds a new validator, on every call: about a tenth of
a turn in the profile (README, "Speed"). Here the validator is built and the schema checked once. A reply must
satisfy exactly the same schema, and a bad one fails with Rasa's own message.

Rasa creates its ``RemoteAction`` objects itself (no setting names a subclass), so the method is replaced on the
class (``rasa_patches.py``).
"""
from typing import Any, Dict, Optional, Text

from jsonschema import exceptions, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

_validator: Optional[Any] = None


def _check_once() -> Any:
    global _validator
    if _validator is None:
        schema = RemoteAction.action_response_format_spec()
        cls = validators.validator_for(schema)
        cls.check_schema(schema)
        _validator = cls(schema)
    return _validator


def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    error = exceptions.best_match(_check_once().iter_errors(result))  # what jsonschema.validate raises
    if error is not None:
        error.message += (". Failed to validate Action server response from API, make sure your response from "
                          f"the Action endpoint is valid. For more information about the format visit "
                          f"{DOCS_BASE_URL}/custom-actions")
        raise error
    return True


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[assignment]
