"""The only place that combines the others: extract, dedup keys, ingest, analyse, jobs, CLI."""
