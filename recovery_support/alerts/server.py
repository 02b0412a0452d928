"""The worker's small HTTP server: signed acknowledge links and a health check.

GET /ack/<id>?sig=... only shows a confirmation page with a form; only its POST acknowledges. Chat apps and mail
scanners fetch links to preview them, and a preview must never tell the backup "someone has it".
"""
import asyncio
import html
from datetime import datetime
from typing import Any, Awaitable, Callable, Dict, Optional

from aiohttp import web
from sqlalchemy.engine import Engine

from recovery_support.alerts.acknowledge import AckResult, acknowledge, handoff_summary
from recovery_support.alerts.message import category_words
from recovery_support.alerts.models import utcnow
from recovery_support.alerts.signing import created_stamp, verify

HealthCheck = Callable[[], Awaitable[Dict[str, Any]]]

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    "Referrer-Policy": "no-referrer",  # the signature is in the URL
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def _page(title: str, body: str, status: int = 200) -> web.Response:
    document = (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}"
        "button{font-size:1.2rem;padding:.6rem 1.2rem}input{font-size:1rem;padding:.4rem;width:100%}</style>"
        f"</head><body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return web.Response(text=document, status=status, content_type="text/html", headers=SECURITY_HEADERS)


def _when(value: Optional[datetime]) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "unknown time"


def _done_text(result: AckResult) -> str:
    if result.status == "acknowledged":
        return f"Acknowledged by {html.escape(result.by or 'unknown')} at {_when(result.at)}."
    return f"This handoff is {html.escape(result.status or 'unknown')}."


EXPIRED = ("<p>This acknowledge link has expired. If the crisis still needs someone, acknowledge it in the "
           "staff app's crisis queue.</p>")


def make_app(engine: Engine, secret: bytes, health: HealthCheck,
             link_valid_seconds: float = 24 * 3600) -> web.Application:
    def handoff_id(request: web.Request) -> int:
        try:
            return int(request.match_info["handoff_id"])
        except ValueError:
            raise web.HTTPNotFound() from None

    def check_signature(request: web.Request, ident: int) -> int:
        """The link's creation stamp, once its signature is right."""
        try:
            created = int(request.query.get("t", ""))
        except ValueError:
            created = -1
        if created < 0 or not verify(secret, ident, created, request.query.get("sig", "")):
            raise web.HTTPForbidden(text="This acknowledge link is not valid.", headers=SECURITY_HEADERS)
        return created

    async def checked_summary(request: web.Request, ident: int) -> Optional[Dict[str, Any]]:
        """The handoff the link was made for: same id and same creation time, and not expired."""
        created = check_signature(request, ident)
        summary = await asyncio.to_thread(handoff_summary, engine, ident)
        if summary is None or created_stamp(summary["created_at"]) != created:
            return None  # another handoff now has this id: the link was for one that is gone
        if (utcnow() - summary["created_at"]).total_seconds() > link_valid_seconds:
            raise web.HTTPGone(text=_page("Link expired", EXPIRED).text, content_type="text/html",
                               headers=SECURITY_HEADERS)
        return summary

    async def show(request: web.Request) -> web.Response:
        ident = handoff_id(request)
        summary = await checked_summary(request, ident)
        if summary is None:
            return _page("Handoff not found", "<p>No such handoff.</p>", 404)
        heading = f"Crisis handoff #{ident}: {category_words(summary['category'])}"
        facts = f"<p>Raised at {_when(summary['created_at'])}.</p>"
        if summary["status"] != "open":
            result = AckResult(found=True, by=summary["acknowledged_by"], at=summary["acknowledged_at"],
                               status=summary["status"])
            return _page(heading, facts + f"<p>{_done_text(result)}</p>")
        sig = html.escape(request.query.get("sig", ""), quote=True)
        created = html.escape(request.query.get("t", ""), quote=True)
        form = (
            f"<form method=\"post\" action=\"/ack/{ident}?t={created}&amp;sig={sig}\">"
            "<p><label>Your name (so colleagues know who has it)<br>"
            "<input name=\"by\" maxlength=\"120\" autocomplete=\"name\"></label></p>"
            "<p><button type=\"submit\">I've got this: acknowledge</button></p></form>"
            "<p>Acknowledging stops the escalation to the backup contact.</p>"
        )
        return _page(heading, facts + form)

    async def confirm(request: web.Request) -> web.Response:
        ident = handoff_id(request)
        if await checked_summary(request, ident) is None:
            return _page("Handoff not found", "<p>No such handoff.</p>", 404)
        form = await request.post()
        by = str(form.get("by") or "").strip() or "link"
        result = await asyncio.to_thread(acknowledge, engine, ident, by, "acknowledge link")
        if not result.found:
            return _page("Handoff not found", "<p>No such handoff.</p>", 404)
        title = "Thank you" if result.acknowledged_now else "Already handled"
        return _page(title, f"<p>Handoff #{ident}: {_done_text(result)}</p>")

    async def healthz(request: web.Request) -> web.Response:
        report = await health()
        return web.json_response(report, status=200 if report.get("ok") else 503, headers={"Cache-Control": "no-store"})

    app = web.Application(client_max_size=16 * 1024)
    app.router.add_get("/ack/{handoff_id}", show)
    app.router.add_post("/ack/{handoff_id}", confirm)
    app.router.add_get("/healthz", healthz)
    return app
