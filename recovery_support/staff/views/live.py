"""The live feed: Server-Sent Events telling an open page about open, unacknowledged handoffs.

EventSource reconnects by itself (after ``retry`` ms) when the connection drops, so a restarted staff app or a
phone waking up resumes the feed without a reload. The stream checks every ``live_session_check_seconds``
that its session is still valid, without counting as activity: an open tab must not keep a session alive.
"""
import asyncio
import json

from aiohttp import web

from recovery_support.staff.db_access import run_db
from recovery_support.staff.middleware import SECURITY_HEADERS, requires
from recovery_support.staff.roles import CRISIS_QUEUE
from recovery_support.staff.sessions import load_session

KEEPALIVE_SECONDS = 15.0  # proxies close idle connections; a comment line keeps this one open


def event(name: str, data: object) -> bytes:
    # json.dumps never writes a raw newline, so the data stays one SSE line whatever the person typed.
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


@requires(CRISIS_QUEUE)
async def live(request: web.Request) -> web.StreamResponse:
    app = request.app
    feed, settings = app["live_feed"], app["settings"]
    response = web.StreamResponse(headers={**SECURITY_HEADERS, "Content-Type": "text/event-stream",
                                           "X-Accel-Buffering": "no"})  # nginx: pass events on at once
    await response.prepare(request)
    await response.write(b"retry: 2000\n\n")
    loop = asyncio.get_running_loop()
    check_session_at = loop.time() + settings.live_session_check_seconds
    version = 0
    while True:
        found = await feed.next_state(version, timeout=min(KEEPALIVE_SECONDS, settings.live_session_check_seconds))
        if feed.closed:
            break
        if found is None:
            await response.write(b": keepalive\n\n")
        else:
            version, state = found
            await response.write(event("handoffs", state.as_json()))
        if loop.time() >= check_session_at:
            check_session_at = loop.time() + settings.live_session_check_seconds
            if await run_db(load_session, app["engine"], request["session_token"], settings, touch=False) is None:
                await response.write(event("session_ended", {}))
                break
    return response
