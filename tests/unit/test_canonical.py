"""Canonical URLs: w3lib's normalisation plus the project's rules, and the same keys as before for stored rows."""

from __future__ import annotations

import random
import re
import unicodedata
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

import pytest

from crawlers.canonical import TRACKING_PARAMS, canonical_url, url_hash


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


# ---------------------------------------------------------------- stored keys do not move

_OLD_TRACKING_PARAMS = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|msclkid|yclid|mc_cid|mc_eid|igshid|zarsrc|gidzl|_ga|ref|ref_src|"
    r"cmpid|ito|icid|ncid|ocid|sr_share|share|amp|outputtype)$",
    re.IGNORECASE,
)
_OLD_DEFAULT_PORTS = {"http": 80, "https": 443}


def _old_canonical_url(url: str) -> str:
    """The implementation every stored url_hash was computed with (before w3lib), kept verbatim."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower() or "http"
    host = (parts.hostname or "").lower().rstrip(".")
    for prefix in ("www.", "m.", "amp.", "mobile."):
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix):]
    netloc = host
    if parts.port and parts.port != _OLD_DEFAULT_PORTS.get(scheme):
        netloc = f"{host}:{parts.port}"
    path = quote(unquote(parts.path or "/"), safe="/:@!$&'()*+,;=-._~%")
    path = re.sub(r"/{2,}", "/", path)
    path = re.sub(r"(/amp|\.amp)(?=/?$)", "", path)
    if len(path) > 1:
        path = path.rstrip("/")
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _OLD_TRACKING_PARAMS.match(k)
    )
    return urlunsplit((scheme if scheme in ("http", "https") else scheme, netloc, path, urlencode(query), ""))


UNCHANGED = [
    # Vietnamese news sites as they announce articles
    "https://vnexpress.net/abc-4567890.html",
    "https://vnexpress.net/hai-duong-thu-hut-dau-tu-4567890.html?utm_source=facebook&utm_medium=social#box_comment",
    "https://tuoitre.vn/x-20261204.htm?utm_source=zalo&utm_campaign=share&zarsrc=30&gidzl=Ab1-xYz",
    "https://m.tuoitre.vn/hai-duong-don-von-fdi-20261204101530123.htm",
    "https://dantri.com.vn/xa-hoi/hai-duong-20261120083000123.htm/amp",
    "https://amp.dantri.com.vn/xa-hoi/hai-duong-20261120083000123.htm",
    "https://thanhnien.vn/hai-duong-mo-rong-khu-cong-nghiep-185261120.htm?outputType=amp",
    "https://vietnamnet.vn/hai-duong-thu-hut-dau-tu-2345678.html?amp=1",
    "https://mobile.cafef.vn/hai-duong-188261120.chn?fbclid=IwAR0abc",
    "https://kenh14.vn/bai-viet-215261120.chn?ref=home",
    "https://vtv.vn/xa-hoi/bai-viet-20261120.htm?gclid=xyz&page=2",
    "https://www.24h.com.vn/tin-tuc-trong-ngay/bai-viet-c46a1500000.html",
    "https://zingnews.vn/tieu-diem/hai-duong.html#section-2",
    "https://baomoi.com/hai-duong-mo-rong-khu-cong-nghiep/c/47852369.epi",
    "https://baomoi.com/tag/Hải-Dương.epi",
    "https://baomoi.com/tag/H%E1%BA%A3i-D%C6%B0%C6%A1ng.epi",
    "https://baomoi.com/tag/h%e1%ba%a3i-d%c6%b0%c6%a1ng.epi",
    "https://www.baohaiduong.vn/kinh-te/hai-duong-thu-hut-dau-tu-250123.html",
    "https://baohaiduong.vn/tin-tuc.aspx?id=1234&cat=5",
    "http://HAIDUONG.GOV.VN:80/tin-tuc/Pages/default.aspx",
    "https://haiduong.gov.vn:443/Lists/TinTuc/View_Detail.aspx?ItemID=4567&Source=%2Ftin-tuc",
    "https://news.google.com/rss/articles/CBMiK2h0dHBzOi8v?oc=5&hl=vi",
    # WordPress
    "https://blog.example.vn/2022/09/some-post/",
    "https://blog.example.vn/2022/09/some-post",
    "https://www.blog.example.vn/2022/09/bai-viet/?share=facebook",
    "https://blog.example.vn/?p=123",
    # queries: +, %20, raw and encoded Vietnamese, empty values, repeated keys
    "https://timkiem.vnexpress.net/?q=hải+dương&date_format=all",
    "https://timkiem.vnexpress.net/?q=h%E1%BA%A3i%20d%C6%B0%C6%A1ng&date_format=all",
    "https://a.vn/search?q=a+b&q=a%2Bb&q=a%20b",
    "https://a.vn/x?tab=&id=5",
    "https://a.vn/x?print",
    "https://a.vn/x?b=2&a=1&a=0&&",
    "https://a.vn/x?a=b=c&d='e'",
    "https://a.vn/x?q=%7E*",
    # paths: raw and encoded Vietnamese, spaces, doubled slashes, AMP suffixes, unsafe characters
    "https://a.vn/tin-tức/hải-dương.html",
    "https://a.vn/tin-t%E1%BB%A9c/h%E1%BA%A3i-d%C6%B0%C6%A1ng.html",
    "https://a.vn/path%20with%20space/bai+viet.html",
    "https://a.vn//tin//bai.html",
    "https://a.vn/tin/bai.amp",
    "https://a.vn/a[1]|b{c}.html",
    "https://a.vn/bai.html;jsessionid=ABC%7e",
    # hosts, ports, user info
    "https://a.vn./tin.html",
    "https://www.xn--hidng-wob8hx63z.vn/tin.html",
    "http://127.0.0.1:8765/pages/good.html",
    "https://user:secret@a.vn:8443/x/",
    "https://m.vn/x",
    "https://WWW.M.Example.COM/x",
    # not articles, but they must keep their key too
    "",
    "mailto:toasoan@baohaiduong.vn",
    "javascript:void(0)",
    "//cdn.a.vn/x.html",
]

# Shapes the old implementation got wrong; their stored url_hash must be recomputed (from the original URL:
# the old key lost the information) by the migration.
CHANGED = {
    # IDN host: the old key kept Unicode, so the punycode spelling of the same host was another article
    "https://hảidương.vn/tin.html": "https://xn--hidng-wob8hx63z.vn/tin.html",
    "https://www.Hải-Dương.vn./tin.html": "https://xn--hi-dng-6wb3j9441a.vn/tin.html",
    # non-UTF-8 escapes: the old key replaced each with U+FFFD, so different URLs shared one key
    "https://a.vn/r%E9sum%E9.html": "https://a.vn/r%E9sum%E9.html",
    "https://a.vn/tim?q=%E9t%E9": "https://a.vn/tim?q=%E9t%E9",
    # %25, %2F, %3B in a path were decoded: "%" left bare (not a URL), an escaped slash or semicolon became a real one
    "https://a.vn/100%25-thanh-cong.html": "https://a.vn/100%25-thanh-cong.html",
    "https://a.vn/a%2Fb.html": "https://a.vn/a%2Fb.html",
    "https://a.vn/bai.html;jsessionid=A%3BB": "https://a.vn/bai.html;jsessionid=A%3BB",
    # dot segments were kept, so /a/../b and /b were two articles
    "https://a.vn/tin/../bai-1.html": "https://a.vn/bai-1.html",
    "https://a.vn/./tin/./bai-1.html": "https://a.vn/tin/bai-1.html",
    # a backslash is a slash in an http URL (browsers and Scrapy fetch /a/b); the old key had %5C
    "https://a.vn/tin\\bai-1.html": "https://a.vn/tin/bai-1.html",
    # IPv6 hosts lost their brackets (the old key was not a URL)
    "http://[::0:1]:8080/tin/": "http://[::1]:8080/tin",
}


def test_about_forty_shapes_are_covered():
    assert len(UNCHANGED) + len(CHANGED) >= 40
    assert not set(UNCHANGED) & set(CHANGED)


@pytest.mark.parametrize("url", UNCHANGED)
def test_keys_of_stored_shapes_are_unchanged(url):
    assert canonical_url(url) == _old_canonical_url(url)
    assert url_hash(url) == url_hash(_old_canonical_url(url))  # and the key is a fixed point


@pytest.mark.parametrize("url,expected", CHANGED.items())
def test_shapes_the_old_function_got_wrong(url, expected):
    assert canonical_url(url) == expected
    assert _old_canonical_url(url) != expected


@pytest.mark.parametrize("url", [u for u in UNCHANGED if u.startswith("http")] + list(CHANGED))
def test_canonical_form_is_its_own_canonical_form(url):
    once = canonical_url(url)
    assert canonical_url(once) == once


# ---------------------------------------------------------------- what w3lib does for us

def test_vietnamese_paths_raw_encoded_and_lower_case_escapes_are_one_key():
    raw = "https://baomoi.com/tag/Hải-Dương.epi"
    assert canonical_url(raw) == "https://baomoi.com/tag/H%E1%BA%A3i-D%C6%B0%C6%A1ng.epi"
    assert canonical_url(raw) == canonical_url("https://baomoi.com/tag/H%e1%ba%a3i-D%c6%b0%c6%a1ng.epi")


def test_idn_host_unicode_and_punycode_are_one_key():
    unicode_form = canonical_url("https://Hảidương.vn/tin.html")
    assert unicode_form == canonical_url("https://xn--hidng-wob8hx63z.vn/tin.html")
    assert unicode_form == canonical_url("https://" + unicodedata.normalize("NFD", "hảidương.vn") + "/tin.html")


def test_query_is_sorted_and_spaces_are_plus():
    assert canonical_url("https://a.vn/x?q=a%20b&b=2&a=ệ") == "https://a.vn/x?a=%E1%BB%87&b=2&q=a+b"
    assert canonical_url("https://a.vn/x?q=a+b") == canonical_url("https://a.vn/x?q=a%20b")
    assert canonical_url("https://a.vn/x?q=a%2Bb") != canonical_url("https://a.vn/x?q=a+b")


def test_fragment_is_removed_and_empty_values_are_kept():
    assert canonical_url("https://a.vn/x?tab=&id=5#binh-luan") == "https://a.vn/x?id=5&tab="
    assert canonical_url("https://a.vn/x?print") == "https://a.vn/x?print="


# ---------------------------------------------------------------- the project's rules

@pytest.mark.parametrize("name", ["utm_source", "UTM_Medium", "utm%5Fcampaign", "fbclid", "gclid", "zarsrc", "gidzl",
                                  "_ga", "ref", "share", "outputType", "AMP"])
def test_tracking_parameters_are_dropped(name):
    assert canonical_url(f"https://tuoitre.vn/x-20261204.htm?id=3&{name}=abc") == "https://tuoitre.vn/x-20261204.htm?id=3"
    assert canonical_url(f"https://tuoitre.vn/x-20261204.htm?{name}=abc") == "https://tuoitre.vn/x-20261204.htm"


def test_tracking_list_is_the_stored_one():
    assert TRACKING_PARAMS.pattern == _OLD_TRACKING_PARAMS.pattern
    assert TRACKING_PARAMS.flags == _OLD_TRACKING_PARAMS.flags


def test_parameters_that_only_look_like_tracking_are_kept():
    assert canonical_url("https://a.vn/x?reference=1&shared=2&page=3") == "https://a.vn/x?page=3&reference=1&shared=2"


@pytest.mark.parametrize("host", ["www.vnexpress.net", "m.vnexpress.net", "amp.vnexpress.net", "mobile.vnexpress.net",
                                  "www.m.vnexpress.net"])
def test_www_mobile_and_amp_hosts_fold(host):
    assert canonical_url(f"https://{host}/bai-1.html") == "https://vnexpress.net/bai-1.html"


@pytest.mark.parametrize("url,expected", [
    ("https://m.vn/x", "https://m.vn/x"),  # only one dot: the prefix is the domain
    ("https://www.vn/x", "https://www.vn/x"),
    ("https://m.www.a.vn/x", "https://www.a.vn/x"),  # prefixes fold in their fixed order, as the stored keys did
    ("https://mm.a.vn/x", "https://mm.a.vn/x"),
])
def test_host_prefix_needs_two_dots(url, expected):
    assert canonical_url(url) == expected


@pytest.mark.parametrize("url", ["https://a.vn/tin/bai-1.html/amp", "https://a.vn/tin/bai-1.html/amp/",
                                 "https://a.vn/tin/bai-1.html.amp", "https://a.vn/tin/bai-1.html?amp=1",
                                 "https://a.vn/tin/bai-1.html?outputType=amp", "https://amp.a.vn/tin/bai-1.html"])
def test_amp_variants(url):
    assert canonical_url(url) == "https://a.vn/tin/bai-1.html"


def test_amp_inside_a_path_is_kept():
    assert canonical_url("https://a.vn/amp/bai-1.html") == "https://a.vn/amp/bai-1.html"
    assert canonical_url("https://a.vn/camp") == "https://a.vn/camp"


def test_trailing_slash_and_doubled_slashes():
    assert canonical_url("https://blog.vn/2022/09/some-post/") == "https://blog.vn/2022/09/some-post"
    assert canonical_url("https://blog.vn//2022///09/some-post//") == "https://blog.vn/2022/09/some-post"
    assert canonical_url("https://blog.vn/") == "https://blog.vn/" and canonical_url("https://blog.vn") == "https://blog.vn/"


def test_scheme_and_host_case_default_ports_and_trailing_dot():
    assert canonical_url("HTTP://A.VN:80/Tin/Bai.html") == "http://a.vn/Tin/Bai.html"  # the path keeps its case
    assert canonical_url("https://a.vn:443/x") == "https://a.vn/x"
    assert canonical_url("http://a.vn:443/x") == "http://a.vn:443/x"
    assert canonical_url("https://a.vn:8443/x") == "https://a.vn:8443/x"
    assert canonical_url("https://a.vn../x") == "https://a.vn/x"


def test_user_info_is_dropped():
    assert canonical_url("https://user:pass@a.vn/x") == "https://a.vn/x"


def test_brackets_and_pipes_stay_escaped_in_a_path():
    assert canonical_url("https://a.vn/a[1]|b") == "https://a.vn/a%5B1%5D%7Cb"
    assert canonical_url("https://a.vn/a%5B1%5D%7cb") == "https://a.vn/a%5B1%5D%7Cb"


def test_path_parameters_are_normalised_like_the_path():
    assert canonical_url("https://a.vn/bai.html;jsessionid=ab%7e;x=%c3%a1") == "https://a.vn/bai.html;jsessionid=ab~;x=%C3%A1"


# ---------------------------------------------------------------- invalid input

@pytest.mark.parametrize("url,expected", [
    ("", "http:///"),
    ("   ", "http:///"),
    ("garbage", "http:///garbage"),
    ("//a.vn/x/", "http://a.vn/x"),
    ("mailto:ToaSoan@a.vn", "mailto:ToaSoan@a.vn"),
    ("javascript:void(0)", "javascript:void(0)"),
])
def test_input_that_is_no_article_url_gets_a_key_no_article_has(url, expected):
    assert canonical_url(url) == expected


@pytest.mark.parametrize("url", ["http://a.vn:abc/x", "http://a.vn:99999/x", "http://[::1/x", "http://a.vn/\ud800"])
def test_unparseable_urls_raise_value_error(url):
    with pytest.raises(ValueError, match="not a URL"):
        canonical_url(url)
    with pytest.raises(ValueError):
        url_hash(url)


def test_non_strings_raise_type_error():
    with pytest.raises(TypeError):
        canonical_url(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        canonical_url(b"https://a.vn/x")  # type: ignore[arg-type]


def test_random_garbage_gives_a_string_or_value_error():
    pieces = list("aZ09:/?#[]@!$&'()*+,;=%-._~ \t\n\\|{}^`\"<>") + [
        "%2F", "%3b", "%E9", "%c3%a1", "ả", "ệ", "\u00a0", "www.", "m.", "amp", "http://", "https://", "//", "xn--",
        "\ud800", "。", ":80", ":443", ":99999", "[::1]"]
    rnd = random.Random(20261204)
    for _ in range(20000):
        url = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 20)))
        try:
            assert isinstance(canonical_url(url), str)
        except ValueError:
            pass
