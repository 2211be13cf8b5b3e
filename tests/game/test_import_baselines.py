"""Re-importing a pack whose baseline explainer changed version: an older baseline nobody voted for
is rewritten in place and scored again; one with votes stays beside the new one; players' rows and
other model-authored explanations are never touched; a second import changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from game.importer import BASELINE_SCORE_PRIORITY, import_pack
from game.jobs import SCORE_JOB
from game.models import Explanation, Feature, Score, Vote
from jobs.models import Job
from scoring.registry import scorer_version
from tests.tiny_pack import write_tiny_pack

pytestmark = pytest.mark.django_db

OLD, NEW = "baseline-top-tokens-v1", "baseline-top-tokens-v2"
SLUG = "0-res-sae"


def set_baselines(pack: Path, version: str, text: str) -> Path:
    """Rewrite every explanations/<source>.jsonl of the pack with `text` by explainer `version`."""
    for path in sorted((pack / "explanations").glob("*.jsonl")):
        rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        path.write_text("".join(json.dumps({"index": r["index"], "text": text.format(slug=path.stem, f=r["index"]),
                                            "author_model": version}) + "\n" for r in rows))
    return pack


def baselines(feature: Feature) -> list[Explanation]:
    return list(Explanation.objects.filter(feature=feature, author_model__startswith="baseline-").order_by("id"))


def finish_scoring(value: float = 0.25) -> None:
    """What the worker would do: every pending score done, explanations marked scored."""
    method = settings.SCORING_METHOD
    Score.objects.filter(status="pending").update(status="ok", value=value)
    Explanation.objects.filter(scores__method=method, scores__status="ok").update(
        status="scored", score_value=value, score_method=method)
    Job.objects.filter(name=SCORE_JOB).update(status="done")


def snapshot() -> dict:
    return {
        "explanations": sorted(Explanation.objects.values_list("id", "feature_id", "text", "author_model", "status",
                                                               "score_value")),
        "scores": sorted(Score.objects.values_list("id", "explanation_id", "method", "status", "value")),
        "jobs": sorted(Job.objects.values_list("id", "name", "status", "dedupe_key")),
    }


def test_a_newer_baseline_replaces_an_unvoted_older_one_and_keeps_a_voted_one(tmp_path) -> None:
    pack = set_baselines(write_tiny_pack(tmp_path / "p"), OLD, "tokens like {slug} {f}")
    import_pack(pack)
    finish_scoring()
    unvoted = Feature.objects.get(source__slug=SLUG, index=0)
    voted = Feature.objects.get(source__slug=SLUG, index=1)
    other = Feature.objects.get(source__slug=SLUG, index=2)
    user = get_user_model().objects.create_user("ada", "ada@example.com", "pw-long-enough")
    [voted_old] = baselines(voted)
    Vote.objects.create(user=user, explanation=voted_old)
    Explanation.objects.filter(pk=voted_old.pk).update(vote_count=1)
    mine = Explanation.objects.create(feature=unvoted, text="tokens like 0-res-sae 0 and more", author=user,
                                      status="scored", score_value=0.5, score_method=settings.SCORING_METHOD)
    Score.objects.create(explanation=mine, method=settings.SCORING_METHOD, status="ok", value=0.5,
                         version=scorer_version(settings.SCORING_METHOD), pack_version=unvoted.source.pack_version)
    llm = Explanation.objects.create(feature=other, text="cats and mats", author_model="claude-explainer",
                                     status="scored", score_value=0.4, score_method=settings.SCORING_METHOD)
    Score.objects.create(explanation=llm, method=settings.SCORING_METHOD, status="ok", value=0.4,
                         version=scorer_version(settings.SCORING_METHOD), pack_version=other.source.pack_version)
    [old_unvoted] = baselines(unvoted)
    old_score_ids = set(Score.objects.filter(explanation=old_unvoted).values_list("id", flat=True))
    assert old_score_ids and old_unvoted.status == "scored"
    explanations_before = Explanation.objects.count()

    report = import_pack(set_baselines(pack, NEW, "the word {slug} {f}"))

    # unvoted older baseline: the same row now holds the new text, its old scores are gone, it is queued again
    [replaced] = baselines(unvoted)
    assert replaced.pk == old_unvoted.pk
    assert (replaced.text, replaced.author_model) == (f"the word {SLUG} 0", NEW)
    assert replaced.normalized_text and replaced.status == "queued"
    assert replaced.score_value is None and replaced.score_method == ""
    scores = list(Score.objects.filter(explanation=replaced))
    assert len(scores) == 1 and scores[0].status == "pending" and scores[0].id not in old_score_ids
    job = Job.objects.get(name=SCORE_JOB, payload__score_id=scores[0].id)
    assert job.status == "ready" and job.priority == BASELINE_SCORE_PRIORITY

    # voted older baseline: kept with its score; the new one is added beside it and queued
    kept, added = baselines(voted)
    assert (kept.pk, kept.text, kept.author_model, kept.score_value) == (voted_old.pk, voted_old.text, OLD, 0.25)
    assert Vote.objects.filter(explanation=kept, user=user).exists()
    assert Score.objects.get(explanation=kept).status == "ok"
    assert (added.text, added.author_model, added.status) == (f"the word {SLUG} 1", NEW, "queued")
    assert Score.objects.get(explanation=added).status == "pending"

    # the player's explanation and another model's explanation are untouched
    mine.refresh_from_db()
    llm.refresh_from_db()
    assert (mine.text, mine.score_value, mine.status) == ("tokens like 0-res-sae 0 and more", 0.5, "scored")
    assert Score.objects.get(explanation=mine).value == 0.5
    assert (llm.text, llm.author_model, llm.score_value) == ("cats and mats", "claude-explainer", 0.4)

    # 2 sources x 3 live features: one voted baseline kept, five rewritten in place
    assert report.explanations_replaced == 5 and report.explanations_created == 1
    assert Explanation.objects.count() == explanations_before + 1
    assert report.scores_queued == 6
    for f in Feature.objects.filter(max_activation__gt=0).exclude(pk=voted.pk):
        assert [e.author_model for e in baselines(f)] == [NEW]


def test_a_second_import_of_the_same_pack_changes_nothing(tmp_path) -> None:
    pack = set_baselines(write_tiny_pack(tmp_path / "p"), OLD, "tokens like {slug} {f}")
    import_pack(pack)
    finish_scoring()
    user = get_user_model().objects.create_user("ada", "ada@example.com", "pw-long-enough")
    [voted] = baselines(Feature.objects.get(source__slug=SLUG, index=1))
    Vote.objects.create(user=user, explanation=voted)
    Explanation.objects.filter(pk=voted.pk).update(vote_count=1)

    set_baselines(pack, NEW, "the word {slug} {f}")
    import_pack(pack)
    first = snapshot()
    report = import_pack(pack)
    assert snapshot() == first
    assert (report.explanations_created, report.explanations_replaced, report.scores_queued) == (0, 0, 0)

    # scored in between: still nothing to redo
    finish_scoring(0.5)
    scored = snapshot()
    report = import_pack(pack)
    assert snapshot() == scored
    assert (report.explanations_created, report.explanations_replaced, report.scores_queued) == (0, 0, 0)


def test_a_rebuilt_pack_of_the_same_version_still_adds_beside(tmp_path) -> None:
    """Only a different explainer version replaces: the same version with new text is another baseline."""
    pack = set_baselines(write_tiny_pack(tmp_path / "p"), NEW, "the word {slug} {f}")
    import_pack(pack)
    feature = Feature.objects.get(source__slug=SLUG, index=0)
    import_pack(set_baselines(pack, NEW, "the word {slug} {f} again"))
    assert [e.text for e in baselines(feature)] == [f"the word {SLUG} 0", f"the word {SLUG} 0 again"]
