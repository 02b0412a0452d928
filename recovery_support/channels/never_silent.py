"""No turn ends in silence: when a turn sent the person nothing, they get the clinic's apology. Every channel's
turn starts here, so a very long message is also shortened here (``long_messages.py``).

A turn can end with no reply without any exception reaching the channel: Rasa logs a failed or timed-out call
to the action server and goes on with nothing to say. So each channel hands the turn to ``answer_turn``,
which watches the output channel and, when nothing went out (or the turn raised), sends the apology with the
clinic's number, 988 and 911. Crisis replies come from Rasa core and are not affected.
"""
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import OutputChannel, UserMessage

from recovery_support.channels.log_ref import log_ref
from recovery_support.channels.long_messages import shortened
from recovery_support.channels.message_limits import message_limits
from recovery_support.clinic import load_clinic_profile

logger = logging.getLogger(__name__)

SOURCE_KEY = "source"  # in a user message's metadata; read by recovery_support/alerts/intake.py


def source_ref(address: str) -> str:
    return "addr-" + log_ref(address)[len("conv-"):]


class WatchedOutputChannel(OutputChannel):
    """Passes every bot message on to the real channel and counts them."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner
        self.sent = 0

    def name(self) -> Text:  # the NLG picks channel-specific responses by this name
        return self.inner.name()

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        self.sent += 1
        await self.inner.send_response(recipient_id, message)


async def answer_turn(on_new_message: Callable[[UserMessage], Awaitable[Any]], message: UserMessage,
                      address: Optional[str] = None) -> None:
    """``address``: the client's address (none for Telegram, whose requests all come from Telegram)."""
    limits = message_limits()
    if not limits.allow(message.sender_id, address):
        logger.warning("Conversation %s is over its message limit: message not read", log_ref(message.sender_id))
        await message.output_channel.send_text_message(message.sender_id, load_clinic_profile().over_limit_reply())
        return
    # The address's digest (the same one for every conversation from it) lets the alert worker group a flood of
    # crisis messages from one place; set here, never taken from the client's own metadata. Only for an address
    # that is limited as a client of its own: on one machine everyone is 127.0.0.1.
    given = message.metadata if isinstance(message.metadata, dict) else {}
    metadata = {key: value for key, value in given.items() if key != SOURCE_KEY}
    if address and limits.limits_address(address):
        metadata[SOURCE_KEY] = source_ref(address)
    message.metadata = metadata
    watched = WatchedOutputChannel(message.output_channel)
    message.output_channel = watched
    message.text, note = shortened(message.text or "")
    if note:
        await watched.inner.send_text_message(message.sender_id, note)
    try:
        await on_new_message(message)
    except Exception:
        logger.exception("A turn of conversation %s failed", log_ref(message.sender_id))
    if watched.sent:
        return
    logger.warning("A turn of conversation %s sent nothing: sending the apology", log_ref(message.sender_id))
    try:
        await watched.inner.send_text_message(message.sender_id, load_clinic_profile().unavailable_reply())
    except Exception:
        logger.exception("The apology to conversation %s could not be sent either", log_ref(message.sender_id))
