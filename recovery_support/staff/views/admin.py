"""Administration: staff accounts and the audit log (admin role only)."""
from urllib.parse import urlencode

from aiohttp import web

from recovery_support.staff import audit
from recovery_support.staff.db_access import run_db
from recovery_support.staff.middleware import requires
from recovery_support.staff.rendering import render
from recovery_support.staff.roles import MANAGE_USERS, ROLES, VIEW_AUDIT
from recovery_support.staff.sessions import end_user_sessions
from recovery_support.staff.users import create_user, get_user, list_users, set_password, update_user
from recovery_support.staff.views.common import int_param, log, redirect


def _back(message: str = "") -> web.HTTPSeeOther:
    if message:
        return redirect("/users?" + urlencode({"message": message}))
    return redirect("/users")


@requires(MANAGE_USERS)
async def users_view(request: web.Request) -> web.StreamResponse:
    users = await run_db(list_users, request.app["engine"])
    await log(request, "view_users", "staff_users")
    return render(request, "users.html", title="Staff users", users=users, roles=ROLES,
                  message=request.query.get("message", "")[:200])


@requires(MANAGE_USERS)
async def create(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    username, role = str(form.get("username", "")), str(form.get("role", ""))
    try:
        user = await run_db(create_user, request.app["engine"], username, str(form.get("password", "")), role)
    except ValueError as error:
        raise _back(str(error)) from None
    await log(request, "user_create", f"user:{user.username}", {"role": user.role})
    raise _back(f"User {user.username} created.")


@requires(MANAGE_USERS)
async def update(request: web.Request) -> web.StreamResponse:
    user_id = int_param(request, "user_id")
    form = await request.post()
    engine = request.app["engine"]
    target = await run_db(get_user, engine, user_id)
    if target is None:
        raise web.HTTPNotFound(text="No such user.")
    if target.id == request["user"].id and (form.get("role", target.role) != target.role or form.get("active") == "0"):
        raise _back("You can't change your own role or deactivate yourself (ask another admin).")
    try:
        if form.get("password"):
            await run_db(set_password, engine, target.username, str(form["password"]))
        role = str(form["role"]) if form.get("role") else None
        active = {"1": True, "0": False}.get(str(form.get("active", "")))
        updated = await run_db(update_user, engine, user_id, role, active)
    except ValueError as error:
        raise _back(str(error)) from None
    changes = {"role": updated.role, "active": updated.active, "password_reset": bool(form.get("password"))}
    if updated.role != target.role or not updated.active or form.get("password"):
        await run_db(end_user_sessions, engine, user_id)  # new rights or password apply at once
    await log(request, "user_update", f"user:{target.username}", changes)
    raise _back(f"User {target.username} updated.")


@requires(VIEW_AUDIT)
async def audit_view(request: web.Request) -> web.StreamResponse:
    actor = request.query.get("actor", "")[:255] or None
    action = request.query.get("action", "")[:64] or None
    entries = await run_db(audit.recent, request.app["engine"], 500, actor, action)
    await log(request, "view_audit", "audit_log", {"actor": actor, "action": action})
    return render(request, "audit.html", title="Audit log", entries=entries, actor=actor or "", action=action or "")
