"""Running a model on a visitor's text for the API: the catalogue says which models, sources
and features exist; `inference_client` runs the model (here, or on an inference server)."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, F, IntegerField, Q, When

from game.models import Explanation, Feature, LanguageModel, Source
from inference_client.client import get_inference
from inference_client.errors import InferenceError
from research.schemas import ActivationIn, SearchAllIn, SteerIn


def _model(slug: str) -> LanguageModel:
    model = LanguageModel.objects.filter(slug=slug).first()
    if model is None:
        raise InferenceError(f"There is no model {slug!r}.", status=404, field="model")
    return model


def _sources(model: LanguageModel, slugs: list[str], field: str) -> dict[str, Source]:
    found = {s.slug: s for s in Source.objects.published().filter(model=model, slug__in=slugs)}
    missing = [s for s in slugs if s not in found]
    if missing:
        raise InferenceError(f"Model {model.slug} has no source {missing[0]!r}.", status=404, field=field)
    return found


def _open_feature(model_slug: str, source_slug: str, index: int, *, doing: str) -> LanguageModel:
    """The model of a feature that exists and may be run: a check feature in play is not, as
    running it would give its answer away."""
    model = _model(model_slug)
    source = _sources(model, [source_slug], "source")[source_slug]
    if index >= source.width:
        raise InferenceError(
            f"Source {source.slug} has features 0 to {source.width - 1}; there is no feature {index}.",
            status=404, field="index",
        )
    if Feature.objects.gold().filter(source=source, index=index).exists():
        raise InferenceError(f"Feature {index} of {source.slug} cannot be {doing} while it is in play.",
                             status=404, field="index")
    return model


def feature_activation(req: ActivationIn) -> dict[str, Any]:
    """One feature's activation on each token of the text: {tokens, values, max_value}."""
    model = _open_feature(req.model, req.source, req.index, doing="tested")
    return get_inference(model).feature_activation(req.text, req.source, req.index)


def steer(req: SteerIn) -> dict[str, Any]:
    """The prompt continued with and without the feature pushed by `req.strength`, one seed."""
    model = _open_feature(req.model, req.source, req.index, doing="steered")
    answer = get_inference(model).steer(req.prompt, req.source, req.index, req.strength, seed=req.seed,
                                        max_new_tokens=req.max_new_tokens)
    return {**answer, "strength": req.strength, "seed": req.seed}


def search_all(req: SearchAllIn) -> dict[str, Any]:
    """The features that fire most on the text, each with its best visible explanation."""
    model = _model(req.model)
    if req.sources:
        slugs = list(_sources(model, req.sources, "sources"))
    else:
        slugs = list(Source.objects.published().filter(model=model).values_list("slug", flat=True))
        if not slugs:
            raise InferenceError(f"Model {model.slug} has no sources to search.", status=404, field="model")
    answer = get_inference(model).search_all(req.text, slugs, req.sort_by_token_indexes, req.num_results)
    gold = set(Feature.objects.gold().filter(source__model=model).values_list("source__slug", "index"))
    if gold:
        answer["results"] = [r for r in answer["results"] if (r["source"], r["index"]) not in gold]
    texts = best_explanations(model, [(r["source"], r["index"]) for r in answer["results"]])
    for r in answer["results"]:
        r["explanation"] = texts.get((r["source"], r["index"]))
    return answer


def best_explanations(model: LanguageModel, features: list[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """The best visible explanation text of each (source, index), in one query: the settled one
    first, then by score, votes and age (Explanation's own order)."""
    if not features:
        return {}
    match = Q()
    for slug, index in features:
        match |= Q(feature__source__slug=slug, feature__index=index)
    rows = (
        Explanation.objects.filter(match, hidden=False, feature__source__model=model)
        .annotate(settled=Case(When(feature__settled_explanation=F("pk"), then=1), default=0,
                               output_field=IntegerField()))
        .order_by("-settled", F("score_value").desc(nulls_last=True), "-vote_count", "created")
        .values_list("feature__source__slug", "feature__index", "text")
    )
    best: dict[tuple[str, int], str] = {}
    for slug, index, text in rows:
        best.setdefault((slug, index), text)
    return best
