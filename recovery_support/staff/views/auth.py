"""Login and logout."""
import re
import secrets

from aiohttp import web

from recovery_support.staff import throttle
from recovery_support.staff.db_access import run_db
from recovery_support.staff.middleware import CSRF_FIELD, LOGIN_CSRF_COOKIE, public, remote
from recovery_support.staff.rendering import render
from recovery_support.staff.sessions import COOKIE_NAME, end_session, start_session
from recovery_support.staff.users import authenticate, normalise_username
from recovery_support.staff.views.common import log, redirect, safe_next

MAX_FIELD_CHARS = 1024
LOGIN_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # what secrets.token_urlsafe(32) makes


def _cookie_options(request: web.Request) -> dict:
    return {"httponly": True, "samesite": "Strict", "secure": request.app["settings"].cookie_secure, "path": "/"}


def _login_token(request: web.Request) -> str:
    # Keep the browser's current token: its own /favicon.ico request also lands here (via the login redirect),
    # and a new token then would make the form already on screen fail the CSRF check.
    current = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    return current if LOGIN_TOKEN.fullmatch(current) else secrets.token_urlsafe(32)


def _login_page(request: web.Request, error: str = "", status: int = 200, username: str = "") -> web.Response:
    token = _login_token(request)
    response = render(request, "login.html", status=status, title="Log in", login_csrf=token, error=error,
                      username=username, next=safe_next(request.query.get("next")))
    response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, **_cookie_options(request))
    return response


@public
async def login_form(request: web.Request) -> web.StreamResponse:
    if "user" in request:
        raise redirect("/")
    return _login_page(request)


@public
async def login(request: web.Request) -> web.StreamResponse:
    app = request.app
    form = await request.post()
    username = normalise_username(str(form.get("username", ""))[:MAX_FIELD_CHARS])
    password = str(form.get("password", ""))[:MAX_FIELD_CHARS]
    key = (username, remote(request))
    wait = await run_db(throttle.retry_after, app["engine"], key, app["settings"])
    if wait > 0:
        await log(request, "login_throttled", f"user:{username}", {"retry_after_seconds": int(wait)})
        response = _login_page(request, f"Too many failed attempts. Try again in {int(wait // 60) + 1} minutes.",
                               status=429, username=username)
        response.headers["Retry-After"] = str(int(wait) + 1)
        return response
    user = await run_db(authenticate, app["engine"], username, password)
    if user is None:
        await run_db(throttle.failed, app["engine"], key, app["settings"])
        await log(request, "login_failed", f"user:{username}")
        return _login_page(request, "Wrong username or password.", status=401, username=username)
    await run_db(throttle.succeeded, app["engine"], key)
    # Whatever session the browser had (someone else's, or one planted by an attacker) ends here; the new
    # one has a value never seen before.
    await run_db(end_session, app["engine"], request.cookies.get(COOKIE_NAME))
    token = await run_db(start_session, app["engine"], user, app["settings"])
    request["user"] = user
    await log(request, "login", f"user:{user.username}")
    response = web.HTTPSeeOther(safe_next(str(form.get("next", ""))))
    response.set_cookie(COOKIE_NAME, token, **_cookie_options(request))
    response.del_cookie(LOGIN_CSRF_COOKIE, path="/")
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    await run_db(end_session, request.app["engine"], request.get("session_token"))
    await log(request, "logout", f"user:{request['user'].username}")
    response = web.HTTPSeeOther("/login")
    response.del_cookie(COOKIE_NAME, path="/")
    raise response


__all__ = ["login_form", "login", "logout", "CSRF_FIELD"]
