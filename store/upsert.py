"""Insert-or-nothing on a unique key, in one statement on both databases (no race between a read and a write)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_new(session: Session, table: Any, values: dict[str, Any], unique: str | tuple[str, ...] = "url_hash"
               ) -> int | None:
    """Insert into the table unless its `unique` key (a column, or columns) is taken; the new id, or None.

    A Core insert on the table: the ORM's bulk machinery costs more than the row on this hot path.
    """
    dialect = session.get_bind().dialect.name
    insert: Any
    if dialect == "postgresql":
        insert = postgresql.insert(table)
    elif dialect == "sqlite":
        insert = sqlite.insert(table)
    else:  # pragma: no cover - other databases are not supported targets
        raise RuntimeError(f"unsupported database dialect {dialect}")
    columns = [unique] if isinstance(unique, str) else list(unique)
    statement = insert.on_conflict_do_nothing(index_elements=columns).returning(table.c.id)
    return session.execute(statement, values).scalar_one_or_none()
