"""Jinja2 with autoescaping on for every template, whatever its name: message text is hostile input.

Nothing in the templates marks text safe (no ``|safe``, no ``Markup``): tests/staff check the templates for it.
"""
from datetime import datetime
from pathlib import Path
from typing import Any, Optional

import jinja2
from aiohttp import web

from recovery_support.alerts.models import utcnow
from recovery_support.staff.roles import CRISIS_QUEUE, can

TEMPLATES = Path(__file__).parent / "templates"

ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES)),
    autoescape=True,  # not select_autoescape: that leaves non-.html names unescaped
    undefined=jinja2.StrictUndefined,  # a misspelt variable fails a test instead of rendering blank
    trim_blocks=True, lstrip_blocks=True,
)


def _when(value: Optional[datetime]) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") + " UTC" if value else "—"


def _ago(value: Optional[datetime]) -> str:
    """How long ago, in the words a counsellor reads at a glance: "45 s", "12 min", "3 h 5 min"."""
    if value is None:
        return "—"
    seconds = max(0, int((utcnow() - value).total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def _confidence(value: Optional[float]) -> str:
    return "—" if value is None else f"{value:.2f}"


ENVIRONMENT.filters.update(when=_when, ago=_ago, percent=_percent, confidence=_confidence)


def render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    user = request.get("user")
    context.setdefault("title", "")
    allowed = (lambda permission: bool(user) and can(user.role, permission))
    # The live banner's first state comes with the page (no wait, and it works without JavaScript); live.js
    # keeps it current. Only roles that work the crisis queue see it.
    state = request.app["live_feed"].state if allowed(CRISIS_QUEUE) else None
    document = ENVIRONMENT.get_template(template).render(
        user=user, csrf_token=request.get("csrf_token", ""), path=request.path, can=allowed,
        live=state.as_json() if state else None,
        contact_warning=request.app["contact_warning"] if user else None, **context)
    return web.Response(text=document, status=status, content_type="text/html", charset="utf-8")
