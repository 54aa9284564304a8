import pytest

from crawlers.feeds import FeedError, parse_feed

RSS = b"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>T</title>
<item><title>B\xc3\xa0i 1</title><link>http://a.vn/1</link><pubDate>Thu, 20 Nov 2026 01:30:00 +0000</pubDate></item>
<item><title>No link</title></item></channel></rss>"""
ATOM = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>
<entry><title>E</title><link href="http://a.vn/e"/><updated>2026-11-20T01:30:00Z</updated>
<author><name>X</name></author></entry></feed>"""


def test_rss_entries_are_typed_and_entries_without_link_warned():
    feed = parse_feed(RSS)
    assert [e.link for e in feed.entries] == ["http://a.vn/1"]
    assert feed.entries[0].title == "Bài 1"
    assert feed.entries[0].published is not None and feed.entries[0].published.hour == 1
    assert any("without link" in w for w in feed.warnings)


def test_atom():
    entry = parse_feed(ATOM).entries[0]
    assert (entry.link, entry.author) == ("http://a.vn/e", "X")


@pytest.mark.parametrize("body,needle", [
    (b"<!DOCTYPE html><html><body>Not a feed</body></html>", "HTML"),
    (b"", "empty"),
    (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
     b"<rss><channel><title>&lol2;</title></channel></rss>", "entities"),
    (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss>&x;</rss>', "entities"),
    (b"\x00\x01garbage", "malformed"),
])
def test_unusable_feeds_raise_with_a_reason(body, needle):
    with pytest.raises(FeedError, match=needle):
        parse_feed(body)
