"""Crisis alerts: make sure a human at the clinic hears about a crisis message within seconds.

The Rasa server replies to the person itself; this package only alerts staff. It reads crisis user messages
from Rasa's own tracker table (``events``), so alerts go out even when the action server is down, and keeps its
state in four tables of its own (``models.py``): handoffs, their audit log, an outbox of deliveries that are
retried until they succeed, and the read cursor. Run it with ``python -m recovery_support.alerts.worker``.
"""
