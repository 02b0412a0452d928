"""Small helpers the handlers share."""
from typing import Any, Optional

from aiohttp import web

from recovery_support.staff import audit
from recovery_support.staff.db_access import run_db
from recovery_support.staff.middleware import remote


def int_param(request: web.Request, name: str) -> int:
    try:
        return int(request.match_info[name])
    except (KeyError, ValueError):
        raise web.HTTPNotFound() from None


async def log(request: web.Request, action: str, target: str = "", detail: Optional[Any] = None) -> None:
    user = request.get("user")
    await run_db(audit.record, request.app["engine"], user.username if user else "anonymous", action, target,
                 detail, remote(request))


def redirect(location: str) -> web.HTTPSeeOther:
    # 303: after a POST the browser fetches the page with GET (reload doesn't resubmit the form).
    return web.HTTPSeeOther(location)


def safe_next(value: Optional[str]) -> str:
    """A local path only: an attacker's ?next=https://evil.example must not become a redirect. Browsers drop
    tabs and line breaks from a URL and read a backslash as a slash, so "/<TAB>/evil.example" would become
    "//evil.example": any control character, space or backslash refuses the value."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return "/"
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F or ch == "\\" for ch in value):
        return "/"
    return value
