"""Entity tagging runs for articles about the region and for flagged ones, not for incidental mentions."""

import pytest

import nlp.analyse
from config import load_settings
from nlp.analyse import Document
from nlp.tokenise import EntityResult
from pipeline.resources import build_analyser

FOCUS = Document(id="focus", lang="vi", title="Tỉnh Hải Dương khánh thành nhà máy điện tử ở Nam Sách",
                 text="UBND tỉnh Hải Dương khánh thành nhà máy điện tử tại khu công nghiệp Nam Sách. " * 4)
MENTION = Document(id="mention", lang="vi", title="Giá lúa ở Cần Thơ tăng mạnh trong tuần",
                   text=("Nông dân Cần Thơ phấn khởi vì giá lúa tăng mạnh. Thương lái từ nhiều tỉnh đổ về thu mua. "
                         * 4) + "Một đoàn cán bộ từ Hải Dương cũng sang học hỏi kinh nghiệm.")


@pytest.fixture(scope="module")
def analyser():
    return build_analyser(load_settings(), with_entities=True)


def test_only_focus_or_flagged_articles_are_tagged(analyser, monkeypatch):
    tagged: list[str] = []
    monkeypatch.setattr(nlp.analyse, "entities", lambda text: tagged.append(text) or EntityResult([]))
    focus, mention = analyser.analyse_many([FOCUS, MENTION])
    assert (focus.relevance, mention.relevance) == ("focus", "mention")
    assert not mention.flagged
    assert len(tagged) == 1 and tagged[0].startswith(FOCUS.title)


def test_a_flagged_mention_is_tagged(analyser, monkeypatch):
    tagged: list[str] = []
    monkeypatch.setattr(nlp.analyse, "entities", lambda text: tagged.append(text) or EntityResult([]))
    monkeypatch.setattr(analyser, "threshold", 0.0)  # everything is flagged
    (mention,) = analyser.analyse_many([MENTION])
    assert mention.relevance == "mention" and mention.flagged
    assert len(tagged) == 1
