"""Places and risk phrases marked in an article's text; scraped markup stays text."""

from functools import cache

import yaml

from config.settings import load_settings
from nlp.highlight import spans
from nlp.relevance import Gazetteer
from nlp.risk import RiskRules
from review.templating import highlighted


@cache
def _rules() -> tuple[Gazetteer, RiskRules]:
    settings = load_settings()
    read = lambda name: yaml.safe_load(settings.config_file(name).read_text(encoding="utf-8"))  # noqa: E731
    return Gazetteer.from_dict(read("gazetteer.yaml")), RiskRules.from_dict(read("risk_rules.yaml"))


def test_places_and_risk_phrases_are_found_where_they_are_and_the_ocean_is_not_a_place():
    gazetteer, rules = _rules()
    text = "Theo nguồn tin giấu tên, người dân ở Kinh Môn và TP Hải Dương bức xúc. Hải dương học là một ngành."
    found = [(text[s.start:s.end], s.kind) for s in spans(text, gazetteer, rules)]
    assert found == [("nguồn tin giấu tên", "risk"), ("Kinh Môn", "place"), ("TP Hải Dương", "place")]
    unaccented = "nguoi dan o Kinh Mon noi"
    assert [(unaccented[s.start:s.end], s.kind) for s in spans(unaccented, gazetteer, rules)] == [("Kinh Mon", "place")]


def test_highlighted_text_escapes_everything_but_its_own_marks():
    gazetteer, rules = _rules()
    text = '<script>alert(1)</script> Kinh Môn <img src=x onerror="alert(2)"> "nguồn tin giấu tên"'
    html = str(highlighted(text, spans(text, gazetteer, rules)))
    from lxml import html as lxml_html

    elements = lxml_html.fragment_fromstring(html, create_parent="div").iter()
    assert {e.tag for e in elements} == {"div", "mark"}  # the only elements are the marks: the rest is text
    assert "&lt;script&gt;" in html and "&lt;img" in html
    assert '<mark class="place" title="kinh-mon">Kinh Môn</mark>' in html
    assert '<mark class="risk"' in html and ">nguồn tin giấu tên</mark>" in html
