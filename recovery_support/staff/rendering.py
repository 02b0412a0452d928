"""Jinja2 with autoescaping on for every template, whatever its name: message text is hostile input.

Nothing in the templates marks text safe (no ``|safe``, no ``Markup``): tests/staff check the templates for it.
"""
from datetime import datetime
from pathlib import Path
from typing import Any, Optional

import jinja2
from aiohttp import web

from recovery_support.staff.roles import can

TEMPLATES = Path(__file__).parent / "templates"

ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES)),
    autoescape=True,  # not select_autoescape: that leaves non-.html names unescaped
    undefined=jinja2.StrictUndefined,  # a misspelt variable fails a test instead of rendering blank
    trim_blocks=True, lstrip_blocks=True,
)


def _when(value: Optional[datetime]) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") + " UTC" if value else "—"


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def _confidence(value: Optional[float]) -> str:
    return "—" if value is None else f"{value:.2f}"


ENVIRONMENT.filters.update(when=_when, percent=_percent, confidence=_confidence)


def render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    user = request.get("user")
    context.setdefault("title", "")
    document = ENVIRONMENT.get_template(template).render(
        user=user, csrf_token=request.get("csrf_token", ""), path=request.path,
        can=(lambda permission: bool(user) and can(user.role, permission)), **context)
    return web.Response(text=document, status=status, content_type="text/html", charset="utf-8")
