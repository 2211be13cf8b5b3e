"""Small factories for tests: real rows, sensible defaults, keyword-only overrides.

Shared by the backend and frontend tests; keep the signatures stable.
"""

from __future__ import annotations

import itertools
from functools import lru_cache
from typing import Any

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractBaseUser

from game.models import ActivationRecord, Campaign, Explanation, Feature, LanguageModel, Source

_seq = itertools.count(1)

# A tiny vocabulary: enough words to make readable records.
VOCAB = ["<pad>", " the", " cat", " sat", " on", " mat", " banana", " apple", " fruit", " ate", " a", " red",
         " dog", " ran", ".", ",", " I", " like", " damn", " green"]


def make_user(*, username: str | None = None, password: str = "pw-for-tests-123", email: str | None = None,
              **extra: Any) -> AbstractBaseUser:
    n = next(_seq)
    username = username or f"player{n}"
    user = get_user_model()(username=username, email=email or f"{username}@example.com", **extra)
    user.password = _hashed(password)  # hashing once per password keeps tests fast
    user.save()
    return user


@lru_cache(maxsize=8)
def _hashed(password: str) -> str:
    return make_password(password)


def make_model(*, slug: str | None = None, vocab: list[str] | None = None) -> LanguageModel:
    n = next(_seq)
    model = LanguageModel.objects.create(
        slug=slug or f"model-{n}", name=f"Model {n}", n_layers=1, d_model=16, d_vocab=len(vocab or VOCAB),
    )
    model.set_vocab(list(vocab or VOCAB))
    return model


def make_source(*, model: LanguageModel | None = None, slug: str | None = None, kind: str = "sae",
                layer: int = 0, width: int = 64) -> Source:
    model = model or make_model()
    return Source.objects.create(
        model=model, slug=slug or f"{layer}-res-sae-{next(_seq)}", kind=kind, layer=layer,
        hook_point=f"blocks.{layer}.hook_resid_post", width=width,
    )


def make_record(*, feature: Feature, token_ids: list[int], values: list[float], kind: str = "top",
                rank: int = 0, quantile_bin: int | None = None, held_out: bool = False,
                explicit: bool | None = None) -> ActivationRecord:
    """`explicit` decided on the text as the import decides it, unless given."""
    vals = np.asarray(values, dtype=np.float32)
    pos, nz = ActivationRecord.encode_values(vals)
    if explicit is None:
        from game.services.moderation import contains_profanity

        explicit = contains_profanity("".join(feature.source.model.decode(token_ids)))
    return ActivationRecord.objects.create(
        feature=feature, kind=kind, rank=rank, quantile_bin=quantile_bin,
        token_ids=np.asarray(token_ids, dtype=np.int32).tobytes(), nz_positions=pos, nz_values=nz,
        length=len(token_ids), max_value=float(vals.max()) if len(vals) else 0.0,
        max_position=int(vals.argmax()) if len(vals) else 0, held_out=held_out, explicit=explicit,
    )


def make_feature(*, source: Source | None = None, index: int | None = None, records: int = 3,
                 max_activation: float = 5.0) -> Feature:
    """A feature with `records` top records (" the cat ate a banana ."), one quantile record
    and one held-out record."""
    source = source or make_source()
    feature = Feature.objects.create(
        source=source, index=next(_seq) if index is None else index, max_activation=max_activation
    )
    for rank in range(records):
        make_record(feature=feature, token_ids=[1, 2, 9, 10, 6, 14],
                    values=[0, 0, 0, 0, max_activation - rank * 0.5, 0], rank=rank)
    make_record(feature=feature, token_ids=[16, 17, 7, 14], values=[0, 0, 1.0, 0], kind="quantile",
                quantile_bin=0)
    make_record(feature=feature, token_ids=[1, 12, 13, 14], values=[0, 0, 0.5, 0], kind="top",
                rank=records, held_out=True)
    return feature


def _current_version() -> str:
    """The default scorer's version: scores made under it are the game's current ones."""
    from scoring.registry import scorer_version

    return scorer_version(settings.SCORING_METHOD)


def make_explanation(*, feature: Feature | None = None, text: str | None = None,
                     author: AbstractBaseUser | None = None, author_model: str = "",
                     status: str = Explanation.Status.SCORED, score: float | None = None,
                     score_method: str = "", votes: int = 0, hidden: bool = False) -> Explanation:
    feature = feature or make_feature()
    if author is None and not author_model:
        author_model = "test-explainer"
    return Explanation.objects.create(
        feature=feature, text=text or f"explanation {next(_seq)}", author=author, author_model=author_model,
        status=status, score_value=score, score_method=score_method or (settings.SCORING_METHOD if score is not None else ""),
        score_version=_current_version() if score is not None else "", score_pack_version=feature.source.pack_version if score is not None else "",
        vote_count=votes, hidden=hidden, moderator_hidden=hidden,
    )


def make_campaign(*, features: list[Feature] = (), active: bool = True, slug: str | None = None) -> Campaign:
    n = next(_seq)
    campaign = Campaign.objects.create(slug=slug or f"campaign-{n}", name=f"Campaign {n}", active=active)
    campaign.features.set(features)
    return campaign


def set_score(explanation: Explanation, value: float | None, *, status: str = "scored") -> Explanation:
    """Give an explanation a shown score under the game's current key, as a finished job would."""
    explanation.score_value = value
    explanation.status = status
    explanation.score_method = settings.SCORING_METHOD if value is not None else ""
    explanation.score_version = _current_version() if value is not None else ""
    explanation.score_pack_version = explanation.feature.source.pack_version if value is not None else ""
    explanation.save()
    return explanation


def concrete_fields(instance) -> dict[str, Any]:
    """Every stored column of a model instance by attname: to compare two reads of one row."""
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}
