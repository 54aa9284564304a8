from datetime import UTC, datetime

from pipeline.extract import content_hash, decode_html, extract

PAGE = """<html><head><title>Sai tiêu đề | Báo</title></head><body>
<div class="menu">Trang chủ Thời sự Kinh tế</div>
<div class="box-title">Tiêu đề thật của bài</div><span class="when">25/10/2021 - 08:30</span>
<div class="noi-dung"><p>Đoạn thứ nhất của bài viết về Hải Dương, đủ dài để không bị coi là trống rỗng.</p>
<p>Đoạn thứ hai kể tiếp câu chuyện với nhiều chi tiết và số liệu cụ thể từ cơ quan chức năng.</p></div>
</body></html>"""


def test_site_overrides_win_over_the_generic_extraction():
    found = extract(PAGE, "http://a.vn/x", {"title": ".box-title", "text": ".noi-dung p", "date": ".when"})
    assert found.title == "Tiêu đề thật của bài"
    assert found.text.startswith("Đoạn thứ nhất") and "Trang chủ" not in found.text
    assert found.published_at == datetime(2021, 10, 25, 1, 30, tzinfo=UTC)


def test_decoding_falls_back_safely_and_hashes_ignore_accents_and_spacing():
    assert decode_html("Hải Dương".encode("cp1258", "ignore"), "no-such-codec") is not None
    assert content_hash("Hải  Dương", "Tin") == content_hash("Hai Duong", "tin")


def test_a_feed_date_in_the_future_is_not_stored():
    from crawlers.records import FeedEntry, FetchedPage
    from pipeline.ingest import article_values

    body = PAGE.replace('<span class="when">25/10/2021 - 08:30</span>', "").encode("utf-8")
    entry = FeedEntry(link="http://a.vn/x", title="Tiêu đề", published=datetime(2099, 1, 1, tzinfo=UTC))
    page = FetchedPage(source_id="s", url="http://a.vn/x", final_url="http://a.vn/x", status=200, body=body,
                       encoding="utf-8", content_type="text/html", fetched_at=datetime.now(UTC), entry=entry)
    assert article_values(page, None)["published_at"] is None
    entry.published = datetime(2021, 5, 1, tzinfo=UTC)
    assert article_values(page, None)["published_at"] == datetime(2021, 5, 1, tzinfo=UTC)


def test_elements_taken_out_before_trafilatura_are_ones_it_deletes_anyway():
    from trafilatura.settings import MANUALLY_CLEANED

    from pipeline.extract import _ALWAYS_DELETED

    assert set(_ALWAYS_DELETED) <= set(MANUALLY_CLEANED) | {"table"}  # tables: not extracted (include_tables off)


def test_taking_them_out_first_changes_no_text(monkeypatch):
    """Same title, text, author and date with and without the early deletion, on every demo and hostile page
    and a sample of the news farm (real Vietnamese articles in four outlet templates)."""
    import pipeline.extract as module
    from bench.extract_quality import DEFAULT_DATA, demo_cases, hostile_cases, vntc_cases

    cases = [*demo_cases(), *hostile_cases(), *vntc_cases(80, DEFAULT_DATA)]
    quick = [extract(c.html, c.url) for c in cases]
    monkeypatch.setattr(module, "_without_deleted_elements", lambda tree: tree)
    plain = [extract(c.html, c.url) for c in cases]
    assert len(cases) > 150 and quick == plain
