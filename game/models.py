"""The catalogue (models, sources, features, records) and what players make of it.

Invariants that must hold under concurrency live in `Meta.constraints`, so the database
enforces them for every process, not only for code paths that remember to check.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

import numpy as np
from django.conf import settings
from django.db import models
from django.db.models import F, Q

from game.refs import FeatureRef


class LanguageModel(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    n_layers = models.PositiveIntegerField()
    d_model = models.PositiveIntegerField()
    d_vocab = models.PositiveIntegerField()
    n_ctx = models.PositiveIntegerField(default=1024)
    tl_name = models.CharField("TransformerLens name", max_length=200, blank=True)
    pack_path = models.CharField(max_length=500, blank=True, help_text="Directory of the pack it came from.")
    metadata = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.slug

    def decode(self, token_ids: list[int] | np.ndarray) -> list[str]:
        """Token strings; an id outside the vocabulary reads "<?>"."""
        table = _vocab_table_for(self.pk, self.vocab_fingerprint)
        ids = np.asarray(token_ids, dtype=np.int64)
        unknown = len(table) - 1
        # One numpy gather: feature pages and the feature API decode thousands of tokens.
        return table[np.where((ids >= 0) & (ids < unknown), ids, unknown)].tolist()

    @property
    def vocab(self) -> list[str]:
        return list(_vocab_for(self.pk, self.vocab_fingerprint))

    @property
    def vocab_fingerprint(self) -> str:
        return str(self.metadata.get("vocab_fingerprint", ""))

    def set_vocab(self, tokens: list[str]) -> None:
        """Store the token strings (in their own table: a GPT-2 vocabulary is ~500 KB, which
        every query joining a model would otherwise load) and fingerprint them."""
        fingerprint = hashlib.sha256(json.dumps(tokens).encode()).hexdigest()[:16]
        Vocabulary.objects.update_or_create(model=self, defaults={"tokens": tokens})
        if self.metadata.get("vocab_fingerprint") != fingerprint:
            self.metadata = {**self.metadata, "vocab_fingerprint": fingerprint}
            self.save(update_fields=["metadata"])


class Vocabulary(models.Model):
    """Token strings by id for one model: records store token ids and are decoded through this."""

    model = models.OneToOneField(LanguageModel, primary_key=True, on_delete=models.CASCADE, related_name="vocabulary")
    tokens = models.JSONField(default=list)

    class Meta:
        verbose_name_plural = "vocabularies"


@lru_cache(maxsize=8)
def _vocab_for(model_pk: int, fingerprint: str) -> tuple[str, ...]:
    # Keyed by fingerprint so a re-imported vocabulary is never served stale.
    tokens = Vocabulary.objects.filter(model_id=model_pk).values_list("tokens", flat=True).first()
    return tuple(tokens or ())


@lru_cache(maxsize=8)
def _vocab_table_for(model_pk: int, fingerprint: str) -> np.ndarray:
    """The vocabulary as an object array, with "<?>" after the last id for unknown ones."""
    return np.array([*_vocab_for(model_pk, fingerprint), "<?>"], dtype=object)


class SourceQuerySet(models.QuerySet):
    def published(self) -> SourceQuerySet:
        """Sources anyone may browse: an uploaded source a moderator unpublished is kept (its
        explanations, votes and points stay) but shown nowhere."""
        return self.filter(published=True)


class Source(models.Model):
    objects = SourceQuerySet.as_manager()

    class Kind(models.TextChoices):
        NEURONS = "neurons", "MLP neurons"
        SAE = "sae", "Sparse autoencoder"

    model = models.ForeignKey(LanguageModel, on_delete=models.CASCADE, related_name="sources")
    slug = models.SlugField(max_length=64, help_text="e.g. 6-mlp, 0-res-sae")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    layer = models.PositiveIntegerField()
    hook_point = models.CharField(max_length=200)
    width = models.PositiveIntegerField()
    architecture = models.CharField(max_length=64, blank=True, help_text="topk, jumprelu, standard; empty for neurons")
    weights_path = models.CharField(max_length=500, blank=True, help_text="SAELens directory, relative to the pack")
    description = models.TextField(blank=True)
    metrics = models.JSONField(default=dict, blank=True, help_text="unexplained variance, L0, ... as measured")
    pack_version = models.CharField(
        max_length=64, blank=True,
        help_text="Fingerprint of the records scores are computed on; a new one means scores are redone",
    )
    published = models.BooleanField(default=True, help_text="Unpublished: kept, but shown nowhere")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="uploaded_sources", help_text="Empty for sources from a pack")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["model", "slug"], name="source_unique_slug_per_model")]
        ordering = ["model", "layer", "slug"]

    def __str__(self) -> str:
        return f"{self.model.slug}/{self.slug}"


class FeatureQuerySet(models.QuerySet):
    def in_play(self) -> FeatureQuerySet:
        """Features of the active campaign: their scoring records stay unpublished."""
        return self.filter(campaigns__active=True)

    def gold(self) -> FeatureQuerySet:
        """Planted features served as gold: kept out of research tools, search and exports,
        where their rule (or their empty slot) would tell them apart."""
        return self.filter(planted__active=True)


# A feature leaves normal play once settled or after this many votes (past that, more votes
# mostly say the options are close); retired features come back only when nothing else is left.
RETIRE_AFTER_VOTES = 15


class Feature(models.Model):
    objects = FeatureQuerySet.as_manager()

    # JSON columns only the feature page's dashboards read; decoding them was a tenth of the
    # time to serve a puzzle, which never shows them (defer them there).
    DASHBOARD_FIELDS = ("histogram", "logits_promoted", "logits_suppressed", "neighbours")

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="features")
    index = models.PositiveIntegerField()
    max_activation = models.FloatField(default=0.0)
    frac_nonzero = models.FloatField(default=0.0, help_text="Fraction of corpus tokens where it fires")
    histogram = models.JSONField(default=dict, blank=True, help_text='{"edges": [...], "counts": [...]}')
    logits_promoted = models.JSONField(default=list, blank=True)
    logits_suppressed = models.JSONField(default=list, blank=True)
    logit_std = models.FloatField(null=True, blank=True)
    logit_skewness = models.FloatField(null=True, blank=True)
    logit_kurtosis = models.FloatField(null=True, blank=True)
    neighbours = models.JSONField(default=list, blank=True, help_text="[[index, cosine], ...]")
    # Where the feature sits on its source's map (UMAP of decoder directions, in [0, 1]).
    map_x = models.FloatField(null=True, blank=True)
    map_y = models.FloatField(null=True, blank=True)
    vote_count = models.PositiveIntegerField(default=0)
    settled_explanation = models.ForeignKey(
        "Explanation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    settled_reason = models.CharField(max_length=500, blank=True, help_text="Which rule settled it, in words")
    # Kept by the database from the two columns it reads, so no write path can forget it; with
    # the index below, choosing a puzzle walks features in play order and stops at the first
    # few the player has not seen, instead of sorting every candidate on every request.
    retired = models.GeneratedField(
        expression=Q(settled_explanation__isnull=False) | Q(vote_count__gte=RETIRE_AFTER_VOTES),
        output_field=models.BooleanField(),
        db_persist=True,
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "index"], name="feature_unique_index_per_source")]
        indexes = [models.Index(fields=["retired", "vote_count", "id"], name="feature_play_order")]
        ordering = ["source", "index"]

    def __str__(self) -> str:
        return f"{self.source}/{self.index}"

    @property
    def ref(self) -> FeatureRef:
        """Its public name; reads `source.model`, so select or prefetch them for many features."""
        return FeatureRef(self.source.model.slug, self.source.slug, self.index)

    def get_absolute_url(self) -> str:
        return self.ref.url()

    @property
    def in_play(self) -> bool:
        """In the active campaign. While it is, the records its explanations are scored on
        (held-out top records and random records) are shown nowhere; they are published once
        the feature leaves play."""
        return Feature.objects.in_play().filter(pk=self.pk).exists()


class ActivationRecord(models.Model):
    """One window of text with this feature's activation on each token.

    Stored compactly: token ids as int32 bytes, and only the non-zero activations
    (positions as uint16, values as float32) because most tokens do not fire.
    """

    class Kind(models.TextChoices):
        TOP = "top", "Top activating"
        QUANTILE = "quantile", "Quantile bin"
        RANDOM = "random", "Random (non-activating)"

    feature = models.ForeignKey(Feature, on_delete=models.CASCADE, related_name="records")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    rank = models.PositiveIntegerField(default=0, help_text="Order within its kind / bin")
    quantile_bin = models.PositiveSmallIntegerField(null=True, blank=True)
    token_ids = models.BinaryField()
    nz_positions = models.BinaryField()
    nz_values = models.BinaryField()
    length = models.PositiveSmallIntegerField()
    max_value = models.FloatField()
    max_position = models.PositiveSmallIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0, help_text="Near-duplicate windows this one stands for")
    held_out = models.BooleanField(default=False, help_text="Kept from the clues for scoring")
    # A third set, disjoint from clues and scoring records: snippets no player has seen, for
    # modes where players predict activations themselves. Never shown while the feature is in play.
    unseen = models.BooleanField(default=False, help_text="Kept from clues and scoring, for prediction modes")
    # Decided once, when the record is imported (and again by `manage.py recheck_explicit` after
    # the word list changes), so serving a clue never scans its text.
    explicit = models.BooleanField(
        default=False, db_index=True, help_text="Its text holds a refused word: hidden from players who hide explicit content"
    )

    class Meta:
        ordering = ["feature", "kind", "quantile_bin", "rank"]
        indexes = [models.Index(fields=["feature", "kind", "rank"])]

    def ids(self) -> np.ndarray:
        return np.frombuffer(bytes(self.token_ids), dtype=np.int32)

    def values(self) -> list[float]:
        dense = np.zeros(self.length, dtype=np.float32)
        pos = np.frombuffer(bytes(self.nz_positions), dtype=np.uint16)
        dense[pos] = np.frombuffer(bytes(self.nz_values), dtype=np.float32)
        # Rounded in float64 as Python's round() would, in one numpy pass.
        return np.round(dense.astype(np.float64), 4).tolist()

    def tokens(self, model: LanguageModel | None = None) -> list[str]:
        model = model or self.feature.source.model
        return model.decode(self.ids())

    def text(self, model: LanguageModel | None = None) -> str:
        """The whole window as one string: what `explicit` is decided on."""
        return "".join(self.tokens(model))

    @staticmethod
    def encode_values(values: np.ndarray) -> tuple[bytes, bytes]:
        values = np.asarray(values, dtype=np.float32)
        pos = np.flatnonzero(values).astype(np.uint16)
        return pos.tobytes(), values[pos].astype(np.float32).tobytes()


class PreparedClues(models.Model):
    """A feature's clues encoded once as the JSON the puzzle API sends (`game.clues`), so serving
    a puzzle neither decodes records nor re-encodes them. `version` says what it was built from
    (the display format and the source's pack version): a row of another version is rebuilt on
    its next read; writers that change records without a new pack version delete the row."""

    feature = models.OneToOneField(Feature, primary_key=True, on_delete=models.CASCADE, related_name="prepared_clues")
    version = models.CharField(max_length=100)
    shown = models.TextField(help_text='JSON members "clues" and "quantiles", every record shown')
    # Empty when no clue is explicit: `shown` serves both kinds of player then.
    hidden_explicit = models.TextField(blank=True, help_text="The same with explicit clues as placeholders")


# Stands as the author of a deleted player's explanations: the check constraint requires an
# author, and the text stays in play (its score and votes belong to the feature's history).
DELETED_PLAYER = "deleted player"


class Explanation(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft (over the daily limit; scored later)"
        QUEUED = "queued", "Queued for scoring"
        SCORED = "scored", "Scored"
        FAILED = "failed", "Scoring failed"

    feature = models.ForeignKey(Feature, on_delete=models.CASCADE, related_name="explanations")
    text = models.CharField(max_length=settings.EXPLANATION_MAX_CHARS)
    normalized_text = models.CharField(max_length=settings.EXPLANATION_MAX_CHARS, db_index=True, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="explanations"
    )
    author_model = models.CharField(max_length=200, blank=True, help_text="Name of the explainer, for model-authored text")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    # `hidden` is what every query filters on: out of play for either reason below, kept in step
    # by game.services.standing (a ban lifted must not unhide what a moderator hid, nor the reverse).
    hidden = models.BooleanField(default=False, help_text="Out of play: hidden by a moderator or its author banned")
    moderator_hidden = models.BooleanField(default=False, help_text="Hidden by a moderator (or by trusted reports)")
    author_banned = models.BooleanField(default=False, help_text="Its author is banned")
    vote_count = models.PositiveIntegerField(default=0)
    # Denormalised from the primary-method Score so lists sort without joins.
    score_value = models.FloatField(null=True, blank=True)
    score_method = models.CharField(max_length=64, blank=True)
    score_version = models.CharField(max_length=32, blank=True)
    score_pack_version = models.CharField(max_length=64, blank=True)
    score_stderr = models.FloatField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["feature", "text"], name="explanation_unique_text_per_feature"),
            models.CheckConstraint(
                condition=Q(author__isnull=False) | ~Q(author_model=""), name="explanation_has_an_author"
            ),
        ]
        ordering = ["-score_value", "-vote_count", "created"]

    def __str__(self) -> str:
        return self.text

    @property
    def author_kind(self) -> str:
        return self.kind_of(self.author_id, self.author_model)

    @staticmethod
    def kind_of(author_id: int | None, author_model: str) -> str:
        """"human" or "model": a deleted player's explanations stay human-written."""
        return "human" if author_id or author_model == DELETED_PLAYER else "model"

    @property
    def author_name(self) -> str:
        if self.author_id:
            return self.author.get_username()
        return self.author_model

    def save(self, *args, **kwargs) -> None:
        from game.text import normalize_explanation

        self.normalized_text = normalize_explanation(self.text)
        super().save(*args, **kwargs)


class Score(models.Model):
    """One scoring of one explanation by one method.

    A failure is a status with a reason, never a number: the constraint below makes a
    value impossible unless the scorer finished with a defined result.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        WAITING_BUDGET = "waiting_budget", "Waiting for scoring budget"
        OK = "ok", "Scored"
        UNDEFINED = "undefined", "Undefined (no variance to correlate)"
        FAILED = "failed", "Failed"

    explanation = models.ForeignKey(Explanation, on_delete=models.CASCADE, related_name="scores")
    method = models.CharField(max_length=64)
    # Scores compare only within one method, scorer version and pack version (the records).
    version = models.CharField(max_length=32, default="1")
    pack_version = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    value = models.FloatField(null=True, blank=True)
    stderr = models.FloatField(null=True, blank=True, help_text="Bootstrap standard error over the scored records")
    details = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    tokens_in = models.PositiveIntegerField(default=0)
    tokens_out = models.PositiveIntegerField(default=0)
    cost_usd = models.FloatField(default=0.0)
    created = models.DateTimeField(auto_now_add=True)
    finished = models.DateTimeField(null=True, blank=True)
    # Set once the author has been told (after the score commits): a worker killed between the
    # two leaves it unset, and the job's re-run tells them then.
    announced = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["explanation", "method", "version", "pack_version"], name="score_once_per_method_version"
            ),
            models.CheckConstraint(
                condition=Q(status="ok", value__isnull=False) | (~Q(status="ok") & Q(value__isnull=True)),
                name="score_value_only_when_ok",
            ),
        ]
        # Workers look for lost announcements every second: only the few unannounced rows are indexed.
        indexes = [models.Index(fields=["finished"], condition=Q(announced=False), name="score_unannounced")]

    def __str__(self) -> str:
        return f"{self.method}: {self.status} {self.value}"


class Vote(models.Model):
    # A deleted player's votes stay, attributed to nobody: vote_count fields are counts of these
    # rows, and settling depends on them, so the rows and the counts must leave together or not at all.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="votes"
    )
    explanation = models.ForeignKey(Explanation, on_delete=models.CASCADE, related_name="votes")
    # False while its voter is banned: the vote_count fields count only counted votes.
    counted = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "explanation"], name="one_vote_per_player")]


class Campaign(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=False)
    features = models.ManyToManyField(Feature, related_name="campaigns", blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # At most one campaign is played at a time.
            models.UniqueConstraint(fields=["active"], condition=Q(active=True), name="one_active_campaign")
        ]

    def __str__(self) -> str:
        return self.name


# --- Game state (backend, issue 4) -------------------------------------------------------


class PuzzleView(models.Model):
    """One puzzle shown to one player, and what they did with it.

    A player is a user or, before login, a session key. The row's id is the `puzzle_id`
    of the API, so skip/flag refer to a puzzle actually served to this player.
    """

    class Action(models.TextChoices):
        SEEN = "seen", "Seen"
        SKIP = "skip", "Skipped"
        FLAG = "flag", "Flagged"

    class Reason(models.TextChoices):
        NONE_FIT = "none_fit", "None of the explanations fit"
        POLYSEMANTIC = "polysemantic", "Does several unrelated things"
        EXPLICIT = "explicit", "Explicit content"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="puzzle_views"
    )
    session_key = models.CharField(max_length=64, blank=True, db_index=True)
    feature = models.ForeignKey(Feature, on_delete=models.CASCADE, related_name="puzzle_views")
    action = models.CharField(max_length=16, choices=Action.choices, default=Action.SEEN)
    reason = models.CharField(max_length=16, choices=Reason.choices, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "feature"]),
            models.Index(fields=["session_key", "feature"]),
            models.Index(fields=["action", "reason"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(user__isnull=False) | ~Q(session_key=""), name="puzzleview_has_a_player")
        ]

    def __str__(self) -> str:
        return f"{self.user or self.session_key[:8]} {self.action} {self.feature}"


class PointsEvent(models.Model):
    """Points earned, one row per award; boards are sums over a period (see game/POINTS.md).

    The unique constraints make every award idempotent: retries and races cannot pay twice.
    """

    class Reason(models.TextChoices):
        NEW_BEST = "new_best", "Explanation beat the previous best score"
        SETTLED_BEST = "settled_best", "Wrote the settled best explanation"
        VOTE_RECEIVED = "vote_received", "Another player voted for your explanation"
        CONSENSUS = "consensus", "Voted for the explanation that settled as best"
        REVERSED = "reversed", "Points taken back: the explanation was deleted or hidden, or its voter banned"
        RESTORED = "restored", "Points given back: the explanation was unhidden, or its voter unbanned"
        GOLD_CORRECT = "gold_correct", "Chose the true explanation of a check puzzle"
        SIMULATION = "simulation", "Predicted where a feature fires from its explanation"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="points_events")
    points = models.IntegerField()
    reason = models.CharField(max_length=32, choices=Reason.choices)
    # SET_NULL, not CASCADE: removing an explanation or a voter must never take away points
    # other players earned; a deleted explanation's points are taken back by `reversed` rows.
    explanation = models.ForeignKey(Explanation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    feature = models.ForeignKey(Feature, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    other_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The voter, for vote_received",
    )
    # An award can be taken back and given back more than once (hidden, unhidden, hidden again):
    # its standing is its points plus those of its compensations, which
    # game.services.compensation keeps at zero or the award's points, under the feature's lock.
    reverses = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="compensations",
        help_text="The award this row takes back (reversed) or gives back (restored)",
    )
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["created", "user"])]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "reason", "explanation"],
                condition=~Q(reason="vote_received"),
                name="points_once_per_award",
            ),
            models.UniqueConstraint(
                fields=["user", "explanation", "other_user"],
                condition=Q(reason="vote_received"),
                name="points_once_per_vote_received",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} +{self.points} {self.reason}"


class DailyCounter(models.Model):
    """A per-player, per-UTC-day counter taken with one conditional UPDATE, so parallel
    requests in any number of processes never take more than the limit."""

    class Kind(models.TextChoices):
        SCORED_EXPLANATIONS = "scored_explanations", "Scored explanations"
        VOTE_POINTS = "vote_points", "Points from votes received"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="daily_counters")
    day = models.DateField()
    kind = models.CharField(max_length=32, choices=Kind.choices)
    used = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day", "kind"], name="one_counter_per_user_day_kind")]

    def __str__(self) -> str:
        return f"{self.user} {self.day} {self.kind}: {self.used}"


class DeletedExplanation(models.Model):
    """What an author deleted, by normalized text: writing it again on the same feature is
    refused, so deleting and resubmitting cannot earn the same awards afresh."""

    feature = models.ForeignKey(Feature, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    normalized_text = models.CharField(max_length=settings.EXPLANATION_MAX_CHARS)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["feature", "author", "normalized_text"], name="deleted_explanation_once_per_author"
            )
        ]


class LlmUsage(models.Model):
    """The cost ledger: one row per scoring or explaining run that called a paid model."""

    class Purpose(models.TextChoices):
        SCORE = "score", "Scoring"
        EXPLAIN = "explain", "Explaining"

    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    method = models.CharField(max_length=64, help_text="Scoring method or explainer")
    llm_model = models.CharField(max_length=200, blank=True)
    explanation = models.ForeignKey(Explanation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    calls = models.PositiveIntegerField(default=0)
    tokens_in = models.PositiveIntegerField(default=0)
    tokens_out = models.PositiveIntegerField(default=0)
    cost_usd = models.FloatField(default=0.0)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name_plural = "LLM usage"


class SiteSetting(models.Model):
    """An operator's override of a setting that every web and worker process must agree on
    (e.g. the daily limit). Read through `game.site_settings`, which falls back to the
    environment's value when no row exists."""

    key = models.CharField(max_length=100, unique=True)
    value = models.JSONField()
    updated = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.key} = {self.value!r}"


class PlantedFeature(models.Model):
    """A feature whose activation is a known rule, built from the corpus, with its true
    explanation among plausible decoys: served as an ordinary puzzle ("gold") so that players'
    accuracy can be measured on answers that are known. It takes the place of a dead feature
    of a real source, so nothing in its reference tells it apart; while it is in play it is
    left out of research tools, search and exports, and it never settles (a settled mark
    would give the answer away)."""

    class Kind(models.TextChoices):
        TOKEN = "token", "A set of words"
        CONTEXT = "context", "A word in a context"
        POSITION = "position", "A position or structure"

    feature = models.OneToOneField(Feature, on_delete=models.CASCADE, related_name="planted")
    key = models.CharField(max_length=100, unique=True, help_text="The rule's stable name, e.g. token/family")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    rule = models.JSONField(default=dict)
    true_explanation = models.OneToOneField(Explanation, on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(default=True, help_text="Served as gold; off once retired")
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"planted {self.key} as {self.feature}"


class GoldAnswer(models.Model):
    """A player's first answer on a planted feature: the explanation they voted for, and whether
    it was the true one. Only first answers count (the result card tells them afterwards)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="gold_answers")
    planted = models.ForeignKey(PlantedFeature, on_delete=models.CASCADE, related_name="answers")
    chosen = models.ForeignKey(Explanation, null=True, on_delete=models.SET_NULL, related_name="+")
    options = models.PositiveSmallIntegerField(help_text="How many explanations the player chose among")
    correct = models.BooleanField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "planted"], name="one_gold_answer_per_player")]
        indexes = [models.Index(fields=["user", "created"])]


class SimulationTask(models.Model):
    """Human simulation: a player is shown one explanation (not the clues) and a few unseen
    snippets, some where the feature fires and some where it does not, and marks the tokens
    they predict it fires on. Their marks score the explanation as a simulator's would; on a
    planted feature they also measure the player."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="simulation_tasks")
    explanation = models.ForeignKey(Explanation, on_delete=models.CASCADE, related_name="simulations")
    record_ids = models.JSONField(default=list, help_text="The unseen records shown, in the order shown")
    marks = models.JSONField(null=True, blank=True, help_text="Per snippet, the token positions marked")
    token_correlation = models.FloatField(null=True, blank=True)
    balanced_accuracy = models.FloatField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    answered = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One answer per player per explanation: a second look would be a second guess.
            models.UniqueConstraint(fields=["user", "explanation"], name="one_simulation_per_player_explanation")
        ]
        indexes = [models.Index(fields=["explanation", "answered"])]


class Comparison(models.Model):
    """This or that: two explanations of one feature side by side; the player picks the better.
    The picks feed a Bradley-Terry rating of the feature's explanations."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comparisons")
    feature = models.ForeignKey(Feature, on_delete=models.CASCADE, related_name="comparisons")
    left = models.ForeignKey(Explanation, on_delete=models.CASCADE, related_name="+")
    right = models.ForeignKey(Explanation, on_delete=models.CASCADE, related_name="+")
    winner = models.ForeignKey(Explanation, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    answered = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "left", "right"], name="one_comparison_per_player_pair"),
            models.CheckConstraint(condition=~Q(left=F("right")), name="comparison_of_two_explanations"),
            models.CheckConstraint(
                condition=Q(winner__isnull=True) | Q(winner=F("left")) | Q(winner=F("right")),
                name="comparison_winner_is_one_of_the_pair",
            ),
        ]
        indexes = [models.Index(fields=["feature", "answered"])]
