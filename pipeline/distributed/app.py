"""The Celery application: late acknowledgement, a worker lost mid-task gives its task back, one task at a time
per worker process, and a visibility timeout longer than the longest crawl."""

from __future__ import annotations

from typing import Any

from config.settings import Settings

QUEUES = ("collect", "analyse")
TASK_QUEUES = {"hdmonitor.collect": "collect", "hdmonitor.extract": "analyse", "hdmonitor.analyse": "analyse"}


class DistributedError(Exception):
    """Distributed mode cannot run as configured (the message says what to change)."""


def visibility_seconds(settings: Settings) -> int:
    """How long a taken task stays invisible to other workers before the broker hands it out again."""
    return settings.broker_visibility_seconds or settings.crawl_timeout_seconds + 600


def require_postgresql(settings: Settings) -> None:
    """Distributed mode shares one database between machines: SQLite cannot be that database."""
    if not settings.database_url.startswith(("postgresql", "postgres")):
        raise DistributedError("chế độ phân tán cần PostgreSQL / distributed mode needs PostgreSQL: set "
                               "HDM_DATABASE_URL=postgresql://… (SQLite is one file on one machine)")


def make_app(settings: Settings) -> Any:
    """A Celery app on the configured broker, with the project's tasks registered."""
    from celery import Celery

    from pipeline.distributed import tasks

    # results go back through Redis when it is the broker; with RabbitMQ, as replies on the broker (rpc://)
    backend = settings.broker_url if settings.broker_url.startswith(("redis", "rediss")) else "rpc://"
    app = Celery("hdmonitor", broker=settings.broker_url, backend=backend)
    transport = {"visibility_timeout": visibility_seconds(settings)}
    app.conf.update(
        task_acks_late=True, task_reject_on_worker_lost=True, worker_prefetch_multiplier=1,
        broker_transport_options=transport, result_backend_transport_options=transport,
        task_routes={name: {"queue": queue} for name, queue in TASK_QUEUES.items()}, task_default_queue="collect",
        task_serializer="json", result_serializer="json", accept_content=["json"], result_expires=24 * 3600,
        broker_connection_retry_on_startup=True, worker_hijack_root_logger=False, task_track_started=True,
        worker_cancel_long_running_tasks_on_connection_loss=False,
    )
    tasks.register(app, settings)
    return app
