"""Signed acknowledge links: ``/ack/<handoff_id>?t=<created>&sig=<hmac>``.

The signature proves the link came from an alert, so nobody can acknowledge (and so silence the escalation of)
a crisis by guessing handoff ids. It also names the handoff's creation time (``t``, whole seconds since the
epoch, UTC): the server accepts the link only for the handoff created at that time, so an old link can't
acknowledge a new crisis that got the same id (ids restart with a new database), and only for a limited time
after it (``ack_link_valid_hours``), so a link found in an old mailbox no longer works.
"""
import calendar
import hashlib
import hmac
from datetime import datetime


def created_stamp(created_at: datetime) -> int:
    """A naive UTC datetime (as the handoff tables keep them) as whole seconds since the epoch."""
    return calendar.timegm(created_at.utctimetuple())


def sign(secret: bytes, handoff_id: int, created: int) -> str:
    return hmac.new(secret, f"ack:{int(handoff_id)}:{int(created)}".encode("ascii"), hashlib.sha256).hexdigest()


def verify(secret: bytes, handoff_id: int, created: int, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, handoff_id, created), (signature or "").strip().lower())


def ack_url(base_url: str, secret: bytes, handoff_id: int, created_at: datetime) -> str:
    created = created_stamp(created_at)
    return f"{base_url.rstrip('/')}/ack/{int(handoff_id)}?t={created}&sig={sign(secret, handoff_id, created)}"
