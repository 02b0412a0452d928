"""The crisis queue (compact cards, filters, pages), each handoff's own page, and their actions."""
from typing import Mapping
from urllib.parse import urlencode

from aiohttp import web

from recovery_support.staff import crisis_queue
from recovery_support.staff.crisis_queue import ACTIVE, CATEGORIES, STATUSES, QueueFilter
from recovery_support.staff.db_access import run_db
from recovery_support.staff.middleware import remote, requires
from recovery_support.staff.rendering import render
from recovery_support.staff.roles import CRISIS_QUEUE
from recovery_support.staff.views.common import int_param, log, redirect

STATUS_CHOICES = ((ACTIVE, "to do (open and acknowledged)"), *((s, s) for s in STATUSES), ("", "all"))


def _page_number(query: Mapping[str, str]) -> int:
    try:
        return max(1, int(query.get("page", "1")))
    except ValueError:
        return 1


@requires(CRISIS_QUEUE)
async def queue_view(request: web.Request) -> web.StreamResponse:
    f = QueueFilter.from_query(request.query)
    page = await run_db(crisis_queue.queue_page, request.app["engine"], f, _page_number(request.query),
                        request.app["settings"].queue_page_size)
    await log(request, "view_crisis_queue", "handoffs", {"shown": [c["id"] for c in page.cards]})
    filters = {"status": f.status, "category": f.category}
    return render(request, "crisis.html", title="Crisis queue", page=page, f=f, statuses=STATUS_CHOICES,
                  categories=CATEGORIES, filters=urlencode(filters), message=request.query.get("message", "")[:200])


@requires(CRISIS_QUEUE)
async def handoff_view(request: web.Request) -> web.StreamResponse:
    handoff_id = int_param(request, "handoff_id")
    handoff = await run_db(crisis_queue.handoff_detail, request.app["engine"], handoff_id)
    if handoff is None:
        raise web.HTTPNotFound(text="No such handoff.")
    await log(request, "view_handoff", f"handoff:{handoff_id}")
    return render(request, "handoff.html", title=f"Handoff #{handoff_id}", h=handoff,
                  message=request.query.get("message", "")[:200])


async def _back(request: web.Request, handoff_id: int, message: str = "") -> web.HTTPSeeOther:
    """Back where the button was pressed: the handoff's page, or the queue (a fixed path, never a URL the
    client sent: no open redirect)."""
    form = await request.post()
    path = f"/crisis/{handoff_id}" if form.get("from") == "handoff" else "/crisis"
    return redirect(path + ("?" + urlencode({"message": message}) if message else ""))


@requires(CRISIS_QUEUE)
async def acknowledge(request: web.Request) -> web.StreamResponse:
    handoff_id = int_param(request, "handoff_id")
    result = await run_db(crisis_queue.acknowledge_handoff, request.app["engine"], handoff_id,
                          request["user"].username, remote(request))
    if not result.found:
        raise web.HTTPNotFound(text="No such handoff.")
    await request.app["live_feed"].poll_once()  # this page's banner changes at once, not at the next tick
    if not result.acknowledged_now:
        raise await _back(request, handoff_id,
                          f"Handoff {handoff_id} was already {result.status} (by {result.by or 'nobody'}).")
    raise await _back(request, handoff_id)


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
        raise await _back(request, handoff_id, str(error)) from None
    raise await _back(request, handoff_id)


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
        raise await _back(request, handoff_id, str(error)) from None
    await request.app["live_feed"].poll_once()
    raise await _back(request, handoff_id, "" if closed else f"Handoff {handoff_id} was already closed.")
