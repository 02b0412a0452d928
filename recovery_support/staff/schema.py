"""What Alembic manages: the staff and alert tables. Rasa owns ``events``; nothing here may touch it."""
from recovery_support.alerts.models import Base as AlertsBase
from recovery_support.staff.models import Base as StaffBase

TARGET_METADATA = [StaffBase.metadata, AlertsBase.metadata]
OWN_TABLES = frozenset(StaffBase.metadata.tables) | frozenset(AlertsBase.metadata.tables)
# Made by a migration on PostgreSQL only; a model can't declare an index for one database in SQLAlchemy 1.4
# (SQLite would get it too), so autogenerate must not propose dropping it.
POSTGRESQL_ONLY_INDEXES = frozenset({"ix_search_messages_text_trgm"})


def include_object(obj, name, type_, reflected, compare_to):
    """Alembic's filter: only our tables and what belongs to them; ``events`` and strangers are left alone."""
    if type_ == "table":
        return name in OWN_TABLES
    if type_ == "index" and name in POSTGRESQL_ONLY_INDEXES:
        return False
    table = getattr(obj, "table", None)
    if table is not None:
        return table.name in OWN_TABLES
    return True
