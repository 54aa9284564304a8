"""Storage: SQLAlchemy 2.0 models, engine and session scope, repository functions, migrations."""
