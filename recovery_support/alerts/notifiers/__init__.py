"""One module per channel. Each notifier has ``async send(message) -> None`` and raises on any failure,
so the delivery loop can record the error and retry."""
from typing import Protocol

from recovery_support.alerts.message import AlertMessage


class Notifier(Protocol):
    async def send(self, message: AlertMessage) -> None: ...


class DeliveryError(RuntimeError):
    """A channel answered, but not with success."""
