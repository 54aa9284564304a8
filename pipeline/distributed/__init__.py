"""Beyond one machine: the units of work (collect a source, extract a batch, analyse a batch) as Celery tasks
over a broker (Redis by default), on workers sharing PostgreSQL. One code path with the daemon."""
