"""How the bot's responses look in Telegram: plain text, inline keyboards, and crisis resources as text.

Nothing here sets ``parse_mode``: every text is sent as plain text, so nothing a person or a response wrote
(``*``, ``_``, ``<b>``, links) is ever interpreted as markup, and no formatting error can stop a reply.
"""
from typing import Any, Dict, List, Optional

MAX_TEXT_CHARS = 4096  # Telegram refuses longer messages
MAX_CALLBACK_DATA_BYTES = 64  # Telegram refuses longer ``callback_data``
CRISIS_HEADER = "Help right now:"


def text_chunks(text: Optional[str]) -> List[str]:
    """The text in pieces Telegram accepts, cut at a line break or space when possible; [] for blank text."""
    text = (text or "").strip()
    chunks: List[str] = []
    while len(text) > MAX_TEXT_CHARS:
        window = text[:MAX_TEXT_CHARS]
        cut = max(window.rfind("\n"), window.rfind(" "))
        cut = cut if cut > MAX_TEXT_CHARS // 2 else MAX_TEXT_CHARS
        chunks.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return chunks + ([text] if text else [])


def _fits(data: str) -> bool:
    return 0 < len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES


def _truncate_utf8(text: str, limit: int = MAX_CALLBACK_DATA_BYTES) -> str:
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def callback_data(button: Dict[str, Any]) -> str:
    """The payload if it fits in 64 bytes; else the title, which NLU then reads like typed text."""
    payload = str(button.get("payload") or "").strip()
    if _fits(payload):
        return payload
    return _truncate_utf8(str(button.get("title") or payload).strip())


def inline_keyboard(buttons: List[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """One button per row: titles like "How do I start?" stay readable on a phone."""
    rows = []
    for button in buttons or []:
        if not isinstance(button, dict) or not str(button.get("title") or "").strip():
            continue
        title = str(button["title"]).strip()
        if button.get("url"):  # Rasa's "web_url" buttons open a page instead of sending a message
            rows.append([{"text": title, "url": str(button["url"])}])
            continue
        data = callback_data(button)
        if data:
            rows.append([{"text": title, "callback_data": data}])
    return {"inline_keyboard": rows} if rows else None


def is_crisis(payload: Dict[str, Any]) -> bool:
    return bool(payload.get("crisis")) or bool(payload.get("resources"))


def _resource_line(resource: Any) -> Optional[str]:
    """"Call 911: 911", "Crisis Text Line: Text HOME to 741741", "988 Lifeline chat: https://988lifeline.org"."""
    if not isinstance(resource, dict):
        return None
    label = str(resource.get("label") or "").strip()
    number = str(resource.get("number") or "").strip()
    url = str(resource.get("url") or "").strip()
    if number:
        is_sms = str(resource.get("type") or "").lower() == "sms"
        body = str(resource.get("body") or "").strip()
        how = f"Text {body} to {number}" if is_sms and body else number
        if not label:
            return how if body else f"{'Text' if is_sms else 'Call'} {number}"
        return f"{label}: {how}"
    if url:
        return f"{label}: {url}" if label else url
    return label or None


def crisis_text(payload: Dict[str, Any]) -> Optional[str]:
    """The crisis resources as plain text, one per line (Telegram has no "call" button for a bot to send);
    ``None`` when the payload lists nothing usable."""
    resources = payload.get("resources")
    lines = [line for line in map(_resource_line, resources if isinstance(resources, list) else []) if line]
    extra = payload.get("text")
    if isinstance(extra, str) and extra.strip():
        lines.insert(0, extra.strip())
    return "\n".join([CRISIS_HEADER, *lines]) if lines else None
