"""Known claims through the analysis and the workplace: a new article repeating a published case's claim (in
the other language) is linked as it is analysed, the assignee is told, the analyst confirms it on the case
page and the ClaimReview lists it; a rejected pair is never suggested again."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from starlette.testclient import TestClient

from pipeline.analyse import analyse_pending
from pipeline.claim_links import ClaimLinker, store_links
from review.app import create_app
from store import cases, claims
from store.db import session_scope
from store.models import Article, ClaimLink, OutboxMail, RebuttalArticle, Source, User
from tests.fixtures.claims import published_case
from tests.fixtures.review import add_role_users, login, review_settings, token

REPEAT = ("Residents of Cam Giang say the Dai An Industrial Park has been discharging untreated wastewater into the "
          "Sat river. Dead fish now cover the water, and more than 200 households have lost their clean water "
          "supply, according to villagers who spoke to us.")
OTHER = ("Khu công nghiệp Đại An vừa khánh thành nhà máy xử lý nước thải thứ hai, công suất 6.000 m³ mỗi ngày, "
         "phục vụ các doanh nghiệp trong khu.")


def _new_article(engine, title: str, text: str, lang: str) -> int:  # type: ignore[no-untyped-def]
    url = f"https://news.example/{hashlib.sha1(title.encode()).hexdigest()[:10]}"
    with session_scope(engine, write=True) as s:
        if s.get(Source, "foreign-x") is None:
            s.add(Source(id="foreign-x", name="Foreign X", kind="foreign", lang="en", config={}))
            s.flush()
        article = Article(source_id="foreign-x", url=url, canonical_url=url, title=title, text=text, lang=lang,
                          url_hash=hashlib.sha256(url.encode()).hexdigest(), content_hash=url, status="new")
        s.add(article)
        s.flush()
        return article.id


def _published_case(engine) -> int:  # type: ignore[no-untyped-def]
    case_id, _ = published_case(engine, assignee="analyst")
    with session_scope(engine, write=True) as s:
        user = s.scalar(select(User).where(User.username == "analyst"))
        user.email, user.mail_mode = "analyst@office.example", "instant"
    return case_id


def test_a_repeat_is_linked_confirmed_and_listed_and_a_rejected_pair_stays_rejected(db_url, analyser):
    from store.db import make_engine
    from store.migrate import upgrade

    engine = make_engine(db_url)
    upgrade(engine)
    add_role_users(engine)
    case_id = _published_case(engine)
    repeat = _new_article(engine, "Dead fish on the Sat river in Hai Duong", REPEAT, "en")
    other = _new_article(engine, "KCN Đại An có thêm nhà máy xử lý nước thải", OTHER, "vi")
    settings = review_settings(db_url)
    report = analyse_pending(engine, analyser, linker=ClaimLinker(settings, engine))
    assert report.claim_links == 1
    with session_scope(engine) as s:
        links = list(s.scalars(select(ClaimLink)))
        assert [(link.case_id, link.article_id, link.state) for link in links] == [(case_id, repeat, "suggested")]
        link = links[0]
        assert link.method.startswith("claims-1") and "Dead fish" in link.sentence or "Sat river" in link.sentence
        mails = list(s.scalars(select(OutboxMail).where(OutboxMail.kind == "claim")))
        assert [m.owner for m in mails] == (["analyst"] if link.level == "strong" else [])

    client = TestClient(create_app(settings))
    assert login(client, "analyst").status_code == 303
    page = client.get(f"/rebuttals/{case_id}")
    assert f'data-article-id="{repeat}"' in page.text and "claim-confirm" in page.text
    article_page = client.get(f"/articles/{repeat}")
    assert f"Lặp lại khẳng định của hồ sơ <a href=\"/rebuttals/{case_id}#claim-matching\">" in article_page.text
    done = client.post(f"/claim-links/{link.id}/decide", data={"decision": "confirm", "csrf_token": token(client)},
                       follow_redirects=False)
    assert done.status_code == 303
    with session_scope(engine) as s:
        joined = set(s.scalars(select(RebuttalArticle.article_id).where(RebuttalArticle.case_id == case_id)))
        assert repeat in joined and s.get(ClaimLink, link.id).state == "confirmed"
    review = client.get(f"/rebuttals/{case_id}/claimreview.json").json()
    assert any(a.get("url", "").startswith("https://news.example/") for a in review["itemReviewed"]["appearance"])

    # the other article, linked by hand for the test, is rejected; a new analysis does not bring it back
    with session_scope(engine, write=True) as s:
        assert claims.record_link(s, case_id, other, "suggested", 0.5, OTHER, "test")
        rejected = s.scalar(select(ClaimLink.id).where(ClaimLink.article_id == other))
        claims.decide_link(s, rejected, "reject", "analyst")
    from nlp.claims.match import ClaimMatch

    with session_scope(engine, write=True) as s:
        assert store_links(s, [other], {other: [ClaimMatch(f"case-{case_id}", 0.9, "strong", OTHER)]}, "test") == 0
        assert s.get(ClaimLink, rejected).state == "rejected"
    with session_scope(engine, write=True) as s:  # a closed case's claim takes part only when asked
        case = cases.get_case(s, case_id)
        cases.set_status(s, case, "closed", "editor", case.version)
    with session_scope(engine) as s:
        assert claims.known_claims(s) == [] and [r.case_id for r in claims.known_claims(s, True)] == [case_id]
    assert ClaimLinker(settings, engine).index() is None
    assert ClaimLinker(settings.model_copy(update={"claims_include_closed": True}), engine).index() is not None
    viewer = TestClient(create_app(settings))
    login(viewer, "viewer")
    refused = viewer.post(f"/claim-links/{rejected}/decide", data={"decision": "confirm",
                                                                   "csrf_token": token(viewer)},
                          follow_redirects=False)
    assert refused.status_code == 403
    engine.dispose()
