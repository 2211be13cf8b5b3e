import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

LINE = {
    "id": "f1",
    "explanation": "cats",
    "records": [{"tokens": ["The", " cat", " sat"], "values": [0, 5, 0]}],
    "random_records": [{"tokens": ["import", " os"], "values": [0, 0]}],
}


def run(tmp_path, lines: list[str], method: str = "embedding") -> list[dict]:
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = StringIO()
    call_command("score_file", str(path), "--method", method, stdout=out, stderr=StringIO())
    return [json.loads(line) for line in out.getvalue().splitlines()]


@pytest.fixture(autouse=True)
def _fast_scorers(fake_embedder, monkeypatch):
    """The registry's scorers use the real model; give them the fast stand-in."""
    import scoring.embedder

    monkeypatch.setattr(scoring.embedder, "_DEFAULT", fake_embedder)
    monkeypatch.setattr("scoring.registry._INSTANCES", {})


def test_writes_one_scored_line_per_input(tmp_path) -> None:
    (row,) = run(tmp_path, [json.dumps(LINE)])
    assert row == {"id": "f1", "method": "embedding", "score": 1.0, "status": "ok", "error": ""}


def test_a_malformed_line_gives_a_failed_line_and_the_next_is_still_scored(tmp_path) -> None:
    rows = run(tmp_path, ["{not json", json.dumps(LINE)])
    assert rows[0]["status"] == "failed"
    assert rows[0]["score"] is None
    assert "not valid JSON" in rows[0]["error"]
    assert rows[1]["status"] == "ok"


def test_a_record_with_mismatched_lengths_fails_with_the_reason(tmp_path) -> None:
    bad = {**LINE, "records": [{"tokens": ["a", "b"], "values": [1]}]}
    (row,) = run(tmp_path, [json.dumps(bad)])
    assert row["status"] == "failed"
    assert row["id"] == "f1"
    assert "2 tokens but 1 values" in row["error"]


def test_without_random_records_says_so(tmp_path) -> None:
    line = {k: v for k, v in LINE.items() if k != "random_records"}
    (row,) = run(tmp_path, [json.dumps(line)], method="offline-simulation")
    assert row["status"] in {"ok", "undefined"}
    assert "no random_records" in row["error"]


def test_embedding_without_random_records_is_undefined_not_a_number(tmp_path) -> None:
    line = {k: v for k, v in LINE.items() if k != "random_records"}
    (row,) = run(tmp_path, [json.dumps(line)])
    assert row["status"] == "undefined"
    assert row["score"] is None


def test_an_unknown_method_is_a_command_error(tmp_path) -> None:
    with pytest.raises(CommandError, match="Unknown scoring method 'nope'"):
        run(tmp_path, [json.dumps(LINE)], method="nope")


def test_a_missing_file_is_a_command_error(tmp_path) -> None:
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("score_file", str(tmp_path / "missing.jsonl"), "--method", "embedding", stdout=StringIO())


def test_an_llm_method_without_a_key_or_endpoint_is_a_command_error(tmp_path, settings) -> None:
    settings.OPENAI_BASE_URL, settings.OPENAI_API_KEY = "", ""
    with pytest.raises(CommandError, match="OPENAI_API_KEY"):
        run(tmp_path, [json.dumps(LINE)], method="llm-simulation")


def test_an_llm_method_scores_through_the_configured_endpoint(tmp_path, settings, fake_openai) -> None:
    from . import fake_openai as fake

    settings.OPENAI_BASE_URL, settings.OPENAI_API_KEY = fake_openai.base_url, ""
    fake_openai.push(fake.chat(json.dumps({"activations": [[0, 9, 0], [0, 0]]})))
    (row,) = run(tmp_path, [json.dumps(LINE)], method="llm-simulation")
    assert row["status"] == "ok"
    assert row["score"] == pytest.approx(1.0)


def test_a_failed_llm_call_gives_a_failed_line_without_a_score(tmp_path, settings, fake_openai) -> None:
    from . import fake_openai as fake

    settings.OPENAI_BASE_URL, settings.OPENAI_API_KEY = fake_openai.base_url, ""
    fake_openai.push(fake.status(503, "down"))
    (row,) = run(tmp_path, [json.dumps(LINE)], method="llm-simulation")
    assert row["status"] == "failed"
    assert row["score"] is None
    assert "temporary failure" in row["error"]
