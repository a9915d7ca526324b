"""``heedful triage FILE.csv --text-column text [--id-column id] --output OUT.jsonl``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from heedful.cli import build_app

TOPICS = {
    "billing_payment",
    "outage",
    "delivery_order",
    "account_access",
    "refund_cancellation",
    "product_fault",
    "staff_service",
    "praise",
    "question",
    "other",
}
SEVERITIES = {None, "no_explicit_reproach", "disapproval", "accusation", "blame"}


def run(
    tmp_path: Path, csv_text: str | bytes, *args: str
) -> tuple[int, list[dict[str, object]], str]:
    source = tmp_path / "in.csv"
    if isinstance(csv_text, str):
        source.write_text(csv_text, encoding="utf-8")
    else:
        source.write_bytes(csv_text)
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(
        build_app(), ["triage", str(source), "--text-column", "text", "--output", str(out), *args]
    )
    lines = out.read_text(encoding="utf-8").splitlines() if out.exists() else []
    return result.exit_code, [json.loads(line) for line in lines], result.output


def check_record(record: dict[str, object]) -> None:
    assert set(record) == {
        "id",
        "sentiment",
        "complaint",
        "topic",
        "signals",
        "priority",
        "reasons",
    }
    sentiment = record["sentiment"]
    assert isinstance(sentiment, dict) and set(sentiment) == {"label", "score"}
    assert sentiment["label"] in {"negative", "neutral", "positive"}
    assert -1.0 <= sentiment["score"] <= 1.0
    complaint = record["complaint"]
    assert isinstance(complaint, dict) and set(complaint) == {"label", "probability", "severity"}
    assert isinstance(complaint["label"], bool) and 0.0 <= complaint["probability"] <= 1.0
    assert complaint["severity"] in SEVERITIES
    assert (complaint["severity"] is None) == (not complaint["label"])
    assert record["topic"] in TOPICS
    assert isinstance(record["signals"], list)
    assert isinstance(record["priority"], int) and 0 <= record["priority"] <= 100
    reasons = record["reasons"]
    assert isinstance(reasons, list)
    for item in reasons:
        assert set(item) == {"text", "points"} and isinstance(item["points"], int)


CSV = (
    "id,text,other\n"
    'm1,"@acme THIRD time asking, my internet is still down and nobody answers!! '
    'Switching provider",x\n'
    "m2,Hi! Could you tell me when the store opens on Sunday?,y\n"
    "m3,Thank you so much for sorting my refund so quickly :),z\n"
)


@pytest.mark.parametrize("mode", [[], ["--fast"]])
def test_stable_output_one_object_per_row(tmp_path: Path, mode: list[str]) -> None:
    code, records, _ = run(tmp_path, CSV, "--id-column", "id", *mode)
    assert code == 0
    assert [r["id"] for r in records] == ["m1", "m2", "m3"]
    for record in records:
        check_record(record)
    angry, question, thanks = records
    assert angry["sentiment"]["label"] == "negative" and angry["complaint"]["label"] is True
    assert {"anger", "threat_to_leave"} <= set(angry["signals"])
    assert angry["priority"] > question["priority"]
    assert "needs_answer" in question["signals"]
    assert thanks["sentiment"]["label"] == "positive" and thanks["complaint"]["label"] is False


def test_full_model_reads_an_outage_complaint(tmp_path: Path) -> None:
    _, records, _ = run(tmp_path, CSV, "--id-column", "id")
    assert records[0]["topic"] == "outage"
    assert records[0]["reasons"][0]["points"] >= records[0]["reasons"][-1]["points"]


def test_ids_default_to_row_numbers(tmp_path: Path) -> None:
    code, records, _ = run(tmp_path, "text\nhello there\nmy order is late\n", "--fast")
    assert code == 0
    assert [r["id"] for r in records] == [1, 2]


def test_bad_rows_are_reported_not_fatal(tmp_path: Path) -> None:
    data = b"id,text\nr1,fine message\nr2,\nr3,   \nr4,caf\xe9 closed again!\n"
    code, records, output = run(tmp_path, data, "--id-column", "id", "--fast")
    assert code == 0
    assert [r["id"] for r in records] == ["r1", "r2", "r3", "r4"]
    assert records[1] == {"id": "r2", "error": "missing text"}
    assert records[2] == {"id": "r3", "error": "missing text"}
    check_record(records[3])
    assert "row 2: missing text" in output
    assert "row 4: text is not valid utf-8; read as Windows-1252" in output
    assert "triaged 2 of 4 rows (2 bad, 1 re-decoded)" in output


def test_bom_short_rows_and_huge_texts(tmp_path: Path) -> None:
    huge = "my parcel never arrived " * 40_000  # ~1 MB in one field
    data = (f'\ufeffid,text\nh1,"{huge}"\nh2\n').encode()
    code, records, _ = run(tmp_path, data, "--id-column", "id")
    assert code == 0
    check_record(records[0])
    assert records[1] == {"id": "h2", "error": "missing text"}


def test_missing_column_is_one_clear_error(tmp_path: Path) -> None:
    code, records, output = run(tmp_path, "body\nhello\n")
    assert code == 1
    assert "no column 'text' in the header (columns: body)" in output
    assert records == []


def test_settings_file_overrides_weights_and_adds_rules(tmp_path: Path) -> None:
    settings = tmp_path / "triage.json"
    settings.write_text(
        json.dumps(
            {
                "weights": {"base": 50},
                "rules": [
                    {"id": "recall", "phrases": ["recall"], "reason": "recall", "weight": 30}
                ],
            }
        ),
        encoding="utf-8",
    )
    csv = "text\nIs there a recall on this kettle?\n"
    _, plain, _ = run(tmp_path, csv, "--fast")
    _, tuned, _ = run(tmp_path, csv, "--fast", "--settings", str(settings))
    assert "recall" in tuned[0]["signals"] and "recall" not in plain[0]["signals"]
    assert tuned[0]["priority"] == plain[0]["priority"] + 45 + 30


def test_help_explains_the_format() -> None:
    result = CliRunner().invoke(build_app(), ["triage", "--help"])
    assert result.exit_code == 0
    for words in ("--text-column", "--id-column", "--output", "--fast", "severity", "reasons"):
        assert words in result.output


def test_custom_topic_from_workspace_examples(tmp_path: Path) -> None:
    settings = tmp_path / "topics.json"
    topic = {"id": "roaming", "label": "Roaming", "examples": ["roaming charges abroad"]}
    settings.write_text(
        json.dumps({"topics": {"custom": [topic], "custom_threshold": 0.5}}), encoding="utf-8"
    )
    csv = "text\nwhy was I charged so much for roaming abroad in Spain?\nthanks a lot!\n"
    _, records, _ = run(tmp_path, csv, "--settings", str(settings))
    assert records[0]["topic"] == "roaming"
    assert records[1]["topic"] != "roaming"
