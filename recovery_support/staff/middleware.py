"""Request checks every page goes through: security headers, login, CSRF, and role checks for handlers.

Order (outermost first): headers (so even errors carry them), then the session, then CSRF for every POST.
"""
import functools
import hmac
from typing import Awaitable, Callable
from urllib.parse import urlencode, urlsplit

from aiohttp import web

from recovery_support.staff import audit
from recovery_support.staff.db_access import run_db
from recovery_support.staff.roles import can
from recovery_support.staff.sessions import COOKIE_NAME, load_session

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
LOGIN_CSRF_COOKIE = "staff_login_csrf"
CSRF_FIELD = "csrf_token"

SECURITY_HEADERS = {
    # Only the app's own script file runs (the live feed): no inline script, so an injected <script> is dead text.
    "Content-Security-Policy": ("default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; "
                                "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    "Cache-Control": "no-store",  # health records must not sit in a shared browser's cache
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "X-Robots-Tag": "noindex, nofollow",
}


def public(handler: Handler) -> Handler:
    """Marks a handler reachable without logging in (login page, stylesheet)."""
    handler.public = True  # type: ignore[attr-defined]
    return handler


def remote(request: web.Request) -> str:
    """The client's address: from the trusted proxy's header when the request came through that proxy."""
    settings = request.app["settings"]
    address = request.remote or "unknown"
    if address not in settings.trusted_proxies:
        return address
    hops = [hop.strip() for hop in request.headers.get(settings.trusted_proxy_header, "").split(",") if hop.strip()]
    for hop in reversed(hops):  # the rightmost hop our proxies did not add is the client
        if hop not in settings.trusted_proxies:
            return hop[:64]
    return address


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as error:
        error.headers.update(SECURITY_HEADERS)
        raise
    response.headers.update(SECURITY_HEADERS)
    return response


def _is_public(request: web.Request) -> bool:
    return getattr(request.match_info.handler, "public", False)


@web.middleware
async def authentication(request: web.Request, handler: Handler) -> web.StreamResponse:
    app = request.app
    token = request.cookies.get(COOKIE_NAME)
    session = await run_db(load_session, app["engine"], token, app["settings"]) if token else None
    if session is not None:
        request["user"] = session.user
        request["csrf_token"] = session.csrf_token
        request["session_token"] = token
    elif not _is_public(request):
        if request.method in ("GET", "HEAD"):
            target = request.rel_url.path_qs
            raise web.HTTPSeeOther(f"/login?{urlencode({'next': target})}")
        raise web.HTTPForbidden(text="Not logged in.")
    return await handler(request)


def _same_origin(request: web.Request) -> bool:
    # Browsers send Origin with form POSTs; a different (or "null") one is another site. No header: a
    # non-browser client, which the token alone covers.
    origin = request.headers.get("Origin")
    if not origin:
        return True
    return urlsplit(origin).netloc == request.host


@web.middleware
async def csrf(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return await handler(request)
    form = await request.post()
    sent = str(form.get(CSRF_FIELD, ""))
    if "user" in request:
        expected = request["csrf_token"]
    else:  # the login form: a double-submit cookie, since there is no session yet
        expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not (expected and sent and hmac.compare_digest(sent, expected) and _same_origin(request)):
        user = request.get("user")
        await run_db(audit.record, request.app["engine"], user.username if user else "anonymous",
                     "csrf_refused", request.path, {"method": request.method}, remote(request))
        raise web.HTTPForbidden(text="The form was stale or not sent from this site (CSRF check). "
                                     "Go back, reload the page and try again.")
    return await handler(request)


def requires(permission: str) -> Callable[[Handler], Handler]:
    """Refuses (403, audited) users whose role lacks ``permission``."""
    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def checked(request: web.Request) -> web.StreamResponse:
            user = request["user"]
            if not can(user.role, permission):
                await run_db(audit.record, request.app["engine"], user.username, "access_denied",
                             request.path, {"permission": permission}, remote(request))
                raise web.HTTPForbidden(text="Your role does not allow this.")
            return await handler(request)
        checked.permission = permission  # type: ignore[attr-defined]
        return checked
    return decorate
