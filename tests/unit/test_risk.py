"""The risk score: explainable parts, the source never decides alone."""

import yaml

from config.settings import default_config_dir
from nlp.risk import RiskInput, RiskRules, score

RULES = RiskRules.from_dict(yaml.safe_load((default_config_dir() / "risk_rules.yaml").read_text("utf-8")))


def item(text: str = "", **kw) -> RiskInput:
    base = dict(title="Tiêu đề", text=text, topic="economy", topic_label="Kinh tế",
                negative_probability=0.1, distortion_probability=0.1, relevant=True,
                source_kind="domestic", source_prior=0.0)
    base.update(kw)
    return RiskInput(**base)


def test_source_kind_and_worst_prior_alone_stay_below_the_default_threshold():
    result = score(item(source_kind="overseas_vietnamese", source_prior=-1.0, distortion_probability=0.0), RULES)
    assert result.risk < 0.5
    assert any("báo tiếng Việt ở nước ngoài" in r for r in result.reasons)


def test_phrases_are_found_without_diacritics_and_quoted_in_reasons():
    text = "Theo mot nguon tin giau ten, chinh quyen bung bit su that. Hay chia se truoc khi bi xoa!"
    result = score(item(text), RULES)
    assert set(result.phrases) >= {"anonymous_sources", "hostile_framing", "call_to_action"}
    assert any("«nguon tin giau ten»" in r for r in result.reasons)


def test_rules_classifier_and_sensitive_negativity_add_up_to_a_flag():
    text = "Một nguồn tin giấu tên cho biết nhà cầm quyền bưng bít sự thật, cướp đất của dân."
    result = score(item(text, topic="rights_religion", topic_label="Nhân quyền – Tôn giáo",
                        negative_probability=0.9, distortion_probability=0.7,
                        source_kind="blog", source_prior=-0.5), RULES)
    assert result.risk >= 0.5
    assert result.reasons[0].endswith(")")  # every reason carries its contribution
    assert any("chủ đề nhạy cảm" in r for r in result.reasons)


def test_factual_negative_news_from_a_reliable_source_is_low():
    text = "Tòa án nhân dân tỉnh tuyên phạt bị cáo 12 năm tù về tội lừa đảo, theo bản án công bố hôm qua."
    result = score(item(text, topic="security_law", negative_probability=0.9, distortion_probability=0.15,
                        source_prior=0.6), RULES)
    assert result.risk < 0.3


def test_not_relevant_pieces_are_damped_and_say_so():
    text = "Một nguồn tin giấu tên nói nhà cầm quyền bưng bít."
    relevant = score(item(text), RULES).risk
    other = score(item(text, relevant=False), RULES)
    assert other.risk < relevant
    assert any("Không nói trực tiếp" in r for r in other.reasons)
