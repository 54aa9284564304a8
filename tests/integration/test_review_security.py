"""The review app's access rules: every route × every role (and nobody), CSRF on every state change,
sessions that end, guessing slowed down, a secret key required, strict headers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import func, select
from starlette.testclient import TestClient

from review.app import CSP, create_app
from review.auth import SESSION_COOKIE, ConfigError
from store import accounts, cases
from store.db import make_engine, session_scope
from store.migrate import upgrade
from store.models import ROLES, ApiToken, WebSession
from tests.fixtures.review import (
    PASSWORDS,
    add_flagged_article,
    add_role_users,
    login,
    review_settings,
    token,
)

# The least role each route needs; None: open to anyone. A route missing here fails the test below.
EXPECTED: dict[tuple[str, str], str | None] = {
    ("GET", "/healthz"): None,
    ("GET", "/login"): None,
    ("POST", "/login"): None,
    ("POST", "/logout"): None,
    ("GET", "/account/password"): "viewer",
    ("POST", "/account/password"): "viewer",
    ("POST", "/account/mail"): "viewer",
    ("GET", "/"): "viewer",
    ("POST", "/cases/bulk"): "editor",
    ("POST", "/cases/{case_id}/decide"): "analyst",
    ("POST", "/articles/{article_id}/labels"): "analyst",
    ("GET", "/articles/{article_id}"): "viewer",
    ("GET", "/api/flagged"): "viewer",
    ("GET", "/api/queue"): "viewer",
    ("GET", "/api/articles/{article_id}"): "viewer",
    ("GET", "/api/search"): "viewer",
    ("POST", "/api/cases/{case_id}/decision"): "analyst",
    ("GET", "/api/rebuttals"): "viewer",
    ("GET", "/api/rebuttals/{rebuttal_id}"): "viewer",
    ("GET", "/api/openapi.json"): "viewer",
    ("GET", "/docs"): "viewer",
    ("GET", "/account/tokens"): "viewer",
    ("POST", "/account/tokens"): "viewer",
    ("POST", "/account/tokens/{token_id}/revoke"): "viewer",
    ("POST", "/articles/{article_id}/story"): "analyst",
    ("GET", "/rebuttals"): "viewer",
    ("POST", "/rebuttals"): "analyst",
    ("POST", "/rebuttals/join"): "analyst",
    ("GET", "/rebuttals/{rebuttal_id}"): "viewer",
    ("POST", "/rebuttals/{rebuttal_id}/assign"): "editor",
    ("POST", "/rebuttals/{rebuttal_id}/notes"): "analyst",
    ("POST", "/rebuttals/{rebuttal_id}/variants"): "analyst",
    ("POST", "/claim-links/{link_id}/decide"): "analyst",
    ("POST", "/rebuttals/{rebuttal_id}/articles"): "analyst",
    ("POST", "/rebuttals/{rebuttal_id}/rebuttal"): "analyst",
    ("POST", "/rebuttals/{rebuttal_id}/status"): "analyst",
    ("GET", "/rebuttals/{rebuttal_id}/claimreview.json"): "viewer",
    ("GET", "/search"): "viewer",
    ("GET", "/export/queue.{kind}"): "viewer",
    ("GET", "/export/search.{kind}"): "viewer",
    ("GET", "/dashboard"): "viewer",
    ("GET", "/saved"): "viewer",
    ("POST", "/saved"): "viewer",
    ("GET", "/saved/{search_id}"): "viewer",
    ("POST", "/saved/{search_id}/seen"): "viewer",
    ("POST", "/saved/{search_id}/delete"): "viewer",
    ("GET", "/admin/sources"): "admin",
    ("GET", "/admin/sources/new"): "admin",
    ("POST", "/admin/sources/new"): "admin",
    ("GET", "/admin/sources/{source_id}"): "admin",
    ("POST", "/admin/sources/{source_id}"): "admin",
    ("POST", "/admin/sources/{source_id}/enabled"): "admin",
    ("POST", "/admin/sources/{source_id}/check"): "admin",
    ("GET", "/admin/users"): "admin",
    ("POST", "/admin/users"): "admin",
    ("POST", "/admin/users/{username}/disable"): "admin",
    ("GET", "/admin/audit"): "admin",
    ("GET", "/admin/recipients"): "admin",
    ("POST", "/admin/recipients"): "admin",
    ("POST", "/admin/recipients/{recipient_id}/remove"): "admin",
}


@pytest.fixture
def app_and_ids(sqlite_url: str) -> Iterator[tuple[Any, dict[str, Any]]]:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    add_role_users(engine)
    article_id, case_id = add_flagged_article(engine)
    with session_scope(engine, write=True) as s:
        accounts.add_user(s, "victim", "viewer", "Nguoi-bi-khoa-2026!")
        rebuttal_id = cases.open_case(s, "Phản bác thử", [article_id], "admin", timedelta(days=3)).id
    yield create_app(review_settings(sqlite_url)), {"article_id": article_id, "case_id": case_id,
                                                    "rebuttal_id": rebuttal_id, "username": "victim",
                                                    "kind": "xlsx", "token_id": 999999,
                                                    "search_id": 999999, "source_id": "test-src",
                                                    "recipient_id": 999999, "link_id": 999999}
    engine.dispose()


def _routes(app: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Every (method, path) the app answers, routers included, whatever their kind."""
    found = []
    for route in getattr(app, "routes", []):
        if isinstance(route, APIRoute):
            found += [(method, prefix + route.path) for method in sorted(route.methods)]
        elif hasattr(route, "original_router"):  # a router included into the app
            found += _routes(route.original_router, prefix + route.include_context.prefix)
        elif hasattr(route, "methods") and route.path != "/static":
            found += [(method, prefix + route.path) for method in sorted(route.methods or ()) if method != "HEAD"]
    return found


def _client(app: Any, role: str | None) -> TestClient:
    client = TestClient(app, base_url="http://testserver")
    if role is not None:
        assert login(client, role).status_code == 303
    return client


def test_every_route_is_listed_with_the_role_it_needs(app_and_ids):
    app, _ = app_and_ids
    assert sorted(_routes(app)) == sorted(EXPECTED), "a route was added or removed: list it in EXPECTED"


def _api_token(sqlite_url: str, role: str) -> str:
    engine = make_engine(sqlite_url)
    with session_scope(engine, write=True) as s:
        user = accounts.get_user(s, role)
        assert user is not None
        _, secret = accounts.create_token(s, user.id, "kiểm thử")
    engine.dispose()
    return secret


@pytest.mark.parametrize("via", ["cookie", "token"])
@pytest.mark.parametrize("who", [None, *ROLES])
def test_every_route_answers_each_role_as_expected(app_and_ids, who, via, sqlite_url):
    app, ids = app_and_ids
    secret = _api_token(sqlite_url, who) if who and via == "token" else None
    for method, path in _routes(app):
        if path == "/logout":
            continue  # it ends the session the other requests need; tested on its own below
        client = _client(app, who if via == "cookie" else None)
        needed = EXPECTED[(method, path)]
        url = path.format(**ids)
        headers = {"accept": "text/html"}
        data: dict[str, str] = {}
        if secret:
            headers["authorization"] = f"Bearer {secret}"  # no cookie, no CSRF token: the token alone
        elif method != "GET":
            data["csrf_token"] = token(client, "/login") if who is None else token(client)
        response = client.request(method, url, data=data or None, headers=headers, follow_redirects=False)
        where = f"{method} {path} as {who or 'nobody'}"
        if needed is None:
            assert response.status_code not in (401, 403), where
        elif who is None:
            assert response.status_code in (303, 401), where
            if response.status_code == 303:
                assert response.headers["location"].startswith("/login?next="), where
        elif ROLES.index(who) < ROLES.index(needed):
            assert response.status_code == 403, where
        else:
            assert response.status_code not in (401, 403) and response.status_code < 500, \
                f"{where}: {response.status_code} {response.text[:300]}"


def test_every_state_change_refuses_a_missing_wrong_or_foreign_csrf_token(app_and_ids):
    app, ids = app_and_ids
    client = _client(app, "admin")
    good = token(client)
    for method, path in _routes(app):
        if method == "GET":
            continue
        url = path.format(**ids)
        for data, headers in (({}, {}), ({"csrf_token": "0" * 64}, {}), ({"csrf_token": good[:-1] + "0"}, {}),
                              ({"csrf_token": good}, {"origin": "https://evil.example"})):
            response = client.request(method, url, data=data, headers=headers, follow_redirects=False)
            assert response.status_code == 403, f"{method} {path} with {data or 'no token'} {headers}"
    assert client.get("/").status_code == 200  # still logged in: none of those did anything
    other = TestClient(app)  # another browser's token is not this browser's
    assert login(other, "analyst").status_code == 303
    response = client.post("/admin/users", data={"csrf_token": token(other), "username": "x1", "role": "viewer",
                                                 "password": "Mot-mat-khau-dai-2026"}, follow_redirects=False)
    assert response.status_code == 403


def test_logout_ends_the_session_on_the_server(app_and_ids, sqlite_url):
    app, _ = app_and_ids
    client = _client(app, "analyst")
    cookie = client.cookies[SESSION_COOKIE]
    assert client.get("/").status_code == 200
    assert client.post("/logout", data={"csrf_token": token(client)}, follow_redirects=False).status_code == 303
    assert SESSION_COOKIE not in client.cookies
    replay = TestClient(app)
    replay.cookies.set(SESSION_COOKIE, cookie)
    response = replay.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    engine = make_engine(sqlite_url)
    with session_scope(engine) as s:
        assert s.get(WebSession, accounts.token_id(cookie)) is None


def test_a_password_change_ends_the_other_sessions(app_and_ids):
    app, _ = app_and_ids
    laptop, phone = _client(app, "editor"), _client(app, "editor")
    response = laptop.post("/account/password", data={"csrf_token": token(laptop), "current": PASSWORDS["editor"],
                                                       "new": "Mat-khau-moi-cua-bien-tap-2027"})
    assert response.status_code == 200 and "Đã đổi mật khẩu" in response.text
    assert laptop.get("/").status_code == 200  # the one that changed it goes on
    assert phone.get("/", follow_redirects=False).status_code == 303  # the other is logged out
    weak = laptop.post("/account/password", data={"csrf_token": token(laptop),
                                                  "current": "Mat-khau-moi-cua-bien-tap-2027", "new": "password1"})
    assert weak.status_code == 400 and "phổ biến" in weak.text


def test_repeated_wrong_passwords_lock_the_account_and_the_address(app_and_ids):
    app, _ = app_and_ids
    client = TestClient(app)
    for _ in range(accounts.LOCK_AFTER):
        assert login(client, "analyst", "sai-mat-khau-roi").status_code == 401
    locked = login(client, "analyst")  # the right password, too late
    assert locked.status_code == 429 and "tạm khoá" in locked.text
    assert login(client, "editor").status_code == 303  # other accounts are not locked by it
    guesser = TestClient(app, client=("203.0.113.9", 5000))
    statuses = [login(guesser, f"nobody{i}", "sai-mat-khau-roi").status_code for i in range(accounts.ADDRESS_LIMIT)]
    assert set(statuses) == {401}
    refused = login(guesser, "viewer")  # even a right password, from an address that guessed this much
    assert refused.status_code == 429


def test_unknown_users_and_disabled_users_get_the_same_answer(app_and_ids):
    app, _ = app_and_ids
    client = TestClient(app)
    unknown = login(client, "khong-co-ai", "bat-ky-mat-khau")
    wrong = login(client, "viewer", "bat-ky-mat-khau")
    assert unknown.status_code == wrong.status_code == 401
    admin = _client(app, "admin")
    admin.post("/admin/users/victim/disable", data={"csrf_token": token(admin)})
    assert login(client, "victim", "Nguoi-bi-khoa-2026!").status_code == 401


def test_headers_and_cookies(app_and_ids):
    app, _ = app_and_ids
    plain = TestClient(app)
    response = plain.get("/login")
    assert response.headers["content-security-policy"] == CSP
    assert "unsafe-inline" not in CSP and "unsafe-eval" not in CSP
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    csrf_cookie = response.headers["set-cookie"].lower()
    assert "httponly" in csrf_cookie and "samesite=strict" in csrf_cookie and "secure" not in csrf_cookie
    tls = TestClient(app, base_url="https://testserver")
    done = login(tls, "viewer")
    session_cookie = done.headers["set-cookie"].lower()
    assert "hdm_session=" in session_cookie
    assert "httponly" in session_cookie and "samesite=lax" in session_cookie and "secure" in session_cookie
    assert done.headers["location"] == "/"
    # after login, only a path on this site is followed
    for target, expected in (("//evil.example/x", "/"), ("https://evil.example/", "/"), ("/articles/1", "/articles/1")):
        client = TestClient(app)
        page = client.get("/login")
        from tests.fixtures.review import csrf_of

        response = client.post("/login", data={"username": "viewer", "password": PASSWORDS["viewer"],
                                               "csrf_token": csrf_of(page.text), "next": target},
                               follow_redirects=False)
        assert response.headers["location"] == expected


def test_without_a_secret_key_the_app_does_not_start(sqlite_url):
    from pydantic import SecretStr

    from tests.conftest import test_settings

    with pytest.raises(ConfigError, match="HDM_SECRET_KEY"):
        create_app(test_settings(sqlite_url).model_copy(update={"secret_key": None}))
    with pytest.raises(ConfigError, match="HDM_SECRET_KEY"):
        create_app(test_settings(sqlite_url).model_copy(update={"secret_key": SecretStr("short")}))


def test_a_token_does_what_its_role_does_and_stops_when_revoked_or_disabled(app_and_ids, sqlite_url):
    app, ids = app_and_ids
    viewer, analyst = _api_token(sqlite_url, "viewer"), _api_token(sqlite_url, "analyst")
    api = TestClient(app)
    as_viewer, as_analyst = {"authorization": f"Bearer {viewer}"}, {"authorization": f"Bearer {analyst}"}
    queue = api.get("/api/queue", headers=as_viewer)
    assert queue.status_code == 200 and queue.json()["total"] == 1
    version = queue.json()["items"][0]["case"]["version"]
    decision = {"decision": "confirm", "version": version}
    assert api.post(f"/api/cases/{ids['case_id']}/decision", json=decision, headers=as_viewer).status_code == 403
    done = api.post(f"/api/cases/{ids['case_id']}/decision", json=decision, headers=as_analyst)
    assert done.status_code == 200 and done.json()["after"] == "confirmed"
    again = api.post(f"/api/cases/{ids['case_id']}/decision", json={**decision, "decision": "dismiss",
                                                                     "reason": "accurate"}, headers=as_analyst)
    assert again.status_code == 409 and "analyst" in again.json()["detail"]
    assert api.get("/admin/audit", headers=as_analyst).status_code == 403
    assert api.get("/api/queue", headers={"authorization": "Bearer hdm_not-a-token"}).status_code == 401
    # a browser logged in as the admin, sending an analyst's token: the token decides
    admin = _client(app, "admin")
    assert admin.get("/admin/audit", headers=as_analyst).status_code == 403
    # the owner revokes it in the app; a disabled user's tokens stop too
    owner = _client(app, "analyst")
    page = owner.get("/account/tokens").text
    token_ids = re.findall(r'/account/tokens/(\d+)/revoke', page)
    for token_id in token_ids:
        assert owner.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": token(owner)},
                          follow_redirects=False).status_code == 303
    assert api.get("/api/queue", headers=as_analyst).status_code == 401
    assert api.get("/api/queue", headers=as_viewer).status_code == 200
    engine = make_engine(sqlite_url)
    with session_scope(engine, write=True) as s:
        user = accounts.get_user(s, "viewer")
        assert user is not None
        accounts.disable_user(s, user)
    engine.dispose()
    assert api.get("/api/queue", headers=as_viewer).status_code == 401
    # a token is shown once, stored hashed
    created = owner.post("/account/tokens", data={"csrf_token": token(owner), "name": "báo cáo tuần"})
    secret = re.search(r'id="token-secret">(hdm_[^<]+)<', created.text)
    assert created.status_code == 200 and secret
    assert secret.group(1) not in owner.get("/account/tokens").text
    with session_scope(make_engine(sqlite_url)) as s:
        assert s.scalar(select(func.count()).select_from(ApiToken).where(
            ApiToken.token_hash == accounts.token_id(secret.group(1)))) == 1


def test_the_api_description_and_docs_are_for_logged_in_users(app_and_ids):
    app, _ = app_and_ids
    assert TestClient(app).get("/api/openapi.json").status_code == 401
    client = _client(app, "viewer")
    spec = client.get("/api/openapi.json").json()
    assert {"/api/queue", "/api/search", "/api/articles/{article_id}", "/api/cases/{case_id}/decision"} <= set(
        spec["paths"])
    page = client.get("/docs")
    assert page.status_code == 200 and "/docs-static/swagger-ui-bundle.js" in page.text
    assert client.get("/docs-static/swagger-ui-bundle.js").status_code == 200
