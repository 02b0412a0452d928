"""One kept HTTP session per endpoint, instead of a new one for every call to the action server.

Rasa 3.6's ``EndpointConfig.request`` opens a new aiohttp session (with a cookie jar) and a new connection for
each call and closes both after it: about a twentieth of a turn in the profile (README, "Speed"). Here each
endpoint keeps one session per event loop, so connections are reused (keep-alive). Headers, authentication and
the timeout are Rasa's own; the cookie jar is a dummy, so nothing one reply sets is sent with another. If the
action server restarts, the closed connections are dropped by aiohttp and new ones are made.
"""
import asyncio
from typing import Any, Dict, Hashable, Tuple

import aiohttp
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

_sessions: Dict[Tuple[Hashable, ...], aiohttp.ClientSession] = {}


class _Kept:
    """What ``async with endpoint.session()`` gets: the kept session, left open afterwards."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self.session

    async def __aexit__(self, *exc_info: Any) -> bool:
        return False


def kept_session(self: EndpointConfig) -> _Kept:
    auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]) if self.basic_auth else None
    key = (id(asyncio.get_running_loop()), self.url, tuple(sorted((self.headers or {}).items())),
           tuple(auth) if auth else None)
    session = _sessions.get(key)
    if session is None or session.closed:
        session = aiohttp.ClientSession(headers=self.headers, auth=auth, cookie_jar=aiohttp.DummyCookieJar(),
                                        timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT))
        _sessions[key] = session
    return _Kept(session)


def install() -> None:
    EndpointConfig.session = kept_session  # type: ignore[assignment]
