"""The migrations build exactly the schema the models describe, on SQLite and on PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from store.db import make_engine
from store.migrate import upgrade
from store.models import Base


def test_migrated_schema_matches_the_models(db_url):
    engine = make_engine(db_url)
    upgrade(engine)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # the scheduler's job store is APScheduler's own table, not a model
    assert [d for d in differences if "scheduler_jobs" not in str(d)] == []
    engine.dispose()
