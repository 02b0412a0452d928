"""Signed acknowledge links: ``/ack/<handoff_id>?sig=<hmac>``.

The signature proves the link came from an alert, so nobody can acknowledge (and so silence the escalation of)
a crisis by guessing handoff ids.
"""
import hashlib
import hmac


def sign(secret: bytes, handoff_id: int) -> str:
    return hmac.new(secret, f"ack:{int(handoff_id)}".encode("ascii"), hashlib.sha256).hexdigest()


def verify(secret: bytes, handoff_id: int, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, handoff_id), (signature or "").strip().lower())


def ack_url(base_url: str, secret: bytes, handoff_id: int) -> str:
    return f"{base_url.rstrip('/')}/ack/{int(handoff_id)}?sig={sign(secret, handoff_id)}"
