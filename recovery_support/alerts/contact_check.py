"""Warns while no external alert contact is set: ``python -m recovery_support.alerts.contact_check``.

``make run`` prints it at start and the staff app shows it on every page, since with the shipped
config/alerts.yml a crisis reaches only the staff who have the staff app open.
"""
import sys
from pathlib import Path
from typing import Optional

import yaml

from recovery_support.alerts.config import ALERTS_CONFIG, AlertsConfig, ConfigError, load_config

NO_CONTACT = ("No external alert contact is set in {path}: crises are recorded and shown live to staff who have "
              "the staff app open, but nobody is paged or e-mailed. README, \"Alerting someone\", says how to add one.")


def missing_contact_warning(config: AlertsConfig, path: Path = ALERTS_CONFIG) -> Optional[str]:
    if config.on_call.targets() or config.backup.targets():
        return None
    return NO_CONTACT.format(path=_shown(path))


def warning_for(path: Path = ALERTS_CONFIG) -> Optional[str]:
    """The warning for the config at ``path``; a config that can't be read is reported, never ignored."""
    try:
        config = load_config(path, ack_secret=b"only checking contacts")
    except (OSError, ConfigError, yaml.YAMLError) as error:
        return f"The alert configuration {_shown(path)} cannot be read ({error}): nobody will be alerted."
    return missing_contact_warning(config, path)


def _shown(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(ALERTS_CONFIG.parents[1]))
    except ValueError:
        return str(path)


def main() -> int:
    warning = warning_for()
    if warning:
        print(f"WARNING: {warning}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
