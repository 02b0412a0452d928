"""What anonymising keeps of a Rasa event: the shape of the conversation (types, times, intents, actions,
crisis category) for statistics and bot improvement, and nothing a person wrote or that could name them."""
import json
from typing import Any, Dict

REMOVED = ""  # an empty text, not a marker: exports and search treat it as "nothing was said"


def scrub_event(type_name: str, raw: str) -> str:
    try:
        data: Dict[str, Any] = json.loads(raw or "{}")
    except ValueError:
        return json.dumps({"event": type_name})
    if not isinstance(data, dict):
        return json.dumps({"event": type_name})
    data.pop("metadata", None)  # channels put user details (names, chat ids) there
    if type_name == "user":
        parse = data.get("parse_data") if isinstance(data.get("parse_data"), dict) else {}
        crisis = parse.get("crisis") if isinstance(parse.get("crisis"), dict) else None
        data["text"] = REMOVED
        data["parse_data"] = {
            "intent": parse.get("intent"), "intent_ranking": parse.get("intent_ranking") or [], "entities": [],
            **({"crisis": {"category": crisis.get("category")}} if crisis else {}),
        }
        data.pop("message_id", None)
    elif type_name == "bot":
        data["text"] = REMOVED
        data["data"] = {}
    elif type_name == "slot":
        data["value"] = None  # slots hold what the person told the bot
    elif type_name == "action":
        data.pop("action_text", None)  # end-to-end predictions carry text
    return json.dumps(data)
