"""Login throttling per (username, client address).

In memory, because the staff app is one process; a restart forgets failures, which only gives an attacker a
fresh five tries after waiting for a restart. Bounded in size so a flood of made-up names can't fill memory.
"""
import time
from collections import OrderedDict, deque
from typing import Callable, Deque, Tuple

Key = Tuple[str, str]
MAX_KEYS = 10000


class LoginThrottle:
    def __init__(self, max_failures: int, window_seconds: float, lockout_seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self.lockout = lockout_seconds
        self.clock = clock
        self._failures: "OrderedDict[Key, Deque[float]]" = OrderedDict()

    def _recent(self, key: Key) -> Deque[float]:
        now = self.clock()
        failures = self._failures.get(key, deque())
        horizon = now - max(self.window, self.lockout)
        while failures and failures[0] < horizon:
            failures.popleft()
        return failures

    def retry_after(self, key: Key) -> float:
        """Seconds until this key may try again; 0 when it may try now."""
        failures = self._recent(key)
        in_window = [t for t in failures if t >= self.clock() - self.window]
        if len(in_window) < self.max_failures:
            return 0.0
        return max(0.0, in_window[-1] + self.lockout - self.clock())

    def failed(self, key: Key) -> None:
        failures = self._recent(key)
        failures.append(self.clock())
        self._failures[key] = failures
        self._failures.move_to_end(key)
        while len(self._failures) > MAX_KEYS:
            self._failures.popitem(last=False)

    def succeeded(self, key: Key) -> None:
        self._failures.pop(key, None)
