"""Thresholds learnt from analysts' decisions: only with enough of both, only upward for suggestions."""

from nlp.claims.thresholds import tune


def test_too_few_decisions_keep_the_shipped_thresholds():
    assert tune([(0.5, True)] * 30 + [(0.5, False)] * 5, 0.47, 0.75)["learnt"] is False


def test_rejected_low_scores_raise_the_suggestion_level_and_the_strong_level_follows_precision():
    pairs = [(0.48 + i * 0.001, False) for i in range(30)]  # analysts reject what scores just above 0.47
    pairs += [(0.6 + i * 0.01, True) for i in range(30)]
    found = tune(pairs, 0.47, 0.75)
    assert found["learnt"] and 0.5 < found["suggest"] <= 0.6
    assert 0.6 <= found["strong"] <= 0.75  # every decided pair from 0.6 up was confirmed


def test_nothing_is_lowered():
    pairs = [(0.9, True)] * 25 + [(0.95, False)] * 25
    found = tune(pairs, 0.47, 0.75)
    assert found["suggest"] >= 0.47 and found["strong"] >= found["suggest"]


def test_the_matcher_takes_learnt_thresholds_from_the_model_directory(tmp_path):
    import json

    from config.settings import load_settings
    from nlp.claims.match import KnownClaim
    from pipeline.claims import claim_index

    (tmp_path / "claims.json").write_text(json.dumps({"suggest": 0.55, "strong": 0.8, "learnt": True}))
    index = claim_index(load_settings(model_dir=tmp_path), [KnownClaim("c1", "Một khẳng định về Chí Linh", "vi")])
    assert (index.suggest, index.strong) == (0.55, 0.8)
    from nlp.claims.match import SUGGEST

    assert claim_index(load_settings(), [KnownClaim("c1", "x y z", "vi")]).suggest == SUGGEST


def test_a_reranker_learns_which_suggestions_analysts_reject_and_the_matcher_drops_them(tmp_path):
    import json

    from config.settings import load_settings
    from nlp.claims.match import KnownClaim
    from nlp.claims.thresholds import fit_reranker
    from pipeline.claims import claim_index

    claims = [KnownClaim("c1", "Police in Chi Linh seized 120 hectares of farmland without compensation.", "en")]
    vi = ("Dân mất đất", "Công an Chí Linh thu hồi 120 ha đất nông nghiệp mà không bồi thường cho người dân.", "vi")
    en = ("Farmers lose land", "Chi Linh police took 120 hectares of farmland from villagers, paying nothing.", "en")
    plain = claim_index(load_settings(), claims)
    across, within = plain.match(*vi), plain.match(*en)
    assert [m.claim_id for m in across] == ["c1"] == [m.claim_id for m in within]
    # analysts reject what matched across languages and confirm what matched in the same one
    rows = [(list(across[0].features), False)] * 25 + [(list(within[0].features), True)] * 25
    model = fit_reranker(rows)
    assert model is not None and model["trained_on"] == 50
    assert fit_reranker(rows[:30]) is None  # too few confirmations to learn from
    (tmp_path / "claims.json").write_text(json.dumps({"reranker": model}))
    learnt = claim_index(load_settings(model_dir=tmp_path), claims)
    assert learnt.match(*vi) == [] and [m.claim_id for m in learnt.match(*en)] == ["c1"]
