"""The command-line contract, run as a user runs it: the installed `hdmonitor` script."""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import free_port

HDMONITOR = str(Path(sys.executable).parent / "hdmonitor")
CONTRACT = ["id", "lang", "relevance", "relevance_score", "topic", "topic_scores", "sentiment",
            "sentiment_score", "risk", "flagged", "reasons", "places"]
TOPICS = {"politics", "economy", "agriculture", "culture_tourism", "society", "security_law",
          "environment", "rights_religion", "science_technology", "other"}


def run(*args: str, db: str | None = None, stdin: str | None = None, cwd: Path | None = None,
        timeout: int = 600, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HDM_")}
    env.update(extra_env or {})
    if db:
        env["HDM_DATABASE_URL"] = db
    return subprocess.run([HDMONITOR, *args], input=stdin, capture_output=True, text=True, env=env,
                          timeout=timeout, cwd=cwd)


def assert_one_line_error(result: subprocess.CompletedProcess, needle: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("lỗi / error:") and needle in lines[0], lines[0]


LINES = [
    {"id": "vi-1", "title": "Tỉnh Hải Dương thu hút 300 triệu USD vốn FDI vào khu công nghiệp",
     "text": "UBND tỉnh Hải Dương cho biết nhiều doanh nghiệp Hàn Quốc mở rộng nhà máy tại Đại An."},
    {"id": "en-1", "title": "Factory fire in Hai Duong injures three workers", "lang": "en",
     "text": "A fire broke out at a garment factory in Cam Giang district, police said.",
     "source_kind": "foreign"},
    {"id": 3, "title": "Giá lúa tăng", "text": "Giá lúa tại miền Tây tăng nhẹ trong tuần.", "url": "http://x.vn/a"},
    {"id": "vi-nfd", "title": "Ha\u0309i Dương", "text": "Tin ve\u0300 Hải Dương, hoà bình."},
]


def test_classify_answers_every_line_in_order_with_every_field(tmp_path: Path):
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in LINES) + "\n\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = run("classify", "--input", str(src), "--output", str(out))
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["vi-1", "en-1", "3", "vi-nfd"]
    for row in rows:
        assert list(row) == CONTRACT
        assert row["relevance"] in {"focus", "mention", "none"} and row["topic"] in TOPICS
        assert row["sentiment"] in {"positive", "neutral", "negative"}
        assert 0.0 <= row["risk"] <= 1.0 and isinstance(row["flagged"], bool)
        assert abs(sum(row["topic_scores"].values()) - 1.0) < 1e-3
        assert isinstance(row["reasons"], list) and isinstance(row["places"], list)
    assert rows[0]["lang"] == "vi" and rows[1]["lang"] == "en"
    assert rows[0]["relevance"] == "focus" and rows[1]["relevance"] == "focus"
    assert rows[2]["relevance"] == "none"
    assert rows[3]["places"] == ["Hải Dương"]  # NFD input matched after normalisation


def test_classify_reads_stdin_and_writes_stdout():
    result = run("classify", "--input", "-", "--output", "-", stdin=json.dumps(LINES[1]) + "\n")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["id"] == "en-1"


def test_classify_bad_input_is_one_line_and_writes_nothing(tmp_path: Path):
    out = tmp_path / "out.jsonl"
    assert_one_line_error(run("classify", "--input", str(tmp_path / "missing.jsonl"), "--output", str(out)),
                          "file not found")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(LINES[0]) + "\n{not json\n", encoding="utf-8")
    assert_one_line_error(run("classify", "--input", str(bad), "--output", str(out)), "bad.jsonl:2")
    bad.write_text('{"title": "no id"}\n', encoding="utf-8")
    assert_one_line_error(run("classify", "--input", str(bad), "--output", str(out)), "needs 'id'")
    bad.write_bytes(b'{"id": 1, "text": "\xff\xfe"}\n')
    assert_one_line_error(run("classify", "--input", str(bad), "--output", str(out)), "not UTF-8")
    assert not out.exists()


def test_unreachable_database_is_one_line():
    assert_one_line_error(run("status", db="postgresql://nobody@127.0.0.1:1/none"), "cannot connect")
    assert_one_line_error(run("--database", "bogus://x", "init"), "invalid database URL")


def test_bad_sources_file_and_unknown_source_are_one_line(tmp_path: Path, sqlite_url: str):
    bad = tmp_path / "s.yaml"
    bad.write_text("sources:\n  - {id: x1, name: X, kind: tabloid, lang: vi, feeds: ['http://a/']}\n")
    assert_one_line_error(run("sources", "list", "--sources", str(bad)), "'x1': kind")
    assert_one_line_error(run("crawl", "--once", "--sources", str(tmp_path / "no.yaml"), db=sqlite_url),
                          "file not found")
    assert_one_line_error(run("crawl", "--once", "--source", "nope", db=sqlite_url), "'nope'")


def test_init_twice_and_sources_list(sqlite_url: str):
    newest = max(p.name[:4] for p in (Path(__file__).parents[2] / "store/migrations/versions").glob("0*.py"))
    for _ in range(2):
        result = run("init", db=sqlite_url)
        assert result.returncode == 0, result.stderr
        assert f"revision {newest}" in result.stdout
    listing = run("sources", "list")
    assert listing.returncode == 0 and "vnexpress" in listing.stdout


def test_demo_twice_then_export_follows_the_contract(tmp_path: Path):
    db = f"sqlite:///{tmp_path / 'demo.db'}"
    port = str(free_port())
    first = run("demo", "--port", port, db=db)
    assert first.returncode == 0, first.stderr + first.stdout
    assert "demo-xudong" in first.stdout and "Tổng / total" in first.stdout
    second = run("demo", "--port", port, db=db)
    assert second.returncode == 0, second.stderr

    out = tmp_path / "all.jsonl"
    assert run("export", "--format", "jsonl", "--output", str(out), db=db).returncode == 0
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert len(rows) >= 60 and len({r["canonical_url"] for r in rows}) == len(rows)
    keys = {"canonical_url", "url", "source_id", "title", "text", "published_at", "fetched_at", "lang",
            "content_hash", "story_id", "analysis", "case"}
    for row in rows:
        assert set(row) == keys
        assert row["fetched_at"].endswith("Z")
        assert list(row["analysis"]) == CONTRACT
    flagged = [r for r in rows if r["case"]]
    assert flagged and all(r["analysis"]["flagged"] and r["case"]["status"] == "open" for r in flagged)

    only = tmp_path / "flagged.csv"
    assert run("export", "--format", "csv", "--flagged", "--output", str(only), db=db).returncode == 0
    with only.open(encoding="utf-8", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert sorted(r["canonical_url"] for r in table) == sorted(r["canonical_url"] for r in flagged)
    assert all(r["flagged"] == "True" and r["reasons"] for r in table)
    xlsx = tmp_path / "all.xlsx"
    assert run("export", "--format", "xlsx", "--since", "2000-01-01", "--output", str(xlsx), db=db).returncode == 0
    assert xlsx.read_bytes()[:2] == b"PK"
    assert_one_line_error(run("export", "--since", "hôm qua", "--output", "-", db=db), "invalid date")


@pytest.mark.parametrize("command", ["", "classify", "export", "crawl", "sources list", "demo", "train"])
def test_help_is_vietnamese_first(command):
    result = run(*command.split(), "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("cách dùng / usage: hdmonitor")
    assert "tùy chọn / options" in result.stdout and "hiện trợ giúp này / show this help" in result.stdout


def test_every_option_and_command_is_explained_in_both_languages():
    from pipeline.cli import build_parser

    pending = [build_parser()]
    while pending:
        parser = pending.pop()
        for action in parser._actions:
            if action.__class__.__name__ == "_SubParsersAction":
                pending.extend(action.choices.values())
                continue
            assert action.help and " / " in action.help, (parser.prog, action.dest)


def test_sources_check_previews_without_storing_and_health_reports(tmp_path: Path):
    from pipeline.demo.server import DemoWeb

    db = f"sqlite:///{tmp_path / 'h.db'}"
    with DemoWeb() as web:
        sources = tmp_path / "s.yaml"
        sources.write_text(
            "sources:\n"
            f"  - {{id: demo, name: Demo, kind: domestic, lang: vi, enabled: false, "
            f"feeds: ['{web.base_url}/xudong/rss.xml']}}\n"
            f"  - {{id: broken, name: Broken, kind: blog, lang: vi, feeds: ['{web.base_url}/nope.xml']}}\n",
            encoding="utf-8")
        env_db = db
        check = run("sources", "check", "demo", "--sources", str(sources), "--limit", "4", db=env_db,
                    extra_env={"HDM_ALLOW_PRIVATE_HOSTS": "1"})
        assert check.returncode == 0, check.stderr
        assert "announced: 24" in check.stdout and "extracted: 4" in check.stdout
        assert check.stdout.count("  • ") == 3 and "(GMT" not in check.stdout
        refused = run("sources", "check", "demo", "--sources", str(sources), db=env_db)
        assert refused.returncode == 1 and "private address refused" in refused.stdout
        crawl = run("crawl", "--once", "--sources", str(sources), db=env_db,
                    extra_env={"HDM_ALLOW_PRIVATE_HOSTS": "1"})
        assert crawl.returncode == 0, crawl.stderr
    health = run("sources", "health", db=env_db)
    assert health.returncode == 0
    line = next(x for x in health.stdout.splitlines() if "broken" in x)
    assert "never" in line or "HTTP 404" in line
    assert not (tmp_path / "h.db").exists() or "demo" not in run("export", "--output", "-", db=env_db).stdout


def test_train_writes_a_versioned_model_with_a_card_and_uses_analyst_decisions(tmp_path: Path):
    from sqlalchemy import update

    from store.db import make_engine, session_scope
    from store.models import ReviewCase

    db = f"sqlite:///{tmp_path / 't.db'}"
    assert run("demo", "--port", str(free_port()), db=db).returncode == 0
    engine = make_engine(db)
    with session_scope(engine) as s:
        s.execute(update(ReviewCase).values(status="confirmed"))
    extra = tmp_path / "extra.jsonl"
    extra.write_text(json.dumps({"id": "x-1", "title": "Tin thêm", "text": "Nội dung thêm về kinh tế.",
                                 "lang": "vi", "topic": "economy", "sentiment": "neutral"},
                                ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "model"
    result = run("train", "--data", str(extra), "--analyst-labels", "--version", "test-1", "--out", str(out),
                 "--calibration-folds", "2", db=db)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["version"] == "test-1" and summary["metrics_heldout"]["topic"]["accuracy"] > 0.5
    card = json.loads((out / "card.json").read_text("utf-8"))
    assert any(d.get("path") == "extra.jsonl" for d in card["data"])
    assert any(d.get("analyst_decisions", 0) >= 1 for d in card["data"])
    calibration = card["risk_calibration"]  # raw risk -> probability, fitted out of fold
    assert calibration["folds"] == 2 and calibration["distorted"] > 0 and len(calibration["x"]) >= 2
    assert calibration["y"] == sorted(calibration["y"]) and 0 <= calibration["y"][0] <= calibration["y"][-1] <= 1
    weighing = calibration["model"]  # the learned risk model over the score's parts
    assert "p_distorted" in weighing["features"] and len(weighing["weights"]) == len(weighing["features"])
    assert not any("kind" in name for name in weighing["features"])
    tiers = card["tier_model"]  # focus vs mention, learned from the seed corpus (and real news when present)
    assert tiers["pieces"] > 100 and len(tiers["weights"]) == len(tiers["features"])
    assert len(tiers["context"]["weights"]) > 100  # and the words around the names
    thresholds = json.loads((out / "claims.json").read_text("utf-8"))  # no claim link decided yet: kept
    assert thresholds["learnt"] is False and summary["claim_thresholds"] == thresholds
    assert {p.name for p in out.iterdir()} >= {"features.skops", "topic.skops", "sentiment.skops",
                                               "distortion.skops", "card.json"}
    classified = run("classify", "--input", "-", "--output", "-", stdin=json.dumps(LINES[0]) + "\n",
                     extra_env={"HDM_MODEL_DIR": str(out)})
    assert classified.returncode == 0 and json.loads(classified.stdout)["id"] == "vi-1"


def test_eval_prints_per_class_metrics_and_confusion(tmp_path: Path):
    data = tmp_path / "labeled.jsonl"
    data.write_text("\n".join(json.dumps({"id": f"e{i}", "title": t, "text": t, "topic": topic, "lang": "vi"},
                                         ensure_ascii=False)
                              for i, (t, topic) in enumerate([("Giá vàng tăng mạnh", "economy"),
                                                              ("Tòa tuyên án kẻ lừa đảo", "security_law")])),
                    encoding="utf-8")
    result = run("eval", "--data", str(data))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["n"] == 2 and "per_class" in report["topic"] and "confusion" in report["topic"]


def test_eval_writes_a_reliability_plot_of_the_risk(tmp_path: Path):
    rows = [{"id": f"r{i}", "title": title, "text": title * 3, "lang": "vi", "source_kind": kind,
             "distorted": distorted}
            for i, (title, kind, distorted) in enumerate([
                ("Chính quyền Hải Dương bưng bít sự thật, dân bị đàn áp dã man", "overseas_vietnamese", True),
                ("Nghe nói chủ tịch tỉnh Hải Dương nhận hối lộ hàng chục tỷ", "blog", True),
                ("Hải Dương khai mạc lễ hội mùa xuân Côn Sơn – Kiếp Bạc", "domestic", False),
                ("Tỉnh Hải Dương tổ chức hội nghị xúc tiến đầu tư", "domestic", False)])]
    data = tmp_path / "flags.jsonl"
    data.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    plot = tmp_path / "plots" / "reliability.png"
    result = run("eval", "--data", str(data), "--plot", str(plot))
    assert result.returncode == 0, result.stderr
    reliability = json.loads(result.stdout)["risk_reliability"]
    assert reliability["calibrated"] and reliability["plot"] == str(plot)
    assert sum(b["n"] for b in reliability["bins"]) == 4 and 0 <= reliability["expected_calibration_error"] <= 1
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
