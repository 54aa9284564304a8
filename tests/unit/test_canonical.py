from crawlers.canonical import canonical_url, url_hash


def test_tracking_parameters_fragment_and_case_are_removed():
    a = canonical_url("HTTPS://WWW.Example.com:443/tin/bai-1.html?utm_source=rss&id=3&fbclid=x#top")
    assert a == "https://example.com/tin/bai-1.html?id=3"


def test_amp_and_mobile_variants_fold_together():
    base = canonical_url("https://vnexpress.net/bai-viet-123.html")
    assert canonical_url("https://m.vnexpress.net/bai-viet-123.html") == base
    assert canonical_url("https://vnexpress.net/bai-viet-123.html/amp") == base
    assert canonical_url("https://vnexpress.net/bai-viet-123.html?amp=1") == base


def test_query_order_and_trailing_slash_do_not_matter():
    assert url_hash("http://a.vn/x/?b=2&a=1") == url_hash("http://a.vn/x?a=1&b=2")


def test_non_default_port_is_kept():
    assert canonical_url("http://127.0.0.1:8765/a/") == "http://127.0.0.1:8765/a"
