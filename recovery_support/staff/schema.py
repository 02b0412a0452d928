"""What Alembic manages: the staff and alert tables. Rasa owns ``events``; nothing here may touch it."""
from recovery_support.alerts.models import Base as AlertsBase
from recovery_support.staff.models import Base as StaffBase

TARGET_METADATA = [StaffBase.metadata, AlertsBase.metadata]
OWN_TABLES = frozenset(StaffBase.metadata.tables) | frozenset(AlertsBase.metadata.tables)


def include_object(obj, name, type_, reflected, compare_to):
    """Alembic's filter: only our tables and what belongs to them; ``events`` and strangers are left alone."""
    if type_ == "table":
        return name in OWN_TABLES
    table = getattr(obj, "table", None)
    if table is not None:
        return table.name in OWN_TABLES
    return True
