"""Analysts' web app (FastAPI + Jinja2, server-rendered) with a JSON API beside it."""
