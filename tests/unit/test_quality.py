"""Quality gates of the shipped analysis on data it was not trained on.

Floors are set below the figures measured when the model was built (recorded in the README and
the model card) with room for retraining noise, not tuned to pass: a model that falls under them
is worse than the one shipped today.
"""

import pytest

from config.settings import load_settings
from nlp.analyse import Document
from nlp.corpus import load, seed_files
from pipeline.evaluation import demo_examples, evaluate


@pytest.fixture(scope="module")
def held_out() -> list:
    """The seed corpus's held-out split, read once for every gate below."""
    return load(seed_files(), split="test")


@pytest.fixture(scope="module")
def seed_test(held_out) -> dict:
    return evaluate(load_settings(), held_out, {})


@pytest.fixture(scope="module")
def demo() -> dict:
    priors = {}
    from pipeline.demo.sites import load_sites

    for site in load_sites():
        for a in site.articles:
            priors[f"{site.id}/{a.slug}"] = site.prior
    return evaluate(load_settings(), demo_examples(), priors)


def test_held_out_seed_split(seed_test):
    # 584 held-out items (383 since the second round, 106 of the sentiment pieces, 71 of the topic-border
    # pieces, 24 of the English stance pieces; 119 before the second round), a third of them hard relevance cases
    assert seed_test["n"] >= 580
    # the learned tier decision: 0.875 by the rule alone, 0.932 by the features, 0.945 with the context
    # words (on the 383; 0.958 today); 0.942 on the 584 (sentiment pieces naming only ambiguous places)
    assert seed_test["relevance"]["accuracy"] >= 0.93
    # 0.877 / 0.875 (0.861 / 0.848 on the 489 before the topic-border pieces)
    assert seed_test["topic"]["accuracy"] >= 0.86 and seed_test["topic"]["macro_f1"] >= 0.86
    # 0.851 / 0.848 (0.845 / 0.842 on the 560 before the English stance pieces)
    assert seed_test["sentiment"]["accuracy"] >= 0.83 and seed_test["sentiment"]["macro_f1"] >= 0.83
    flag = seed_test["flagged"]["per_class"]["flag"]
    # the learned weighing of the risk's parts (recall 0.887 -> 0.944, false flags 2.6 % -> 1.6 %; with the
    # sentiment pieces 0.944 and 1.4 % on the 489; with the topic-border and stance pieces 0.935 and 1.2 % on
    # the 584)
    assert flag["precision"] >= 0.9 and flag["recall"] >= 0.91
    fair_flagged = seed_test["flagged"]["confusion"][0][1] / sum(seed_test["flagged"]["confusion"][0])
    assert fair_flagged <= 0.03
    # the risk is a calibrated probability: each bin's prediction is near the share that was distorted
    assert seed_test["risk_reliability"]["calibrated"]
    assert seed_test["risk_reliability"]["expected_calibration_error"] <= 0.05


def test_topic_and_sentiment_of_items_about_the_region(held_out):
    """The issue's measure: macro-F1 over the held-out items about the region (focus or mention), 509 of
    the 584: topic 0.871, sentiment 0.863 (English 0.865; the model before the stance pieces 0.871 / 0.854,
    English 0.845; before the topic-border pieces 0.849 / 0.854 on the 431 it was measured on)."""
    about = [e for e in held_out if e.relevance in ("focus", "mention")]
    assert len(about) >= 500
    report = evaluate(load_settings(), about, {})
    assert report["topic"]["macro_f1"] >= 0.86
    assert report["sentiment"]["macro_f1"] >= 0.85


def test_topic_borders_and_coverage_formats(held_out):
    """The held-out share of the 360 topic-border and real-coverage-format pieces (71: topic macro-F1 0.934,
    sentiment 0.803; the model before them 0.895 / 0.749). Their labels were read twice more, blind."""
    prefixes = ("vbd-", "vbe-", "ebd-", "ebe-", "vrc-", "erc-")
    held = [e for e in held_out if e.id.startswith(prefixes)]
    assert len(held) >= 60 and len({e.topic for e in held}) == 10
    report = evaluate(load_settings(), held, {})
    assert report["topic"]["macro_f1"] >= 0.9
    assert report["sentiment"]["macro_f1"] >= 0.77


def test_weighed_and_routine_news_is_neutral_unless_someone_is_blamed(held_out):
    """The held-out share of the 580 pieces written for sentiment: neutral weighed and routine news, solved
    problems, upbeat words without praise, the same difficulties blamed on local bodies (106 pieces:
    macro-F1 0.854, neutral F1 0.889; 0.810 / 0.876 before the topic-border pieces; the model before the
    sentiment pieces 0.635 on the first 72)."""
    prefixes = ("vwg-", "vrt-", "vrg-", "ewg-", "ert-", "vsv-", "esv-", "vub-")
    held = [e for e in held_out if e.id.startswith(prefixes)]
    assert len(held) >= 100 and {e.sentiment for e in held} == {"positive", "neutral", "negative"}
    report = evaluate(load_settings(), held, {})
    assert report["sentiment"]["macro_f1"] >= 0.83
    assert report["sentiment"]["per_class"]["neutral"]["f1"] >= 0.87


def test_demo_sites_never_trained_on(demo):
    assert demo["relevance"]["accuracy"] >= 0.93
    assert demo["topic"]["accuracy"] >= 0.68
    # 0.75, macro-F1 0.728 (0.74 / 0.680 before the sentiment pieces)
    assert demo["sentiment"]["accuracy"] >= 0.70 and demo["sentiment"]["macro_f1"] >= 0.69
    flag = demo["flagged"]["per_class"]["flag"]
    assert flag["recall"] >= 0.7 and flag["precision"] >= 0.7


def test_factual_negative_news_and_fair_overseas_pieces_are_rarely_flagged(analyser):
    def fair(split):
        return [e for e in load(seed_files(), split=split) if e.distorted is False and e.relevance != "none"]

    negative = [e for e in fair("test") if e.sentiment == "negative"]  # held out
    # every fair overseas piece, trained on or not: what is tested here is the worst source prior
    overseas_fair = [e for e in fair(None) if e.source_kind == "overseas_vietnamese" and e.sentiment != "negative"]
    assert len(negative) >= 20 and len(overseas_fair) >= 20

    def flag_rate(items, prior):
        docs = [Document(id=e.id, title=e.title, text=e.text, lang=e.lang, source_kind=e.source_kind,
                         source_prior=prior) for e in items]
        return sum(r.flagged for r in analyser.analyse_many(docs)) / len(docs)

    # calibrated and bolder since the second round (recall 0.73 -> 0.89 on the held-out split): 5 of 83
    # sharply critical pieces are flagged today, each with its reasons for an analyst to dismiss
    assert flag_rate(negative, 0.0) <= 0.08
    # the source alone never decides: even with the worst prior, fair overseas pieces stay unflagged
    assert flag_rate(overseas_fair, -1.0) <= 0.05


def test_every_flag_says_why_in_vietnamese(analyser):
    distorted = [e for e in load(seed_files()) if e.distorted]
    docs = [Document(id=e.id, title=e.title, text=e.text, lang=e.lang, source_kind=e.source_kind)
            for e in distorted]
    flagged = [r for r in analyser.analyse_many(docs) if r.flagged]
    assert flagged
    for result in flagged:
        assert result.reasons and all(r.strip() for r in result.reasons)
        assert any("(+" in r for r in result.reasons)  # each contribution is shown


@pytest.mark.parametrize("name", ["vntc", "uit-vsfc", "reintel"])
def test_named_public_evaluations_run(name):
    """The public sets are read from ../shared/data (absent on a user's fresh clone: skipped then)."""
    from pathlib import Path

    from pipeline.evaluation import examples_for

    data = Path(__file__).resolve().parents[3] / "shared" / "data"
    if not data.is_dir():
        import os

        if os.environ.get("CI"):
            pytest.fail(f"CI must have the shared data at {data}")
        pytest.skip(f"no shared data at {data}")
    examples, _ = examples_for(name, data)
    assert len(examples) >= 500
    report = evaluate(load_settings(), examples[:300], {})
    task = {"vntc": "topic", "uit-vsfc": "sentiment", "reintel": "flagged"}[name]
    assert report[task]["n"] == 300 and report[task]["confusion"]


def test_relevance_tiers_on_real_news():
    """Hand-labeled tiers of real VNTC news that names a place of the region (labels in nlp/tiers/)."""
    from pathlib import Path

    from pipeline.evaluation import examples_for

    data = Path(__file__).resolve().parents[3] / "shared" / "data"
    if not data.is_dir():
        import os

        if os.environ.get("CI"):
            pytest.fail(f"CI must have the shared data at {data}")
        pytest.skip(f"no shared data at {data}")
    from pipeline.evaluation import evaluate_named

    examples, _ = examples_for("vntc-tiers", data)
    assert len(examples) >= 600 and {e.relevance for e in examples} == {"focus", "mention", "none"}
    settings = load_settings().model_copy(update={"shared_data_dir": data})
    report = evaluate_named(settings, "vntc-tiers")
    # the shipped tier model was fitted on these too: the honest figure is the cross-validated one
    # (621 pieces: 0.899 accuracy, focus F1 0.767 with the context words and the topic-border and stance pieces
    # in the seed's share of the fit, 0.900 / 0.783 without them; the session before the context words: 0.868 / 0.67)
    cross = report["relevance_cross_validated"]
    assert cross["n"] == len(examples) and cross["accuracy"] >= 0.89 and cross["per_class"]["focus"]["f1"] >= 0.76
    assert report["relevance"]["accuracy"] >= 0.93
