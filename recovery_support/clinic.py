"""The clinic's profile (name, phones, address, hours, website) from ``config/clinic.yml``."""
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Dict, Tuple

import yaml

from recovery_support.paths import CLINIC_PROFILE


@dataclass(frozen=True)
class ClinicProfile:
    name: str
    city: str
    phone: str
    phone_24h: str
    address: str
    hours: str
    website: str
    unavailable_message: str = ""
    over_limit_message: str = ""
    placeholders: Tuple[str, ...] = ()

    def template_values(self) -> Dict[str, str]:
        """Values for ``{clinic_name}``-style placeholders in answers and domain responses."""
        return {f"clinic_{f.name}": getattr(self, f.name) for f in fields(self)
                if f.name not in ("placeholders", "unavailable_message", "over_limit_message")}

    def unavailable_reply(self) -> str:
        return self.fill(self.unavailable_message)

    def over_limit_reply(self) -> str:
        return self.fill(self.over_limit_message or self.unavailable_message)

    def fill(self, text: str) -> str:
        # format_map with known keys only: knowledge text is ours, but never let a stray brace crash a reply.
        try:
            return text.format_map(self.template_values())
        except (KeyError, ValueError, IndexError):
            return text


@lru_cache(maxsize=None)
def load_clinic_profile(path: Path = CLINIC_PROFILE) -> ClinicProfile:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    raw["placeholders"] = tuple(raw.get("placeholders") or ())
    return ClinicProfile(**raw)
