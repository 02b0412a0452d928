"""Exports of the filtered set: redacted unless asked otherwise by a role allowed to see identities."""
from aiohttp import web

from recovery_support.staff.db_access import run_db
from recovery_support.staff.export import build_export
from recovery_support.staff.filters import parse_filter
from recovery_support.staff.middleware import requires
from recovery_support.staff.roles import EXPORT_REDACTED, EXPORT_UNREDACTED, can
from recovery_support.staff.views.common import log

FORMATS = ("csv", "json")


@requires(EXPORT_REDACTED)
async def export(request: web.Request) -> web.StreamResponse:
    fmt = request.query.get("format", "csv")
    if fmt not in FORMATS:
        raise web.HTTPBadRequest(text="format: csv or json")
    unredacted = request.query.get("unredacted") == "1"
    user = request["user"]
    if unredacted and not can(user.role, EXPORT_UNREDACTED):
        await log(request, "access_denied", request.path, {"permission": EXPORT_UNREDACTED})
        raise web.HTTPForbidden(text="Your role may only export redacted data.")
    settings = request.app["settings"]
    f = parse_filter(request.query)
    redactor = None if unredacted else await run_db(request.app["redactor"])
    result = await run_db(build_export, request.app["engine"], f, fmt, redactor, settings.export_max_conversations)
    await log(request, "export", "conversations",
              {"format": fmt, "redacted": not unredacted, "filters": f.query_params(),
               "conversations": result.conversations, "messages": result.messages, "truncated": result.truncated})
    return web.Response(text=result.body, content_type=result.content_type, charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{result.filename}"'})
