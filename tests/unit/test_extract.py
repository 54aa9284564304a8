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
