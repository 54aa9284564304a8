"""The learned focus-vs-mention decision: its features and its stored form."""

import pytest
import yaml

from config.settings import default_config_dir
from nlp.relevance import Gazetteer, assess, tier_inputs
from nlp.tiers import FEATURES, TierModel

GAZ = Gazetteer.from_dict(yaml.safe_load((default_config_dir() / "gazetteer.yaml").read_text("utf-8")))


def _features(title: str, text: str) -> dict[str, float]:
    result = assess(title, text, GAZ)
    assert result.matches
    return dict(zip(FEATURES, tier_inputs(result.matches, f"{title}\n{text}", len(title), GAZ)[0], strict=True))


def test_a_list_of_provinces_and_a_hometown_are_told_from_a_subject():
    listed = _features("Dịch cúm gia cầm lan rộng", "Dịch đã xuất hiện ở Hà Nam, Hải Dương, Thái Bình và Nam Định.")
    hometown = _features("Bệnh nhân được cứu sống", "Bệnh nhân 45 tuổi, quê Hải Dương, được mổ tại Hà Nội.")
    bracket = _features("Người đàn ông bị bắt", "Nguyễn Văn A (trú tại Ninh Giang, Hải Dương) bị bắt tại Long An.")
    subject = _features("Hải Dương khánh thành cầu mới", "Cây cầu nối hai huyện của tỉnh dài 1,2 km.")
    assert listed["list_share"] == 1.0 and subject["list_share"] == 0.0
    assert hometown["origin_share"] == 1.0 and subject["origin_share"] == 0.0
    assert bracket["bracket_share"] > 0
    assert subject["in_title"] == 1.0 and listed["in_title"] == 0.0
    # a national round-up names other provinces around the region's name
    assert listed["other_regions_log"] > 1.0 and listed["other_near_share"] == 1.0
    assert subject["other_regions_log"] == 0.0 and subject["other_near_share"] == 0.0


def test_the_model_decides_between_focus_and_mention_only():
    focus_only = TierModel(tuple([0.0] * (len(FEATURES) - 1) + [10.0]))  # the bias alone: always focus
    mention_only = TierModel(tuple([0.0] * (len(FEATURES) - 1) + [-10.0]))
    listed = ("Dịch cúm gia cầm lan rộng", "Dịch đã xuất hiện ở Hà Nam, Hải Dương, Thái Bình và Nam Định.")
    assert assess(*listed, GAZ, focus_only).tier == "focus"
    assert assess(*listed, GAZ, mention_only).tier == "mention"
    assert assess("Giá vàng tăng", "Giá vàng trong nước tăng mạnh.", GAZ, focus_only).tier == "none"


def test_fitted_weights_round_trip_and_refuse_other_features():
    vectors = [[1, 2, 1, 1, 1, 1, 0.1, 0, 0, 0, 3, 0, 0, 1], [0, 0, 0.5, 0.2, 1, 0.7, 0.8, 1, 0, 1, 3, 2, 1, 1]] * 5
    model = TierModel.fit(vectors, [True, False] * 5)
    assert model.focus_probability(vectors[0]) > 0.5 > model.focus_probability(vectors[1])
    assert TierModel.from_dict(model.to_dict()) == model
    with pytest.raises(ValueError):
        TierModel.from_dict({**model.to_dict(), "features": ["something", "else"]})
    with pytest.raises(ValueError):
        TierModel.fit(vectors[:1], [True])


def test_the_words_around_the_names_tell_a_venue_from_a_hometown():
    venue = ("Giải bóng bàn trẻ toàn quốc", "Giải diễn ra tại nhà thi đấu tỉnh Hải Dương với 300 vận động viên.")
    hometown = ("Vận động viên trẻ giành huy chương", "Em Nguyễn Văn B, quê Hải Dương, giành huy chương vàng.")
    terms = {}
    for name, (title, text) in {"venue": venue, "hometown": hometown}.items():
        result = assess(title, text, GAZ)
        terms[name] = tier_inputs(result.matches, f"{title}\n{text}", len(title), GAZ)[1]
    assert {"tai nha thi dau", "dau tinh", "tinh _place_"} & terms["venue"]
    assert "que _place_" in terms["hometown"] and "que _place_" not in terms["venue"]
    vectors = [[0.0] * (len(FEATURES) - 1) + [1.0]] * 10  # the features say nothing: only the words decide
    model = TierModel.fit(vectors, [True, False] * 5, contexts=[terms["venue"], terms["hometown"]] * 5, min_pieces=1)
    blank = vectors[0]
    assert model.focus_probability(blank, terms["venue"]) > 0.5 > model.focus_probability(blank, terms["hometown"])
    restored = TierModel.from_dict(model.to_dict())
    assert restored == model and restored.context
    with pytest.raises(ValueError):
        TierModel.from_dict({**model.to_dict(), "context": {**model.to_dict()["context"], "chars": 30}})
