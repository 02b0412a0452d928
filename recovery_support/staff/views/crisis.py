"""The crisis queue page and its actions: acknowledge, note, close."""
from urllib.parse import urlencode

from aiohttp import web

from recovery_support.staff import crisis_queue
from recovery_support.staff.db_access import run_db
from recovery_support.staff.middleware import remote, requires
from recovery_support.staff.rendering import render
from recovery_support.staff.roles import CRISIS_QUEUE
from recovery_support.staff.views.common import int_param, log, redirect


@requires(CRISIS_QUEUE)
async def queue_view(request: web.Request) -> web.StreamResponse:
    handoffs = await run_db(crisis_queue.queue, request.app["engine"])
    await log(request, "view_crisis_queue", "handoffs", {"shown": [h["id"] for h in handoffs]})
    return render(request, "crisis.html", title="Crisis queue", handoffs=handoffs,
                  message=request.query.get("message", "")[:200])


def _back(message: str = "") -> web.HTTPSeeOther:
    if message:
        return redirect("/crisis?" + urlencode({"message": message}))
    return redirect("/crisis")


@requires(CRISIS_QUEUE)
async def acknowledge(request: web.Request) -> web.StreamResponse:
    handoff_id = int_param(request, "handoff_id")
    result = await run_db(crisis_queue.acknowledge_handoff, request.app["engine"], handoff_id,
                          request["user"].username, remote(request))
    if not result.found:
        raise web.HTTPNotFound(text="No such handoff.")
    if not result.acknowledged_now:
        raise _back(f"Handoff {handoff_id} was already {result.status} (by {result.by or 'nobody'}).")
    raise _back()


@requires(CRISIS_QUEUE)
async def note(request: web.Request) -> web.StreamResponse:
    handoff_id = int_param(request, "handoff_id")
    form = await request.post()
    try:
        await run_db(crisis_queue.add_handoff_note, request.app["engine"], handoff_id, str(form.get("text", "")),
                     request["user"].username, remote(request))
    except LookupError:
        raise web.HTTPNotFound(text="No such handoff.") from None
    except ValueError as error:
        raise _back(str(error)) from None
    raise _back()


@requires(CRISIS_QUEUE)
async def close(request: web.Request) -> web.StreamResponse:
    handoff_id = int_param(request, "handoff_id")
    form = await request.post()
    try:
        closed = await run_db(crisis_queue.close_handoff, request.app["engine"], handoff_id, request["user"].username,
                              str(form.get("outcome", "")), remote(request))
    except LookupError:
        raise web.HTTPNotFound(text="No such handoff.") from None
    except ValueError as error:
        raise _back(str(error)) from None
    raise _back("" if closed else f"Handoff {handoff_id} was already closed.")


__all__ = ["queue_view", "acknowledge", "note", "close", "log"]
