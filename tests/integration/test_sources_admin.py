"""Sources in the web app (admin): add, edit, turn off and on, test fetch; audited; the file no longer
overrides them; a running daemon collects a source added in the app without a restart."""

from __future__ import annotations

import re
import time

from sqlalchemy import func, select
from starlette.testclient import TestClient

from review.app import create_app
from store import repo
from store.db import make_engine, session_scope
from store.migrate import upgrade
from store.models import Article, AuditEvent, Source
from tests.fixtures.daemon import python_cli
from tests.fixtures.review import add_role_users, login, review_settings, token


def _form(cfg: dict, **more: str) -> dict[str, str]:
    return {"id": cfg["id"], "name": cfg["name"], "kind": cfg["kind"], "lang": cfg["lang"],
            "feeds": "\n".join(cfg["feeds"]), "interval_minutes": "60", "prior": str(cfg["prior"]),
            "max_pages": "3", "enabled": "on", **more}


def test_add_edit_turn_off_and_test_fetch_a_source(sqlite_url, demo_web):
    engine = make_engine(sqlite_url)
    upgrade(engine)
    add_role_users(engine)
    site = next(iter(demo_web.sites.values()))
    cfg = site.source_config(demo_web.base_url)
    client = TestClient(create_app(review_settings(sqlite_url)))
    login(client, "admin")
    bad = client.post("/admin/sources/new", data={"csrf_token": token(client), **_form(cfg, feeds="ftp://x/feed")})
    assert bad.status_code == 400 and "not an http(s) URL" in bad.text
    added = client.post("/admin/sources/new", data={"csrf_token": token(client), **_form(cfg)},
                        follow_redirects=False)
    assert added.status_code == 303
    again = client.post("/admin/sources/new", data={"csrf_token": token(client), **_form(cfg)})
    assert again.status_code == 400 and "taken" in again.text
    listing = client.get("/admin/sources").text
    assert f'data-id="{cfg["id"]}"' in listing and "<svg" in listing
    edited = client.post(f"/admin/sources/{cfg['id']}", data={"csrf_token": token(client),
                                                              **_form(cfg, name="Tên mới", prior="-0.5")},
                         follow_redirects=False)
    assert edited.status_code == 303
    off = client.post(f"/admin/sources/{cfg['id']}/enabled", data={"csrf_token": token(client), "enabled": "false"},
                      follow_redirects=False)
    assert off.status_code == 303
    with session_scope(engine) as s:
        row = s.get(Source, cfg["id"])
        assert (row.name, row.prior, row.enabled, row.managed_in_app) == ("Tên mới", -0.5, False, True)
        changes = [(a, d) for a, d in s.execute(select(AuditEvent.action, AuditEvent.detail)
                                               .where(AuditEvent.object_type == "source"))]
        assert [a for a, _ in changes] == ["source.add", "source.edit", "source.edit"]
        assert changes[1][1]["name"] == {"before": cfg["name"], "after": "Tên mới"}
        # the sources file no longer overrides what the administrator set
        repo.upsert_sources(s, [{**cfg, "name": "Tên trong tệp", "enabled": True}])
        assert s.get(Source, cfg["id"]).name == "Tên mới"
    check = client.post(f"/admin/sources/{cfg['id']}/check", data={"csrf_token": token(client)})
    assert check.status_code == 200
    output = re.search(r'<pre class="diff">(.*?)</pre>', check.text, re.S)
    assert output and "dùng được / usable" in output.group(1), check.text[-2000:]
    with session_scope(engine) as s:
        assert s.scalar(select(func.count(Article.id))) == 0  # the test fetch stored nothing
    engine.dispose()


def test_a_running_daemon_collects_a_source_added_in_the_app(sqlite_url, demo_web, tmp_path):
    import subprocess

    from store import sources_admin
    from tests.fixtures.daemon import daemon_env

    sites = list(demo_web.sites.values())
    first, second = sites[0], sites[1]
    import yaml

    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": [first.source_config(demo_web.base_url)]}, allow_unicode=True),
                    encoding="utf-8")
    log = (tmp_path / "daemon.log").open("w")
    daemon = subprocess.Popen(python_cli("run", "--sources", str(path)), env=daemon_env(
        sqlite_url, HDM_ANALYSE_INTERVAL_SECONDS="1"), stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        engine = None
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                engine = engine or make_engine(sqlite_url)
                with session_scope(engine) as s:
                    if s.scalar(select(func.count(Article.id)).where(Article.source_id == first.id)):
                        break
            except Exception:  # noqa: BLE001 - the daemon has not created the database yet
                engine = None
            time.sleep(0.5)
        assert engine is not None, (tmp_path / "daemon.log").read_text()[-3000:]
        with session_scope(engine, write=True) as s:  # what the administrator's form does
            sources_admin.save_source(s, sources_admin.validated(second.source_config(demo_web.base_url)), "admin",
                                      creating=True)
        deadline = time.monotonic() + 180
        found = 0
        while time.monotonic() < deadline and found < len(second.articles):
            with session_scope(engine) as s:
                found = int(s.scalar(select(func.count(Article.id)).where(Article.source_id == second.id)) or 0)
            time.sleep(0.5)
        assert found == len(second.articles), (tmp_path / "daemon.log").read_text()[-3000:]
        assert daemon.poll() is None  # no restart
    finally:
        daemon.terminate()
        daemon.wait(timeout=120)
        log.close()
