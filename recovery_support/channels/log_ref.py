"""How the chat server names a conversation in its logs: never the sender id itself (a web chat's session id
lets whoever holds it receive that person's replies; a Telegram chat id identifies the person), but a short
digest of it, the same for every line of one conversation, so an operator can follow one through the logs."""
import hashlib


def log_ref(sender_id: str) -> str:
    return "conv-" + hashlib.sha256(str(sender_id).encode("utf-8")).hexdigest()[:12]
