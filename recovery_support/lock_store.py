"""A Redis lock store that several Rasa replicas can share: each ticket change is one atomic Redis script.

Rasa 3.6's ``RedisLockStore`` reads a conversation's lock, changes it in Python and writes it back. Two replicas
doing that at once both draw the same ticket (and both answer the same conversation at once), or one deletes the
lock another has just queued on (a ``LockError``, so a person gets no reply). Here the read-change-write runs
inside Redis (``EVAL``), so it can't interleave. The stored lock is Rasa's own ``TicketLock`` JSON: Rasa's
waiting loop, ``get_lock`` and expiry rules are unchanged.

If Redis can't be reached, turns fall back to a lock inside this process and an error is logged: a crisis reply
must not wait on Redis. Replicas are then not kept apart (endpoints.production.yml, README "Several replicas").

Use it in endpoints.yml::

    lock_store:
      type: recovery_support.lock_store.AtomicRedisLockStore
      url: localhost
      port: 6379
      db: 1
"""
import asyncio
import logging
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Optional, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import InMemoryLockStore, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# Rasa waits a whole second between looks at a busy lock; a person's second message shouldn't.
POLL_SECONDS = 0.05
# Rasa gives a ticket 60 s, so a replica that dies mid-turn blocks that conversation on every other replica for
# a minute. Here a ticket lives 10 s and the replica holding it renews it while the turn runs.
TICKET_SECONDS = 10.0
CONNECT_TIMEOUT_SECONDS = 2.0

# Shared by the scripts: KEYS[1] the lock, ARGV[1] the conversation id, ARGV[2] the caller's clock (Rasa's
# TicketLock compares expiry with the replica's time.time(), so the scripts use the same clock, not Redis's).
_LOAD_LIVE_TICKETS = """
local now = tonumber(ARGV[2])
local tickets = {}
local raw = redis.call('GET', KEYS[1])
if raw then
  for _, encoded in ipairs(cjson.decode(raw)['tickets']) do
    local ticket = cjson.decode(encoded)
    if ticket['expires'] >= now then table.insert(tickets, ticket) end
  end
end
"""
# Writes ``tickets`` back in Rasa's format (each ticket a JSON string), expiring with the last ticket so a
# replica that died holding it leaves nothing behind; deletes the lock once nobody holds or waits for it.
_STORE_TICKETS = """
if #tickets == 0 then
  redis.call('DEL', KEYS[1])
  return
end
local encoded, last = {}, 0
for i, ticket in ipairs(tickets) do
  encoded[i] = cjson.encode(ticket)
  if ticket['expires'] > last then last = ticket['expires'] end
end
local ttl = math.max(1, math.ceil((last - now) * 1000))
redis.call('SET', KEYS[1], cjson.encode({conversation_id = ARGV[1], tickets = encoded}), 'PX', ttl)
"""
# ARGV[3]: the ticket's lifetime in seconds. Returns the new ticket's number.
ISSUE_TICKET = _LOAD_LIVE_TICKETS + """
local number = 0
if #tickets > 0 then number = tickets[#tickets]['number'] + 1 end
table.insert(tickets, {number = number, expires = now + tonumber(ARGV[3])})
""" + _STORE_TICKETS + """
return number
"""
# ARGV[3]: the finished ticket's number.
FINISH_TICKET = _LOAD_LIVE_TICKETS + """
local finished = tonumber(ARGV[3])
for i = #tickets, 1, -1 do
  if tickets[i]['number'] == finished then table.remove(tickets, i) end
end
""" + _STORE_TICKETS
DROP_EXPIRED = _LOAD_LIVE_TICKETS + _STORE_TICKETS
# ARGV[3]: the held ticket's number, ARGV[4]: its new lifetime in seconds.
EXTEND_TICKET = _LOAD_LIVE_TICKETS + """
for _, ticket in ipairs(tickets) do
  if ticket['number'] == tonumber(ARGV[3]) then ticket['expires'] = now + tonumber(ARGV[4]) end
end
""" + _STORE_TICKETS

_UNREACHABLE = (RedisConnectionError, RedisTimeoutError)


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        if endpoint_config is not None:  # built by Rasa from endpoints.yml
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)
        # Rasa sets only the read timeout; an unreachable host would hold every turn for its full 10 s.
        self.red.connection_pool.connection_kwargs["socket_connect_timeout"] = CONNECT_TIMEOUT_SECONDS
        self._issue = self.red.register_script(ISSUE_TICKET)
        self._finish = self.red.register_script(FINISH_TICKET)
        self._drop_expired = self.red.register_script(DROP_EXPIRED)
        self._extend = self.red.register_script(EXTEND_TICKET)
        self._local = InMemoryLockStore()  # used only while Redis is unreachable
        self._redis_down_since: Optional[float] = None

    def _key(self, conversation_id: Text) -> Text:
        return self.key_prefix + conversation_id

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = TICKET_SECONDS) -> int:
        try:
            return int(self._issue(keys=[self._key(conversation_id)],
                                   args=[conversation_id, time.time(), lock_lifetime]))
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        self._finish(keys=[self._key(conversation_id)], args=[conversation_id, time.time(), ticket_number])

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        # Finishing deletes an empty lock in the same script, so no ticket issued meanwhile is thrown away.
        self.finish_serving(conversation_id, ticket_number)

    def update_lock(self, conversation_id: Text) -> None:
        self._drop_expired(keys=[self._key(conversation_id)], args=[conversation_id, time.time()])

    async def _keep_alive(self, conversation_id: Text, ticket: int, lifetime: float) -> None:
        while True:
            await asyncio.sleep(lifetime / 3)
            try:
                self._extend(keys=[self._key(conversation_id)], args=[conversation_id, time.time(), ticket, lifetime])
            except _UNREACHABLE:
                pass  # the next round tries again; if Redis stays away, the ticket expires as Rasa's would

    @asynccontextmanager
    async def lock(self, conversation_id: Text, lock_lifetime: float = TICKET_SECONDS,
                   wait_time_in_seconds: float = POLL_SECONDS) -> AsyncGenerator[TicketLock, None]:
        try:
            ticket = self.issue_ticket(conversation_id, lock_lifetime)
        except LockError as error:
            if not isinstance(error.__cause__, _UNREACHABLE):
                raise
            self._note_redis_down(error.__cause__)
            async with self._local.lock(conversation_id, lock_lifetime, wait_time_in_seconds) as local:
                yield local
            return
        self._note_redis_up()
        # Renewed from the moment it is issued: waiting in the queue is not dying.
        keep_alive = asyncio.ensure_future(self._keep_alive(conversation_id, ticket, lock_lifetime))
        try:
            yield await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
        finally:
            keep_alive.cancel()
            try:
                self.cleanup(conversation_id, ticket)
            except _UNREACHABLE as error:  # the ticket expires by itself; the turn has been answered
                logger.warning(f"Could not release a conversation lock in Redis ({error}); it expires in "
                               f"{lock_lifetime:.0f} s.")

    def _note_redis_down(self, error: Exception) -> None:
        if self._redis_down_since is None:
            self._redis_down_since = time.monotonic()
            logger.error(f"Redis lock store unreachable ({error}): conversations are locked inside this "
                         "replica only until it is back; two replicas may now answer one conversation at once.")

    def _note_redis_up(self) -> None:
        if self._redis_down_since is not None:
            logger.warning(f"Redis lock store reachable again after "
                           f"{time.monotonic() - self._redis_down_since:.0f} s.")
            self._redis_down_since = None
