"""Rasa's templated responses, with the clinic's profile available as ``{clinic_phone}`` and friends.

Configured as the NLG in ``endpoints.yml``. It runs inside the Rasa server, so crisis responses carry the
clinic's 24/7 number even when the action server is down.
"""
from typing import Any, Dict, Optional, Text

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from recovery_support.clinic import load_clinic_profile


class ClinicResponseGenerator(TemplatedNaturalLanguageGenerator):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, domain: Optional[Domain] = None) -> None:
        super().__init__(domain.responses if domain else {})
        self.clinic_values = load_clinic_profile().template_values()

    async def generate(
        self, utter_action: Text, tracker: DialogueStateTracker, output_channel: Text, **kwargs: Any
    ) -> Optional[Dict[Text, Any]]:
        # Slots win over clinic values only if someone names a slot clinic_*; none exists.
        return await super().generate(utter_action, tracker, output_channel, **{**self.clinic_values, **kwargs})
