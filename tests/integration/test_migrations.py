"""The migrations build exactly the schema the models describe, on SQLite and on PostgreSQL."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from store.db import make_engine
from store.migrate import upgrade
from store.models import Base


@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_migrated_schema_matches_the_models(db_url):
    engine = make_engine(db_url)
    upgrade(engine)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # the scheduler's job store is APScheduler's own table, not a model; the search index's backend parts
    # (SQLite's FTS5 tables, PostgreSQL's generated tsvector and its index) are made by migration 0008 alone
    backend_only = ("scheduler_jobs", "article_fts", "'tsv'", "'tsv_title'", "ix_article_search_tsv")
    assert [d for d in differences if not any(name in str(d) for name in backend_only)] == []
    # SQLite cannot reflect an index on an expression for the comparison above: it is looked up by name
    listing = ("SELECT name FROM sqlite_master WHERE type = 'index'" if engine.dialect.name == "sqlite"
               else "SELECT indexname FROM pg_indexes WHERE tablename = 'articles'")
    with engine.connect() as conn:
        assert "ix_articles_when" in {name for (name,) in conn.exec_driver_sql(listing)}
    engine.dispose()
