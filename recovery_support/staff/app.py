"""The staff web app: ``python -m recovery_support.staff.app --port 8090``.

aiohttp + Jinja2 (autoescaped), server-side sessions, CSRF tokens on every form, role checks on every page,
and an audit entry for every view, export and change. The pages work without JavaScript; one same-origin script (static/live.js, the CSP allows no other)
adds the live crisis feed: banner, sound, notification and queue updates.
The tables come from ``alembic upgrade head``; Rasa's events are projected into conversations in the
background every ``projector_interval_seconds``.
"""
import argparse
import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Callable, List, Optional

from aiohttp import web
from sqlalchemy.engine import Engine

from recovery_support.alerts.config import ALERTS_CONFIG
from recovery_support.alerts.contact_check import warning_for
from recovery_support.staff.database import has_table, staff_engine
from recovery_support.staff.db_access import run_db
from recovery_support.staff.live_feed import LiveFeed
from recovery_support.staff.middleware import authentication, csrf, public, security_headers
from recovery_support.staff.projector import project_all
from recovery_support.staff.settings import Settings
from recovery_support.staff.views import admin, auth, conversations, crisis, dashboard, exports, live

if TYPE_CHECKING:
    from recovery_support.staff.redaction import Redactor

logger = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"


@public
async def stylesheet(_request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "staff.css", headers={"Content-Type": "text/css"})


@public
async def live_script(_request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "live.js", headers={"Content-Type": "text/javascript"})


@public
async def health(_request: web.Request) -> web.StreamResponse:
    return web.json_response({"ok": True})


def routes() -> List[web.RouteDef]:
    return [
        web.get("/login", auth.login_form), web.post("/login", auth.login), web.post("/logout", auth.logout),
        web.get("/static/staff.css", stylesheet), web.get("/static/live.js", live_script),
        web.get("/healthz", health), web.get("/live", live.live),
        web.get("/", dashboard.dashboard),
        web.get("/conversations", conversations.conversation_list),
        web.get(r"/conversations/{conversation_id:\d+}", conversations.conversation_view),
        web.post(r"/conversations/{conversation_id:\d+}/review", conversations.set_review_status),
        web.post(r"/conversations/{conversation_id:\d+}/tags", conversations.add_tag),
        web.post(r"/conversations/{conversation_id:\d+}/tags/remove", conversations.remove_tag),
        web.post(r"/conversations/{conversation_id:\d+}/notes", conversations.add_note),
        web.post(r"/conversations/{conversation_id:\d+}/message", conversations.write_to_person),
        web.post(r"/conversations/{conversation_id:\d+}/test-story", conversations.save_test_story),
        web.get("/crisis", crisis.queue_view),
        web.get(r"/crisis/{handoff_id:\d+}", crisis.handoff_view),
        web.post(r"/crisis/{handoff_id:\d+}/acknowledge", crisis.acknowledge),
        web.post(r"/crisis/{handoff_id:\d+}/note", crisis.note),
        web.post(r"/crisis/{handoff_id:\d+}/close", crisis.close),
        web.get("/export", exports.export),
        web.get("/users", admin.users_view), web.post("/users", admin.create),
        web.post(r"/users/{user_id:\d+}", admin.update),
        web.get("/audit", admin.audit_view),
    ]


async def _project_forever(app: web.Application) -> None:
    interval = app["settings"].projector_interval_seconds
    while True:
        try:
            await run_db(project_all, app["engine"])
        except Exception:  # a database hiccup must not end the loop; the next tick retries
            logger.exception("projecting events failed")
        await asyncio.sleep(interval)


def load_redactor() -> "Redactor":
    # Imported here: spaCy (and TensorFlow, through thinc) take seconds to load; only exports need them.
    from recovery_support.staff.redaction import default_redactor

    return default_redactor()


async def _preload_redactor(app: web.Application) -> None:
    if app["settings"].preload_redactor:
        # In the background: the first export then doesn't wait for spaCy, and startup doesn't either.
        app["redactor_preload"] = asyncio.ensure_future(run_db(app["redactor"]))


async def _start_projector(app: web.Application) -> None:
    if app["settings"].projector_interval_seconds > 0:
        app["projector"] = asyncio.create_task(_project_forever(app))


async def _start_live_feed(app: web.Application) -> None:
    await app["live_feed"].start()


async def _stop_live_feed(app: web.Application) -> None:
    await app["live_feed"].stop()  # ends the open event streams too, so shutdown doesn't wait on them


async def _stop_projector(app: web.Application) -> None:
    task = app.get("projector")
    if task is not None:
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass


def make_app(engine: Engine, settings: Optional[Settings] = None,
             redactor: Callable[[], "Redactor"] = load_redactor) -> web.Application:
    settings = settings or Settings()
    # Forms are small; a bigger body is refused before it is parsed.
    app = web.Application(middlewares=[security_headers, authentication, csrf], client_max_size=256 * 1024)
    app["engine"] = engine
    app["settings"] = settings
    app["redactor"] = redactor  # loaded on the first export: spaCy takes seconds to start
    app["live_feed"] = LiveFeed(engine, settings.live_interval_seconds)
    app["contact_warning"] = warning_for(Path(settings.alerts_config_path or ALERTS_CONFIG))
    app.add_routes(routes())
    app.on_startup.append(_start_projector)
    app.on_startup.append(_start_live_feed)
    app.on_startup.append(_preload_redactor)
    app.on_shutdown.append(_stop_live_feed)
    app.on_cleanup.append(_stop_projector)
    return app


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description="The clinic's staff app (transcripts, crisis queue, exports).")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: this machine only)")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--database-url", help="default: DATABASE_URL, else sqlite:///var/conversations.db")
    parser.add_argument("--insecure-cookie", action="store_true",
                        help="send the session cookie over plain HTTP (only behind no TLS at all, e.g. a lab)")
    parser.add_argument("--alerts-config", default=str(ALERTS_CONFIG),
                        help="the alert worker's config: the app warns on every page while it names no contact")
    parser.add_argument("--trusted-proxy", action="append", default=[], metavar="ADDRESS",
                        help="a reverse proxy's address: the client's address is then read from its "
                             "X-Forwarded-For (repeat for several proxies)")
    parser.add_argument("--projector-interval", type=float, default=Settings.projector_interval_seconds,
                        help="seconds between projections of new chat events (0: off)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    engine = staff_engine(args.database_url)
    if not has_table(engine, "staff_users"):
        raise SystemExit("The staff tables don't exist: run `.venv/bin/alembic upgrade head` first.")
    settings = Settings(cookie_secure=not args.insecure_cookie, projector_interval_seconds=args.projector_interval,
                        alerts_config_path=args.alerts_config, trusted_proxies=tuple(args.trusted_proxy))
    # No access log: URLs carry search terms (possibly names); the audit log records who asked for what.
    web.run_app(make_app(engine, settings), host=args.host, port=args.port, access_log=None)


if __name__ == "__main__":
    main()
