"""Message limits per sender and per address, checked at every channel's door (``never_silent.answer_turn``).

A turn costs the server tens of milliseconds, so one client sending in a loop would queue every other person
behind it. Each sender and each client address has a token bucket: up to a minute's allowance at once, then a
steady pace. Over a limit the message is not read and the person gets ``over_limit_message`` from
``config/clinic.yml``, which carries every crisis resource (911 and naloxone, 988, the 24/7 line), so someone
typing very fast in an emergency still has what they need.

The buckets live in this process's memory: with several replicas each keeps its own, which is enough to stop
one client filling a server. Loopback addresses are not limited per address by default: on one machine
(``make run``) the page, the tests and every local client share 127.0.0.1. Behind a proxy, the address is the
proxy's unless Sanic is told to trust its header (``SANIC_PROXIES_COUNT=1``), and the limit would then be
shared by everyone; see the README's "Security".

Settings (environment, messages per minute, 0 for no limit): ``CHAT_LIMIT_PER_SENDER`` (30),
``CHAT_LIMIT_PER_ADDRESS`` (120), ``CHAT_LIMIT_LOOPBACK`` (0: loopback addresses are not limited per address).
"""
import ipaddress
import os
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Dict, Optional, Tuple

from sanic.request import Request

MAX_TRACKED_KEYS = 100_000  # a flood of made-up sender ids can't grow memory without end


@dataclass(frozen=True)
class Limits:
    per_sender: float = 30.0  # messages per minute
    per_address: float = 120.0
    limit_loopback: bool = False

    @classmethod
    def from_environment(cls, environ: Optional[Dict[str, str]] = None) -> "Limits":
        env = os.environ if environ is None else environ
        return cls(per_sender=float(env.get("CHAT_LIMIT_PER_SENDER", cls.per_sender)),
                   per_address=float(env.get("CHAT_LIMIT_PER_ADDRESS", cls.per_address)),
                   limit_loopback=env.get("CHAT_LIMIT_LOOPBACK", "0") not in ("", "0", "false", "no"))


class TokenBuckets:
    """One bucket per key: ``per_minute`` tokens at most, refilled at ``per_minute`` / 60 a second."""

    def __init__(self, per_minute: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = per_minute
        self.rate = per_minute / 60.0
        self.clock = clock
        self.buckets: "OrderedDict[str, Tuple[float, float]]" = OrderedDict()  # key -> (tokens, at)

    def take(self, key: str) -> bool:
        if self.capacity <= 0:
            return True  # no limit
        now = self.clock()
        tokens, at = self.buckets.pop(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - at) * self.rate)
        allowed = tokens >= 1.0
        self.buckets[key] = (tokens - 1.0 if allowed else tokens, now)
        if len(self.buckets) > MAX_TRACKED_KEYS:
            self.buckets.popitem(last=False)  # the longest unused: it has refilled the most
        return allowed


def is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


class MessageLimits:
    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.senders = TokenBuckets(limits.per_sender, clock)
        self.addresses = TokenBuckets(limits.per_address, clock)

    def allow(self, sender_id: str, address: Optional[str]) -> bool:
        """Takes a token from the sender's bucket and the address's; False if either is empty."""
        if not self.senders.take(str(sender_id)):
            return False  # refused already: the address's allowance is left to the other people behind it
        return self.addresses.take(address) if self.limits_address(address) else True

    def limits_address(self, address: Optional[str]) -> bool:
        """Whether ``address`` names a client of its own (loopback is everyone on one machine, unless asked)."""
        return bool(address) and (self.limits.limit_loopback or not is_loopback(str(address)))


def request_address(request: Request) -> str:
    """The client's address. Sanic takes it from a proxy's header only when told to trust one
    (``SANIC_PROXIES_COUNT``, ``SANIC_REAL_IP_HEADER`` or ``SANIC_FORWARDED_SECRET``), else from the socket."""
    return request.remote_addr or request.ip


_limits: Optional[MessageLimits] = None


def message_limits() -> MessageLimits:
    """This process's limits, read from the environment on first use."""
    global _limits
    if _limits is None:
        _limits = MessageLimits(Limits.from_environment())
    return _limits
