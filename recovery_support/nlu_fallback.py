"""How the chat server parses a message when an NLU server is configured (the ``nlu:`` endpoint): ask it, and
parse here whenever it doesn't answer.

Rasa 3.6's own client for the NLU server (``RasaNLUHttpInterpreter``) sends the token in the body, where Rasa's
HTTP API doesn't look for it, waits up to five minutes, and on any failure goes on with an empty intent: a
crisis message would get no crisis reply. Here the token goes in the query (as the API reads it), the wait is
``NLU_SERVER_TIMEOUT_SECONDS``, and a failure means the chat server's own copy of the model parses the message,
as without an NLU server. The rest of Rasa's ``parse_message`` is unchanged.
"""
import asyncio
import logging
from typing import Any, Dict, Optional, Text

import aiohttp
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

NLU_SERVER_TIMEOUT_SECONDS = 3.0


async def _ask_nlu_server(processor: MessageProcessor, message: UserMessage) -> Optional[Dict[Text, Any]]:
    endpoint = processor.http_interpreter.endpoint_config  # type: ignore[union-attr]
    url = endpoint.url.rstrip("/") + "/model/parse"
    try:
        # The endpoint's own session (kept across calls: endpoint_sessions.py), with this call's shorter limit.
        async with endpoint.session() as session, session.post(
                url, params={"token": endpoint.token} if endpoint.token else None,
                json={"text": message.text, "message_id": message.message_id},
                timeout=aiohttp.ClientTimeout(total=NLU_SERVER_TIMEOUT_SECONDS)) as response:
            if response.status == 200:
                parsed = await response.json()
                if isinstance(parsed, dict) and isinstance(parsed.get("intent"), dict):
                    return parsed
            logger.warning("The NLU server answered HTTP %s: parsing the message here", response.status)
    # asyncio.TimeoutError: a server that accepts and never answers (not the builtin TimeoutError on Python 3.10)
    except (aiohttp.ClientError, OSError, asyncio.TimeoutError, ValueError) as error:
        logger.warning("The NLU server did not answer (%s): parsing the message here", type(error).__name__)
    return None


async def parse_message(self: MessageProcessor, message: UserMessage,
                        tracker: Optional[DialogueStateTracker] = None,
                        only_output_properties: bool = True) -> Dict[Text, Any]:
    parse_data = await _ask_nlu_server(self, message) if self.http_interpreter else None
    if parse_data is None:
        if tracker is None:
            tracker = DialogueStateTracker.from_events(message.sender_id, [])
        parse_data = self._parse_message_with_graph(message, tracker, only_output_properties)
    self._update_full_retrieval_intent(parse_data)
    self._check_for_unseen_features(parse_data)
    return parse_data


def install() -> None:
    MessageProcessor.parse_message = parse_message  # type: ignore[assignment]
