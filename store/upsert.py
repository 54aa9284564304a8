"""Insert-or-nothing on a unique key, in one statement on both databases (no race between a read and a write)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def _insert(session: Session, table: Any) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"unsupported database dialect {dialect}")  # pragma: no cover - not a supported target


def insert_new(session: Session, table: Any, values: dict[str, Any], unique: str | tuple[str, ...] = "url_hash"
               ) -> int | None:
    """Insert into the table unless its `unique` key (a column, or columns) is taken; the new id, or None.

    A Core insert on the table: the ORM's bulk machinery costs more than the row on this hot path.
    """
    columns = [unique] if isinstance(unique, str) else list(unique)
    statement = _insert(session, table).on_conflict_do_nothing(index_elements=columns).returning(table.c.id)
    return session.execute(statement, values).scalar_one_or_none()


def insert_new_many(session: Session, table: Any, rows: list[dict[str, Any]], unique: str = "url_hash"
                    ) -> list[bool]:
    """Insert the rows whose `unique` key is free; for each row, whether it went in.

    One statement compiled once, its rows sent in multi-row VALUES batches by SQLAlchemy's
    "insertmanyvalues" (an execute per batch, not psycopg's pipelined executemany): compiling a
    multi-row VALUES of a hundred rows cost three times the CPU of sending it. Of rows sharing a key,
    only the first can go in: the others are reported as not inserted, as they would be one by one.
    Every row needs the same columns.
    """
    if not rows:
        return []
    statement = _insert(session, table).on_conflict_do_nothing(index_elements=[unique]).returning(table.c[unique])
    taken = set(session.execute(statement, rows).scalars())
    inserted: list[bool] = []
    for row in rows:
        key = row[unique]
        inserted.append(key in taken)
        taken.discard(key)  # a later row with the same key did not go in
    return inserted


def insert_new_many_ids(session: Session, table: Any, rows: list[dict[str, Any]], unique: str = "url_hash"
                        ) -> list[int | None]:
    """insert_new_many, with each row's new id (None for a row that did not go in)."""
    if not rows:
        return []
    statement = (_insert(session, table).on_conflict_do_nothing(index_elements=[unique])
                 .returning(table.c[unique], table.c.id))
    taken = {key: new_id for key, new_id in session.execute(statement, rows).all()}
    ids: list[int | None] = []
    for row in rows:
        ids.append(taken.pop(row[unique], None))  # a later row with the same key did not go in
    return ids
