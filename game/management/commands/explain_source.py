"""Explain (with the LLM explainer) and queue scoring for every feature of a source.

Resumable: a feature that already has an explanation by this explainer model is skipped, and
each explanation is saved in its own transaction, so an interrupted run loses at most the
feature it was on. Stops when the daily budget is spent.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from tqdm import tqdm

from game import jobs as scoring_jobs
from game.services import ledger
from game.models import ActivationRecord, Explanation, Feature, LlmUsage, Source
from scoring.base import PermanentScoringError, Record, TransientScoringError


class Command(BaseCommand):
    help = "Explain every feature of a source with the LLM explainer and queue each explanation for scoring."

    def add_arguments(self, parser) -> None:
        parser.add_argument("model")
        parser.add_argument("source")
        parser.add_argument("--limit", type=int, default=None, help="At most this many features this run.")
        parser.add_argument("--batch", type=int, default=50, help="Features fetched per database round trip.")
        parser.add_argument("--retries", type=int, default=4, help="Retries of a transient failure per feature.")

    def handle(self, *args, model: str, source: str, limit: int | None, batch: int, retries: int, **opts) -> None:
        from scoring.llm.client import LLMClient

        src = Source.objects.select_related("model").filter(model__slug=model, slug=source).first()
        if src is None:
            raise CommandError(f"No source {source!r} for model {model!r}.")
        from django.conf import settings

        if not (settings.OPENAI_BASE_URL or settings.OPENAI_API_KEY):
            raise CommandError("The LLM explainer is not configured: set OPENAI_BASE_URL and/or OPENAI_API_KEY.")
        try:
            client = LLMClient.from_settings()
        except Exception as exc:  # noqa: BLE001 - configuration errors are the user's to fix
            raise CommandError(f"The LLM explainer is not configured: {exc}") from exc
        author = f"llm-explainer:{client.model}"
        todo = (
            Feature.objects.filter(source=src, max_activation__gt=0)
            .exclude(explanations__author_model=author)
            .order_by("index")
            .values_list("id", flat=True)
        )
        ids = list(todo[:limit] if limit else todo)
        done = failed = 0
        with tqdm(total=len(ids), desc=f"explain {src}", unit="feature") as bar:
            for start in range(0, len(ids), batch):
                for feature in Feature.objects.filter(id__in=ids[start : start + batch]).order_by("index"):
                    if ledger.budget_left_usd() <= 0:
                        self.stdout.write("daily budget spent: stopping; run again tomorrow to resume")
                        return
                    outcome = self._explain_one(feature, src, client, author, retries)
                    done += outcome == "ok"
                    failed += outcome == "failed"
                    bar.update(1)
        self.stdout.write(f"explained {done} feature(s), {failed} failed, {len(ids) - done - failed} skipped")

    def _explain_one(self, feature: Feature, src: Source, client, author: str, retries: int) -> str:
        from scoring.explainer import explain

        records = [
            Record(tokens=r.tokens(src.model), values=r.values())
            for r in feature.records.filter(kind=ActivationRecord.Kind.TOP, held_out=False).order_by("rank")[:10]
        ]
        if not records:
            return "skipped"
        for attempt in range(retries + 1):
            try:
                result = explain(records, client=client, max_activation=feature.max_activation)
                break
            except TransientScoringError as exc:
                self._ledger(getattr(exc, "usage", None), client.model)
                if attempt == retries:
                    self.stderr.write(f"feature {feature.index}: gave up: {exc}")
                    return "failed"
                time.sleep(exc.retry_after_s if exc.retry_after_s is not None else 2 ** (attempt + 1))
            except PermanentScoringError as exc:
                self._ledger(getattr(exc, "usage", None), client.model)
                self.stderr.write(f"feature {feature.index}: {exc}")
                return "failed"
        try:
            with transaction.atomic():
                explanation = Explanation.objects.create(feature=feature, text=result.text, author_model=author)
                LlmUsage.objects.create(
                    purpose=LlmUsage.Purpose.EXPLAIN, method="llm-explainer", llm_model=result.model,
                    explanation=explanation, calls=result.calls, tokens_in=result.tokens_in,
                    tokens_out=result.tokens_out, cost_usd=result.cost_usd,
                )
                scoring_jobs.enqueue_scoring(explanation)
        except IntegrityError:
            # Same text as an existing explanation of this feature: score that one instead.
            self._ledger({"calls": result.calls, "tokens_in": result.tokens_in, "tokens_out": result.tokens_out,
                          "cost_usd": result.cost_usd}, result.model)
            return "skipped"
        return "ok"

    @staticmethod
    def _ledger(usage: dict | None, model: str) -> None:
        if usage and usage.get("calls"):
            LlmUsage.objects.create(purpose=LlmUsage.Purpose.EXPLAIN, method="llm-explainer", llm_model=model, **usage)
