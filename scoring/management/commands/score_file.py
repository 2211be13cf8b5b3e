"""Score explanations from a JSON-lines file, without the database.

    manage.py score_file INPUT.jsonl --method offline-simulation

Each input line: {"id": str, "explanation": str, "records": [{"tokens": [...], "values": [...]}],
"random_records": [...]}  (random_records optional). Each output line:
{"id", "method", "score", "status", "error"}; a failure never carries a score.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from scoring.base import PermanentScoringError, ScoreResult, Scorer, TransientScoringError
from scoring.records import RecordError, build_scoring_input
from scoring.registry import available, get_scorer


class InputLineError(ValueError):
    pass


def _records(obj: dict[str, Any], key: str) -> list[tuple[list[str], list[float]]]:
    raw = obj.get(key, [])
    if not isinstance(raw, list):
        raise InputLineError(f'"{key}" must be a list of records')
    out = []
    for i, rec in enumerate(raw):
        if not isinstance(rec, dict) or not isinstance(rec.get("tokens"), list) or not isinstance(rec.get("values"), list):
            raise InputLineError(f'{key}[{i}] must be an object with "tokens" and "values" lists')
        out.append((rec["tokens"], rec["values"]))
    return out


def score_line(line: str, scorer: Scorer, method: str) -> dict[str, Any]:
    """One output object for one input line; never raises for bad input or a failed score."""
    out: dict[str, Any] = {"id": None, "method": method, "score": None, "status": "failed", "error": ""}
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        out["error"] = f"line is not valid JSON: {exc.msg} (column {exc.colno})"
        return out
    if not isinstance(obj, dict):
        out["error"] = "line must be a JSON object"
        return out
    out["id"] = obj.get("id")
    try:
        if not isinstance(obj.get("id"), str) or not obj["id"]:
            raise InputLineError('"id" must be a non-empty string')
        if not isinstance(obj.get("explanation"), str):
            raise InputLineError('"explanation" must be a string')
        data = build_scoring_input(
            explanation=obj["explanation"],
            top=_records(obj, "records"),
            random=_records(obj, "random_records"),
        )
    except (InputLineError, RecordError) as exc:
        out["error"] = str(exc)
        return out
    try:
        result: ScoreResult = scorer.score(data)
    except TransientScoringError as exc:
        out["error"] = f"temporary failure, try again later: {exc}"
        return out
    except PermanentScoringError as exc:
        out["error"] = str(exc)
        return out
    notes = []
    if "random_records" not in obj:
        notes.append("no random_records given: scored with top records only")
    if result.error:
        notes.append(result.error)
    out.update(status=result.status, score=result.value if result.status == "ok" else None, error="; ".join(notes))
    return out


class Command(BaseCommand):
    help = "Score explanations from a JSON-lines file; writes one JSON line per input to stdout."

    def add_arguments(self, parser) -> None:
        parser.add_argument("input", help="JSON-lines file ('-' for standard input)")
        parser.add_argument("--method", default=None, help="scoring method (default: SCORING_METHOD)")

    def handle(self, *args, **options) -> None:
        method = options["method"] or settings.SCORING_METHOD
        if method not in available():
            raise CommandError(f"Unknown scoring method {method!r}; choose one of: {', '.join(available())}")
        try:
            scorer = get_scorer(method)
        except PermanentScoringError as exc:
            raise CommandError(f"Cannot use {method!r}: {exc}") from exc
        path = options["input"]
        try:
            handle = sys.stdin if path == "-" else open(path, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
        n = 0
        with handle:
            for line in handle:
                if not line.strip():
                    continue
                n += 1
                self.stdout.write(json.dumps(score_line(line, scorer, method), ensure_ascii=False))
        if n == 0:
            self.stderr.write("no input lines")
